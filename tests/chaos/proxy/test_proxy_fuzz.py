"""schemathesis over the fault proxy's admin OpenAPI, in-process (ASGI), with the token.

No input may produce a 5xx or a traceback; every refusal is a 4xx that names the field (a
422 locating it, a 401 naming `authorization`, a 404 naming the kind or the fault id).
Bounded: a few dozen examples per operation, well under 20 s in all.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from prometheus_client import CollectorRegistry

from chaos.proxy.admin import create_app
from chaos.proxy.config import ProxyConfig
from chaos.proxy.server import Proxy
from tests.chaos.proxy.real_proxy import TOKEN

# Not started: no listener needed to fuzz the admin logic, and no event loop is shared with
# the test client's thread. The fault table, validation and auth are the real ones.
_proxy = Proxy(ProxyConfig.model_validate({"links": [
    {"name": "web-1->store-1", "listen": "127.0.0.1:1", "upstream": "127.0.0.1:2"},
]}))
app = create_app(_proxy, CollectorRegistry(), token=TOKEN)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FUZZ = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck),
                derandomize=True, database=None)
# Without the token every mutating call is refused before routing: few examples suffice.
FEW = settings(FUZZ, max_examples=8)


def names_the_field(response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):  # a 422: every error carries where it is
        return bool(detail) and all(isinstance(e, dict) and e.get("loc") for e in detail)
    if isinstance(detail, str):
        words = ("authorization", "kind", "no fault")
        return any(w in detail for w in words) or "fault_id" in body
    return False


def check(response) -> None:
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text and 'File "' not in response.text
    if response.status_code == 405:  # a method the route lacks: the method is what is wrong
        assert response.headers.get("allow"), response.headers
    elif 400 <= response.status_code < 500:
        assert names_the_field(response), (response.status_code, response.text)


def addressable(case) -> bool:
    """HTTP clients resolve `.` and `..` path segments before sending (`DELETE /faults/.`
    becomes `DELETE /faults/`): such a request never names a fault, which is why the id
    grammar forbids a leading dot and ProxyClient checks ids before sending."""
    return (case.path_parameters or {}).get("fault_id") not in (".", "..")


@schema.parametrize()
@FUZZ
def test_admin_api_with_the_token(case):
    if addressable(case):
        check(case.call(headers=AUTH))


@schema.parametrize()
@FEW
def test_admin_api_without_the_token_changes_nothing(case):
    if not addressable(case):
        return
    before = [f.to_json() for f in _proxy.faults]
    response = case.call()
    check(response)
    if case.method.upper() in ("POST", "PUT", "DELETE"):
        assert response.status_code == 401
        assert [f.to_json() for f in _proxy.faults] == before
