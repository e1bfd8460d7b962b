"""Bearer-token checks for every call that changes something."""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request, status


def _supplied(request: Request) -> str | None:
    scheme, _, supplied = request.headers.get("authorization", "").partition(" ")
    return supplied.strip() if scheme.lower() == "bearer" else None


def _matches(supplied: str | None, expected: str | None) -> bool:
    return bool(supplied) and bool(expected) and hmac.compare_digest(supplied, expected)


def _refuse() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail="missing or wrong bearer token (the CLI reads it from <state-dir>/token)",
        headers={"WWW-Authenticate": "Bearer"},
    )


def require_token(request: Request) -> None:
    """The controller's own token (<state-dir>/token): the CLI, the console, scripts."""
    if not _matches(_supplied(request), request.app.state.token):
        raise _refuse()


def require_stack_token(request: Request) -> None:
    """The controller's token, or the stack's admin token that its components hold (under
    Compose, Alertmanager reads only that one, from the admin-token volume). For the calls a
    component of the stack makes to the controller: Alertmanager's webhook."""
    supplied = _supplied(request)
    if not (_matches(supplied, request.app.state.token)
            or _matches(supplied, request.app.state.admin_token)):
        raise _refuse()
