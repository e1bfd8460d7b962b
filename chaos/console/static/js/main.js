// The console: wires the modules together and polls the controller.
//   every 1 s: GET /api/status and /api/faults -> header, banner, topology, timeline, shading
//   every 2 s: Prometheus range queries (through /api/prom) -> charts, the drill
//              (/api/drills/current), the remediation log (/api/remediation) and the event
//              timeline (/api/events)
// The traces and logs panels ask when used (and the log panel every 2 s while following).
// Polling pauses while the tab is hidden, except the pager's: GET /api/pages every second.

import { api, auth, ApiError, errorText, startSession, useToken, forgetToken } from "./api.js";
import { Charts } from "./charts.js";
import { el, $, span, showResult } from "./dom.js";
import { DrillPanel } from "./drill.js";
import { EventsPanel } from "./events.js";
import { InjectForm } from "./inject.js";
import { LogsPanel } from "./logs.js";
import { PagerPanel } from "./pager.js";
import { Timeline, isActive, renderBanner } from "./faults.js";
import { Remediation } from "./remediation.js";
import { Topology } from "./topology.js";
import { TracesPanel } from "./traces.js";

const STATE_EVERY_MS = 1000;
const CHARTS_EVERY_MS = 2000;
const MOVES_EVERY_MS = 2000;
const PAGES_EVERY_MS = 1000;
const EVENTS_EVERY_MS = 2000;

const ui = {
  phase: $("#phase"), meta: $("#meta"), links: $("#links"), auth: $("#auth"),
  banner: $("#banner"), bannerText: $("#banner-text"), abort: $("#abort"),
  promState: $("#prom-state"), range: $("#range"),
  scenarioForm: $("#scenario-form"), scenarioName: $("#scenario-name"),
  scenarioResult: $("#scenario-result"), scenarioList: $("#scenarios"),
};

const state = { status: null, faults: [], scenario: null, linksKey: "" };

const remediation = new Remediation($("#remediation-panel"), { onMoved: () => pollState() });
const topology = new Topology($("#topology"), { controls: remediation.controls });
const drill = new DrillPanel($("#drill-panel"), { onChange: () => pollState() });
const timeline = new Timeline($("#timeline"), $("#timeline-count"), { onRevert: revert });
const events = new EventsPanel($("#events-panel"));
const pager = new PagerPanel($("#pager-panel"), $("#pager-alert"), { onChange: () => events.refresh() });
const traces = new TracesPanel($("#traces-panel"));
const logs = new LogsPanel($("#logs-panel"), { onTrace: (id) => traces.show(id) });
const form = new InjectForm($("#inject-form"), { onInjected: () => pollState() });
const charts = new Charts({
  onOk: () => { ui.promState.textContent = "live · Prometheus via /api/prom"; ui.promState.className = "hint"; },
  onError: (err) => {
    ui.promState.textContent = `Prometheus: ${errorText(err)}`;
    ui.promState.className = "hint bad";
  },
  onPick: (chartId, t, step) => traces.around(chartId, t, step),
});

// -- auth ----------------------------------------------------------------------------------

function renderAuth() {
  const canMutate = Boolean(auth.token);
  document.body.classList.toggle("read-only", !canMutate);
  for (const node of document.querySelectorAll("#inject, #scenario-run, #abort, .needs-token")) node.disabled = !canMutate;
  timeline.canMutate = canMutate;
  pager.redraw();
  if (canMutate) {
    ui.auth.replaceChildren(...[el("span.pill.ok", {
      title: auth.source === "session" ? "token from /api/console/session (loopback client)" : "token pasted in this tab",
    }, auth.source === "session" ? "controls enabled" : "controls enabled (pasted token)"),
    auth.source === "pasted" ? el("button.small", { type: "button", onclick: () => { forgetToken(); renderAuth(); } }, "forget") : null,
    ].filter(Boolean));
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
    topology.render(status, active, remediation.drained);
    remediation.setStatus(status);
    timeline.render(faults);
    form.setComponents(status.components);
    logs.setComponents(status.components);
    charts.setFaults(faults);
    charts.redraw();
    await trackScenario();
    const drilling = drill.running ? drill.drill : null;
    renderBanner(ui.banner, ui.bannerText, active, state.scenario, drilling);
    ui.abort.title = drilling ? "also reverts the drill's hidden faults: it ends the drill's incident" : "";
    document.body.classList.toggle("under-fault", active.length > 0 || Boolean(state.scenario) || Boolean(drilling));
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
    alert(`revert ${record.id} failed: ${errorText(err)}`);
  }
  pollState();
}

ui.abort.addEventListener("click", async () => {
  if (drill.running && !confirm("A drill is running. Abort reverts its hidden faults too: that "
      + "ends the drill's incident, and the drill only measures how the stack recovers.\n\nAbort all faults?")) return;
  ui.abort.disabled = true;
  try {
    // A running scenario would inject its next fault: stop it first, then revert everything.
    if (state.scenario) await api.stopRun().catch((err) => console.warn("stop run", err));
    await api.abort();
  } catch (err) {
    alert(`abort failed: ${errorText(err)}`);
  } finally {
    ui.abort.disabled = !auth.token;
    pollState();
  }
});

// -- scenarios -----------------------------------------------------------------------------
// GET /api/scenarios lists the built-in ones, POST /api/scenarios/run {"scenario": name} starts
// one, GET /api/runs (newest first) shows progress. On a controller without the scenario
// runner these answer 404 with FastAPI's plain "Not Found": the panel says so and the console
// stops asking.

const scenarios = { available: true, runs: [] };
const notFound = (err) => err instanceof ApiError && err.status === 404 && err.detail === "Not Found";

async function loadScenarios() {
  try {
    const items = await api.scenarios();
    ui.scenarioList.replaceChildren(...items.map((s) => el("option", { value: s.name },
      `${s.title || ""}${s.planned_seconds ? ` · ~${span(s.planned_seconds)}` : ""}`)));
    if (items.length && !ui.scenarioName.value) ui.scenarioName.value = items[0].name;
  } catch (err) {
    if (notFound(err)) scenarioMissing();
  }
}

function scenarioMissing() {
  scenarios.available = false;
  state.scenario = null;
  scenarioReport("error", "this controller has no scenario runner (/api/scenarios → 404)");
}

function scenarioReport(kind, text) {
  showResult(ui.scenarioResult, kind, text);
}

ui.scenarioForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = ui.scenarioName.value.trim();
  if (!name) return;
  scenarioReport("busy", `starting ${name}…`);
  try {
    const run = await api.runScenario(name);
    scenarios.available = true;
    scenarioReport("ok", `✓ ${run.title || name} started (${run.id})`);
  } catch (err) {
    if (notFound(err)) scenarioMissing();
    else scenarioReport("error", errorText(err));
  }
  pollState();
});

/** The run in progress (for the banner), and the verdict of the last one that finished. */
async function trackScenario() {
  if (!scenarios.available) return;
  try {
    const runs = await api.runs();
    const current = runs.find((r) => r.state !== "finished");
    state.scenario = current ? {
      name: current.title || current.scenario, id: current.id,
      detail: `${current.state} · ${span(current.elapsed)} of ~${span(current.planned_seconds)}`,
    } : null;
    const last = runs.find((r) => r.state === "finished");
    if (!current && last && ui.scenarioResult.classList.contains("ok")) {
      scenarioReport(last.verdict === "passed" ? "ok" : "error",
        `last run ${last.id}: ${last.verdict}${last.reason ? ` (${last.reason})` : ""}`);
    }
  } catch (err) {
    if (notFound(err)) scenarioMissing();
  }
}

// -- boot ----------------------------------------------------------------------------------

ui.range.addEventListener("change", () => {
  charts.seconds = Number(ui.range.value);
  charts.refresh();
});

async function boot() {
  await startSession();
  renderAuth();
  pager.start(PAGES_EVERY_MS);
  every(EVENTS_EVERY_MS, () => events.refresh());  // not held up by the loads below
  traces.slowest();
  const linked = /^#trace=([0-9a-fA-F]{32})$/.exec(location.hash);  // a link to one trace
  if (linked) traces.open(linked[1]);
  try {
    form.setCatalog(await api.catalog());
  } catch (err) {
    form.report("error", `catalog unavailable: ${errorText(err)}`);
  }
  loadScenarios();
  try {
    const choices = await api.drillChoices();
    drill.setChoices(choices);
    remediation.setSlots(choices.components.filter((c) => c.startsWith("web-")).length);
  } catch (err) {
    $("#drill-start-result").textContent = `drills unavailable: ${errorText(err)}`;
    $("#drill-start-result").className = "result error";
  }
  await Promise.all([drill.refresh(), remediation.refresh()]);
  every(STATE_EVERY_MS, pollState);
  every(MOVES_EVERY_MS, () => Promise.all([drill.refresh(), remediation.refresh()]));
  every(CHARTS_EVERY_MS, () => charts.refresh());
}

boot();
