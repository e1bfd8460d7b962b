// The event timeline (GET /api/events, every 2 s): faults, component exits, stops and
// restarts, pages, remediation moves and drills, newest first, over the chosen window and
// source. While a drill runs the API leaves its faults out; the panel shows what the API
// gives and nothing else.

import { api, errorText } from "./api.js";
import { el, $, clock } from "./dom.js";

const SHOWN = 100;

export class EventsPanel {
  constructor(root) {
    this.list = $("#events", root);
    this.count = $("#events-count", root);
    this.window = $("#events-window", root);
    this.source = $("#events-source", root);
    this.key = "";
    for (const control of [this.window, this.source]) control.addEventListener("change", () => this.refresh());
  }

  async refresh() {
    try {
      this.render(await api.events(this.window.value, this.source.value));
    } catch (err) {
      this.count.textContent = `events unavailable: ${errorText(err)}`;
      this.count.className = "hint bad";
    }
  }

  render(events) {
    const label = this.window.selectedOptions[0] ? this.window.selectedOptions[0].textContent : this.window.value;
    this.count.className = "hint";
    this.count.textContent = `${events.length} in the last ${label}${events.length > SHOWN ? `, newest ${SHOWN} shown` : ""}`;
    const newest = events.slice(-SHOWN).reverse();  // the API answers oldest first
    const key = JSON.stringify(newest);
    if (key === this.key) return;  // keep the scroll position between polls
    this.key = key;
    if (!newest.length) {
      this.list.replaceChildren(el("li.empty", {}, "Nothing happened in this window."));
      return;
    }
    this.list.replaceChildren(...newest.map((e) => el(`li.event.src-${e.source}`, {
      dataset: {
        source: e.source, kind: e.kind, actor: e.actor, component: e.component || "",
        ref: e.ref || "",
      },
    },
      el("span.event-when", { title: new Date(e.ts * 1000).toISOString() }, clock(e.ts)),
      el("span.event-kind", {}, e.kind),
      el("span.event-component", {}, e.component || ""),
      el("span.event-actor", {}, e.actor),
      el("span.event-summary", {}, e.summary),
      el("span.event-ref", {}, e.ref || ""))));
  }
}
