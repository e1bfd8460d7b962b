"""How a drill is scored (pure logic, documented in docs/drills.md).

Diagnosis is worth 80 (component 40, cause 40) and counts only for a fully right answer: half
right is wrong, as it would be on call. Speed adds up to 20. Each hint taken and each wrong
answer before the right one costs points, and so does each harmful move: one that takes
capacity away or churns a part the incident did not touch (restarting, draining or rolling
back a healthy instance, moving the store's leadership when the store is fine, scaling in
during the incident). A learner has MAX_ANSWERS tries.
"""

from __future__ import annotations

from typing import Any

from chaos.drills.model import Answer, Drill, Score

MAX_ANSWERS = 3
COMPONENT_POINTS = 40
CAUSE_POINTS = 40
SPEED_POINTS = 20
FULL_SPEED_SECONDS = 120.0  # diagnosed within 2 minutes: all speed points
NO_SPEED_SECONDS = 600.0  # after 10 minutes: none
HINT_COSTS = (5, 10, 15)  # the first hint is cheap, the last almost gives it away
WRONG_ANSWER_PENALTY = 10
HARMFUL_MOVE_PENALTY = 5
MAX_MOVE_PENALTY = 15
# Moves on one named component; `scale` is harmful when it removes instances.
TARGETED_MOVES = {"restart": "component", "drain": "component", "rollback": "component",
                  "move-leader": "to"}


def harmful_moves(moves: list[dict[str, Any]], involved: list[str]) -> list[str]:
    """The moves (as `action target`) that worked on what the incident did not touch."""
    harmful = []
    for move in moves:
        action = move.get("action")
        if action == "scale" and move.get("removed"):
            harmful.append(f"scale removed {', '.join(move['removed'])}")
        elif action in TARGETED_MOVES:
            target = move.get(TARGETED_MOVES[action])
            touched = target in involved or (action == "move-leader" and any(
                c.startswith("store-") for c in involved))
            if target and not touched:
                harmful.append(f"{action} {target}")
    return harmful


def hint_cost(index: int) -> int:
    return HINT_COSTS[min(index, len(HINT_COSTS) - 1)]


def speed_points(seconds: float) -> int:
    if seconds <= FULL_SPEED_SECONDS:
        return SPEED_POINTS
    if seconds >= NO_SPEED_SECONDS:
        return 0
    left = (NO_SPEED_SECONDS - seconds) / (NO_SPEED_SECONDS - FULL_SPEED_SECONDS)
    return round(SPEED_POINTS * left)


def score(answers: list[Answer], hints_used: int, harmful: list[str] | None = None) -> Score:
    harmful = harmful or []
    move_penalty = min(MAX_MOVE_PENALTY, HARMFUL_MOVE_PENALTY * len(harmful))
    hint_penalty = sum(hint_cost(i) for i in range(hints_used))
    right = next((a for a in answers if a.correct), None)
    wrong_before = len(answers) if right is None else answers.index(right)
    retry_penalty = WRONG_ANSWER_PENALTY * wrong_before
    if right is None:
        why = ("no answer" if not answers
               else f"{len(answers)} wrong answer(s): the diagnosis does not count")
        return Score(total=0, diagnosis=0, speed=0, hint_penalty=hint_penalty,
                     retry_penalty=retry_penalty, move_penalty=move_penalty,
                     harmful_moves=harmful, explanation=why)
    diagnosis = COMPONENT_POINTS + CAUSE_POINTS
    speed = speed_points(right.t)
    total = max(0, diagnosis + speed - hint_penalty - retry_penalty - move_penalty)
    return Score(total=total, diagnosis=diagnosis, speed=speed, hint_penalty=hint_penalty,
                 retry_penalty=retry_penalty, move_penalty=move_penalty, harmful_moves=harmful,
                 explanation=f"right after {right.t:.0f}s: {diagnosis} diagnosis + {speed} speed "
                             f"- {hint_penalty} for {hints_used} hint(s) - {retry_penalty} for "
                             f"{wrong_before} wrong answer(s) - {move_penalty} for "
                             f"{len(harmful)} harmful move(s)")


def void(seconds: float) -> Score:
    """A drill whose incident never showed (no breach of its steady state, no page) is not
    scored: there was nothing to respond to, whatever the learner did."""
    return Score(total=0, diagnosis=0, speed=0, hint_penalty=0, retry_penalty=0,
                 explanation=f"void: the incident never showed in {seconds:.0f}s (the steady "
                             "state held and nothing paged), so the drill does not count")


def outcome(diagnosed: bool, mitigated: bool) -> str:
    if diagnosed and mitigated:
        return "solved"
    if mitigated:
        return "mitigated"
    return "diagnosed" if diagnosed else "unsolved"


def diagnosis_closed(drill: Drill) -> bool:
    """No more answers are taken: one was right, or every try is used."""
    return any(a.correct for a in drill.answers) or len(drill.answers) >= MAX_ANSWERS


def tries_left(drill: Drill) -> int:
    return 0 if diagnosis_closed(drill) else MAX_ANSWERS - len(drill.answers)
