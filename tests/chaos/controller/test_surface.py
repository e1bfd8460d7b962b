"""The controller is what its API reads (`ControllerSurface`), and it hands each service only
the parts it needs: no service holds the controller itself."""

from __future__ import annotations

from pathlib import Path

from chaos.api.surface import ControllerSurface
from chaos.cluster import ClusterView
from chaos.controller.service import Controller
from chaos.settings import Settings
from chaos.stack.plan import build_plan
from chaos.state import StateDir
from tests.chaos.controller.test_scrape_config import runtime_of


async def test_the_controller_is_the_apis_surface_and_no_service_holds_it(tmp_path: Path):
    plan = build_plan(Settings(state_dir=tmp_path, ports="free"))
    controller = Controller(plan, StateDir(tmp_path), runtime_of(plan, ["web-1"]))
    try:
        assert isinstance(controller, ControllerSurface)
        assert isinstance(controller, ClusterView)
        for service in (controller.faults, controller.runner, controller.scheduler,
                        controller.scheduler.schedules, controller.scheduler.monkey,
                        controller.remediation, controller.drills, controller.pager,
                        controller.events):
            held = [name for name, value in vars(service).items() if value is controller]
            assert not any(isinstance(v, Controller) for v in vars(service).values()), \
                (type(service).__name__, held)
    finally:
        await controller.close()
