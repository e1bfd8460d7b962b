"""The load control API: validation, the rate <-> users mapping, and the Flask routes."""

import pytest
from flask import Flask

from services.loadgen import routes
from services.loadgen.control import InvalidField, LoadChange, LoadControl, parse_change
from services.loadgen.metrics import LoadMetrics


@pytest.mark.parametrize(
    ("body", "change"),
    [
        ({"rate": 50}, LoadChange(rate=50.0)),
        ({"rate": 0.5}, LoadChange(rate=0.5)),
        ({"users": 0}, LoadChange(users=0)),
        ({"users": 12}, LoadChange(users=12)),
    ],
)
def test_valid_changes(body, change):
    assert parse_change(body) == change


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (None, "body"),
        ([1], "body"),
        ({}, "rate"),
        ({"rate": 1, "users": 1}, "rate"),
        ({"rate": "fast"}, "rate"),
        ({"rate": True}, "rate"),
        ({"rate": -1}, "rate"),
        ({"rate": float("nan")}, "rate"),
        ({"rate": 1e9}, "rate"),
        ({"users": 1.5}, "users"),
        ({"users": -2}, "users"),
        ({"speed": 3}, "speed"),
    ],
)
def test_invalid_changes_name_the_field(body, field):
    with pytest.raises(InvalidField) as error:
        parse_change(body)
    assert error.value.field == field


class FakeRunner:
    def __init__(self):
        self.state = "running"
        self.target_user_count = 10
        self.user_count = 10
        self.calls = []

    def start(self, users, spawn_rate):
        self.calls.append(("start", users))
        self.target_user_count = users

    def stop(self):
        self.calls.append(("stop",))
        self.state = "stopped"


def make_control():
    runner, shared = FakeRunner(), []
    control = LoadControl(runner, 0.5, per_user_rate=0.5, share_per_user_rate=shared.append)
    return runner, shared, control


def test_rate_sets_users_and_shares_the_per_user_rate():
    runner, shared, control = make_control()
    control.apply(LoadChange(rate=50.3))
    assert runner.calls == [("start", 101)]
    assert shared == [pytest.approx(50.3 / 101)]
    assert control.status()["rate"] == pytest.approx(50.3)


def test_users_scale_the_rate_at_the_same_per_user_rate():
    runner, shared, control = make_control()
    control.apply(LoadChange(users=30))
    assert (runner.calls, shared) == ([("start", 30)], [])
    assert control.status() == {
        "rate": 15.0,
        "users": 30,
        "running_users": 10,
        "per_user_rate": 0.5,
        "state": "running",
    }


def test_zero_stops_and_reports_no_rate():
    runner, _, control = make_control()
    control.apply(LoadChange(rate=0))
    assert runner.calls == [("stop",)]
    assert control.status()["rate"] == 0 and control.status()["users"] == 0


TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client():
    runner, _, control = make_control()
    app = Flask(__name__)
    routes.install(app, control, collector=None, sweeper=None, token=TOKEN)
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = AUTH["Authorization"]
    return test_client, runner


@pytest.mark.parametrize("header", [None, "Bearer wrong", TOKEN, "Basic dDBrZW4="])
def test_post_load_needs_the_token(client, header):
    http, runner = client
    headers = {"Authorization": header} if header else {}
    http.environ_base.pop("HTTP_AUTHORIZATION")
    response = http.post("/gameday/load", json={"users": 4}, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["field"] == "Authorization"
    assert runner.calls == []
    assert http.get("/gameday/load").status_code == 200  # reading stays open


def test_no_configured_token_means_no_changes_at_all():
    runner, _, control = make_control()
    app = Flask(__name__)
    routes.install(app, control, collector=None, sweeper=None, token=None)
    http = app.test_client()
    for header in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer None"}):
        response = http.post("/gameday/load", json={"users": 4}, headers=header)
        assert response.status_code == 401
        assert "no admin token configured" in response.get_json()["detail"]
    assert runner.calls == []


def test_the_token_comes_from_the_variable_or_the_file(tmp_path):
    from services.loadgen.auth import read_admin_token

    path = tmp_path / "token"
    path.write_text("from-file\n")
    assert read_admin_token({"GAMEDAY_ADMIN_TOKEN_FILE": str(path)}) == "from-file"
    both = {"GAMEDAY_ADMIN_TOKEN": "from-env", "GAMEDAY_ADMIN_TOKEN_FILE": str(path)}
    assert read_admin_token(both) == "from-env"
    assert read_admin_token({}) is None
    with pytest.raises(OSError):
        read_admin_token({"GAMEDAY_ADMIN_TOKEN_FILE": str(tmp_path / "missing")})


def test_post_load_validates_with_422(client):
    http, runner = client
    response = http.post("/gameday/load", json={"rate": "lots"})
    assert response.status_code == 422
    assert response.get_json()["field"] == "rate"
    response = http.post("/gameday/load", data="not json", content_type="text/plain")
    assert (response.status_code, response.get_json()["field"]) == (422, "body")
    assert runner.calls == []


def test_post_load_applies_and_returns_the_new_status(client):
    http, runner = client
    response = http.post("/gameday/load", json={"users": 4})
    assert response.status_code == 200
    assert response.get_json()["rate"] == 2.0
    assert http.get("/gameday/load").get_json()["users"] == 4


def test_metrics_gauges_follow_the_control():
    from prometheus_client import CollectorRegistry

    runner, _, control = make_control()
    registry = CollectorRegistry()
    LoadMetrics(registry, target_rate=control.target_rate, users=lambda: runner.user_count)
    control.apply(LoadChange(rate=20))
    assert registry.get_sample_value("loadgen_target_rate") == 20
