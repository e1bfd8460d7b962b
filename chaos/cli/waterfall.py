"""A trace as a terminal waterfall: one line per span, indented under its parent, with its
offset from the trace's start, its duration and a bar placed on the trace's time axis."""

from __future__ import annotations

from dataclasses import dataclass

BAR_WIDTH = 40


@dataclass(frozen=True)
class Row:
    label: str  # indented "service: name"
    offset_ms: float
    duration_ms: float
    bar: str
    detail: str
    error: bool


def _ordered(spans: list[dict]) -> list[tuple[int, dict]]:
    """Depth-first by parent, children by start; a span whose parent is not in the trace (the
    load generator's, which is not exported) is a root: the load balancer's hop (`lb`, from
    its access log) when the trace has one, else web's server span."""
    ids = {s["span_id"] for s in spans}
    children: dict[str | None, list[dict]] = {}
    for span in spans:
        parent = span["parent_span_id"] if span["parent_span_id"] in ids else None
        children.setdefault(parent, []).append(span)
    ordered: list[tuple[int, dict]] = []
    stack = [(0, s) for s in sorted(children.get(None, []), key=lambda s: s["start"],
                                    reverse=True)]
    while stack:
        depth, span = stack.pop()
        ordered.append((depth, span))
        kids = sorted(children.get(span["span_id"], []), key=lambda s: s["start"], reverse=True)
        stack.extend((depth + 1, kid) for kid in kids)
    return ordered


def detail(span: dict) -> str:
    """The attributes that tell a store attempt or a request apart, briefly."""
    a = span.get("attributes") or {}
    parts = []
    if "haproxy.server" in a:  # the load balancer's hop, derived from its access line
        parts.append(f"HTTP {a.get('http.response.status_code', '?')} -> {a['haproxy.server']}")
        if a.get("haproxy.retries"):
            parts.append(f"retries {a['haproxy.retries']}"
                         + (" redispatched" if a.get("haproxy.redispatched") else ""))
        if a.get("haproxy.termination_state", "----") != "----":
            parts.append(f"term {a['haproxy.termination_state']}")
        parts.append("(access log)")
    elif "store.endpoint" in a:
        parts.append(f"{a['store.endpoint']} {a.get('store.outcome', '?')}")
        if a.get("store.failover"):
            parts.append("failover")
        if a.get("store.retry"):
            parts.append(f"retry {a['store.retry']}")
        if a.get("store.revision"):
            parts.append(f"rev {a['store.revision']}")
    elif "http.response.status_code" in a:
        parts.append(f"HTTP {a['http.response.status_code']}")
    if span.get("status") == "error" and span.get("status_message"):
        parts.append(span["status_message"])
    return " ".join(parts)


def rows(spans: list[dict], width: int = BAR_WIDTH) -> list[Row]:
    if not spans:
        return []
    start = min(s["start"] for s in spans)
    end = max(s["start"] + s["duration_ms"] / 1000 for s in spans)
    total_ms = max((end - start) * 1000, 1e-6)
    made = []
    for depth, span in _ordered(spans):
        offset_ms = (span["start"] - start) * 1000
        first = min(width - 1, int(offset_ms / total_ms * width))
        length = max(1, min(width - first, round(span["duration_ms"] / total_ms * width)))
        made.append(Row(label="  " * depth + f"{span['service']}: {span['name']}",
                        offset_ms=offset_ms, duration_ms=span["duration_ms"],
                        bar=" " * first + "█" * length + " " * (width - first - length),
                        detail=detail(span), error=span.get("status") == "error"))
    return made


def render(spans: list[dict], width: int = BAR_WIDTH) -> list[str]:
    """Plain lines (the command colours the ones in error)."""
    made = rows(spans, width)
    if not made:
        return []
    label_width = max(len(r.label) for r in made)
    return [f"{r.label:<{label_width}}  {r.offset_ms:>8.1f}ms {r.duration_ms:>8.1f}ms "
            f"|{r.bar}| {r.detail}".rstrip() for r in made]
