"""A scenario schedule: what the API accepts, and the record the scheduler keeps and saves."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chaos.schedules.timing import Cron, Every, check_cron, parse_interval, parse_jitter

Outcome = Literal["started", "refused", "error", "missed"]


class ScheduleRequest(BaseModel):
    model_config = ConfigDict(validate_default=True)  # the default jitter is normalised too

    scenario: str = Field(min_length=1, description="built-in scenario name or YAML path")
    cron: str | None = Field(None, description="5-field cron expression, controller local time")
    every: str | float | None = Field(None, description="interval, e.g. 10m")
    jitter: str | float = Field("0%", description="e.g. 10% of the period, or 30s")

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)

    @field_validator("every")
    @classmethod
    def _every(cls, value: str | float | None) -> float | None:
        return None if value is None else parse_interval(value)

    @field_validator("jitter")
    @classmethod
    def _jitter(cls, value: str | float) -> str:
        return parse_jitter(value).text

    @model_validator(mode="after")
    def _one_timing(self) -> ScheduleRequest:
        if (self.cron is None) == (self.every is None):
            raise ValueError("give exactly one of cron (e.g. '0 * * * *') or every (e.g. 10m)")
        return self


class LastResult(BaseModel):
    at: float
    outcome: Outcome
    detail: str = ""
    run_id: str | None = None


class Schedule(BaseModel):
    id: str
    scenario: str
    cron: str | None = None
    every: float | None = None
    jitter: str = "0%"
    created_at: float
    next_fire: float
    last_fire: float | None = None
    last_result: LastResult | None = None
    fired: int = 0

    def timing(self, tz=None) -> Cron | Every:
        jitter = parse_jitter(self.jitter)
        if self.cron is not None:
            return Cron(self.cron, jitter, tz)
        assert self.every is not None  # ScheduleRequest guarantees one of the two
        return Every(self.every, jitter)
