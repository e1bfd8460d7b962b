// The fault timeline (active and recent faults, newest first) and the banner shown while a
// fault or a scenario is active.

import { el, clock, span, now, paramText } from "./dom.js";

export const ACTIVE_STATES = new Set(["applying", "active", "reverting", "revert_failed"]);
const TIMELINE_SIZE = 25;

export function isActive(record) {
  return ACTIVE_STATES.has(record.state);
}

export class Timeline {
  constructor(root, counter, { onRevert }) {
    this.root = root;
    this.counter = counter;
    this.onRevert = onRevert;
    this.canMutate = false;
  }

  render(records) {
    const shown = records.slice(0, TIMELINE_SIZE);
    const active = records.filter(isActive).length;
    this.counter.textContent = `${active} active · ${records.length - active} ended`;
    if (!shown.length) {
      this.root.replaceChildren(el("li.empty", {}, "No faults yet. Inject one to watch the stack degrade and recover."));
      return;
    }
    this.root.replaceChildren(...shown.map((r) => this.item(r)));
  }

  item(r) {
    const live = isActive(r);
    const t = now();
    let when;
    if (live && r.deadline) {
      when = `${clock(r.created_at)} → ${clock(r.deadline)} · ${span(r.deadline - t)} left`;
    } else if (r.ended_at) {
      when = `${clock(r.created_at)} → ${clock(r.ended_at)} · lasted ${span(r.ended_at - r.created_at)}`;
    } else {
      when = `${clock(r.created_at)} → …`;
    }
    const progress = live && r.deadline
      ? el("div.progress", {}, el("span", {
          style: `width:${Math.min(100, (100 * (t - r.created_at)) / (r.deadline - r.created_at))}%`,
        }))
      : null;
    const hits = r.targets.join(", ") + (r.peers && r.peers.length ? ` ↔ ${r.peers.join(", ")}` : "");
    return el(`li.fault.st-${r.state}`, { dataset: { id: r.id, state: r.state, type: r.type, targets: r.targets.join(",") } },
      el("div.fault-head", {},
        el("span.fault-type", {}, r.type),
        el("span.fault-target", { title: `target ${r.target}` }, hits),
        el(`span.fault-state.st-${r.state}`, {}, r.state.replace("_", " ")),
        live && this.canMutate
          ? el("button.small", { type: "button", onclick: () => this.onRevert(r), title: `revert ${r.id}` }, "Revert")
          : null),
      el("div.fault-when", {}, when),
      paramText(r.params) ? el("div.fault-params", {}, paramText(r.params)) : null,
      r.error ? el("div.fault-error", {}, r.error) : null,
      progress);
  }
}

/** The red strip under the header: what is active right now, with the abort button. While a
 * drill runs it says so and nothing more: its faults are not in `active` (the API hides them),
 * and the banner must not hint at them either. */
export function renderBanner(banner, text, active, scenario, drill = null) {
  const parts = active.map((r) => {
    const left = r.deadline ? ` · ${span(r.deadline - now())} left` : "";
    return el("span.banner-item", {}, el("b", {}, r.type), ` ${r.targets.join(", ")}${left}`);
  });
  if (scenario) {
    parts.unshift(el("span.banner-item", {}, el("b", {}, "scenario"), ` ${scenario.name}`,
      scenario.detail ? ` · ${scenario.detail}` : ""));
  }
  if (drill) {
    parts.unshift(el("span.banner-item.banner-drill", {}, el("b", {}, "drill"),
      ` ${drill.difficulty} · ${span(now() - drill.started_at)} in · find what is wrong`));
  }
  banner.hidden = parts.length === 0;
  banner.classList.toggle("drilling", Boolean(drill));
  if (!parts.length) return;
  const label = drill ? "drill in progress"
    : active.length ? `${active.length} fault${active.length > 1 ? "s" : ""} active`
    : "scenario running";
  const extra = drill && active.length ? ` · ${active.length} other fault${active.length > 1 ? "s" : ""} active` : "";
  text.replaceChildren(el("span.banner-label", {}, "⚠ " + label + extra), ...parts);
}
