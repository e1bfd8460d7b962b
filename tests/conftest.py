from __future__ import annotations

import signal

import pytest

from tests.integration.stackctl import Stack


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config):
    # `timeout`, CI and `kill` stop a run with SIGTERM, which by default ends Python without
    # running any `finally`: the session's stack (etcd, HAProxy, Prometheus, the controller)
    # would outlive the run. As an interrupt, pytest tears the fixtures down first.
    signal.signal(signal.SIGTERM, _interrupt)


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    """One real local stack for the session, always torn down, even when a test fails."""
    running = Stack(tmp_path_factory.mktemp("gameday-state"))
    try:
        running.up("--rate", "20")
        yield running
    finally:
        running.down()
