"""Alertmanager's webhook payload (version 4) and the pages the pager keeps."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Alertmanager's "zero" time for an alert that has not ended.
_UNSET_YEAR = 1


class Alert(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime  # noqa: N815 - Alertmanager's field names
    endsAt: datetime | None = None  # noqa: N815
    fingerprint: str = ""
    generatorURL: str = ""  # noqa: N815

    @property
    def ended(self) -> float | None:
        if self.endsAt is None or self.endsAt.year <= _UNSET_YEAR:
            return None
        return self.endsAt.timestamp()


class Notification(BaseModel):
    """One webhook call: the whole group as Alertmanager sees it now."""

    model_config = ConfigDict(extra="ignore")

    version: str = "4"
    groupKey: str = Field(min_length=1, max_length=2000)  # noqa: N815
    status: Literal["firing", "resolved"]
    receiver: str = ""
    groupLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonAnnotations: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    alerts: list[Alert] = Field(default_factory=list, max_length=1000)


class PagedAlert(BaseModel):
    fingerprint: str
    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    summary: str = ""
    description: str = ""
    runbook_url: str = ""
    firing_at: float
    resolved_at: float | None = None


class Page(BaseModel):
    """One incident as the pager shows it: a group of alerts, opened by its first firing
    notification, resolved when Alertmanager says the whole group is."""

    id: str
    group_key: str
    group_labels: dict[str, str]
    title: str
    status: Literal["firing", "resolved"]
    alerts: list[PagedAlert]
    opened_at: float  # when the pager received it
    firing_at: float  # when the first alert of the group started firing
    resolved_at: float | None = None
    acked_at: float | None = None
    acked_by: str | None = None
    notifications: int = 1

    @property
    def open(self) -> bool:
        return self.status == "firing"
