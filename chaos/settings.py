"""The one place gameday's own configuration comes from (environment, then flags)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "gameday"


class Settings(BaseSettings):
    """Settings of the stack and the controller; env vars are GAMEDAY_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="GAMEDAY_", extra="ignore")

    state_dir: Path = Field(default_factory=default_state_dir)
    host: str = "127.0.0.1"
    web_instances: int = Field(3, ge=1, le=16)
    # Slots planned up front (ports, proxy links, HAProxy servers) so `gameday scale` can add
    # instances without reloading HAProxy.
    web_slots: int = Field(8, ge=1, le=16)
    # "default" tries the well-known ports first; "free" always picks free ports (tests).
    ports: str = Field("default", pattern="^(default|free)$")
    load: bool = True
    load_rate: float = Field(20.0, ge=0)
    restart_backoff_seconds: float = Field(1.0, gt=0)
    web_memory_limit_mb: int = Field(256, ge=64)
    etcd_quota_backend_bytes: int = 32 * 1024 * 1024
    startup_timeout_seconds: float = 60.0
    # The controller relays every trace export it accepts to this OTLP/HTTP URL (Compose:
    # Jaeger's http://jaeger:4318/v1/traces); empty relays nothing (chaos/traces/forward.py).
    traces_forward_url: str = ""
