"""``http-errors``: answer a share of requests with a 5xx instead of serving them."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from services.web.faults.base import Fault
from services.web.faults.http_target import HttpTargetParams


class HttpErrorsParams(HttpTargetParams):
    status: int = Field(default=500, ge=500, le=599)


class HttpErrorsFault(Fault):
    type_name: ClassVar[str] = "http-errors"
    Params = HttpErrorsParams
    params: HttpErrorsParams

    def status_for(self, method: str, route: str) -> int | None:
        return self.params.status if self.params.hits(method, route) else None
