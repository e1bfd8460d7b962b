// The console: wires the modules together and polls the controller.
//   every 1 s: GET /api/status and /api/faults -> header, banner, topology, timeline, shading
//   every 2 s: Prometheus range queries (through /api/prom) -> charts
// Polling pauses while the tab is hidden.

import { api, auth, ApiError, startSession, useToken, forgetToken } from "./api.js";
import { Charts } from "./charts.js";
import { el, $, span, now } from "./dom.js";
import { InjectForm } from "./inject.js";
import { Timeline, isActive, renderBanner } from "./faults.js";
import { Topology } from "./topology.js";

const STATE_EVERY_MS = 1000;
const CHARTS_EVERY_MS = 2000;

const ui = {
  phase: $("#phase"), meta: $("#meta"), links: $("#links"), auth: $("#auth"),
  banner: $("#banner"), bannerText: $("#banner-text"), abort: $("#abort"),
  promState: $("#prom-state"), range: $("#range"),
  scenarioForm: $("#scenario-form"), scenarioName: $("#scenario-name"),
  scenarioResult: $("#scenario-result"), scenarioList: $("#scenarios"),
};

const state = { status: null, faults: [], scenario: null, linksKey: "" };

const topology = new Topology($("#topology"));
const timeline = new Timeline($("#timeline"), $("#timeline-count"), { onRevert: revert });
const form = new InjectForm($("#inject-form"), { onInjected: () => pollState() });
const charts = new Charts({
  onOk: () => { ui.promState.textContent = "live · Prometheus via /api/prom"; ui.promState.className = "hint"; },
  onError: (err) => {
    ui.promState.textContent = `Prometheus: ${err instanceof ApiError ? err.detail : err}`;
    ui.promState.className = "hint bad";
  },
});

// -- auth ----------------------------------------------------------------------------------

function renderAuth() {
  const canMutate = Boolean(auth.token);
  document.body.classList.toggle("read-only", !canMutate);
  for (const node of document.querySelectorAll("#inject, #scenario-run, #abort")) node.disabled = !canMutate;
  timeline.canMutate = canMutate;
  if (canMutate) {
    ui.auth.replaceChildren(el("span.pill.ok", {
      title: auth.source === "session" ? "token from /api/console/session (loopback client)" : "token pasted in this tab",
    }, auth.source === "session" ? "controls enabled" : "controls enabled (pasted token)"),
    auth.source === "pasted" ? el("button.small", { type: "button", onclick: () => { forgetToken(); renderAuth(); } }, "forget") : null);
    return;
  }
  const input = el("input", { type: "password", placeholder: "paste <state-dir>/token", size: 22 });
  ui.auth.replaceChildren(
    el("span.pill.warn", { title: auth.refusal || "" }, "read-only"),
    el("form.token", { onsubmit: (e) => { e.preventDefault(); if (input.value.trim()) { useToken(input.value); renderAuth(); } } },
      input, el("button.small", { type: "submit" }, "use token")));
}

// -- header --------------------------------------------------------------------------------

function renderHeader(status) {
  ui.phase.textContent = status.phase;
  ui.phase.dataset.phase = status.phase;
  ui.meta.replaceChildren(
    el("span", {}, `runtime ${status.runtime}`),
    el("span", {}, `store leader `, el("b", {}, status.store_leader || "none")),
    el("span", {}, status.healthy ? "all healthy" : "not all healthy"));
  const endpoints = status.endpoints || {};
  const key = JSON.stringify(endpoints);
  if (key === state.linksKey) return;
  state.linksKey = key;
  const links = [
    ["grafana", "Grafana"], ["prometheus", "Prometheus"], ["loadgen", "Locust"], ["api", "API"],
  ].filter(([name]) => endpoints[name]).map(([name, label]) =>
    el("a", { href: endpoints[name], target: "_blank", rel: "noopener", dataset: { endpoint: name } }, label));
  links.push(el("a", { href: "/docs", target: "_blank", rel: "noopener" }, "OpenAPI"));
  ui.links.replaceChildren(...links);
}

// -- polling -------------------------------------------------------------------------------

async function pollState() {
  try {
    const [status, faults] = await Promise.all([api.status(), api.faults()]);
    state.status = status;
    state.faults = faults;
    const active = faults.filter(isActive);
    renderHeader(status);
    topology.render(status, active);
    timeline.render(faults);
    form.setComponents(status.components);
    charts.setFaults(faults);
    charts.redraw();
    await trackScenario(status, active);
    renderBanner(ui.banner, ui.bannerText, active, state.scenario);
    document.body.classList.toggle("under-fault", active.length > 0 || Boolean(state.scenario));
  } catch (err) {
    ui.phase.textContent = "controller unreachable";
    ui.phase.dataset.phase = "controller-down";
    console.warn("status poll failed", err);
  }
}

function every(ms, fn) {
  const tick = async () => {
    if (!document.hidden) await fn();
    setTimeout(tick, ms);
  };
  tick();
}

// -- faults --------------------------------------------------------------------------------

async function revert(record) {
  try {
    await api.revert(record.id);
  } catch (err) {
    alert(`revert ${record.id} failed: ${err.detail || err}`);
  }
  pollState();
}

ui.abort.addEventListener("click", async () => {
  ui.abort.disabled = true;
  try {
    const result = await api.abort();
    if (state.scenario) state.scenario = null;
    console.info("aborted", result);
  } catch (err) {
    alert(`abort failed: ${err.detail || err}`);
  } finally {
    ui.abort.disabled = !auth.token;
    pollState();
  }
});

// -- scenarios -----------------------------------------------------------------------------
// POST /api/scenarios/run {"scenario": name}. The runner may not exist on this controller
// yet: a 404 without a JSON detail of its own means "no such endpoint", not "no such scenario".

async function loadScenarios() {
  try {
    const list = await api.scenarios();
    const items = (Array.isArray(list) ? list : list.scenarios || []).map((s) =>
      typeof s === "string" ? { name: s } : s);
    ui.scenarioList.replaceChildren(...items.map((s) => el("option", { value: s.name }, s.summary || s.description || "")));
    if (items.length && !ui.scenarioName.value) ui.scenarioName.value = items[0].name;
  } catch {
    // No listing: the name is typed by hand.
  }
}

function scenarioReport(kind, text) {
  ui.scenarioResult.className = `result ${kind}`;
  ui.scenarioResult.textContent = text;
}

ui.scenarioForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = ui.scenarioName.value.trim();
  if (!name) return;
  scenarioReport("busy", `starting ${name}…`);
  try {
    const run = (await api.runScenario(name)) || {};
    state.scenario = { name, id: run.id || run.run_id || null, started: now(), detail: run.state || run.status || "" };
    scenarioReport("ok", `✓ ${name} started${state.scenario.id ? ` (${state.scenario.id})` : ""}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && err.detail === "Not Found") {
      scenarioReport("error", "this controller has no scenario runner (POST /api/scenarios/run → 404)");
    } else {
      scenarioReport("error", err instanceof ApiError ? err.detail : String(err));
    }
  }
  pollState();
});

/** Keep the scenario banner while the run says it is running (or, without a run API, while
 * its faults are active; at most 10 minutes either way). */
async function trackScenario(status, active) {
  if (status.scenario) {  // a controller that reports its running scenario itself
    state.scenario = status.scenario.state === "running" || status.scenario.running
      ? { name: status.scenario.name, detail: status.scenario.step || "" } : null;
    return;
  }
  const run = state.scenario;
  if (!run) return;
  const age = now() - run.started;
  if (run.id) {
    try {
      const info = await api.scenarioRun(run.id);
      const phase = info.state || info.status || "";
      run.detail = [phase, info.step].filter(Boolean).join(" · ") || `running for ${span(age)}`;
      if (phase && !["running", "pending", "started", "active"].includes(phase)) state.scenario = null;
      return;
    } catch {
      // fall through to the fault-based estimate
    }
  }
  run.detail = `running for ${span(age)}`;
  if (age > 600 || (age > 10 && active.length === 0)) state.scenario = null;
}

// -- boot ----------------------------------------------------------------------------------

ui.range.addEventListener("change", () => {
  charts.seconds = Number(ui.range.value);
  charts.refresh();
});

async function boot() {
  await startSession();
  renderAuth();
  try {
    form.setCatalog(await api.catalog());
  } catch (err) {
    form.report("error", `catalog unavailable: ${err.detail || err}`);
  }
  loadScenarios();
  every(STATE_EVERY_MS, pollState);
  every(CHARTS_EVERY_MS, () => charts.refresh());
}

boot();
