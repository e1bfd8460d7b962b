// The log search panel: every component's log lines from the controller's one store
// (GET /api/logs: component (repeatable), grep, level (minimum), since, trace_id, after,
// limit), oldest first, interleaved by time. "follow" asks every 2 s for the lines after the
// last one shown. A trace id in a line opens its waterfall.

import { api, errorText } from "./api.js";
import { el, $ } from "./dom.js";

const FOLLOW_EVERY_MS = 2000;
const KEPT = 2000;  // lines kept on the page while following
const LIMIT = 500;

/** A line's `time` as unix seconds: the API may answer seconds or an ISO 8601 string. */
export function logTime(time) {
  if (typeof time === "number") return time;
  const parsed = Date.parse(time);
  return Number.isNaN(parsed) ? 0 : parsed / 1000;
}

const pad = (n, w = 2) => String(n).padStart(w, "0");

function stamp(seconds) {
  const d = new Date(seconds * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** The query of the form's fields; empty fields are left out (the API's defaults). */
export function logQuery({ components = [], grep = "", level = "", since = "", traceId = "", after = null, limit = LIMIT }) {
  const params = new URLSearchParams();
  for (const c of components) params.append("component", c);
  if (grep.trim()) params.set("grep", grep.trim());
  if (level) params.set("level", level);
  if (since) params.set("since", since);
  if (traceId.trim()) params.set("trace_id", traceId.trim().toLowerCase());
  if (after !== null && after !== undefined) params.set("after", String(after));
  params.set("limit", String(limit));
  return params;
}

export class LogsPanel {
  /** onTrace(id): open that trace's waterfall. */
  constructor(root, { onTrace }) {
    this.root = root;
    this.onTrace = onTrace;
    this.form = $("#logs-form", root);
    this.components = $("#logs-components", root);
    this.grep = $("#logs-grep", root);
    this.level = $("#logs-level", root);
    this.since = $("#logs-since", root);
    this.traceId = $("#logs-trace", root);
    this.follow = $("#logs-follow", root);
    this.state = $("#logs-state", root);
    this.list = $("#logs", root);
    this.names = "";
    this.lastId = null;
    this.query = null;
    this.timer = null;
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.search(); });
    this.follow.addEventListener("change", () => this.schedule());
  }

  /** The component choices, from /api/status (kept as picked across polls). */
  setComponents(components) {
    const names = components.map((c) => c.name);
    if (names.join() === this.names) return;
    this.names = names.join();
    const picked = new Set([...this.components.selectedOptions].map((o) => o.value));
    this.components.replaceChildren(...names.map((n) => el("option", { value: n, selected: picked.has(n) }, n)));
  }

  fields() {
    return {
      components: [...this.components.selectedOptions].map((o) => o.value),
      grep: this.grep.value, level: this.level.value, since: this.since.value, traceId: this.traceId.value,
    };
  }

  /** Search the lines of one trace (from the waterfall). */
  showTrace(id) {
    this.traceId.value = id;
    this.search();
  }

  async search() {
    this.query = this.fields();
    this.lastId = null;
    this.report("", "searching…");
    try {
      const lines = await api.logs(logQuery(this.query));
      this.render(lines, false);
    } catch (err) {
      this.list.replaceChildren();
      this.report("bad", errorText(err));
    }
    this.schedule();
  }

  schedule() {
    clearTimeout(this.timer);
    if (this.follow.checked && this.query) this.timer = setTimeout(() => this.tail(), FOLLOW_EVERY_MS);
  }

  async tail() {
    if (!document.hidden) {
      try {
        // Following: the lines after the last one shown (none yet: the search again).
        const more = this.lastId === null ? this.query : { ...this.query, since: "", after: this.lastId };
        const lines = await api.logs(logQuery(more));
        this.render(lines, true);
      } catch (err) {
        this.report("bad", `following: ${errorText(err)}`);
      }
    }
    this.schedule();
  }

  report(kind, text) {
    this.state.className = kind ? `hint ${kind}` : "hint";
    this.state.textContent = text;
  }

  render(lines, append) {
    if (lines.length) this.lastId = lines[lines.length - 1].id;
    const rows = lines.map((line) => this.row(line));
    if (append) {
      this.list.querySelector(".empty")?.remove();
      this.list.append(...rows);
      while (this.list.children.length > KEPT) this.list.firstElementChild.remove();
      if (rows.length) rows[rows.length - 1].scrollIntoView({ block: "nearest" });
    } else {
      this.list.replaceChildren(...(rows.length ? rows : [el("li.empty", {}, "No line matches.")]));
    }
    const shown = this.list.querySelectorAll(".log-line").length;
    this.root.dataset.lines = String(shown);
    this.report("", `${shown} line${shown === 1 ? "" : "s"}${this.follow.checked ? " · following" : ""}`);
  }

  row(line) {
    const t = logTime(line.time);
    return el(`li.log-line.level-${line.level || "none"}`, {
      dataset: { id: String(line.id), component: line.component, level: line.level || "", traceId: line.trace_id || "" },
    },
      el("span.log-when", { title: new Date(t * 1000).toISOString() }, stamp(t)),
      el("span.log-component", {}, line.component),
      el("span.log-level", {}, line.level || ""),
      el("span.log-logger", {}, line.logger || ""),
      el("span.log-message", {}, line.message),
      line.trace_id ? el("a.log-trace", {
        href: "#", title: `open trace ${line.trace_id}`, dataset: { traceId: line.trace_id },
        onclick: (e) => { e.preventDefault(); this.onTrace(line.trace_id); },
      }, line.trace_id.slice(0, 8)) : el("span.log-trace", {}, ""));
  }
}
