"""``python -m services.web``: one uvicorn process serving one web instance."""

from __future__ import annotations

import uvicorn

from services import jsonlog
from services.heap import freeze_startup_heap
from services.web.app import create_app
from services.web.settings import WebSettings


def main() -> None:
    settings = WebSettings()
    jsonlog.configure(settings.name)
    app = create_app(settings)
    freeze_startup_heap()
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        # "auto" picks uvloop and httptools when they are installed.
        loop="auto",
        http="auto",
        access_log=False,
        log_config=None,  # uvicorn's own lines go through the JSON lines too
        lifespan="on",
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
