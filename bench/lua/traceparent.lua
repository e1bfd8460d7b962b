-- wrk -s traceparent.lua: every request starts a new W3C trace, as the load generator does
-- (services/loadgen/tracecontext.py): random ids, sampled (flags 01) for a share
-- TRACE_SAMPLE_RATIO of the requests (default 0.05, the load generator's default), else 00.
-- A request with no traceparent (a user's curl) is always recorded by web, so bare wrk
-- requests would measure a stack that traces every request, which the load generator's
-- traffic does not.
-- Optional: WRK_METHOD and WRK_BODY (a write, JSON); PACE_DELAY_MS (every connection waits
-- that long between its requests, as paced.lua).
local ratio = tonumber(os.getenv("TRACE_SAMPLE_RATIO") or "0.05")
math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1e6))

local method = os.getenv("WRK_METHOD")
if method then
  wrk.method = method
  wrk.body = os.getenv("WRK_BODY") or ""
  wrk.headers["Content-Type"] = "application/json"
end

local delay_ms = tonumber(os.getenv("PACE_DELAY_MS") or "")
if delay_ms then
  function delay()
    return delay_ms
  end
end

local function hex8()
  return string.format("%08x", math.random(0, 0x7fffffff))
end

function request()
  local flags = math.random() < ratio and "01" or "00"
  wrk.headers["traceparent"] = "00-" .. hex8() .. hex8() .. hex8() .. hex8() .. "-"
    .. hex8() .. hex8() .. "-" .. flags
  return wrk.format()
end
