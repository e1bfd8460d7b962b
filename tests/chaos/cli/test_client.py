"""The CLI's controller client when nothing answers: say what to do, not just errno 111."""

import pytest

from chaos.cli.client import ControllerClient, ControllerUnavailable
from chaos.settings import Settings
from chaos.stack.plan import build_plan
from chaos.state import StateDir


def stopped_stack(tmp_path, runtime: str = "local") -> StateDir:
    """A stack.json left by `gameday down`: its controller port answers nothing."""
    state = StateDir(tmp_path)
    plan = build_plan(Settings(state_dir=tmp_path, ports="free", web_instances=3))
    state.write_json(state.stack_file, plan.model_copy(update={"runtime": runtime}).model_dump())
    return state


def test_a_local_stack_that_is_down_says_to_run_up(tmp_path):
    with pytest.raises(ControllerUnavailable, match=r"not running .*`gameday up`"):
        ControllerClient(stopped_stack(tmp_path), timeout=2).get("/api/status")


def test_an_unanswering_compose_controller_names_its_address(tmp_path):
    state = stopped_stack(tmp_path, runtime="docker")
    with pytest.raises(ControllerUnavailable, match="does not answer"):
        ControllerClient(state, timeout=2).get("/api/status")


def test_no_stack_at_all_says_to_run_up(tmp_path):
    with pytest.raises(ControllerUnavailable, match="run `gameday up` first"):
        ControllerClient(StateDir(tmp_path))
