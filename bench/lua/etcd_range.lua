-- wrk -s etcd_range.lua: etcd's JSON gateway linearizable range read of "bench/key".
wrk.method = "POST"
wrk.body = '{"key":"YmVuY2gva2V5"}'
wrk.headers["Content-Type"] = "application/json"
