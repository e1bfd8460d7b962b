"""`python -m chaos.proxy --config links.json --admin-host 127.0.0.1 --admin-port 8701`

The admin token comes from GAMEDAY_ADMIN_TOKEN or the file named by GAMEDAY_ADMIN_TOKEN_FILE.
"""

from __future__ import annotations

import argparse
import asyncio

import uvicorn

from chaos.proxy.admin import create_app
from chaos.proxy.config import ProxyConfig
from chaos.proxy.server import Proxy
from chaos.proxy.token import read_admin_token
from services import jsonlog
from services.heap import freeze_startup_heap


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m chaos.proxy", description=__doc__)
    parser.add_argument("--config", required=True, help="link table JSON (links, peer_ids)")
    parser.add_argument("--admin-host", default="127.0.0.1")
    parser.add_argument("--admin-port", type=int, required=True)
    parser.add_argument("--log-level", default="info")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    token = read_admin_token()  # before listening: an unreadable token file stops the start
    proxy = Proxy(ProxyConfig.load(args.config))
    await proxy.start()
    config = uvicorn.Config(
        create_app(proxy, token=token),
        host=args.admin_host,
        port=args.admin_port,
        log_level="warning",
        access_log=False,
        log_config=None,
        lifespan="off",
    )
    try:
        await uvicorn.Server(config).serve()  # returns on SIGINT / SIGTERM
    finally:
        await proxy.stop()


def loop_factory():
    """uvloop when available: a large share of the proxy's cost is the event loop itself."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    jsonlog.configure("proxy", args.log_level)
    freeze_startup_heap()
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(serve(args))


if __name__ == "__main__":
    main()
