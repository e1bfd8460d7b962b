"""What a reader may see of the log: while a drill runs its faults are left out and its
components' exits read as observed (`terminated by signal 9`), as on every other surface,
until the reveal; then the filters `kind` (exact, or the part before the dot: `fault` is every
`fault.*`), `component` and `source`."""

from __future__ import annotations

from chaos.events.derive import LIFECYCLE
from chaos.events.model import Recorded


def visible(events: list[Recorded], hidden_faults: set[str], masked: set[str]) -> list[Recorded]:
    shown = []
    for event in events:
        if event.source == "fault" and event.ref in hidden_faults:
            continue
        details = dict(event.details)
        observed = details.pop("observed", None)
        summary = event.summary
        if observed is not None and event.component in masked:
            details["exit"] = observed
            summary = f"{event.component} {_verb(event)}: {observed}"
        shown.append(event.model_copy(update={"details": details, "summary": summary}))
    return shown


def _verb(event: Recorded) -> str:
    return LIFECYCLE[event.kind.removeprefix("component.")]


def kind_matches(kind: str, wanted: list[str]) -> bool:
    return any(kind == w or kind.split(".", 1)[0] == w for w in wanted)


def matching(events: list[Recorded], *, kinds: list[str] | None = None,
             components: list[str] | None = None,
             sources: list[str] | None = None) -> list[Recorded]:
    return [e for e in events
            if (not kinds or kind_matches(e.kind, kinds))
            and (not components or set(components) & set(e.components))
            and (not sources or e.source in sources)]
