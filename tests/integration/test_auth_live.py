"""On the real local stack: nothing mutating answers without the stack's token.

The controller, the load generator and the web instances' /admin through the public `api`
endpoint (HAProxy denies it at the edge), each called without a token, and with a wrong one.
"""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.stack

CONTROLLER_MUTATIONS = [
    ("POST", "/api/faults", {"type": "kill", "target": "web-1"}),
    ("DELETE", "/api/faults/f-0", None),
    ("POST", "/api/abort", None),
    ("POST", "/api/load", {"rate": 0}),
    ("POST", "/api/consistency/sweep", None),
    ("POST", "/api/store/defrag", None),
    ("POST", "/api/scale", {"count": 1}),
    ("POST", "/api/components/web-1/restart", None),
    ("POST", "/api/drills", {}),
    ("POST", "/api/shutdown", None),
]
LOADGEN_MUTATIONS = [
    ("POST", "/gameday/load", {"rate": 0}),
    ("POST", "/gameday/consistency/sweep", None),
    ("POST", "/swarm", None),
    ("POST", "/stop", None),
]
ANONYMOUS = ({}, {"Authorization": "Bearer not-the-token"})


def endpoint(stack, name: str) -> str:
    """From the controller's API, not `gameday status` (a CLI cold start takes minutes on a
    loaded 2-core box)."""
    return stack.controller.get("/api/status")["endpoints"][name]


def test_no_mutating_call_is_accepted_without_the_token(stack):
    controller = endpoint(stack, "controller")
    loadgen = endpoint(stack, "loadgen")
    with httpx.Client(timeout=10) as http:
        for base, calls in ((controller, CONTROLLER_MUTATIONS), (loadgen, LOADGEN_MUTATIONS)):
            for method, path, body in calls:
                for headers in ANONYMOUS:
                    response = http.request(method, base + path, json=body, headers=headers)
                    assert response.status_code in (401, 403), (base, method, path, headers)
        # nothing changed: the load still runs, no fault, the stack still up
        assert http.get(f"{loadgen}/gameday/load").json()["rate"] > 0
    assert stack.controller.get("/api/faults?state=active") == []
    assert all(c["state"] == "running" for c in stack.controller.get("/api/status")["components"]
               if c["role"] in ("web", "store", "lb", "loadgen"))


def test_web_admin_is_denied_at_the_public_edge(stack):
    api = endpoint(stack, "api")
    token = stack.controller.plan.admin_token  # even the right token: the edge says no
    with httpx.Client(timeout=10) as http:
        for method in ("GET", "POST", "DELETE"):
            for path in ("/admin/faults", "/admin/faults/x", "/%61dmin/faults", "//admin/faults"):
                for headers in ({}, {"Authorization": f"Bearer {token}"}):
                    response = http.request(method, api + path, headers=headers, json={})
                    assert response.status_code == 403, (method, path, response.status_code)
        assert http.get(f"{api}/readyz").status_code == 200  # the rest still goes through
    # the instances' own /admin still works for the controller, which calls them directly
    web = stack.controller.plan.component("web-1").url
    answer = httpx.get(f"{web}/admin/faults", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
