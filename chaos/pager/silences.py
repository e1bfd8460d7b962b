"""Silences through Alertmanager's own v2 API: `alertname=X job!=web instance=~web-.*`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

_MATCHER = re.compile(r"^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$")


class SilenceError(Exception):
    pass


def parse_matcher(text: str) -> dict:
    """`name=value`, `name!=value`, `name=~regex`, `name!~regex` (quotes optional)."""
    found = _MATCHER.match(text)
    if found is None:
        raise SilenceError(f"{text!r} is not a matcher: NAME=VALUE, NAME!=VALUE, NAME=~REGEX "
                           "or NAME!~REGEX")
    name, op, value = found.groups()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    if not value:
        raise SilenceError(f"{text!r}: the value is empty")
    return {"name": name, "value": value, "isRegex": "~" in op, "isEqual": op[0] != "!"}


def render_matcher(matcher: dict) -> str:
    op = ("=" if matcher.get("isEqual", True) else "!") + ("~" if matcher["isRegex"] else "")
    op = {"!": "!="}.get(op, op)
    return f"{matcher['name']}{op}{matcher['value']}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Silences:
    def __init__(self, http: httpx.Client, alertmanager_url: str) -> None:
        self.http = http
        self.base = alertmanager_url.rstrip("/") + "/api/v2"

    def _call(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            response = self.http.request(method, self.base + path, timeout=5.0, **kwargs)
        except httpx.HTTPError as exc:
            raise SilenceError(f"Alertmanager at {self.base} did not answer: {exc}") from None
        if response.status_code >= 400:
            raise SilenceError(f"Alertmanager answered {response.status_code}: "
                               f"{response.text.strip()}")
        return response

    def add(self, matchers: list[str], seconds: float, comment: str, created_by: str) -> str:
        if not matchers:
            raise SilenceError("give at least one matcher, e.g. alertname=HighErrorRatio")
        now = datetime.now(UTC)
        body = {"matchers": [parse_matcher(m) for m in matchers], "startsAt": _iso(now),
                "endsAt": _iso(now + timedelta(seconds=seconds)), "createdBy": created_by,
                "comment": comment}
        return self._call("POST", "/silences", json=body).json()["silenceID"]

    def listing(self, include_expired: bool = False) -> list[dict]:
        silences = self._call("GET", "/silences").json()
        if not include_expired:
            silences = [s for s in silences if s["status"]["state"] != "expired"]
        return sorted(silences, key=lambda s: s["endsAt"])

    def remove(self, silence_id: str) -> None:
        self._call("DELETE", f"/silence/{silence_id}")
