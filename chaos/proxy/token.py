"""The stack's admin token, as the proxy (and the load generator) read it.

`GAMEDAY_ADMIN_TOKEN` holds the token itself (local runtime); `GAMEDAY_ADMIN_TOKEN_FILE` names
a file holding it (Compose: a volume written by an init service). The variable wins when both
are set. No token means no mutating call is accepted: there is no default secret.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from pathlib import Path

TOKEN_ENV = "GAMEDAY_ADMIN_TOKEN"
TOKEN_FILE_ENV = "GAMEDAY_ADMIN_TOKEN_FILE"


def read_admin_token(environ: Mapping[str, str] | None = None) -> str | None:
    """The token from the environment, or None if neither variable gives a non-empty one.
    An unreadable token file is an error (OSError): better to fail at start than to run
    with an admin API nobody can use."""
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
