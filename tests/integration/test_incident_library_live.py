"""Every incident of the drill library bites on the real stack: started as a drill (by the
seed that picks it), its steady state breaks within the time a drill allows before voiding it,
and it pages, or its file says why it should not (`quiet`). Then it is revealed (its faults
reverted) and the next one starts from a steady state again.

About 12 minutes on 2 cores: `make test-library` (the `library` marker), not `make test`."""

from __future__ import annotations

import json
import time

import pytest

from chaos.drills import incidents
from chaos.testing.drills import seed_for

pytestmark = [pytest.mark.stack, pytest.mark.slow, pytest.mark.library]

# A drill that has neither broken its steady state nor paged by 90 s is voided
# (chaos/drills/steady.py ARM_AFTER_SECONDS); watch a little less than that.
WATCH_SECONDS = 80.0
LIBRARY = incidents.library()


def topology(stack) -> incidents.Topology:
    names = stack.controller.get("/api/drills/choices")["components"]  # what runs now
    return incidents.Topology(webs=sorted(n for n in names if n.startswith("web-")),
                              stores=sorted(n for n in names if n.startswith("store-")),
                              leader=stack.leader())


def start(stack, name: str) -> dict:
    """Start the drill that is incident `name`, once the stack is steady again."""
    difficulty = LIBRARY[name].difficulty

    def attempt():
        seed = seed_for(difficulty, name, topology(stack))
        result = stack.cli("drill", "start", "--difficulty", difficulty, "--seed", str(seed),
                           "--json", check=False)
        return json.loads(result.stdout) if result.returncode == 0 else None

    return stack.wait_for(attempt, timeout=180, interval=3,
                          what=f"a steady stack to start the {name} drill")


def watch(stack) -> dict:
    """Poll the running drill until it has broken its steady state and paged, or time is up;
    the learner's view (it names no fault) is enough to tell."""
    deadline = time.monotonic() + WATCH_SECONDS
    seen = {"breach": False, "paged": False}
    while time.monotonic() < deadline:
        current = stack.controller.get("/api/drills/current")
        seen["breach"] |= current["steady_state"]["holds"] is False
        seen["paged"] |= current["paged_after"] is not None
        if all(seen.values()):
            break
        time.sleep(2)
    return seen


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_the_incident_bites_and_pages(stack, name):
    stack.wait_healthy(timeout=120)
    started = start(stack, name)
    assert started["state"] == "running"
    seen = watch(stack)
    revealed = json.loads(stack.cli("drill", "reveal", "--json", timeout=180).stdout)
    assert revealed["incident"] == name  # the seed picked what the test meant
    assert revealed["outcome"] != "void", revealed["events"]
    assert revealed["first_breach_after"] is not None or revealed["paged_after"] is not None
    assert seen["breach"], f"{name}: the steady state never broke: {revealed['events']}"
    quiet = LIBRARY[name].quiet
    if quiet is None:
        assert revealed["paged_after"] is not None, f"{name} never paged: {revealed['events']}"
    assert all(f["ended_at"] is not None for f in revealed["faults"]), revealed["faults"]
