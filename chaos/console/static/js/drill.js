// The drill panel: start a hidden incident (difficulty, optional seed), then the learner's side
// while it runs (elapsed time, steady state, hints, the answer form, reveal), and the debrief
// once it has ended. GET /api/drills/current names no fault while the drill runs, and the page
// shows nothing else about it: the incident is for the learner to find.

import { api, ApiError, errorText } from "./api.js";
import { el, $, span, now, paramText, showResult, markInvalid, clearInvalid } from "./dom.js";

const after = (seconds) => (seconds === null || seconds === undefined ? "–" : span(seconds));

export class DrillPanel {
  constructor(root, { onChange }) {
    this.root = root;
    this.onChange = onChange;
    this.ui = Object.fromEntries([
      "drill-state", "drill-start", "drill-difficulty", "drill-seed", "drill-start-result",
      "drill-live", "drill-elapsed", "drill-steady", "drill-hint", "drill-hint-result",
      "drill-hints", "drill-answer", "drill-component", "drill-cause", "drill-answer-result",
      "drill-answers", "drill-reveal", "drill-reveal-result", "drill-debrief",
    ].map((id) => [id.slice(6).replace(/-(\w)/g, (_, c) => c.toUpperCase()), $(`#${id}`, root)]));
    this.drill = null;       // GET /api/drills/current, or null before the first drill
    this.debriefKey = "";
    this.ui.start.addEventListener("submit", (e) => { e.preventDefault(); this.start(); });
    this.ui.answer.addEventListener("submit", (e) => { e.preventDefault(); this.answer(); });
    this.ui.hint.addEventListener("click", () => this.hint());
    this.ui.reveal.addEventListener("click", () => this.reveal());
    setInterval(() => this.tick(), 1000);
  }

  get running() {
    return Boolean(this.drill && this.drill.state !== "finished");
  }

  /** GET /api/drills/choices: the difficulties, and the causes and components an answer names. */
  setChoices(choices) {
    const placeholder = (text) => el("option", { value: "", disabled: true, selected: true }, text);
    this.ui.difficulty.replaceChildren(...choices.difficulties.map((d) =>
      el("option", { value: d, selected: d === "easy" }, d)));
    this.ui.component.replaceChildren(placeholder("component…"),
      ...choices.components.map((c) => el("option", { value: c }, c)));
    // {cause: what it means}; a plain list would do too.
    const causes = Array.isArray(choices.causes) ? choices.causes.map((c) => [c, ""]) : Object.entries(choices.causes);
    this.ui.cause.replaceChildren(placeholder("cause…"),
      ...causes.map(([c, meaning]) => el("option", { value: c, title: meaning }, c)));
  }

  async refresh() {
    try {
      this.show(await api.drill());
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) this.show(null);
      else this.ui.state.textContent = `drill state unavailable: ${errorText(err)}`;
    }
  }

  show(drill) {
    const wasRunning = this.running;
    this.drill = drill;
    const running = this.running;
    this.root.dataset.state = drill ? drill.state : "none";
    this.ui.start.hidden = running;
    this.ui.live.hidden = !running;
    this.ui.debrief.hidden = running || !drill;
    if (running) this.renderLive(drill);
    else if (drill) this.renderDebrief(drill);
    this.ui.state.textContent = !drill ? "no drill yet"
      : running ? `${drill.state === "revealing" ? "revealing" : "running"} · ${drill.difficulty}`
      : `last: ${drill.id}`;
    this.tick();
    if (wasRunning && !running) showResult(this.ui.startResult, "", "");  // the debrief says it all
    if (wasRunning !== running) this.onChange();
  }

  tick() {
    if (!this.running) return;
    this.ui.elapsed.textContent = span(now() - this.drill.started_at);
  }

  // -- while it runs -----------------------------------------------------------------------

  renderLive(d) {
    const steady = d.steady_state || {};
    this.ui.steady.textContent = steady.holds === null || steady.holds === undefined ? "measuring…"
      : !steady.holds ? "broken"
      : steady.holding_for !== null ? `holds (${span(steady.holding_for)} of ${span(steady.needed)})` : "holds";
    this.ui.steady.className = steady.holds === false ? "bad" : steady.holds ? "good" : "";
    this.ui.hint.disabled = d.hints_left === 0 || d.state !== "running";
    this.ui.hint.title = `${d.hints_left} hint${d.hints_left === 1 ? "" : "s"} left; they cost 5, 10 and 15 points`;
    this.ui.hints.replaceChildren(...d.hints_given.map((h) => el("li", {}, h)));
    const closed = d.tries_left === 0;
    $("button", this.ui.answer).disabled = closed || d.state !== "running";
    this.ui.answers.replaceChildren(...d.answers.map((a) => el(`li.${a.correct ? "right" : "wrong"}`, {},
      `${a.correct ? "✓" : "✗"} ${a.component} / ${a.cause} `, el("small", {}, `at ${span(a.t)}`))));
  }

  async start() {
    const seedText = this.ui.seed.value.trim();
    clearInvalid(this.ui.start);
    if (seedText && !/^\d+$/.test(seedText)) {
      markInvalid(this.ui.seed, "a whole number ≥ 0, or empty for a random incident");
      return;
    }
    const difficulty = this.ui.difficulty.value;
    showResult(this.ui.startResult, "busy", `starting a ${difficulty} drill…`);
    try {
      const drill = await api.startDrill(difficulty, seedText ? Number(seedText) : null);
      showResult(this.ui.startResult, "ok", `✓ drill ${drill.id} started`);
      for (const node of [this.ui.hintResult, this.ui.answerResult, this.ui.revealResult]) showResult(node, "", "");
      this.show(drill);
    } catch (err) {
      this.failed(this.ui.startResult, err, { difficulty: this.ui.difficulty, seed: this.ui.seed });
    }
  }

  async hint() {
    this.ui.hint.disabled = true;
    try {
      const h = await api.hint();
      showResult(this.ui.hintResult, "ok", `hint ${h.number}: −${h.cost} points, ${h.hints_left} left`);
    } catch (err) {
      this.failed(this.ui.hintResult, err);
    }
    await this.refresh();
  }

  async answer() {
    clearInvalid(this.ui.answer);
    const fields = { component: this.ui.component, cause: this.ui.cause };
    const missing = Object.entries(fields).filter(([, input]) => !input.value);
    if (missing.length) {
      missing.forEach(([name, input]) => markInvalid(input, `choose a ${name}`));
      return;
    }
    const button = $("button", this.ui.answer);
    button.disabled = true;
    try {
      const r = await api.answer(fields.component.value, fields.cause.value);
      const tries = `${r.tries_left} tr${r.tries_left === 1 ? "y" : "ies"} left`;
      showResult(this.ui.answerResult, r.correct ? "ok" : "error",
        r.correct ? "✓ right: diagnosis closed" : `✗ wrong: ${r.closed ? "no tries left, diagnosis closed" : tries}`);
      this.ui.answerResult.dataset.correct = String(r.correct);
    } catch (err) {
      this.failed(this.ui.answerResult, err, fields);
    }
    await this.refresh();
  }

  async reveal() {
    this.ui.reveal.disabled = true;
    showResult(this.ui.revealResult, "busy", "revealing: reverting the faults, writing the debrief…");
    try {
      this.show(await api.reveal());
      showResult(this.ui.revealResult, "", "");
    } catch (err) {
      this.failed(this.ui.revealResult, err);
    } finally {
      this.ui.reveal.disabled = false;
    }
  }

  // -- errors next to the control that caused them -----------------------------------------

  failed(result, err, fields = {}) {
    showResult(result, "error", errorText(err));
    if (!(err instanceof ApiError)) return;
    for (const { field, message } of err.errors) if (fields[field]) markInvalid(fields[field], message);
  }

  // -- after it ended ----------------------------------------------------------------------

  renderDebrief(d) {
    const key = `${d.id}:${d.state}`;
    if (key === this.debriefKey) return;
    this.debriefKey = key;
    const score = d.score || {};
    const debrief = d.debrief || {};
    const row = (label, ...value) => [el("dt", {}, label), el("dd", {}, ...value)];
    this.ui.debrief.replaceChildren(
      el("div.debrief-head", {},
        el(`span.pill.outcome-${d.outcome || "unknown"}`, {}, d.outcome || "no outcome"),
        el("b.debrief-score", {}, score.total !== undefined ? `${score.total} points` : "no score"),
        el("span.hint", {}, `${d.id} · ${d.difficulty} · seed ${d.seed}`)),
      el("dl.kv", {},
        row("incident", el("b", {}, d.title), ` (${d.incident})`),
        row("cause", el("code.cause", {}, d.cause), " on ", el("code", {}, d.components.join(" or "))),
        row("injected", el("ul.injected", {}, d.faults.map((f) => el("li", {},
          el("code", {}, `${f.type} ${(f.targets.length ? f.targets : [f.target]).join(",")}`),
          paramText(f.params) ? ` ${paramText(f.params)}` : "",
          el("small", {}, ` ${after(f.applied_at)} → ${after(f.ended_at)}`))))),
        row("diagnosed", after(d.diagnosed_after), d.answers.length ? ` · ${d.answers.length} answer${d.answers.length > 1 ? "s" : ""}` : " · no answer"),
        row("mitigated", after(d.mitigated_after), d.first_breach_after !== null ? ` · broke at ${span(d.first_breach_after)}` : ""),
        row("lasted", d.ended_at ? span(d.ended_at - d.started_at) : "–"),
        row("score", score.explanation || "–"),
        row("detected by", (debrief.detections || []).length
          ? debrief.detections.slice(0, 4).map((x) => `${x.signal} after ${span(x.after_seconds)}`).join("; ")
          : "nothing fired"),
        row("postmortem", debrief.postmortem ? el("code.path", { title: "on the controller's host" }, debrief.postmortem) : "not written")));
  }
}
