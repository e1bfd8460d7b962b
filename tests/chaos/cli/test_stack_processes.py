"""`gameday down` stops what is left of a stack, found by the marker in each process's
environment, and nothing else: not a user's process that merely has GAMEDAY_STATE_DIR
exported, and never the chain of processes that runs `down` itself (e.g. `make down`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from chaos.cli.local_stack import stack_processes
from chaos.state import STACK_MEMBER_ENV, StateDir

SLEEP = [sys.executable, "-c", "import time; time.sleep(30)"]


@pytest.fixture
def spawn():
    started = []

    def start(argv, **env):
        proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.PIPE)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()
        proc.wait()


def test_only_processes_with_the_stack_marker_are_found(tmp_path, spawn):
    member = spawn(SLEEP, **{STACK_MEMBER_ENV: str(tmp_path)})
    user_shell_child = spawn(SLEEP, GAMEDAY_STATE_DIR=str(tmp_path))
    other_stack = spawn(SLEEP, **{STACK_MEMBER_ENV: str(tmp_path / "elsewhere")})
    found = {p.pid for p in stack_processes(StateDir(tmp_path))}
    assert member.pid in found
    assert user_shell_child.pid not in found and other_stack.pid not in found


def test_the_caller_and_its_ancestors_are_spared(tmp_path, spawn):
    # A parent and a child that both carry the marker; the child asks what belongs to the
    # stack, as `gameday down` would when run by a make or a shell inside the stack's env.
    finder = (
        "import json, sys; from chaos.cli.local_stack import stack_processes; "
        "from chaos.state import StateDir; "
        "print(json.dumps([p.pid for p in stack_processes(StateDir(sys.argv[1]))]))"
    )
    parent = spawn(
        [sys.executable, "-c",
         "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))",
         sys.executable, "-c", finder, str(tmp_path)],
        **{STACK_MEMBER_ENV: str(tmp_path)},
    )
    out, _ = parent.communicate(timeout=30)
    assert parent.returncode == 0
    assert parent.pid not in json.loads(out)
