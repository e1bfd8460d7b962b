"""Human durations ("500ms", "30s", "2m", "1h", "1m30s") to seconds and back."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str | float | int) -> float:
    if isinstance(text, int | float):
        if text < 0:
            raise ValueError("a duration cannot be negative")
        return float(text)
    raw = text.strip().lower()
    try:
        return parse_duration(float(raw))
    except ValueError:
        pass
    parts = _PART.findall(raw)
    if not parts or "".join(n + u for n, u in parts) != raw.replace(" ", ""):
        raise ValueError(
            f"invalid duration {text!r}: use a number of seconds or the units "
            "ms, s, m, h (e.g. 30s, 2m)"
        )
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


def format_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:g}s"
    minutes, rest = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{rest:02d}s" if rest else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
