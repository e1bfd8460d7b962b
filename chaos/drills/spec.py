"""The shape of an incident file (chaos/drills/library/*.yaml), validated with pydantic.

An incident is data: which components it picks (seeded, from the stack as the drill found it),
the faults it injects on them, the steady state that tells whether it is mitigated, the hints,
and the debrief's text. Text fields are templates over the picked names: `${web}`, `${down}`
(a list reads "store-1 and store-3"), `${down[0]}`; `$` keeps PromQL's and routes' braces
literal. See docs/drills.md, "Adding an incident".
"""

from __future__ import annotations

import random
import re
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from chaos.drills.causes import CAUSES, Difficulty
from chaos.faults import FAULTS
from chaos.scenarios.model import ParamsError, Probe

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELD = re.compile(r"\$\{([a-z][a-z0-9_]*)(?:\[(\d+)\])?\}")
Role = Literal["web", "store"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Names(list):
    """Several picked names (`count: 2`, `rest: true`)."""


def render(text: str, bound: dict[str, str | Names]) -> str:
    """Fill `${name}` (a list joined with "and") and `${name[i]}` with the picked names."""

    def fill(match: re.Match) -> str:
        value = bound[match.group(1)]
        if match.group(2) is not None:
            return value[int(match.group(2))] if isinstance(value, Names) else value
        return " and ".join(value) if isinstance(value, Names) else value

    return _FIELD.sub(fill, text)


class Pick(Strict):
    """How the drill chooses components, with its seeded random generator."""

    as_: str | list[str] = Field(
        alias="as", description="The name(s) the picked components are bound to. A list "
        "binds distinct components drawn together, one per name.")
    role: Role
    count: int = Field(1, ge=1, le=8, description="With one name: bind a sorted list of this "
                       "many distinct components")
    leader: bool = Field(False, description="The store leader when the drill starts "
                         "(a random member if there is none)")
    rest: bool = Field(False, description="Every component of the role not picked before, "
                       "in order")

    @field_validator("as_")
    @classmethod
    def _names(cls, value: str | list[str]) -> str | list[str]:
        for name in [value] if isinstance(value, str) else value:
            if not _NAME.match(name):
                raise ValueError(f"{name!r} is not a name (lowercase letters, digits, _)")
        return value

    @model_validator(mode="after")
    def _one_way(self) -> Pick:
        modes = [m for m in ("leader", "rest") if getattr(self, m)]
        if len(modes) > 1 or (modes and (self.count > 1 or isinstance(self.as_, list))):
            raise ValueError("leader and rest take a single name and no count")
        if self.leader and self.role != "store":
            raise ValueError("leader: true only picks a store member")
        if isinstance(self.as_, list) and self.count != 1:
            raise ValueError("a list of names draws one component per name; drop count")
        return self

    @property
    def names(self) -> list[str]:
        return [self.as_] if isinstance(self.as_, str) else list(self.as_)

    def choose(self, pool: list[str], taken: set[str], leader: str | None,
               rng: random.Random) -> dict[str, str | Names]:
        free = [c for c in pool if c not in taken]
        if self.rest:
            return {self.as_: Names(free)}
        if self.leader:
            return {self.as_: leader if leader in free else rng.choice(free)}
        wanted = len(self.names) if isinstance(self.as_, list) else self.count
        if len(free) < wanted:
            raise ValueError(f"needs {wanted} {self.role} component(s) besides those already "
                             f"picked; the stack has {len(free)}")
        if isinstance(self.as_, list):
            return dict(zip(self.as_, rng.sample(free, wanted), strict=True))
        if self.count == 1:
            return {self.as_: rng.choice(free)}
        return {self.as_: Names(sorted(rng.sample(free, self.count)))}


class FaultSpec(Strict):
    type: str
    target: str = Field(description="A picked name; a list name injects one fault each")
    params: dict = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_type_and_params(self) -> FaultSpec:
        cls = FAULTS.get(self.type)
        if cls is None:
            raise ValueError(f"unknown fault type {self.type!r}; known: "
                             f"{', '.join(sorted(FAULTS))}")
        try:
            self.params = cls.Params.model_validate(self.params).model_dump(
                mode="json", exclude_unset=True)
        except ValidationError as exc:
            raise ParamsError(exc) from None
        return self


class FixedBy(Strict):
    action: Literal["restart", "rollback", "drain", "ready", "scale"]
    component: str = Field(description="A picked name")


# Steady-state checks shared by many incidents, by name; an incident may also write its own.
SharedProbe = Literal["errors", "leader", "capacity", "web-p99", "client-p99",
                      "client-errors", "edge-errors"]


class IncidentSpec(Strict):
    name: str = Field("", description="Set from the file name; not written in the file")
    title: str = Field(min_length=1)
    difficulty: Difficulty
    cause: str = Field(description="One of the closed list of causes the learner picks from")
    based_on: str | None = Field(None, description="The library scenario it comes from")
    pick: list[Pick] = Field(min_length=1)
    faults: list[FaultSpec] = Field(min_length=1)
    components: list[str] = Field(min_length=1, description="Picked names: the accepted "
                                  "answers; the first is the one the postmortem names")
    steady_state: list[SharedProbe | Probe] = Field(min_length=1)
    hints: list[str] = Field(min_length=3, max_length=3, description="Vague to nearly the answer")
    root_cause: str = Field(min_length=1)
    mitigation: str = Field(min_length=1)
    lessons: list[str] = Field(min_length=1)
    action_items: list[str] = Field(min_length=1)
    fixed_by: list[FixedBy] = Field(default_factory=list, description="Moves after which the "
                                    "drill reverts its own faults (causes no command can undo)")
    quiet: str | None = Field(None, description="Why this incident should not page, if it "
                              "should not (the library test then asks only that it bites)")

    @field_validator("cause")
    @classmethod
    def _known_cause(cls, value: str) -> str:
        if value not in CAUSES:
            raise ValueError(f"unknown cause {value!r}; allowed: {', '.join(CAUSES)}")
        return value

    @model_validator(mode="after")
    def _names_are_picked(self) -> IncidentSpec:
        bound = [n for p in self.pick for n in p.names]
        duplicated = sorted({n for n in bound if bound.count(n) > 1})
        if duplicated:
            raise ValueError(f"picked twice: {', '.join(duplicated)}")
        known = set(bound)
        used = ([f.target for f in self.faults] + self.components
                + [f.component for f in self.fixed_by])
        texts = [*self.hints, self.root_cause, self.mitigation, *self.lessons,
                 *self.action_items, self.title]
        used += [m.group(1) for text in texts for m in _FIELD.finditer(text)]
        unknown = sorted(set(used) - known)
        if unknown:
            raise ValueError(f"not picked: {', '.join(unknown)} (picked: "
                             f"{', '.join(bound)})")
        return self
