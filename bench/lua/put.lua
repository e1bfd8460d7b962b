-- wrk -s put.lua: PUT /kv/<key> through the web API (body and headers fixed).
wrk.method = "PUT"
wrk.body = '{"value":"bench-value"}'
wrk.headers["Content-Type"] = "application/json"
