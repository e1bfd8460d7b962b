"""The stack's admin token, required for every call that changes the load generator.

`GAMEDAY_ADMIN_TOKEN` holds the token itself (local runtime); `GAMEDAY_ADMIN_TOKEN_FILE` names
a file holding it (Compose: a volume written by an init service). The variable wins when both
are set. The same convention as the fault proxy (chaos/proxy/token.py); the loadgen image
carries only `services/`, hence its own copy. No token means no mutating call is accepted:
there is no default secret.

`guard(app, token)` covers every non-read method on the Flask app, so Locust's own `/swarm`,
`/stop` and `/stats/reset` need the token too; reads (`/metrics`, `GET /gameday/*`) stay open.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request

TOKEN_ENV = "GAMEDAY_ADMIN_TOKEN"
TOKEN_FILE_ENV = "GAMEDAY_ADMIN_TOKEN_FILE"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def read_admin_token(environ: Mapping[str, str] | None = None) -> str | None:
    """The token from the environment, or None; an unreadable token file is an error."""
    env = os.environ if environ is None else environ
    token = env.get(TOKEN_ENV, "").strip()
    if token:
        return token
    path = env.get(TOKEN_FILE_ENV, "").strip()
    if path:
        return Path(path).read_text().strip() or None
    return None


def bearer_ok(authorization: str | None, token: str | None) -> bool:
    """True if an `Authorization` header carries exactly `Bearer <token>` (constant time)."""
    if not token or not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def guard(app: Flask, token: str | None) -> None:
    @app.before_request
    def require_token() -> Any:
        if request.method in READ_METHODS:
            return None
        if bearer_ok(request.headers.get("Authorization"), token):
            return None
        detail = (
            "missing or wrong bearer token (the stack's admin token)"
            if token
            else f"no admin token configured ({TOKEN_ENV} or {TOKEN_FILE_ENV}): "
            "the load generator accepts no changes"
        )
        response = jsonify({"detail": detail, "field": "Authorization"})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
