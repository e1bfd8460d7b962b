// Remediation, the moves an SRE makes, available at all times (drill or not): controls on the
// topology cards (web: drain, ready, rollback, restart; store: restart, make leader), scaling
// web, the store's defrag and disarm, and the log of recent moves (GET /api/remediation).
// Every control shows its outcome, or the API's `detail`, right next to itself.

import { api, auth, errorText } from "./api.js";
import { el, $, clock, showResult } from "./dom.js";

const LOG_SIZE = 8;
const OK_FADE_MS = 10_000;

// role -> [action, button label, tooltip]; "leader" is POST /api/store/move-leader.
const CARD_ACTIONS = {
  web: [
    ["drain", "drain", "take it out of rotation: HAProxy sends no new requests, in-flight ones finish"],
    ["ready", "ready", "put it back in rotation"],
    ["rollback", "rollback", "back to the last good release"],
    ["restart", "restart", "restart the process"],
  ],
  store: [
    ["restart", "restart", "restart this etcd member"],
    ["leader", "make leader", "hand Raft leadership to this member"],
  ],
};

const DONE = {
  drain: (name) => `${name} drained, out of rotation`,
  ready: (name) => `${name} back in rotation`,
  rollback: (name) => `${name} rolled back`,
  restart: (name) => `${name} restarted`,
  leader: (name, answer) => (answer.note ? `${name}: ${answer.note}` : `leader ${answer.frm} → ${name}`),
};

/** The web instances drained out of rotation, replayed from the log (the status API does not
 * say): drain takes one out, ready or a scale that (re)adds it puts it back. */
export function drainedFrom(actions) {
  const drained = new Set();
  for (const a of actions) {
    if (a.action === "drain") drained.add(a.component);
    else if (a.action === "ready") drained.delete(a.component);
    else if (a.action === "scale") [...(a.added || []), ...(a.removed || [])].forEach((n) => drained.delete(n));
  }
  return drained;
}

/** One log entry as a line: "scale web=4 (+web-4)", "move-leader store-1 → store-2". */
export function describeMove(a) {
  switch (a.action) {
    case "scale": {
      const delta = [...(a.added || []).map((n) => `+${n}`), ...(a.removed || []).map((n) => `−${n}`)];
      return `scale ${a.role}=${a.count}${delta.length ? ` (${delta.join(" ")})` : ""}`;
    }
    case "move-leader":
      return a.note ? `move-leader ${a.to} (${a.note})` : `move-leader ${a.frm} → ${a.to}`;
    case "drain":
      return `drain ${a.component}${a.remaining_sessions ? ` (${a.remaining_sessions} sessions left)` : ""}`;
    default:
      return [a.action, a.component].filter(Boolean).join(" ");
  }
}

const report = (node, kind, text) => showResult(node, kind, text, OK_FADE_MS);

/** Run one move: its buttons disabled and "…" meanwhile, then ✓ or the API's error. */
async function perform(buttons, result, pending, call, done, after) {
  buttons.forEach((b) => { b.disabled = true; });
  report(result, "busy", pending);
  try {
    report(result, "ok", `✓ ${done(await call())}`);
  } catch (err) {
    report(result, "error", errorText(err));
  } finally {
    buttons.forEach((b) => { b.disabled = !auth.token; });
    after();
  }
}

export class Remediation {
  constructor(root, { onMoved }) {
    this.onMoved = onMoved;
    this.scaleForm = $("#scale-form", root);
    this.scaleCount = $("#scale-count", root);
    this.scaleNow = $("#scale-now", root);
    this.scaleResult = $("#scale-result", root);
    this.storeResult = $("#store-result", root);
    this.log = $("#moves", root);
    this.logCount = $("#moves-count", root);
    this.drained = new Set();
    this.webCount = null;
    this.scaleForm.addEventListener("submit", (event) => { event.preventDefault(); this.scale(); });
    this.scaleCount.addEventListener("input", () => { this.scaleCount.dataset.touched = "1"; });
    const storeButtons = [$("#store-defrag", root), $("#store-disarm", root)];
    storeButtons[0].addEventListener("click", () => perform(storeButtons, this.storeResult,
      "defragmenting every member…", api.defrag, () => "store compacted and defragmented", () => this.moved()));
    storeButtons[1].addEventListener("click", () => perform(storeButtons, this.storeResult,
      "clearing the store's alarms…", api.disarm, () => "alarms cleared, writes accepted", () => this.moved()));
  }

  /** The card controls of one component (built once per card by the topology), or null. */
  controls = (component) => {
    const actions = CARD_ACTIONS[component.role];
    if (!actions) return null;
    const name = component.name;
    const result = el("div.card-result.result", { role: "status" });
    const buttons = actions.map(([action, label, tip]) => el("button.small.needs-token", {
      type: "button", title: tip, disabled: !auth.token, dataset: { action },
    }, label));
    buttons.forEach((button) => button.addEventListener("click", () => {
      const action = button.dataset.action;
      const call = action === "leader" ? () => api.moveLeader(name) : () => api.act(name, action);
      perform(buttons, result, `${button.textContent} ${name}…`, call,
              (answer) => DONE[action](name, answer), () => this.moved());
    }));
    return el("div.card-controls", {}, el("div.card-actions", {}, buttons), result);
  };

  /** GET /api/status: the web count now, and the default of the scale field. */
  setStatus(status) {
    const count = status.components.filter((c) => c.role === "web").length;
    this.webCount = count;
    this.scaleNow.textContent = `now ${count} running`;
    if (!this.scaleCount.dataset.touched) this.scaleCount.value = String(count);
  }

  /** The most web instances the stack can run (its web slots, from GET /api/drills/choices). */
  setSlots(slots) {
    if (slots > 0) this.scaleCount.max = String(slots);
  }

  async scale() {
    const count = Number(this.scaleCount.value);
    const button = $("button", this.scaleForm);
    this.scaleCount.classList.toggle("invalid", !(Number.isInteger(count) && count >= 1));
    if (this.scaleCount.classList.contains("invalid")) {
      report(this.scaleResult, "error", "count: a whole number of web instances, at least 1");
      return;
    }
    delete this.scaleCount.dataset.touched;
    await perform([button], this.scaleResult, `scaling web to ${count}…`, () => api.scale(count),
      (a) => `web scaled to ${a.count}${a.added.length ? `, added ${a.added.join(", ")}` : ""}`
             + `${a.removed.length ? `, removed ${a.removed.join(", ")}` : ""}`, () => this.moved());
  }

  moved() {
    this.refresh();
    this.onMoved();
  }

  async refresh() {
    try {
      this.render(await api.remediation());
    } catch (err) {
      this.logCount.textContent = `log unavailable: ${errorText(err)}`;
      this.logCount.className = "hint bad";
    }
  }

  render(actions) {
    this.drained = drainedFrom(actions);
    this.logCount.className = "hint";
    this.logCount.textContent = `${actions.length} move${actions.length === 1 ? "" : "s"}`;
    const recent = actions.slice(-LOG_SIZE).reverse();
    if (!recent.length) {
      this.log.replaceChildren(el("li.empty", {}, "No moves yet. Scale, drain, roll back or restart from here or the cards."));
      return;
    }
    this.log.replaceChildren(...recent.map((a) => el("li.move", { dataset: { action: a.action } },
      el("span.move-when", {}, clock(a.ts)), el("span.move-what", {}, describeMove(a)))));
  }
}
