"""The monkey's rules: given the time, the stack and a random generator, what to do now.

`decide()` is pure. It checks the rules in a fixed order and draws from the generator in a
fixed order, so the same seed over the same stack gives the same decisions.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from chaos.durations import format_duration
from chaos.faults import FAULTS
from chaos.schedules.monkey_config import MonkeyConfig
from chaos.schedules.window import allowed_at
from chaos.targets import Member, TargetError, parse_target, resolve

Action = Literal["fired", "skipped", "failed"]
# Why a strike did not happen; stable codes for the API, the detail says it for humans.
SkipReason = Literal[
    "outside-window",
    "max-concurrent",
    "last-healthy",
    "no-target",
    "dry-run",
    "stack-not-ready",
    "inject-failed",
]


class Decision(BaseModel):
    at: float
    action: Action
    reason: SkipReason | None = None
    detail: str = ""
    fault: str | None = None
    target: str | None = None
    fault_id: str | None = None


def _skip(at: float, reason: SkipReason, detail: str, **chosen: str | None) -> Decision:
    return Decision(at=at, action="skipped", reason=reason, detail=detail, **chosen)


def candidates(
    config: MonkeyConfig, fault: str, members: list[Member], busy: set[str], rng: random.Random
) -> list[str]:
    """Components the allow-listed targets select now that `fault` can hit and nothing hits."""
    roles = {m.role for m in members}
    names = {m.name for m in members}
    role_of = {m.name: m.role for m in members}
    chosen: list[str] = []
    for text in config.target_texts:
        try:
            chosen += resolve(parse_target(text, roles, names), members, rng)
        except TargetError:
            continue  # e.g. store:leader during an election: this target selects nothing now
    allowed = FAULTS[fault].roles
    return [n for n in dict.fromkeys(chosen) if role_of.get(n) in allowed and n not in busy]


def is_last_healthy(name: str, members: list[Member], busy: set[str]) -> bool:
    """True when `name` is the only healthy member of its role still free of faults.

    A member under an active fault counts as down even if its last probe said healthy: the
    probe lags the fault by up to a health interval.
    """
    me = next(m for m in members if m.name == name)
    if not me.healthy:
        return False
    others = [m for m in members if m.role == me.role and m.name != name]
    return not any(m.healthy and m.name not in busy for m in others)


def decide(
    config: MonkeyConfig,
    at: float,
    moment: datetime,
    members: list[Member],
    busy: set[str],
    monkey_active: int,
    rng: random.Random,
) -> Decision:
    """What the monkey does at `at` (`moment` is the same instant as local wall-clock time).

    `busy` names every component under an active fault (anyone's), `monkey_active` counts the
    active faults the monkey itself started.
    """
    if not allowed_at(moment, config.window, config.days):
        when = " ".join(p for p in (config.between, config.weekdays) if p)
        return _skip(at, "outside-window", f"{moment:%a %H:%M} is outside {when}")
    if monkey_active >= config.max_concurrent:
        return _skip(
            at,
            "max-concurrent",
            f"{monkey_active} monkey faults active, limit {config.max_concurrent}",
        )
    fault = rng.choice(config.fault_types)
    pool = candidates(config, fault, members, busy, rng)
    if not pool:
        return _skip(
            at,
            "no-target",
            f"no target for {fault} in {', '.join(config.target_texts)}"
            f" right now (busy: {', '.join(sorted(busy)) or 'none'})",
            fault=fault,
        )
    safe = (
        pool
        if config.allow_last_healthy
        else [n for n in pool if not is_last_healthy(n, members, busy)]
    )
    if not safe:
        return _skip(
            at,
            "last-healthy",
            f"{fault} would take the last healthy instance ({', '.join(pool)})",
            fault=fault,
        )
    target = rng.choice(safe)
    if config.dry_run:
        return _skip(
            at,
            "dry-run",
            f"would inject {fault} on {target} for {format_duration(config.duration)}",
            fault=fault,
            target=target,
        )
    return Decision(
        at=at,
        action="fired",
        fault=fault,
        target=target,
        detail=f"{fault} on {target} for {format_duration(config.duration)}",
    )
