"""The incident catalog: what a drill breaks, where, why, and how a learner is helped.

Incidents are data: one YAML file each in chaos/drills/library/ (the shape is
chaos/drills/spec.py). Each is built for the running stack (its web instances, store members
and current leader) with the drill's seeded random generator, so a seed replays the same
incident on the same targets. Adding an incident is adding a file.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from chaos.drills.causes import CAUSES, Difficulty
from chaos.drills.spec import IncidentSpec, Names, render
from chaos.faults.manager import FaultRequest
from chaos.scenarios.loader import Problem, ScenarioError, read_yaml, validate_model
from chaos.scenarios.model import Probe

LIBRARY_DIR = Path(__file__).with_name("library")

# Long enough to never end on its own during a drill; the drill reverts them at its end.
FAULT_SECONDS = 900.0


@dataclass(frozen=True)
class Topology:
    """The stack as the drill found it when it started."""

    webs: list[str]
    stores: list[str]
    leader: str | None

    @property
    def followers(self) -> list[str]:
        return [s for s in self.stores if s != self.leader]


@dataclass(frozen=True)
class Incident:
    name: str
    title: str
    difficulty: Difficulty
    cause: str
    components: list[str]  # accepted answers; the first is the one the postmortem names
    faults: list[FaultRequest]
    steady_state: list[Probe]
    hints: list[str]  # from vague to nearly the answer
    root_cause: str
    mitigation: str  # what a responder can do with the remediation commands
    lessons: list[str]
    action_items: list[str]
    based_on: str | None = None  # the library scenario it comes from
    # Remediation moves (action, component) after which the drill reverts its own faults,
    # for causes no command can undo (a cut network comes back when the node is rebooted).
    fixed_by: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.cause not in CAUSES:
            raise ValueError(f"unknown cause {self.cause!r}")


def shared_probe(name: str, top: Topology) -> Probe:
    """The steady-state checks many incidents share, by the name an incident file uses."""
    if name == "capacity":
        # "All instances in rotation" as a count, so adding capacity is also a mitigation.
        return Probe(name="web capacity in rotation",
                     query="job:haproxy_backend_active_servers:sum", above=len(top.webs) - 1)
    return {
        "errors": Probe(name="web error ratio", query='job:http_errors:ratio_rate15s{job="web"}',
                        below=0.01),
        "leader": Probe(name="store has a leader", query="job:etcd_has_leader:min", equals=1),
        "web-p99": Probe(name="web p99 latency",
                         query='job:http_request_duration_seconds:p99_15s{job="web"}',
                         below=0.25),
        "client-p99": Probe(name="client p99 latency",
                            query="job:loadgen_request_duration_seconds:p99_15s", below=0.25),
        "client-errors": Probe(name="client error ratio",
                               query="job:loadgen_errors:ratio_rate15s", below=0.02,
                               when_missing="pass"),
        "edge-errors": Probe(name="edge error ratio",
                             query="job:haproxy_frontend_http_errors:ratio_rate15s", below=0.01),
    }[name]


def build(spec: IncidentSpec, top: Topology, rng: random.Random) -> Incident:
    """The incident for this stack: pick its components, then fill in every template."""
    bound: dict[str, str | Names] = {}
    for pick in spec.pick:
        pool = top.webs if pick.role == "web" else top.stores
        taken = {n for v in bound.values() for n in ([v] if isinstance(v, str) else v)}
        bound.update(pick.choose(pool, taken, top.leader, rng))

    def names(key: str) -> list[str]:
        value = bound[key]
        return list(value) if isinstance(value, Names) else [value]

    def text(template: str) -> str:
        return render(template, bound)

    return Incident(
        name=spec.name, title=text(spec.title), difficulty=spec.difficulty, cause=spec.cause,
        components=[n for key in spec.components for n in names(key)],
        faults=[FaultRequest(type=f.type, target=target, params=dict(f.params),
                             duration=FAULT_SECONDS)
                for f in spec.faults for target in names(f.target)],
        steady_state=[shared_probe(p, top) if isinstance(p, str) else p
                      for p in spec.steady_state],
        hints=[text(h) for h in spec.hints], root_cause=text(spec.root_cause),
        mitigation=text(spec.mitigation), lessons=[text(x) for x in spec.lessons],
        action_items=[text(x) for x in spec.action_items], based_on=spec.based_on,
        fixed_by=[(f.action, n) for f in spec.fixed_by for n in names(f.component)],
    )


def load_file(path: Path) -> IncidentSpec:
    """One incident file, validated; errors name the line and the field."""
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), [Problem(None, "", f"cannot read: {exc}")]) from None
    data, root = read_yaml(text, str(path), "an incident")
    return validate_model(IncidentSpec, data, str(path), path.stem, root)


@cache
def library() -> dict[str, IncidentSpec]:
    """Every built-in incident by name."""
    return {path.stem: load_file(path) for path in sorted(LIBRARY_DIR.glob("*.yaml"))}


Builder = Callable[[Topology, random.Random], Incident]


def builder(spec: IncidentSpec) -> Builder:
    return lambda top, rng: build(spec, top, rng)


CATALOG: dict[str, Builder] = {name: builder(spec) for name, spec in library().items()}
DIFFICULTY_OF: dict[str, str] = {name: spec.difficulty for name, spec in library().items()}


def pick(difficulty: str, top: Topology, rng: random.Random) -> Incident:
    """A seeded choice among the incidents of one difficulty, built for this stack."""
    names = sorted(n for n, d in DIFFICULTY_OF.items() if d == difficulty)
    return CATALOG[rng.choice(names)](top, rng)
