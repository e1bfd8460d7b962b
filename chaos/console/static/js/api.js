// The controller's HTTP API as the console uses it. Mutations carry the bearer token, which
// the controller hands out only to loopback clients (GET /api/console/session); elsewhere the
// operator may paste it, and it is then kept in sessionStorage for this tab only.

const TOKEN_KEY = "gameday.console.token";

export class ApiError extends Error {
  constructor(status, detail, errors = []) {
    super(`HTTP ${status}: ${detail}`);
    this.status = status;
    this.detail = detail;
    this.errors = errors;
  }
}

/** What to show for a failed call: the API's `detail`, or the error itself (network, bug). */
export function errorText(err) {
  return err instanceof ApiError ? err.detail : String(err);
}

export const auth = {
  token: null,
  source: null,   // "session" | "pasted" | null
  refusal: null,  // why the controller did not hand out the token
};

async function parse(response) {
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = text; }
  if (!response.ok) {
    const detail = (body && (body.detail || body.error)) || response.statusText || text;
    throw new ApiError(response.status, typeof detail === "string" ? detail : describeDetail(detail),
                       (body && body.errors) || []);
  }
  return body;
}

/** FastAPI's own 422 (a list of pydantic errors) -> "count: Input should be ... 16". */
function describeDetail(detail) {
  if (!Array.isArray(detail)) return JSON.stringify(detail);
  return detail.map((e) => {
    const where = (e.loc || []).filter((part) => part !== "body").join(".");
    return where ? `${where}: ${e.msg}` : e.msg;
  }).join("; ");
}

export async function get(path, { signal } = {}) {
  return parse(await fetch(path, { headers: { Accept: "application/json" }, signal }));
}

export async function send(method, path, body) {
  const headers = { Accept: "application/json" };
  if (auth.token) headers.Authorization = `Bearer ${auth.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 && auth.source === "pasted") forgetToken();
  return parse(response);
}

/** Ask the controller for the token; resolves to true when the controls can be enabled. */
export async function startSession() {
  try {
    const body = await get("/api/console/session");
    auth.token = body.token;
    auth.source = "session";
    auth.refusal = null;
    return true;
  } catch (err) {
    auth.refusal = errorText(err);
    const pasted = sessionStorage.getItem(TOKEN_KEY);
    if (pasted) {
      auth.token = pasted;
      auth.source = "pasted";
      return true;
    }
    return false;
  }
}

export function useToken(token) {
  auth.token = token.trim();
  auth.source = "pasted";
  sessionStorage.setItem(TOKEN_KEY, auth.token);
}

export function forgetToken() {
  auth.token = null;
  auth.source = null;
  sessionStorage.removeItem(TOKEN_KEY);
}

export const api = {
  status: () => get("/api/status"),
  faults: () => get("/api/faults"),
  catalog: () => get("/api/catalog"),
  scenarios: () => get("/api/scenarios"),
  inject: (request) => send("POST", "/api/faults", request),
  revert: (id) => send("DELETE", `/api/faults/${encodeURIComponent(id)}`),
  abort: () => send("POST", "/api/abort"),
  runScenario: (name) => send("POST", "/api/scenarios/run", { scenario: name, source: "console" }),
  runs: () => get("/api/runs"),
  stopRun: () => send("POST", "/api/runs/stop"),
  // Remediation: the moves an SRE makes (chaos/api/remediation.py, chaos/api/components.py).
  scale: (count) => send("POST", "/api/scale", { role: "web", count }),
  act: (name, action) => send("POST", `/api/components/${encodeURIComponent(name)}/${action}`),
  moveLeader: (to) => send("POST", "/api/store/move-leader", { to }),
  defrag: () => send("POST", "/api/store/defrag"),
  disarm: () => send("POST", "/api/store/disarm"),
  remediation: () => get("/api/remediation"),
  // Drills (chaos/api/drills.py): a hidden incident, hints, answers, the reveal.
  startDrill: (difficulty, seed) => send("POST", "/api/drills", { difficulty, seed }),
  drill: () => get("/api/drills/current"),
  drillChoices: () => get("/api/drills/choices"),
  hint: () => send("POST", "/api/drills/current/hint"),
  answer: (component, cause) => send("POST", "/api/drills/current/answer", { component, cause }),
  reveal: () => send("POST", "/api/drills/current/reveal"),
  // On call (chaos/api/pages.py, chaos/api/events.py): the pager and the event timeline.
  pages: () => get("/api/pages"),
  ack: (id) => send("POST", `/api/pages/${encodeURIComponent(id)}/ack`),
  events: (since, source) => {
    const params = new URLSearchParams({ since });
    if (source) params.append("source", source);
    return get(`/api/events?${params}`);
  },
  // Traces and logs (chaos/api/traces.py, the logs API): params as an object or URLSearchParams.
  traces: (params) => get(`/api/traces?${new URLSearchParams(params)}`),
  trace: (id) => get(`/api/traces/${encodeURIComponent(id)}`),
  logs: (params) => get(`/api/logs?${new URLSearchParams(params)}`),
  promRange: (query, start, end, step, signal) => {
    const params = new URLSearchParams({ query, start, end, step });
    return get(`/api/prom/query_range?${params}`, { signal });
  },
};
