"""`gameday status` when the controller is down: what the recorded processes can tell."""

from chaos.cli.local_stack import offline_status
from chaos.settings import Settings
from chaos.stack.plan import build_plan
from chaos.state import StateDir


def test_offline_status_lists_the_stack_without_standby_slots(tmp_path):
    state = StateDir(tmp_path)
    plan = build_plan(Settings(state_dir=tmp_path, ports="free", web_instances=3))
    state.write_json(state.stack_file, plan.model_dump())

    status = offline_status(state)

    names = [c["name"] for c in status["components"]]
    assert [n for n in names if n.startswith("web-")] == ["web-1", "web-2", "web-3"]
    assert names[-1] == "controller"
    assert status["phase"] == "controller-down" and status["runtime"] == "local"
    web1 = next(c for c in status["components"] if c["name"] == "web-1")
    assert web1 == {
        "name": "web-1", "role": "web", "state": "stopped", "health": "unknown", "pid": None,
        "url": plan.component("web-1").url, "leader": None, "restarts": 0, "held_down": False,
        "last_exit": None, "exit": None,
    }


def test_offline_status_needs_a_plan(tmp_path):
    assert offline_status(StateDir(tmp_path)) is None
