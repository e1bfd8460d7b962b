"""One params schema per network fault kind, and the grammar of fault ids.

The controller's catalog (chaos/faults/*.py) and the proxy's toxics (chaos/proxy/toxics/*.py)
both validate against these classes, so what the catalog accepts is exactly what the proxy
applies (same bounds, same defaults).
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Direction = Literal["both", "upstream", "downstream"]
DIRECTIONS: tuple[str, ...] = ("both", "upstream", "downstream")

# Fault ids travel in a URL path segment (`DELETE /faults/{id}`): no `/`, no `%`, no dots
# alone, nothing a client would have to encode. One grammar, checked on POST and DELETE.
FAULT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$"
_FAULT_ID = re.compile(FAULT_ID_PATTERN)


def valid_fault_id(fault_id: str) -> bool:
    return bool(_FAULT_ID.fullmatch(fault_id))


def check_fault_id(fault_id: str) -> str:
    if not valid_fault_id(fault_id):
        raise ValueError(f"fault id {fault_id!r} does not match {FAULT_ID_PATTERN}")
    return fault_id


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class LatencyParams(_Params):
    ms: float = Field(100.0, ge=0, le=60_000, description="Added delay in milliseconds")
    jitter_ms: float = Field(0.0, ge=0, le=60_000, description="Uniform +/- jitter in milliseconds")


class BandwidthParams(_Params):
    bytes_per_s: int = Field(10_000, gt=0, le=10**12, description="Throughput cap per connection")


class LossParams(_Params):
    probability: float = Field(
        0.1, ge=0, le=1, description="Probability that a connection or a chunk is reset"
    )


class BlackholeParams(_Params):
    pass


class CutParams(_Params):
    pass


# Network fault kind -> its params: the single source both sides validate against.
PARAMS: dict[str, type[BaseModel]] = {
    "latency": LatencyParams,
    "bandwidth": BandwidthParams,
    "loss": LossParams,
    "blackhole": BlackholeParams,
    "cut": CutParams,
}


# A logical link name (`web-1->store-2`) or an fnmatch glob over them (`*->store-2`).
LinkName = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class LinkDirection(BaseModel):
    """One link (name or glob) with its own direction, inside one fault."""

    model_config = ConfigDict(extra="forbid")
    link: LinkName
    direction: Direction


LinkRef = LinkName | LinkDirection


def link_directions(links: list[LinkRef], direction: Direction) -> list[tuple[str, Direction]]:
    """(link, direction) pairs; plain names take the fault's own direction."""
    return [
        (item.link, item.direction) if isinstance(item, LinkDirection) else (item, direction)
        for item in links
    ]


def links_json(links: list[LinkRef]) -> list:
    return [item.model_dump() if isinstance(item, LinkDirection) else item for item in links]


class FaultSpec(BaseModel):
    """One proxy fault on the wire (`POST /faults`); `params` are checked against PARAMS[kind]
    by whoever applies it (an unknown kind is refused there too)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(
        default_factory=lambda: f"f-{uuid.uuid4().hex[:12]}",
        pattern=FAULT_ID_PATTERN,
        description=f"Fault id, matching {FAULT_ID_PATTERN} (it is a URL path segment)",
    )
    kind: str = Field(description=f"One of {sorted(PARAMS)}")
    links: list[LinkRef] = Field(min_length=1, max_length=1000)
    direction: Direction = "both"
    params: dict = {}
