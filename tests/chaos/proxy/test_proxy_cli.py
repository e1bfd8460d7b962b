"""The real CLI: `python -m chaos.proxy --config ... --admin-port ...`."""

from __future__ import annotations

import socket

from tests.chaos.proxy.proxy_harness import free_port
from tests.chaos.proxy.proxy_process import proxy_process


def test_cli_forwards_and_serves_admin(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as upstream:
        upstream_port = upstream.getsockname()[1]
        listen = free_port()
        config = {
            "links": [
                {"name": "lb->web-1", "listen": f"127.0.0.1:{listen}",
                 "upstream": f"127.0.0.1:{upstream_port}", "kind": "tcp"},
            ]
        }  # fmt: skip
        with proxy_process(tmp_path, config) as admin:
            with socket.create_connection(("127.0.0.1", listen), timeout=5) as client:
                client.settimeout(5)
                upstream.settimeout(5)
                server_side, _ = upstream.accept()
                with server_side:
                    client.sendall(b"GET / HTTP/1.1\r\n\r\n")
                    assert server_side.recv(100) == b"GET / HTTP/1.1\r\n\r\n"
                    server_side.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
                    assert client.recv(100).startswith(b"HTTP/1.1 204")
            (link,) = admin.get("/links").json()
            assert link["name"] == "lb->web-1"
            assert link["bytes_up"] == 18
            assert "proxy_faults_active 0.0" in admin.get("/metrics").text
