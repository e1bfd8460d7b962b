"""The one refusal: a request a service will not carry out, with the HTTP status to answer,
a message for people and `errors` (`{field, message}`) for forms. Every service's error
(faults, drills, runs, schedules, remediation, pages) is a `Refusal`; the API answers all of
them with one handler, as `{"detail": message, "errors": errors}`."""

from __future__ import annotations


class Refusal(Exception):
    def __init__(self, status: int, message: str, errors: list[dict] | None = None, *,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        # A refusal that blames one field names it, so a form can point at it.
        self.errors = errors if errors is not None else \
            ([{"field": field, "message": message}] if field else [])
        self.field = field
