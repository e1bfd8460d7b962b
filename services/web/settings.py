"""Configuration of one web instance, read from ``GAMEDAY_WEB_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CommaList = Annotated[list[str], NoDecode]


def _split_commas(value: object) -> object:
    # Env vars carry lists as "a,b,c"; Python callers may pass real lists.
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GAMEDAY_WEB_", extra="ignore")

    name: str = "web"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    store_endpoints: CommaList = Field(default_factory=lambda: ["http://127.0.0.1:2379"])
    store_timeout: float = Field(default=1.0, gt=0)
    store_read_retries: int = Field(default=2, ge=0, le=10)
    admin_token: str = ""
    # Compose: the stack's token in a file (a read-only volume), the same variable the proxy
    # and the loadgen read. GAMEDAY_WEB_ADMIN_TOKEN, when set, wins.
    admin_token_file: str = Field(
        default="",
        validation_alias=AliasChoices("GAMEDAY_WEB_ADMIN_TOKEN_FILE", "GAMEDAY_ADMIN_TOKEN_FILE"),
    )
    release: str = "1.0.0"
    # "Bad deploy" simulation: these "METHOD /route/template" pairs answer 500.
    broken_routes: CommaList = Field(default_factory=list)
    # Off only to measure the cost of the metrics middleware (bench/bench_web.py).
    metrics_middleware: bool = True
    # Traces (services/web/tracing.py): spans go to this OTLP/HTTP URL (the controller's
    # /v1/traces, with admin_token), or nowhere when it is empty; off only to measure the cost.
    traces_endpoint: str = ""
    tracing: bool = True

    @field_validator("store_endpoints", "broken_routes", mode="before")
    @classmethod
    def _parse_comma_list(cls, value: object) -> object:
        return _split_commas(value)

    @field_validator("store_endpoints")
    @classmethod
    def _strip_trailing_slash(cls, endpoints: list[str]) -> list[str]:
        if not endpoints:
            raise ValueError("at least one store endpoint is required")
        return [endpoint.rstrip("/") for endpoint in endpoints]

    @model_validator(mode="after")
    def _token_from_file(self) -> WebSettings:
        # An unreadable token file stops the start (better than an admin API nobody can use).
        if not self.admin_token and self.admin_token_file:
            self.admin_token = Path(self.admin_token_file).read_text().strip()
        return self

    @property
    def admin_enabled(self) -> bool:
        return bool(self.admin_token)
