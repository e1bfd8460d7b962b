// The inject form, generated from GET /api/catalog: a fault type, a target (with the
// components and selectors that type accepts), one field per param from its JSON schema, and a
// duration. Errors from the controller are shown next to the field they name.

import { api, ApiError, errorText } from "./api.js";
import { el, $, showResult, markInvalid, clearInvalid } from "./dom.js";

const SELECTORS = ["all", "random", "count=2", "percent=50"];
const STORE_SELECTORS = ["leader", "follower", "minority", "majority"];

export class InjectForm {
  constructor(form, { onInjected }) {
    this.form = form;
    this.type = $("#fault-type", form);
    this.summary = $("#fault-summary", form);
    this.target = $("#fault-target", form);
    this.targets = $("#targets", form);
    this.params = $("#fault-params", form);
    this.duration = $("#fault-duration", form);
    this.result = $("#inject-result", form);
    this.onInjected = onInjected;
    this.catalog = [];
    this.components = [];
    this.type.addEventListener("change", () => this.select());
    form.addEventListener("submit", (event) => { event.preventDefault(); this.submit(); });
  }

  setCatalog(catalog) {
    this.catalog = catalog;
    this.type.replaceChildren(...catalog.map((entry) => el("option", {
      value: entry.type, disabled: !entry.supported_here,
      title: entry.supported_here ? entry.summary : `not here: ${entry.reason}`,
    }, entry.supported_here ? entry.type : `${entry.type} (unsupported here)`)));
    const first = catalog.find((e) => e.type === "kill" && e.supported_here)
      || catalog.find((e) => e.supported_here);
    if (first) this.type.value = first.type;
    this.select();
  }

  setComponents(components) {
    const names = components.map((c) => `${c.name}:${c.role}`).join();
    if (names === this.componentKey) return;
    this.componentKey = names;
    this.components = components;
    this.fillTargets();
  }

  entry() {
    return this.catalog.find((e) => e.type === this.type.value);
  }

  /** Target suggestions: components of the roles this fault accepts, then role selectors. */
  fillTargets() {
    const entry = this.entry();
    if (!entry) return;
    const roles = entry.roles;
    const names = this.components.filter((c) => roles.includes(c.role)).map((c) => c.name);
    const selectors = roles.flatMap((role) => [
      ...SELECTORS, ...(role === "store" ? STORE_SELECTORS : []),
    ].map((s) => `${role}:${s}`));
    this.targets.replaceChildren(...[...names, ...selectors].map((v) => el("option", { value: v })));
    const current = this.target.value;
    const valid = names.includes(current) || roles.includes(current.split(":")[0]);
    if (!valid) {
      this.target.value = names.includes("web-2") ? "web-2" : names[0] || "";
    }
  }

  select() {
    const entry = this.entry();
    if (!entry) return;
    this.summary.textContent = entry.summary + (entry.supported_here ? "" : ` — unsupported here: ${entry.reason}`);
    this.fillTargets();
    const schema = entry.params || {};
    const required = new Set(schema.required || []);
    const fields = Object.entries(schema.properties || {}).map(([name, prop]) =>
      paramField(name, prop, required.has(name), schema.$defs || {}));
    this.params.replaceChildren(...fields);
    clearInvalid(this.form);
  }

  /** The request body, with empty optional params left out so the defaults apply. */
  body() {
    const params = {};
    for (const input of this.params.querySelectorAll("[data-param]")) {
      const name = input.dataset.param;
      if (input.type === "checkbox") { params[name] = input.checked; continue; }
      const raw = input.value.trim();
      if (raw === "") continue;
      if (input.dataset.kind === "number") params[name] = Number(raw);
      else if (input.dataset.kind === "array") params[name] = raw.split(",").map((s) => s.trim()).filter(Boolean);
      else params[name] = raw;
    }
    return { type: this.type.value, target: this.target.value.trim(), params, duration: this.duration.value.trim() };
  }

  async submit() {
    clearInvalid(this.form);
    const body = this.body();
    this.report("busy", `injecting ${body.type} into ${body.target}…`);
    try {
      const record = await api.inject(body);
      this.report("ok", `✓ ${record.type} → ${record.targets.join(", ")} (${record.id})`);
      this.onInjected(record);
    } catch (err) {
      this.report("error", errorText(err));
      if (!(err instanceof ApiError)) return;
      for (const { field, message } of err.errors) this.markField(field, message);
    }
  }

  markField(field, message) {
    const name = field.startsWith("params.") ? field.slice(7).split(".")[0] : field;
    const input = field.startsWith("params.")
      ? this.params.querySelector(`[data-param="${CSS.escape(name)}"]`)
      : this.form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (input) markInvalid(input, message);
  }

  report(kind, text) {
    showResult(this.result, kind, text);
  }
}

/** One form control for one JSON-schema property (pydantic's output: anyOf for optionals). */
function paramField(name, prop, required, defs) {
  const resolved = prop.$ref ? defs[prop.$ref.split("/").pop()] || prop : prop;
  const options = (resolved.anyOf || [resolved]).filter((p) => p.type !== "null");
  const kind = options[0] || {};
  const title = prop.title || name;
  const help = prop.description ? el("small", {}, prop.description) : null;
  let input;
  if (kind.type === "boolean") {
    input = el("input", { type: "checkbox", dataset: { param: name, kind: "boolean" }, checked: prop.default === true });
    return el("label.check", { title: prop.description || "" }, input, ` ${title}`, help);
  }
  if (kind.enum) {
    input = el("select", { dataset: { param: name, kind: "enum" } },
      kind.enum.map((v) => el("option", { value: v, selected: v === prop.default }, v)));
  } else if (kind.type === "integer" || kind.type === "number") {
    const min = kind.minimum ?? kind.exclusiveMinimum;
    input = el("input", {
      type: "number", dataset: { param: name, kind: "number" },
      step: kind.type === "integer" ? "1" : "any",
      min: min ?? undefined, max: kind.maximum ?? undefined,
      placeholder: prop.default !== undefined ? `default ${prop.default}` : "",
    });
  } else if (kind.type === "array") {
    input = el("input", { dataset: { param: name, kind: "array" }, placeholder: "comma-separated" });
  } else {
    input = el("input", {
      dataset: { param: name, kind: "string" },
      placeholder: prop.default !== undefined && prop.default !== null ? `default ${prop.default}` : "optional",
      list: name === "to" ? "targets" : undefined,
    });
  }
  if (required) input.required = true;
  return el("label", { title: prop.description || "" }, `${title}${required ? " *" : ""}`, input, help);
}
