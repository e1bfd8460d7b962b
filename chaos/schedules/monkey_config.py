"""What the monkey is told: the allow-lists, the limits and its timetable, validated.

Checks that need only the request live here (pydantic: 422 naming the field); checks that need
the running stack (target roles, runtime support) are in `check_against`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chaos.durations import format_duration
from chaos.faults import FAULTS
from chaos.faults.manager import fault_duration
from chaos.schedules.timing import Every, parse_interval, parse_jitter
from chaos.schedules.window import TimeWindow, parse_weekdays, weekdays_text
from chaos.targets import Member, TargetError, parse_target


def _split(value: str | list[str]) -> list[str]:
    parts = value.split(",") if isinstance(value, str) else value
    return [p.strip() for p in parts if p and p.strip()]


class MonkeyConfig(BaseModel):
    # Fields accept human text ("2m", "kill,pause") and validators normalise it, defaults too.
    model_config = ConfigDict(validate_default=True)

    every: str | float = Field(description="mean time between strikes, e.g. 2m")
    jitter: str | float = Field("0%", description="e.g. 50% of `every`, or 30s")
    faults: str | list[str] = Field(description="allow-list of fault types, e.g. kill,pause")
    targets: str | list[str] = Field(description="allow-list of targets, e.g. web:all")
    max_concurrent: int = Field(1, ge=1, description="monkey faults active at once, at most")
    between: str | None = Field(None, description="daily window HH:MM-HH:MM, may cross midnight")
    weekdays: str | None = Field(None, description="e.g. mon-fri or sat,sun")
    duration: str | float = Field("30s", description="how long each fault lasts")
    dry_run: bool = Field(False, description="decide and log, inject nothing")
    seed: int | None = Field(None, description="makes times, faults and targets repeatable")
    allow_last_healthy: bool = Field(False, description="may hit the last healthy instance")

    @field_validator("every")
    @classmethod
    def _every(cls, value: str | float) -> float:
        return parse_interval(value)

    @field_validator("jitter")
    @classmethod
    def _jitter(cls, value: str | float) -> str:
        return parse_jitter(value).text

    @field_validator("faults")
    @classmethod
    def _faults(cls, value: str | list[str]) -> list[str]:
        names = _split(value)
        if not names:
            raise ValueError(f"give at least one fault type; known: {', '.join(sorted(FAULTS))}")
        unknown = [n for n in names if n not in FAULTS]
        if unknown:
            raise ValueError(
                f"unknown fault type {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(sorted(FAULTS))}"
            )
        for name in names:
            try:
                FAULTS[name].Params()
            except ValidationError as exc:
                needed = ", ".join(str(e["loc"][0]) for e in exc.errors())
                raise ValueError(
                    f"{name} needs params ({needed}) and the monkey only injects "
                    f"faults with their default params"
                ) from None
        return list(dict.fromkeys(names))

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: str | list[str]) -> list[str]:
        targets = _split(value)
        if not targets:
            raise ValueError("give at least one target, e.g. web:all or web-2")
        return list(dict.fromkeys(targets))

    @field_validator("between")
    @classmethod
    def _between(cls, value: str | None) -> str | None:
        return None if value in (None, "") else TimeWindow.parse(value).text

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: str | None) -> str | None:
        return None if value in (None, "") else weekdays_text(parse_weekdays(value))

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: str | float) -> float:
        return fault_duration(value)

    # Validators turn the fields into these types; the properties give them back typed.
    @property
    def timing(self) -> Every:
        return Every(float(self.every), parse_jitter(self.jitter))

    @property
    def window(self) -> TimeWindow | None:
        return TimeWindow.parse(self.between) if self.between else None

    @property
    def days(self) -> frozenset[int] | None:
        return parse_weekdays(self.weekdays) if self.weekdays else None

    @property
    def fault_types(self) -> list[str]:
        return list(self.faults)

    @property
    def target_texts(self) -> list[str]:
        return list(self.targets)

    @property
    def summary(self) -> str:
        parts = [
            f"{'/'.join(self.fault_types)} on {', '.join(self.target_texts)}",
            f"{self.timing.text} (jitter {self.jitter})",
            f"max {self.max_concurrent} at once",
            f"each {format_duration(self.duration)}",
        ]
        if self.between:
            parts.append(f"between {self.between}")
        if self.weekdays:
            parts.append(f"on {self.weekdays}")
        if self.dry_run:
            parts.append("dry run")
        return ", ".join(parts)


class ConfigError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def check_against(
    config: MonkeyConfig, members: list[Member], runtime_name: str, capabilities: set[str]
) -> None:
    """Refuse a config that can never strike on this stack, naming the field to fix."""
    roles = {m.role for m in members}
    names = {m.name for m in members}
    role_of = {m.name: m.role for m in members}
    target_roles = set()
    for text in config.target_texts:
        try:
            target = parse_target(text, roles, names)
        except TargetError as exc:
            raise ConfigError("targets", str(exc)) from None
        target_roles.add(target.role or role_of[target.name])
    for name in config.fault_types:
        cls = FAULTS[name]
        reason = cls.support(runtime_name, capabilities)
        if reason:
            raise ConfigError(
                "faults", f"{name} is not supported on the {runtime_name} runtime: {reason}"
            )
        if not target_roles & cls.roles:
            raise ConfigError(
                "faults",
                f"{name} applies to roles {sorted(cls.roles)}, and no "
                f"target is one of them ({', '.join(config.target_texts)})",
            )
