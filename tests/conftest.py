from __future__ import annotations

import pytest

from tests.integration.stackctl import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    """One real local stack for the session, always torn down, even when a test fails."""
    running = Stack(tmp_path_factory.mktemp("gameday-state"))
    try:
        running.up("--rate", "20")
        yield running
    finally:
        running.down()
