"""Limits on keys, values and bodies, and the request models that enforce them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictStr, field_validator

KEY_PATTERN = r"^[A-Za-z0-9._/-]{1,256}$"
PREFIX_PATTERN = r"^[A-Za-z0-9._/-]{0,256}$"
MAX_VALUE_BYTES = 64 * 1024
MAX_BODY_BYTES = 128 * 1024
DEFAULT_LIST_LIMIT = 100
MAX_LIST_LIMIT = 1000

_KEY_RE = re.compile(KEY_PATTERN)
_PREFIX_RE = re.compile(PREFIX_PATTERN)


_LOCATIONS = {"body", "query", "path", "header", "cookie"}


class InvalidRequest(Exception):
    """Request fields broke limits; rendered as 422 invalid_request naming each field."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{p['field']}: {p['message']}" for p in problems))
        self.problems = problems

    @classmethod
    def field(cls, field: str, message: str) -> InvalidRequest:
        return cls([{"field": field, "message": message}])


def problems_from_pydantic(errors: Sequence[Any], prefix: str = "") -> list[dict[str, str]]:
    """Pydantic/FastAPI error dicts -> ``[{"field": "value", "message": "..."}]``."""
    problems = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
        named = [part for part in loc if part not in _LOCATIONS] or loc[:1] or ["request"]
        field = ".".join(([prefix] if prefix else []) + named)
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        problems.append({"field": field, "message": message})
    return problems


def checked_key(key: str) -> str:
    if not _KEY_RE.match(key):
        raise InvalidRequest.field("key", f"must match {KEY_PATTERN}")
    return key


def checked_prefix(prefix: str) -> str:
    if not _PREFIX_RE.match(prefix):
        raise InvalidRequest.field("prefix", f"must match {PREFIX_PATTERN}")
    return prefix


class PutValue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Strict: a JSON number must not silently become the string "5".
    value: StrictStr

    @field_validator("value")
    @classmethod
    def _value_fits(cls, value: str) -> str:
        # The limit is on stored bytes, so count UTF-8, not characters.
        if len(value.encode("utf-8")) > MAX_VALUE_BYTES:
            raise ValueError(f"must be at most {MAX_VALUE_BYTES} bytes (64 KiB) as UTF-8")
        return value
