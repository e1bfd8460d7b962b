"""A scenario as a Chaos Mesh Workflow, monkey mode as Schedules (docs/interop.md).

The workflow (entry Serial): steady state checked once (StatusChecks, Synchronous), then the
timeline (one Serial per strike: Suspend until its offset, then the chaos for its duration;
all strikes in Parallel, beside Continuous checks of the probes that must hold during faults
and of the abort conditions, abortWithStatusCheck), then recovery checks for recover_within.

A StatusCheck can only judge an HTTP status code, so each check queries Prometheus's HTTP API
with an expression that is empty (200) while the probe holds and a PromQL execution error
(422: duplicate series on one side of a one-to-one match) when it does not.

Faults with no Chaos Mesh equivalent are not dropped: the strike becomes a Suspend of the same
length, annotated with the reason, and listed in the `skipped` result (stderr and a comment
in the CLI's output). Approximations are annotated the same way.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from chaos.export.chaosmesh_model import API_VERSION, EMBED_FIELD, check
from chaos.export.chaosmesh_monkey import monkey_schedules
from chaos.export.chaosmesh_targets import Unsupported, chaos_spec
from chaos.export.k8s_names import NAMESPACE, PART_OF, PROJECT, PROMETHEUS_URL
from chaos.export.timeline import seconds_text, timeline
from chaos.scenarios.model import Probe, Scenario, Threshold

ANNOTATION = "gameday.dev/"


# A threshold's field -> the PromQL comparison that satisfies it, and the one that breaks it.
COMPARISONS = {"below": ("<", ">="), "above": (">", "<="), "equals": ("==", "!=")}


def _select(query: str, threshold: Threshold, *, broken: bool) -> str:
    field = next(f for f in COMPARISONS if getattr(threshold, f) is not None)
    return f"({query}) {COMPARISONS[field][broken]} {getattr(threshold, field):g}"


def breaks(query: str, threshold: Threshold) -> str:
    """PromQL selecting the series of `query` that break a steady-state probe's threshold."""
    return _select(query, threshold, broken=True)


def triggers(query: str, condition: Threshold) -> str:
    """PromQL selecting the series of `query` that satisfy an abort condition."""
    return _select(query, condition, broken=False)


def failing_when(bad: str, query: str | None = None) -> str:
    """PromQL that fails to execute (HTTP 422) when `bad` has a series, or when `query` has
    none (if given: a probe with when_missing: fail), and is empty (HTTP 200) otherwise."""
    if query is not None:
        bad = f"({bad}) or on() absent({query})"
    twice = " or ".join(f'label_replace({bad}, "gameday_check", "{tag}", "gameday_check", ".*")'
                        for tag in ("a", "b"))
    return f"vector(1) + on() ({twice})"


def _probe_expr(probe: Probe) -> str:
    return failing_when(breaks(probe.query, probe),
                        probe.query if probe.when_missing == "fail" else None)


def status_check(name: str, expr: str, namespace: str, mode: str, deadline: float,
                 failures: int = 3, abort: bool = True) -> dict[str, Any]:
    url = (f"{PROMETHEUS_URL.format(namespace=namespace)}/api/v1/query?query="
           f"{quote(expr, safe='')}")
    return {"name": name, "templateType": "StatusCheck", "deadline": seconds_text(deadline),
            "abortWithStatusCheck": abort,
            "statusCheck": {"mode": mode, "type": "HTTP", "intervalSeconds": 1,
                            "timeoutSeconds": 2, "failureThreshold": failures,
                            "successThreshold": 1, "recordsHistoryLimit": 100,
                            "http": {"url": url, "method": "GET",
                                     "criteria": {"statusCode": "200"}}}}


def _slug(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")
    return slug or "x"


def _meta(name: str, namespace: str, annotations: dict[str, str]) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace,
                            "labels": {PART_OF: PROJECT}}
    if annotations:
        meta["annotations"] = annotations
    return meta


def to_workflow(scenario: Scenario, namespace: str = NAMESPACE,
                time_scale: float = 1.0) -> tuple[list[dict], list[dict]]:
    """The Workflow document(s) and the list of what could not be exported, with reasons."""
    templates: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    notes: dict[str, str] = {}
    strikes = timeline(scenario, time_scale)
    fault_end = max(s.end for s in strikes)

    before = [status_check(f"before-{i + 1}", _probe_expr(p), namespace, "Synchronous", 10,
                           failures=3)
              for i, p in enumerate(scenario.steady_state)]
    during = [status_check(f"during-{i + 1}", _probe_expr(p), namespace, "Continuous",
                           fault_end, failures=3)
              for i, p in enumerate(scenario.steady_state) if p.must_hold_during_faults]
    # An abort condition with no data does not count as holding, so no absent() here.
    aborts = [status_check(f"abort-{i + 1}", failing_when(triggers(a.query, a)), namespace,
                           "Continuous", fault_end, failures=max(int(a.for_), 1))
              for i, a in enumerate(scenario.abort_when)]
    recover = [status_check(f"recover-{i + 1}", _probe_expr(p), namespace, "Synchronous",
                            scenario.recover_within,
                            failures=max(int(scenario.recover_within), 1))
               for i, p in enumerate(scenario.steady_state)]

    strike_names = []
    for n, strike in enumerate(strikes, 1):
        base = f"s{n}-{_slug(strike.step.type, 20)}"
        children = []
        if strike.start > 0:
            templates.append({"name": f"{base}-wait", "templateType": "Suspend",
                              "deadline": seconds_text(strike.start)})
            children.append(f"{base}-wait")
        try:
            kind, spec, approx = chaos_spec(strike.step.type, strike.step.target,
                                            strike.params, namespace)
            templates.append({"name": base, "templateType": kind,
                              "deadline": seconds_text(strike.duration),
                              EMBED_FIELD[kind]: spec})
            if approx:
                notes[f"{ANNOTATION}{base}"] = "approximated: " + "; ".join(approx)
            for line in approx:
                skipped.append({"what": f"{strike.label} ({strike.step.type} "
                                        f"{strike.step.target})",
                                "why": f"approximated: {line}"})
        except Unsupported as exc:
            templates.append({"name": base, "templateType": "Suspend",
                              "deadline": seconds_text(strike.duration)})
            notes[f"{ANNOTATION}{base}"] = f"not exported: {exc}"
            skipped.append({"what": f"{strike.label} ({strike.step.type} {strike.step.target})",
                            "why": f"not exported: {exc}"})
        children.append(base)
        templates.append({"name": f"{base}-strike", "templateType": "Serial",
                          "children": children})
        strike_names.append(f"{base}-strike")

    templates += [{"name": "timeline", "templateType": "Parallel", "children": strike_names}]
    templates += before + during + aborts + recover
    entry_children = []
    for group, members in (("steady-state", before),
                           ("faults", [{"name": "timeline"}, *during, *aborts]),
                           ("recovery", recover)):
        templates.append({"name": group, "templateType": "Parallel",
                          "children": [m["name"] for m in members]})
        entry_children.append(group)
    entry = f"gameday-{_slug(scenario.name or scenario.title)}"
    templates.append({"name": entry, "templateType": "Serial", "children": entry_children})
    if scenario.expected_signals:
        notes[f"{ANNOTATION}expected-signals"] = "\n".join(scenario.expected_signals)
    document = {"apiVersion": API_VERSION, "kind": "Workflow",
                "metadata": _meta(entry, namespace, {f"{ANNOTATION}scenario": scenario.name,
                                                     f"{ANNOTATION}title": scenario.title,
                                                     **notes}),
                "spec": {"entry": entry, "templates": templates}}
    check(document)
    unique = list({(s["what"], s["why"]): s for s in skipped}.values())
    return [document], unique

__all__ = ["breaks", "failing_when", "monkey_schedules", "status_check", "to_workflow",
           "triggers"]
