"""Past drills and their scores: <state_dir>/drills/history.json, newest last."""

from __future__ import annotations

import json
from pathlib import Path

from chaos.drills.model import Drill
from chaos.state import write_atomic


def entry(drill: Drill) -> dict:
    return {
        "id": drill.id, "incident": drill.incident, "title": drill.title,
        "difficulty": drill.difficulty, "seed": drill.seed, "started_at": drill.started_at,
        "ended_at": drill.ended_at, "outcome": drill.outcome,
        "score": drill.score.total if drill.score else None,
        "hints": len(drill.hints_given), "answers": len(drill.answers),
        "diagnosed_after": drill.diagnosed_after, "mitigated_after": drill.mitigated_after,
        "postmortem": drill.debrief.postmortem if drill.debrief else None,
    }


def read(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return []
    return data if isinstance(data, list) else []


def append(path: Path, drill: Drill) -> None:
    entries = [e for e in read(path) if e.get("id") != drill.id]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps([*entries, entry(drill)], indent=2) + "\n")
