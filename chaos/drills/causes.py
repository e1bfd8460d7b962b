"""The fixed list of causes a learner picks from, and the difficulty levels."""

from __future__ import annotations

from typing import Literal

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")

# A closed list, so an answer is graded by comparison, not by reading free text.
CAUSES: dict[str, str] = {
    "process-crash": "a process died and did not come back",
    "hung-process": "a process is alive but answers nothing",
    "slow-network": "a network path is slow",
    "network-partition": "a component cannot reach some of its peers",
    "leader-isolated": "the store leader is cut off from the rest of the cluster",
    "memory-leak": "a process keeps growing its memory",
    "cpu-saturation": "a process is starved of CPU",
    "bad-deploy": "a new release is broken",
    "disk-full": "the store ran out of space",
    "flapping": "a component goes in and out of service",
    "quorum-loss": "the store lost its majority",
}
