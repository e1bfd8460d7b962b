// A trace as a waterfall (GET /api/traces/{id}): one row per span, under its parent, with its
// offset from the trace's start, its duration and a bar on the trace's time axis; spans in
// error are marked; a click on a row shows its attributes. Under it, the trace's log lines
// (GET /api/logs?trace_id=). The layout is the one of `gameday trace` (chaos/cli/waterfall.py).

import { api, errorText } from "./api.js";
import { el, clock } from "./dom.js";
import { logTime } from "./logs.js";

/** Spans depth-first by parent, children by start; a span whose parent is not in the trace
 *  (the load generator's, which is not exported) is a root: the load balancer's hop (`lb`,
 *  derived from its access log) when the trace has one, else web's server span. Each row places the span on the
 *  trace's time axis: `left` and `width` in percent of the whole trace. */
export function layout(spans) {
  if (!spans.length) return { start: 0, totalMs: 0, rows: [] };
  const start = Math.min(...spans.map((s) => s.start));
  const end = Math.max(...spans.map((s) => s.start + s.duration_ms / 1000));
  const totalMs = Math.max((end - start) * 1000, 1e-6);
  const ids = new Set(spans.map((s) => s.span_id));
  const children = new Map();
  for (const s of spans) {
    const parent = ids.has(s.parent_span_id) ? s.parent_span_id : null;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(s);
  }
  const byStart = (list) => [...(list || [])].sort((a, b) => a.start - b.start);
  const rows = [];
  const walk = (span, depth) => {
    const offsetMs = (span.start - start) * 1000;
    rows.push({
      span, depth, offsetMs, durationMs: span.duration_ms,
      left: (offsetMs / totalMs) * 100,
      width: Math.max(0, Math.min(100 - (offsetMs / totalMs) * 100, (span.duration_ms / totalMs) * 100)),
      error: span.status === "error",
    });
    for (const kid of byStart(children.get(span.span_id))) walk(kid, depth + 1);
  };
  for (const root of byStart(children.get(null))) walk(root, 0);
  return { start, totalMs, rows };
}

/** The attributes that tell a store attempt or a request apart, briefly. */
export function detail(span) {
  const a = span.attributes || {};
  const parts = [];
  if ("haproxy.server" in a) {  // the load balancer's hop, derived from its access line
    parts.push(`HTTP ${a["http.response.status_code"] ?? "?"} -> ${a["haproxy.server"]}`);
    if (a["haproxy.retries"]) parts.push(`retries ${a["haproxy.retries"]}${a["haproxy.redispatched"] ? " redispatched" : ""}`);
    if ((a["haproxy.termination_state"] ?? "----") !== "----") parts.push(`term ${a["haproxy.termination_state"]}`);
    parts.push("(access log)");
  } else if ("store.endpoint" in a) {
    parts.push(`${a["store.endpoint"]} ${a["store.outcome"] ?? "?"}`);
    if (a["store.failover"]) parts.push("failover");
    if (a["store.retry"]) parts.push(`retry ${a["store.retry"]}`);
    if (a["store.revision"]) parts.push(`rev ${a["store.revision"]}`);
  } else if ("http.response.status_code" in a) {
    parts.push(`HTTP ${a["http.response.status_code"]}`);
  }
  if (span.status === "error" && span.status_message) parts.push(span.status_message);
  return parts.join(" ");
}

const ms = (v) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;

export class Waterfall {
  constructor(root) {
    this.root = root;
    this.traceId = null;
    this.selected = null;
    root.replaceChildren(el("p.hint", {}, "Open a trace: paste an id, pick one from a list, "
      + "click the error or latency chart, or a trace id in a log line."));
  }

  async open(traceId) {
    const id = String(traceId || "").trim().toLowerCase();
    this.traceId = id;
    this.root.dataset.traceId = id;
    this.root.dataset.state = "loading";
    this.root.replaceChildren(el("p.hint", {}, `loading trace ${id}…`));
    let trace;
    try {
      trace = await api.trace(id);
    } catch (err) {
      if (this.traceId !== id) return;
      this.root.dataset.state = "error";
      this.root.replaceChildren(el("p.result.error", {}, errorText(err)));
      return;
    }
    if (this.traceId !== id) return;  // another trace was opened meanwhile
    this.render(trace);
    this.loadLogs(id);
  }

  render(trace) {
    const { start, totalMs, rows } = layout(trace.spans);
    this.rows = rows;
    this.selected = null;
    this.root.dataset.state = "open";
    this.root.dataset.spans = String(rows.length);
    const errors = rows.filter((r) => r.error).length;
    const head = el("div.wf-head", {},
      el("b", {}, `trace ${trace.trace_id}`),
      el("span", {}, `${rows.length} spans`), el("span", {}, ms(totalMs)),
      el("span", {}, `started ${clock(start)}`),
      errors ? el("span.bad", {}, `${errors} in error`) : null);
    const axis = el("div.wf-row.wf-axis", {}, el("span.wf-label", {}, "span"),
      el("span.wf-offset", {}, "offset"), el("span.wf-duration", {}, "duration"),
      el("span.wf-track", {}, ...[0, 25, 50, 75, 100].map((p) =>
        el("span.wf-tick", { style: `left:${p}%` }, ms((totalMs * p) / 100)))));
    const list = el("ol.wf-rows", {}, ...rows.map((r, i) => el(`li.wf-row${r.error ? ".error" : ""}`, {
      dataset: {
        spanId: r.span.span_id, service: r.span.service, name: r.span.name, depth: String(r.depth),
        parentSpanId: r.span.parent_span_id || "", offsetMs: r.offsetMs.toFixed(3),
        durationMs: r.durationMs.toFixed(3), error: String(r.error),
      },
      title: "click: its attributes",
      onclick: () => this.select(i),
    },
      el("span.wf-label", { style: `padding-left:${r.depth * 14}px` },
        r.error ? el("span.wf-err", { title: r.span.status_message || "error" }, "✖ ") : null,
        el("span.wf-service", {}, r.span.service), `: ${r.span.name}`),
      el("span.wf-offset", {}, ms(r.offsetMs)),
      el("span.wf-duration", {}, ms(r.durationMs)),
      el("span.wf-track", {},
        el("span.wf-bar", { style: `left:${r.left}%;width:max(2px, ${r.width}%)` }),
        el("span.wf-detail", {}, detail(r.span))))));
    this.attributes = el("div.wf-attributes", {}, el("p.hint", {}, "Click a span for its attributes."));
    this.logs = el("div.wf-logs", {}, el("p.hint", {}, "loading its log lines…"));
    this.start = start;
    this.root.replaceChildren(head, axis, list, this.attributes,
      el("h3", {}, "log lines of this trace"), this.logs);
  }

  select(index) {
    const row = this.rows[index];
    if (!row) return;
    this.selected = row.span.span_id;
    this.root.querySelectorAll(".wf-rows > li").forEach((li, i) => li.classList.toggle("selected", i === index));
    const s = row.span;
    const fields = [["service", s.service], ["name", s.name], ["kind", s.kind],
      ["span_id", s.span_id], ["parent_span_id", s.parent_span_id || "(none)"],
      ["status", s.status + (s.status_message ? `: ${s.status_message}` : "")],
      ["offset", ms(row.offsetMs)], ["duration", ms(row.durationMs)],
      ...Object.entries(s.attributes || {}).sort(([a], [b]) => a.localeCompare(b))];
    this.attributes.dataset.spanId = s.span_id;
    this.attributes.replaceChildren(el("table.wf-attrs", {}, el("tbody", {}, ...fields.map(([k, v]) =>
      el("tr", { dataset: { key: k } }, el("th", {}, k), el("td", {}, typeof v === "string" ? v : JSON.stringify(v)))))));
  }

  async loadLogs(id) {
    let lines;
    try {
      lines = await api.logs({ trace_id: id, since: "24h", limit: 500 });
    } catch (err) {
      if (this.traceId === id) this.logs.replaceChildren(el("p.hint.bad", {}, `log lines unavailable: ${errorText(err)}`));
      return;
    }
    if (this.traceId !== id) return;
    this.logs.dataset.count = String(lines.length);
    if (!lines.length) {
      this.logs.replaceChildren(el("p.hint", {}, "No log line carries this trace id (yet)."));
      return;
    }
    const index = new Map(this.rows.map((r, i) => [r.span.span_id, i]));
    this.logs.replaceChildren(el("ol.log-lines", {}, ...lines.map((line) => el(
      `li.log-line.level-${line.level || "none"}`, {
        dataset: { id: String(line.id), component: line.component, spanId: line.span_id || "" },
        title: index.has(line.span_id) ? "click: its span" : "",
        onclick: () => { if (index.has(line.span_id)) this.select(index.get(line.span_id)); },
      },
      el("span.log-when", {}, `+${ms((logTime(line.time) - this.start) * 1000)}`),
      el("span.log-component", {}, line.component),
      el("span.log-level", {}, line.level || ""),
      el("span.log-message", {}, line.message)))));
  }
}
