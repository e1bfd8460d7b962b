"""Which requests an HTTP fault hits: an optional route template and method, and a chance."""

from __future__ import annotations

import random

from pydantic import BaseModel, ConfigDict, Field


class HttpTargetParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    probability: float = Field(default=1.0, ge=0.0, le=1.0)
    route: str | None = Field(default=None, description="route template, e.g. /kv/{key}")
    method: str | None = None

    def hits(self, method: str, route: str) -> bool:
        if self.route is not None and self.route != route:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return self.probability >= 1.0 or random.random() < self.probability
