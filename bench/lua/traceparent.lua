-- wrk -s traceparent.lua: every request starts a new W3C trace, as the load generator does
-- (services/loadgen/tracecontext.py): random ids, sampled (flags 01) for a share
-- TRACE_SAMPLE_RATIO of the requests (default 0.05, the load generator's default), else 00.
local ratio = tonumber(os.getenv("TRACE_SAMPLE_RATIO") or "0.05")
math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1e6))

local function hex8()
  return string.format("%08x", math.random(0, 0x7fffffff))
end

function request()
  local flags = math.random() < ratio and "01" or "00"
  wrk.headers["traceparent"] = "00-" .. hex8() .. hex8() .. hex8() .. hex8() .. "-"
    .. hex8() .. hex8() .. "-" .. flags
  return wrk.format()
end
