-- wrk -s etcd_put.lua: etcd's JSON gateway put of key "bench/key" ("YmVuY2gva2V5").
wrk.method = "POST"
wrk.body = '{"key":"YmVuY2gva2V5","value":"YmVuY2gtdmFsdWU="}'
wrk.headers["Content-Type"] = "application/json"
