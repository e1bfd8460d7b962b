"""Options of the loadgen: the command line of `python -m services.loadgen` and the settings
every Locust process (master and workers) receives as custom Locust arguments."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from typing import Any

from services.loadgen.mix import DEFAULT_MIX_SPEC, KeySpace, parse_mix

ENV_PREFIX = "GAMEDAY_LOADGEN_"


@dataclass(frozen=True)
class TrafficSettings:
    """How users behave; identical in every Locust process of one loadgen."""

    mix: dict[str, float] = field(default_factory=lambda: parse_mix(DEFAULT_MIX_SPEC))
    keys: KeySpace = field(default_factory=KeySpace)
    max_per_user_rate: float = 0.3
    timeout: float = 2.0  # per socket read/write

    @property
    def connect_timeout(self) -> float:
        return min(1.0, self.timeout)

    def validate(self) -> None:
        # The open-loop guarantee (see pacing): a user's slowest possible request (connect
        # timeout + read timeout) must end before its next slot, or the rate would sag.
        slot = 1 / self.max_per_user_rate
        worst = self.connect_timeout + self.timeout
        if worst > slot:
            raise ValueError(
                f"--timeout {self.timeout:g}s (+{self.connect_timeout:g}s connect) does not fit"
                f" in one user slot of {slot:g}s: lower --max-per-user-rate or --timeout"
            )

    def to_locust_args(self) -> list[str]:
        mix = ",".join(f"{op}={weight:g}" for op, weight in self.mix.items())
        return [
            f"--gameday-mix={mix}",
            f"--gameday-max-per-user-rate={self.max_per_user_rate:g}",
            f"--gameday-timeout={self.timeout:g}",
            f"--gameday-hot-keys={self.keys.hot_keys}",
            f"--gameday-tail-keys={self.keys.tail_keys}",
            f"--gameday-checker-keys={self.keys.checker_keys}",
        ]


def add_locust_arguments(parser: Any) -> None:
    """Register TrafficSettings on Locust's parser (from the `init_command_line_parser` event)."""
    hidden = {"include_in_web_ui": False}
    parser.add_argument("--gameday-rate", type=float, default=0.0, **hidden)
    parser.add_argument("--gameday-mix", default=DEFAULT_MIX_SPEC, **hidden)
    parser.add_argument("--gameday-max-per-user-rate", type=float, default=0.3, **hidden)
    parser.add_argument("--gameday-timeout", type=float, default=2.0, **hidden)
    parser.add_argument("--gameday-hot-keys", type=int, default=20, **hidden)
    parser.add_argument("--gameday-tail-keys", type=int, default=10_000, **hidden)
    parser.add_argument("--gameday-checker-keys", type=int, default=64, **hidden)


def from_locust_options(parsed: Any) -> TrafficSettings:
    return TrafficSettings(
        mix=parse_mix(parsed.gameday_mix),
        keys=KeySpace(
            parsed.gameday_hot_keys, parsed.gameday_tail_keys, parsed.gameday_checker_keys
        ),
        max_per_user_rate=parsed.gameday_max_per_user_rate,
        timeout=parsed.gameday_timeout,
    )


@dataclass(frozen=True)
class LaunchOptions:
    target: str
    web_host: str
    web_port: int
    rate: float
    workers: int
    traffic: TrafficSettings
    loglevel: str


def _env(name: str, default: Any) -> Any:
    return os.environ.get(ENV_PREFIX + name, default)


def parse_cli(argv: list[str] | None = None) -> LaunchOptions:
    parser = argparse.ArgumentParser(
        prog="python -m services.loadgen",
        description="Locust load generator for the gameday KV API. Every option can also be"
        f" set with an environment variable {ENV_PREFIX}<OPTION> (e.g. {ENV_PREFIX}RATE).",
    )
    def option(flag: str, default: Any, help: str | None = None) -> None:
        """`--flag`, of the default's type; its default from $<PREFIX><FLAG> if set."""
        kind = type(default)
        env = flag.removeprefix("--").upper().replace("-", "_")
        parser.add_argument(flag, type=kind, default=kind(_env(env, default)), help=help)

    option("--target", "http://127.0.0.1:8080", "base URL of the KV API")
    option("--web-host", "127.0.0.1")
    option("--web-port", 8089)
    option("--rate", 50.0, "total requests per second to start with")
    option("--workers", 0, "worker processes; 0 runs users in the single Locust process")
    option("--mix", DEFAULT_MIX_SPEC, f"operation weights, default {DEFAULT_MIX_SPEC}")
    option("--max-per-user-rate", 0.3, "requests per second one Locust user sends at most")
    option("--timeout", 2.0, "request read timeout in seconds (connect timeout is min(1, this))")
    option("--hot-keys", 20)
    option("--tail-keys", 10_000)
    option("--checker-keys", 64)
    option("--loglevel", "INFO")
    args = parser.parse_args(argv)

    try:
        traffic = TrafficSettings(
            mix=parse_mix(args.mix),
            keys=KeySpace(args.hot_keys, args.tail_keys, args.checker_keys),
            max_per_user_rate=args.max_per_user_rate,
            timeout=args.timeout,
        )
        traffic.validate()
    except ValueError as e:
        parser.error(str(e))
    if args.rate < 0:
        parser.error("--rate must be >= 0")
    if args.workers < 0:
        parser.error("--workers must be >= 0")
    if min(args.hot_keys, args.tail_keys, args.checker_keys) < 1 or args.max_per_user_rate <= 0:
        parser.error("key counts and --max-per-user-rate must be positive")
    return LaunchOptions(
        target=args.target.rstrip("/"),
        web_host=args.web_host,
        web_port=args.web_port,
        rate=args.rate,
        workers=args.workers,
        traffic=traffic,
        loglevel=args.loglevel,
    )
