"""The extension's probes: status from the real API, PromQL answers from a fake Prometheus."""

from __future__ import annotations

import httpx
import pytest
from chaoslib.discovery.discover import discover_activities
from chaoslib.exceptions import ActivityFailed

import chaos.ctk
from chaos.ctk import actions, client, probes

CONFIG = {"gameday_controller_url": "http://controller.test"}


def test_stack_health_from_the_status_route(served, secrets):
    config = served.configuration
    assert probes.stack_healthy(configuration=config) is True
    actions.inject_fault("pause", "web-2", "30s", configuration=config, secrets=secrets)
    assert probes.stack_healthy(configuration=config) is False  # web-2 is paused
    actions.abort(configuration=config, secrets=secrets)
    assert probes.stack_healthy(configuration=config) is True


def status_transport(status: dict) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(200, json=status))


def test_the_real_controllers_status_fields_win():
    client.use_transport(status_transport(
        {"healthy": False, "store_leader": "store-2",
         "components": [{"name": "store-1", "state": "running", "leader": True}]}))
    assert probes.stack_healthy(configuration=CONFIG) is False
    assert probes.store_leader(configuration=CONFIG) == "store-2"
    client.use_transport(status_transport({"store_leader": None, "components": []}))
    assert probes.store_leader(configuration=CONFIG) is None


class FakePrometheus:
    """Answers /api/prom/query (the controller's pass-through) with the next values."""

    def __init__(self, *answers: list[float | str]) -> None:
        self.answers = list(answers)
        self.queries: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path in ("/api/prom/query", "/api/v1/query")
        self.queries.append(request.url.params["query"])
        values = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        result = [{"metric": {"instance": f"i{i}"}, "value": [0, str(v)]}
                  for i, v in enumerate(values)]
        return httpx.Response(200, json={"status": "success",
                                         "data": {"resultType": "vector", "result": result}})


def use(prom: FakePrometheus) -> FakePrometheus:
    client.use_transport(httpx.MockTransport(prom))
    return prom


def test_error_ratio_latency_and_burn_over_the_window():
    prom = use(FakePrometheus([0.002]))
    assert probes.error_ratio("30s", configuration=CONFIG) == 0.002
    assert "[30000ms]" in prom.queries[-1] and 'status=~"5.."' in prom.queries[-1]
    assert probes.burn_rate("1m", configuration=CONFIG) == pytest.approx(2.0)
    assert "[60000ms]" in prom.queries[-1]
    assert probes.p99_latency("15s", configuration=CONFIG) == 0.002
    assert prom.queries[-1].startswith("histogram_quantile(0.99")


def test_no_traffic_is_none_not_zero():
    use(FakePrometheus(["NaN"]))
    assert probes.error_ratio(configuration=CONFIG) is None
    assert probes.burn_rate(configuration=CONFIG) is None
    use(FakePrometheus([]))
    assert probes.p99_latency(configuration=CONFIG) is None


def test_a_bad_window_is_refused():
    with pytest.raises(ActivityFailed, match="window"):
        probes.error_ratio("soon", configuration=CONFIG)


def test_prometheus_base_url_is_queried_directly():
    prom = use(FakePrometheus([0.0]))
    probes.error_ratio(configuration={"prometheus_base_url": "http://prom.test"})
    assert len(prom.queries) == 1


def test_query_holds_judges_the_worst_series_like_the_runner():
    use(FakePrometheus([0.001, 0.02]))
    assert probes.query_holds("q", below=0.01, configuration=CONFIG) is False
    use(FakePrometheus([1, 1]))
    assert probes.query_holds("q", equals=1, configuration=CONFIG) is True
    use(FakePrometheus([]))
    assert probes.query_holds("q", below=1, configuration=CONFIG) is False
    assert probes.query_holds("q", below=1, when_missing="pass", configuration=CONFIG) is True
    with pytest.raises(ActivityFailed, match="exactly one"):
        probes.query_holds("q", below=1, above=0, configuration=CONFIG)


def test_wait_for_steady_state_returns_once_every_check_holds():
    use(FakePrometheus([0.5], [0.5], [0.0]))
    checks = [{"name": "errors", "query": "q", "below": 0.01}]
    result = probes.wait_for_steady_state(checks, within="10s", interval="0.1s",
                                          configuration=CONFIG)
    assert result["held"] is True and result["failing"] == [] and result["after"] < 5


def test_wait_for_steady_state_gives_up_after_within():
    use(FakePrometheus([0.5]))
    result = probes.wait_for_steady_state([{"name": "errors", "query": "q", "below": 0.01}],
                                          within="0.3s", interval="0.1s", configuration=CONFIG)
    assert result == {"held": False, "after": result["after"], "failing": ["errors"]}
    assert 0.3 <= result["after"] < 2


def test_discovery_lists_every_activity_the_issue_names():
    names = {(a["type"], a["name"]) for a in chaos.ctk.discover()["activities"]}
    wanted = {("action", n) for n in ("inject_fault", "revert_fault", "abort", "scale_web",
                                      "drain", "ready", "rollback", "run_scenario")}
    wanted |= {("probe", n) for n in ("stack_healthy", "store_leader", "active_faults",
                                      "error_ratio", "p99_latency", "burn_rate")}
    assert wanted <= names
    for activity in discover_activities("chaos.ctk.actions", "action"):
        assert activity["doc"], activity["name"]
        assert {"configuration", "secrets"} <= {a["name"] for a in activity["arguments"]}
