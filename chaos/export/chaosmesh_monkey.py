"""Monkey mode as Chaos Mesh Schedules: one per (fault type, target) of the allow-lists.

The monkey strikes once per `every` on average, picking a fault type and a target from its
allow-lists; F types x T targets Schedules, each `@every` (every x F x T), keep that mean rate.
What a cron-driven Schedule cannot do (jitter, time windows, weekdays, sparing the last
healthy instance) is listed, never silently dropped.
"""

from __future__ import annotations

from typing import Any

from chaos.export.chaosmesh_model import API_VERSION, EMBED_FIELD, check
from chaos.export.chaosmesh_targets import Unsupported, chaos_spec
from chaos.export.k8s_names import NAMESPACE, PART_OF, PROJECT
from chaos.export.timeline import seconds_text
from chaos.schedules.monkey_config import MonkeyConfig

PAUSE = "experiment.chaos-mesh.org/pause"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def _limits(config: MonkeyConfig) -> list[dict[str, str]]:
    out = []
    if config.jitter not in ("0%", "0s"):
        out.append({"what": f"jitter {config.jitter}",
                    "why": "a Schedule fires on its cron, without jitter"})
    if config.between:
        out.append({"what": f"window {config.between}",
                    "why": "@every cannot be limited to hours; pause the Schedules outside it "
                           f"(annotation {PAUSE})"})
    if config.weekdays:
        out.append({"what": f"weekdays {config.weekdays}", "why": "@every has no weekdays"})
    if config.max_concurrent > 1:
        out.append({"what": f"max_concurrent {config.max_concurrent}",
                    "why": "each Schedule forbids overlapping itself; Schedules do not count "
                           "each other's chaos"})
    if not config.allow_last_healthy:
        out.append({"what": "sparing the last healthy instance",
                    "why": "Chaos Mesh does not check health before it strikes"})
    if config.dry_run:
        out.append({"what": "dry_run", "why": f"exported paused (annotation {PAUSE}: true)"})
    return out


def monkey_schedules(config: MonkeyConfig,
                     namespace: str = NAMESPACE) -> tuple[list[dict], list[dict]]:
    documents: list[dict[str, Any]] = []
    skipped = _limits(config)
    pairs = [(f, t) for f in config.fault_types for t in config.target_texts]
    period = float(config.every) * len(pairs)
    for fault, target in pairs:
        try:
            kind, spec, notes = chaos_spec(fault, target, {}, namespace)
        except Unsupported as exc:
            skipped.append({"what": f"{fault} on {target}", "why": f"not exported: {exc}"})
            continue
        skipped += [{"what": f"{fault} on {target}", "why": f"approximated: {n}"}
                    for n in notes]
        annotations = {"gameday.dev/monkey": f"{fault} on {target}"}
        if config.dry_run:
            annotations[PAUSE] = "true"
        document = {
            "apiVersion": API_VERSION, "kind": "Schedule",
            "metadata": {"name": f"monkey-{_slug(fault)}-{_slug(target)}"[:63].strip("-"),
                         "namespace": namespace, "labels": {PART_OF: PROJECT},
                         "annotations": annotations},
            "spec": {"schedule": f"@every {seconds_text(period)}", "concurrencyPolicy": "Forbid",
                     "historyLimit": 5, "type": kind,
                     EMBED_FIELD[kind]: {
                         **spec, "duration": seconds_text(float(config.duration))}},
        }
        check(document)
        documents.append(document)
    return documents, skipped
