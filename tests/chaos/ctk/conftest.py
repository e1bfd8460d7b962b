"""The controller's real API over the FakeController, served on 127.0.0.1 in a thread: the
extension is synchronous (Chaos Toolkit calls it so), so it needs a real socket."""

from __future__ import annotations

import asyncio
import json
import socket
import threading

import pytest
import uvicorn
from prometheus_client import CollectorRegistry

from chaos.api.app import create_app
from chaos.ctk import client as ctk_client
from chaos.testing.controller import FakeController

TOKEN = "ctk-test-token"


class Served:
    def __init__(self, state_dir) -> None:
        self.state_dir = state_dir
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.controller = FakeController(self.state_dir)
        app = create_app(self.controller, TOKEN, registry=CollectorRegistry())
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.loop.call_soon(self.ready.set)
        self.loop.run_until_complete(self.server.serve(sockets=[self.sock]))
        self.loop.run_until_complete(self.controller.close())

    def start(self) -> Served:
        self.thread.start()
        assert self.ready.wait(10)
        while not self.server.started:
            threading.Event().wait(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()

    @property
    def configuration(self) -> dict:
        return {"gameday_controller_url": self.url}

    def journal(self) -> list[dict]:
        path = self.state_dir / "journal.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def served(tmp_path):
    running = Served(tmp_path).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def secrets() -> dict:
    return {"token": TOKEN}


@pytest.fixture(autouse=True)
def _network_transport():
    ctk_client.use_transport(None)
    yield
    ctk_client.use_transport(None)
