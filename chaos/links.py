"""The network links of the stack that the fault proxy can slow or cut.

A link is directed by who dials whom: `web-2->store-1` carries web-2's calls to store-1, and
`store-1->store-3` carries Raft messages that store-1 sends to store-3.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Link:
    src: str
    dst: str

    @property
    def name(self) -> str:
        return f"{self.src}->{self.dst}"


class LinkTable:
    def __init__(self, links: list[Link]) -> None:
        self.links = links

    @classmethod
    def from_components(cls, webs: list[str], stores: list[str]) -> LinkTable:
        links = [Link("lb", w) for w in webs]
        links += [Link(w, s) for w in webs for s in stores]
        links += [Link(a, b) for a in stores for b in stores if a != b]
        return cls(links)

    def touching(self, group: set[str], others: set[str] | None = None) -> list[Link]:
        """Links with one end in `group` (and, if given, the other end in `others`)."""
        found = []
        for link in self.links:
            if (
                link.src in group
                and (others is None or link.dst in others)
                or link.dst in group
                and (others is None or link.src in others)
            ):
                found.append(link)
        return found

    def neighbours(self, group: set[str]) -> set[str]:
        return {end for link in self.touching(group) for end in (link.src, link.dst)} - group
