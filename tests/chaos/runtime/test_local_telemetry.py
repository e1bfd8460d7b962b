"""The local runtime starts a web instance with its traces endpoint in the environment."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from chaos.runtime.local import LocalRuntime
from chaos.state import StateDir
from tests.chaos.runtime.test_local_runtime import plan_of, spec


async def test_the_local_runtime_starts_a_web_process_with_the_endpoint(tmp_path: Path):
    state = StateDir(tmp_path)
    state.ensure()
    seen = tmp_path / "seen"
    argv = [sys.executable, "-c",
            "import os, sys; open(sys.argv[1], 'w').write("
            "os.environ.get('GAMEDAY_WEB_TRACES_ENDPOINT', 'unset'))", str(seen)]
    runtime = LocalRuntime(plan_of(spec("web-1", argv=argv), state=state), state)
    try:
        await runtime.start("web-1")
        deadline = time.monotonic() + 10
        while not (seen.exists() and seen.read_text()) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert seen.read_text() == "http://127.0.0.1:1/v1/traces"
    finally:
        await runtime.stop_all()
