// The pager: Alertmanager's groups as pages (GET /api/pages, every second, also while the tab
// is hidden, so the sound can call you back). Firing pages first, then recent ones, newest
// first. A page that needs acknowledging shows at once: a red strip under the header with
// Ack, its row outlined red (flashing while new), a count in the tab's title, and a chime when
// the sound is on. Ack is POST /api/pages/{id}/ack with the console's token.

import { api, auth, errorText } from "./api.js";
import { Chime } from "./chime.js";
import { el, $, clock, span, showResult } from "./dom.js";

const SHOWN = 12;
const ALERTS_SHOWN = 4;
const FRESH_MS = 8000;  // how long the row of a new page flashes
const OK_FADE_MS = 10_000;
const TITLE = document.title;

export const needsAck = (p) => p.status === "firing" && !p.acked_at;

/** Firing pages first, then resolved ones; each newest first, as the API lists them. */
export function ordered(pages) {
  return [...pages.filter((p) => p.status === "firing"), ...pages.filter((p) => p.status !== "firing")];
}

/** When it fired, paged, was acked and resolved: "fired 10:00:00 · paged 10:00:02 · ...". */
export function pageTimes(p) {
  const parts = [`fired ${clock(p.firing_at)}`, `paged ${clock(p.opened_at)}`];
  if (p.acked_at) parts.push(`acked ${clock(p.acked_at)} (+${span(p.acked_at - p.opened_at)})`);
  if (p.resolved_at) parts.push(`resolved ${clock(p.resolved_at)} (lasted ${span(p.resolved_at - p.firing_at)})`);
  return parts.join(" · ");
}

const labelText = (labels) => Object.entries(labels || {}).map(([k, v]) => `${k}=${v}`).join(" ");

function runbook(url) {
  return /^https?:\/\//.test(url)
    ? el("a.page-runbook", { href: url, target: "_blank", rel: "noopener" }, "runbook")
    : el("code.page-runbook", { title: "runbook" }, url);
}

function alertItem(a) {
  const who = a.labels.instance || a.labels.job || a.labels.alertname || a.fingerprint;
  return el(`li.st-${a.status}`, {},
    el("b", {}, who), a.status === "resolved" ? " (resolved)" : "",
    a.summary ? ` ${a.summary}` : "", a.runbook_url ? " " : null, a.runbook_url ? runbook(a.runbook_url) : null);
}

export class PagerPanel {
  constructor(root, strip, { onChange = () => {} } = {}) {
    this.root = root;
    this.strip = strip;
    this.onChange = onChange;
    this.list = $("#pages", root);
    this.count = $("#pages-count", root);
    this.result = $("#pager-result", root);
    this.sound = $("#pager-sound", root);
    this.soundState = $("#pager-sound-state", root);
    this.stripText = $("#pager-alert-text", strip);
    this.stripAck = $("#pager-alert-ack", strip);
    this.chime = new Chime();
    this.pages = [];
    this.seen = null;          // page ids of the last answer (null before the first one)
    this.fresh = new Map();    // page id -> until when (ms) its row flashes
    this.key = "";
    this.sound.checked = this.chime.enabled;
    this.sound.addEventListener("change", async () => {
      await this.chime.set(this.sound.checked);
      if (this.sound.checked) this.chime.play();  // what it will sound like
      this.showSound();
    });
    this.stripAck.addEventListener("click", () => {
      const page = this.pages.find(needsAck);
      if (page) this.ack(page, this.stripAck);
    });
    this.showSound();
  }

  /** Poll every `ms`, whether or not the tab is visible. */
  start(ms) {
    const tick = async () => {
      await this.refresh();
      setTimeout(tick, ms);
    };
    tick();
  }

  async refresh() {
    let pages;
    try {
      pages = await api.pages();
    } catch (err) {
      this.count.textContent = `pager unavailable: ${errorText(err)}`;
      this.count.className = "hint bad";
      return;
    }
    const arrived = this.seen ? pages.filter((p) => needsAck(p) && !this.seen.has(p.id)) : [];
    this.seen = new Set(pages.map((p) => p.id));
    const t = Date.now();
    for (const p of arrived) this.fresh.set(p.id, t + FRESH_MS);
    for (const [id, until] of this.fresh) if (until < t) this.fresh.delete(id);
    if (arrived.length) this.chime.play();
    this.showSound();
    this.render(pages);
  }

  render(pages) {
    this.pages = pages;
    const shown = ordered(pages).slice(0, Math.max(SHOWN, pages.filter((p) => p.status === "firing").length));
    const waiting = pages.filter(needsAck);
    const key = JSON.stringify([shown, [...this.fresh.keys()], Boolean(auth.token)]);
    this.renderStrip(waiting);
    const firing = pages.filter((p) => p.status === "firing").length;
    this.count.className = "hint";
    this.count.textContent = `${firing} firing · ${waiting.length} to ack · ${pages.length - firing} resolved`;
    this.root.dataset.waiting = String(waiting.length);
    document.title = waiting.length ? `(${waiting.length}) paged · ${TITLE}` : TITLE;
    if (key === this.key) return;  // rows stay put between polls: no click lands on a replaced button
    this.key = key;
    if (!shown.length) {
      this.list.replaceChildren(el("li.empty", {}, "No pages. Symptoms that users feel page here (docs/alerts.md)."));
      return;
    }
    this.list.replaceChildren(...shown.map((p) => this.item(p)));
  }

  /** Again from the last answer (the token came or went: the Ack buttons follow). */
  redraw() {
    if (this.seen) this.render(this.pages);
  }

  renderStrip(waiting) {
    this.strip.hidden = waiting.length === 0;
    if (!waiting.length) return;
    const newest = waiting[0];
    this.strip.dataset.id = newest.id;
    this.stripText.replaceChildren(
      el("span.pager-alert-label", {}, waiting.length > 1 ? `⚠ ${waiting.length} pages` : "⚠ paged"),
      el("b", {}, newest.title), ` · ${labelText(newest.group_labels)} · since ${clock(newest.opened_at)}`);
    this.stripAck.disabled = !auth.token;
    this.stripAck.title = `acknowledge ${newest.id}`;
  }

  item(p) {
    const firing = p.status === "firing";
    const state = firing ? (p.acked_at ? "acked" : "unacked") : "resolved";
    const more = p.alerts.length - ALERTS_SHOWN;
    let ack = null;
    if (needsAck(p)) {
      ack = el("button.small.danger.needs-token.page-ack", {
        type: "button", disabled: !auth.token, title: `acknowledge ${p.id}: you are on it`,
        onclick: (e) => this.ack(p, e.currentTarget),
      }, "Ack");
    } else if (p.acked_at) {
      ack = el("span.tag.tag-acked", { title: `acknowledged by ${p.acked_by || "?"} at ${clock(p.acked_at)}` },
        `acked${p.acked_by ? ` by ${p.acked_by}` : ""}`);
    } else {
      ack = el("span.tag.tag-unacked", {}, "never acked");
    }
    return el(`li.page.pg-${state}${this.fresh.has(p.id) ? ".fresh" : ""}`, {
      dataset: { id: p.id, status: p.status, acked: String(Boolean(p.acked_at)) },
    },
      el("div.page-head", {},
        el(`span.page-state.pg-${state}`, {}, p.status),
        el("span.page-title", { title: p.group_key }, p.title),
        ack),
      el("div.page-meta", {}, `${labelText(p.group_labels)} · ${p.id}`),
      el("div.page-when", {}, pageTimes(p)),
      el("ul.page-alerts", {}, p.alerts.slice(0, ALERTS_SHOWN).map(alertItem),
        more > 0 ? el("li", {}, `+${more} more`) : null));
  }

  async ack(page, button) {
    button.disabled = true;
    showResult(this.result, "busy", `acknowledging ${page.id}…`);
    try {
      const acked = await api.ack(page.id);
      showResult(this.result, "ok", `✓ ${acked.title} (${acked.id}) acknowledged at ${clock(acked.acked_at)}`, OK_FADE_MS);
    } catch (err) {
      showResult(this.result, "error", `ack ${page.id}: ${errorText(err)}`);
      button.disabled = !auth.token;
    }
    await this.refresh();
    this.onChange();
  }

  showSound() {
    const state = this.chime.state;
    this.root.dataset.sound = state;
    this.root.dataset.chimes = String(this.chime.played);
    this.soundState.textContent = {
      off: "", on: "", blocked: "click anywhere to allow sound", unsupported: "no Web Audio in this browser",
    }[state];
  }
}
