// Small DOM and formatting helpers shared by the console's modules.

/** el("div.card.faulted", {dataset: {name}}, child, "text") -> HTMLElement */
export function el(spec, props = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const node = document.createElement(tag || "div");
  if (classes.length) node.className = classes.join(" ");
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** Flag one form control with the message that names what is wrong with it. */
export function markInvalid(input, message) {
  input.classList.add("invalid");
  input.closest("label").append(el("span.field-error", {}, message));
}

/** Take every such flag off a form again. */
export function clearInvalid(form) {
  form.querySelectorAll(".field-error").forEach((n) => n.remove());
  form.querySelectorAll(".invalid").forEach((n) => n.classList.remove("invalid"));
}

const RESULT_KINDS = ["busy", "ok", "error"];

/** A control's outcome next to it (a `.result` node, which may carry other classes): kind
 * "busy", "ok", "error" or "" (cleared). With fadeMs, a success clears itself after that long. */
export function showResult(node, kind, text, fadeMs = 0) {
  node.classList.remove(...RESULT_KINDS);
  if (kind) node.classList.add(kind);
  node.textContent = text;
  clearTimeout(node.fade);
  if (fadeMs && kind === "ok") node.fade = setTimeout(() => { node.textContent = ""; }, fadeMs);
}

const pad = (n) => String(n).padStart(2, "0");

/** Unix seconds -> "14:03:27" in local time. */
export function clock(seconds) {
  const d = new Date(seconds * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** 83 -> "1m 23s", 7.2 -> "7s". */
export function span(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad(s % 60)}s`;
  return `${Math.floor(m / 60)}h ${pad(m % 60)}m`;
}

export const now = () => Date.now() / 1000;

/** {ms: 200, to: "store"} -> "ms=200 to=store" (empty params -> ""). */
export function paramText(params) {
  return Object.entries(params || {})
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && !v.length))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : v}`)
    .join(" ");
}
