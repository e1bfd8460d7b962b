// The traces panel: open a trace by its id (the X-Trace-Id of a response), list the slowest or
// erroring recent ones (GET /api/traces?order=slowest&since=, ?error=true), or the ones behind
// a moment clicked on the error or latency chart (a since/until window); a click on a listed
// trace opens its waterfall (waterfall.js) under the list.

import { api, errorText } from "./api.js";
import { el, $, clock } from "./dom.js";
import { Waterfall } from "./waterfall.js";

// The charts plot 15 s rates and quantiles: a point at t summarises the requests of the 15 s
// before it. A click lists the traces that started in that window (and a step after it).
export const CHART_WINDOW_S = 15;
const LIST_LIMIT = 50;
const AROUND_LIMIT = 200;

/** since/until (seconds before `now`, as the API takes them) of the window behind a chart
 *  point at `t`: [t - 15 s, t + stepS]. */
export function windowAround(t, now, stepS = 1) {
  const from = t - CHART_WINDOW_S, to = t + stepS;
  const ago = (x) => `${Math.max(0, now - x).toFixed(1)}s`;
  return { since: ago(from), until: ago(to), from, to };
}

export class TracesPanel {
  constructor(root) {
    this.root = root;
    this.form = $("#trace-open", root);
    this.input = $("#trace-id", root);
    this.window = $("#traces-window", root);
    this.caption = $("#traces-caption", root);
    this.list = $("#traces", root);
    this.waterfall = new Waterfall($("#waterfall", root));
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (this.input.value.trim()) this.open(this.input.value);
    });
    $("#traces-slowest", root).addEventListener("click", () => this.slowest());
    $("#traces-errors", root).addEventListener("click", () => this.errors());
  }

  open(traceId) {
    const id = String(traceId).trim().toLowerCase();
    this.input.value = id;
    this.list.querySelectorAll(".trace").forEach((li) => li.classList.toggle("selected", li.dataset.traceId === id));
    return this.waterfall.open(id);
  }

  /** Open a trace and bring the panel into view (from a log line elsewhere on the page). */
  show(traceId) {
    this.root.scrollIntoView({ block: "start" });
    return this.open(traceId);
  }

  slowest() {
    const since = this.window.value;
    return this.load({ order: "slowest", since }, `slowest in the last ${since}`, "slowest");
  }

  errors() {
    const since = this.window.value;
    return this.load({ error: "true", since }, `in error in the last ${since}`, "errors");
  }

  /** The traces behind a point of a chart: slowest first for latency, erroring for errors. */
  around(chartId, t, stepS) {
    const w = windowAround(t, Date.now() / 1000, stepS);
    const params = { since: w.since, until: w.until, limit: String(AROUND_LIMIT) };
    if (chartId === "errors") params.error = "true";
    else params.order = "slowest";
    this.root.scrollIntoView({ block: "start" });
    const what = chartId === "errors" ? "in error" : "slowest";
    return this.load(params, `${what} that started ${clock(w.from)}–${clock(w.to)} (clicked on the ${chartId} chart)`,
      `around-${chartId}`);
  }

  /** Ask for a list; `data-list` names it once its answer is shown (for tests and links). */
  async load(params, caption, kind) {
    delete this.root.dataset.list;
    this.caption.className = "hint";
    this.caption.textContent = `${caption}…`;
    let items;
    try {
      items = await api.traces({ limit: String(LIST_LIMIT), ...params });
    } catch (err) {
      this.caption.className = "hint bad";
      this.caption.textContent = errorText(err);
      this.root.dataset.list = kind;
      return;
    }
    this.root.dataset.list = kind;
    this.caption.textContent = `${items.length} trace${items.length === 1 ? "" : "s"} ${caption}`;
    this.root.dataset.listed = String(items.length);
    if (!items.length) {
      this.list.replaceChildren(el("li.empty", {}, "No stored trace matches."));
      return;
    }
    const longest = Math.max(...items.map((t) => t.duration_ms), 1e-6);
    this.list.replaceChildren(...items.map((t) => el(`li.trace${t.error ? ".error" : ""}`, {
      dataset: { traceId: t.trace_id, start: String(t.start), durationMs: String(t.duration_ms), error: String(t.error) },
      title: `open trace ${t.trace_id}`,
      onclick: () => this.open(t.trace_id),
    },
      el("span.trace-when", {}, clock(t.start)),
      el("span.trace-root", {}, `${t.root_service}: ${t.root_name}`),
      el("span.trace-spans", {}, `${t.span_count} spans`),
      el("span.trace-bar", {}, el("span", { style: `width:${(t.duration_ms / longest) * 100}%` })),
      el("span.trace-duration", {}, `${t.duration_ms.toFixed(1)} ms`),
      el("span.trace-error", {}, t.error ? "error" : ""),
      el("span.trace-id", {}, t.trace_id.slice(0, 8)))));
  }
}
