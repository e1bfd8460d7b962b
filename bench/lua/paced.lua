-- wrk -s paced.lua: rate-limited load (wrk2 is not packaged for Debian).
-- Every connection waits PACE_DELAY_MS between its requests, so C connections offer about
-- C * 1000 / PACE_DELAY_MS req/s while latencies stay below the delay. wrk's latency
-- figures exclude the delay. Optional PACE_METHOD / PACE_BODY for writes.
local delay_ms = tonumber(os.getenv("PACE_DELAY_MS") or "100")
local method = os.getenv("PACE_METHOD")
if method then
  wrk.method = method
  wrk.body = os.getenv("PACE_BODY") or ""
  wrk.headers["Content-Type"] = "application/json"
end
function delay()
  return delay_ms
end
