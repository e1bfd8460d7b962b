// Golden-signal charts (uPlot) fed by Prometheus range queries through the controller
// (/api/prom/query_range), with fault windows shaded on every chart.

import uPlot from "../vendor/uplot/uPlot.esm.js";
import { api } from "./api.js";
import { el } from "./dom.js";

const COLORS = { server: "#60a5fa", client: "#f59e0b", lb: "#c084fc", up: "#22c55e", down: "#ef4444" };
const pad = (n) => String(n).padStart(2, "0");
const timeTicks = (u, ticks, _axis, _space, incr) => ticks.map((t) => {
  const d = new Date(t * 1000);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return incr < 60 ? `${hm}:${pad(d.getSeconds())}` : hm;
});
const AXIS = { stroke: "#8b95a5", grid: { stroke: "#232a35", width: 1 },
               ticks: { stroke: "#232a35", width: 1 }, font: "11px system-ui, sans-serif" };

// Recording rules from compose/prometheus/rules: server side (web job), client side (Locust)
// and, for errors, the load balancer's failed attempts: the blip of a killed instance that
// HAProxy retried elsewhere, which the client line shows only if the retries ran out.
export const SIGNALS = [
  {
    id: "rate", title: "Request rate", unit: "req/s", scale: 1, digits: 1, floor: 1,
    series: [
      { label: "server (web)", query: 'job:http_requests:rate15s{job="web"}', color: COLORS.server },
      { label: "client (loadgen)", query: "job:loadgen_requests:rate15s", color: COLORS.client },
    ],
  },
  {
    id: "errors", title: "Error ratio", unit: "%", scale: 100, digits: 2, floor: 1,
    series: [
      { label: "server (web) 5xx", query: 'job:http_errors:ratio_rate15s{job="web"}', color: COLORS.server },
      { label: "client (loadgen)", query: "job:loadgen_errors:ratio_rate15s", color: COLORS.client },
      { label: "lb→web failed attempts (retried)", query: 'job:haproxy_backend_retried_attempts:ratio_rate15s{proxy="web"}', color: COLORS.lb },
    ],
  },
  {
    id: "latency", title: "p99 latency", unit: "ms", scale: 1000, digits: 1, floor: 10,
    series: [
      { label: "server (web)", query: 'job:http_request_duration_seconds:p99_15s{job="web"}', color: COLORS.server },
      { label: "client (loadgen)", query: "job:loadgen_request_duration_seconds:p99_15s", color: COLORS.client },
    ],
  },
];

// The charts whose points link to the traces behind them.
const PICKABLE = ["errors", "latency"];

// Lanes of the instance-up chart, in topology order; unknown instances go last.
const LANE_ORDER = ["loadgen", "lb", "web", "store", "proxy", "prometheus", "controller"];

/** Fault windows drawn under the series, labelled along the top edge of the plot. */
function faultWindows(getWindows) {
  const bounds = (u, w) => {
    const left = u.bbox.left, right = u.bbox.left + u.bbox.width;
    const x0 = Math.max(left, u.valToPos(w.start, "x", true));
    const x1 = Math.min(right, u.valToPos(w.end, "x", true));
    return x1 > x0 ? [x0, x1] : null;
  };
  return {
    hooks: {
      drawClear: [(u) => {
        const { ctx } = u;
        ctx.save();
        for (const w of getWindows()) {
          const b = bounds(u, w);
          if (!b) continue;
          ctx.fillStyle = w.active ? "rgba(239, 68, 68, 0.18)" : "rgba(239, 68, 68, 0.10)";
          ctx.fillRect(b[0], u.bbox.top, b[1] - b[0], u.bbox.height);
        }
        ctx.restore();
      }],
      draw: [(u) => {
        const { ctx } = u;
        const dpr = uPlot.pxRatio;
        ctx.save();
        ctx.font = `${11 * dpr}px system-ui, sans-serif`;
        ctx.textBaseline = "top";
        getWindows().forEach((w, i) => {
          const b = bounds(u, w);
          if (!b) return;
          ctx.strokeStyle = "rgba(239, 68, 68, 0.75)";
          ctx.lineWidth = dpr;
          ctx.setLineDash([4 * dpr, 3 * dpr]);
          ctx.beginPath();
          ctx.moveTo(b[0], u.bbox.top);
          ctx.lineTo(b[0], u.bbox.top + u.bbox.height);
          if (!w.active) {
            ctx.moveTo(b[1], u.bbox.top);
            ctx.lineTo(b[1], u.bbox.top + u.bbox.height);
          }
          ctx.stroke();
          if (u.showFaultLabels) {
            // A dark outline keeps the label legible over the series it crosses.
            const x = b[0] + 4 * dpr, y = u.bbox.top + (3 + (i % 3) * 14) * dpr;
            ctx.setLineDash([]);
            ctx.lineWidth = 3 * dpr;
            ctx.strokeStyle = "rgba(13, 17, 23, 0.9)";
            ctx.strokeText(w.label, x, y);
            ctx.fillStyle = "#fca5a5";
            ctx.fillText(w.label, x, y);
          }
        });
        ctx.restore();
      }],
    },
  };
}

function baseOptions(width, height, getRange, getWindows) {
  return {
    width, height,
    cursor: { sync: { key: "gameday" }, points: { size: 6 } },
    scales: { x: { time: true, range: () => getRange() } },
    legend: { live: true },
    plugins: [faultWindows(getWindows)],
  };
}

class Chart {
  constructor(figure, title) {
    this.figure = figure;
    this.value = el("span.value", {}, "–");
    this.caption = el("figcaption", {}, el("span.title", {}, title), this.value);
    this.body = el("div.chart-body");
    figure.replaceChildren(this.caption, this.body);
    this.plot = null;
  }

  width() {
    return Math.max(240, this.body.clientWidth || this.figure.clientWidth - 24);
  }

  resize() {
    if (this.plot) this.plot.setSize({ width: this.width(), height: this.plot.height });
  }
}

/** One golden signal: a line per series (server and client side). */
class SignalChart extends Chart {
  constructor(figure, signal, ctx) {
    super(figure, `${signal.title} (${signal.unit})`);
    this.signal = signal;
    const fmt = (v) => (v === null || v === undefined ? "–" : v.toFixed(signal.digits));
    const options = baseOptions(this.width(), 170, ctx.range, ctx.windows);
    options.scales.y = { range: (u, min, max) => [0, Math.max(signal.floor, (max || 0) * 1.15)] };
    options.axes = [{ ...AXIS, values: timeTicks }, { ...AXIS, size: 48, values: (u, ticks) => ticks.map((t) => +t.toFixed(3)) }];
    options.series = [
      { value: (u, ts) => (ts === null ? "" : new Date(ts * 1000).toLocaleTimeString()) },
      ...signal.series.map((s) => ({
        label: s.label, stroke: s.color, width: 2, fill: `${s.color}1f`,
        points: { show: false }, value: (u, v) => fmt(v),
      })),
    ];
    this.plot = new uPlot(options, [[], ...signal.series.map(() => [])], this.body);
    this.plot.showFaultLabels = signal.id === "rate";
    this.fmt = fmt;
    if (ctx.onPick && PICKABLE.includes(signal.id)) {
      // A click at a moment: the traces behind that point (traces.js).
      figure.classList.add("pickable");
      figure.title = "click: the traces behind this moment";
      this.plot.over.addEventListener("click", () => {
        const left = this.plot.cursor.left;
        if (left === null || left === undefined || left < 0) return;
        ctx.onPick(signal.id, this.plot.posToVal(left, "x"), ctx.step());
      });
    }
  }

  update(xs, columns, windows) {
    this.plot.setData([xs, ...columns]);
    const last = columns.map((col) => lastValue(col));
    this.value.replaceChildren(...last.map((v, i) => el("span", {
      style: `color:${this.signal.series[i].color}`,
      title: this.signal.series[i].label,
    }, `${this.fmt(v)}`)));
    this.figure.dataset.points = String(columns.reduce((n, col) => n + col.filter((v) => v !== null).length, 0));
    this.figure.dataset.last = JSON.stringify(last);
    this.figure.dataset.range = JSON.stringify(xs.length ? [xs[0], xs[xs.length - 1]] : []);
    // Per series, the highest value inside an active fault window (null: none there yet).
    const starts = windows.filter((w) => w.active).map((w) => w.start);
    const inFault = xs.map((t) => starts.some((start) => t >= start));
    this.figure.dataset.faultPeaks = JSON.stringify(columns.map((col) => col.reduce(
      (peak, v, i) => (inFault[i] && v !== null && (peak === null || v > peak) ? v : peak), null)));
  }
}

/** Per-instance `up` as a state timeline: one lane per instance, green up, red down. */
class UpChart extends Chart {
  constructor(figure, ctx) {
    super(figure, "Instances up (Prometheus scrape)");
    this.ctx = ctx;
    this.names = [];
  }

  build(names) {
    this.names = names;
    const n = names.length;
    const lane = (i) => n - 1 - i;  // first instance on top
    // As tall as a signal chart with its legend, so the grid stays even; taller for big stacks.
    const options = baseOptions(this.width(), Math.max(200, 16 * n + 30), this.ctx.range, this.ctx.windows);
    options.legend = { show: false };
    options.scales.y = { range: () => [-0.6, n - 0.4] };
    options.axes = [{ ...AXIS, values: timeTicks }, {
      // Wide enough for the longest name ("alertmanager") at the axis font.
      ...AXIS, size: Math.max(84, 7 * Math.max(0, ...names.map((x) => x.length)) + 12), gap: 6,
      splits: () => names.map((_, i) => lane(i)),
      values: (u, splits) => splits.map((s) => names[n - 1 - s]),
      grid: { show: false },
    }];
    options.series = [{}];
    for (const name of names) {
      for (const state of ["up", "down"]) {
        options.series.push({
          label: `${name} ${state}`, stroke: COLORS[state], width: 8,
          points: { show: false }, paths: uPlot.paths.stepped({ align: 1 }),
        });
      }
    }
    if (this.plot) this.plot.destroy();
    this.plot = new uPlot(options, [[], ...options.series.slice(1).map(() => [])], this.body);
    this.plot.showFaultLabels = false;
    this.lane = lane;
  }

  update(xs, byInstance) {
    const names = [...byInstance.keys()].sort(laneSort);
    if (names.join() !== this.names.join()) this.build(names);
    const columns = [];
    const { down, present } = upStates(names.map((name) => byInstance.get(name)), names);
    names.forEach((name, i) => {
      const values = byInstance.get(name);
      const y = this.lane(i);
      // A lane value where the state holds, null elsewhere; a sample's value holds until the
      // next sample (stepped), so the last point of a run is repeated into the next one.
      columns.push(values.map((v, k) => (v === 1 || (v !== null && values[k - 1] === 1) ? y : null)));
      columns.push(values.map((v, k) => (v === 0 || (v !== null && values[k - 1] === 0) ? y : null)));
    });
    this.plot.setData([xs, ...columns]);
    this.value.textContent = down.length ? `down: ${down.join(", ")}` : `all ${present.length} up`;
    this.value.classList.toggle("bad", down.length > 0);
    this.figure.dataset.down = down.join(",");
    this.figure.dataset.points = String(xs.length ? names.length : 0);
  }
}

// How many trailing steps without a sample make a lane's series "ended": a target Prometheus
// no longer scrapes (scaled in) gets a staleness marker and no samples after it, while a down
// one keeps getting up=0 every scrape.
const ENDED_AFTER_STEPS = 3;

/** Which instances are down now and which are still present, from their `up` columns (one
 *  per name, aligned on the same timestamps). A lane whose series ended is gone, not down:
 *  after a scale-in the removed instance's last sample is a 0, and it must not read as down. */
export function upStates(columns, names) {
  const down = [];
  const present = [];
  columns.forEach((values, i) => {
    const recent = values.slice(-ENDED_AFTER_STEPS);
    if (!recent.some((v) => v !== null && v !== undefined)) return;  // ended: gone
    present.push(names[i]);
    if (lastValue(values) === 0) down.push(names[i]);
  });
  return { down, present };
}

function laneSort(a, b) {
  const rank = (name) => {
    const role = name.replace(/-\d+$/, "");
    const i = LANE_ORDER.indexOf(role);
    return i < 0 ? LANE_ORDER.length : i;
  };
  return rank(a) - rank(b) || a.localeCompare(b, undefined, { numeric: true });
}

function lastValue(column) {
  for (let i = column.length - 1; i >= 0; i--) if (column[i] !== null) return column[i];
  return null;
}

/** Prometheus matrix -> values aligned on xs (null where a sample is missing or NaN). */
function align(xs, samples, scale = 1) {
  const byTime = new Map(samples.map(([t, v]) => [Math.round(t), parseFloat(v)]));
  return xs.map((t) => {
    const v = byTime.get(t);
    return v === undefined || !Number.isFinite(v) ? null : v * scale;
  });
}

export class Charts {
  /** onPick(chartId, t, stepSeconds): a click on the error or latency chart at time t. */
  constructor({ onError, onOk, onPick }) {
    this.seconds = 300;
    this.windows = [];
    this.range = [Date.now() / 1000 - this.seconds, Date.now() / 1000];
    this.onError = onError;
    this.onOk = onOk;
    const ctx = { range: () => this.range, windows: () => this.windows, onPick,
                  step: () => Math.max(1, Math.round(this.seconds / 400)) };
    this.signals = SIGNALS.map((s) => new SignalChart(document.getElementById(`chart-${s.id}`), s, ctx));
    this.up = new UpChart(document.getElementById("chart-up"), ctx);
    this.busy = false;
    new ResizeObserver(() => this.all().forEach((c) => c.resize()))
      .observe(document.getElementById("charts-panel"));
  }

  all() { return [...this.signals, this.up]; }

  /** Fault records -> shaded windows (skipped and failed faults changed nothing). */
  setFaults(records) {
    const end = Date.now() / 1000;
    this.windows = records
      .filter((r) => !["skipped", "failed"].includes(r.state))
      .map((r) => ({
        start: r.created_at, end: r.ended_at ?? end, active: r.ended_at == null,
        label: `${r.type} ${r.targets.join(",")}`,
      }))
      .sort((a, b) => a.start - b.start);
    // What is shaded, for tests and curious operators (drill faults never get here).
    document.getElementById("charts-panel").dataset.faultWindows = this.windows.map((w) => w.label).join(";");
  }

  redraw() {
    this.all().forEach((c) => c.plot && c.plot.redraw(false, false));
  }

  async refresh() {
    if (this.busy) return;
    this.busy = true;
    try {
      const step = Math.max(1, Math.round(this.seconds / 400));
      const end = Math.floor(Date.now() / 1000 / step) * step;
      const start = end - this.seconds;
      this.range = [start, end];
      const xs = [];
      for (let t = start; t <= end; t += step) xs.push(t);
      const queries = SIGNALS.flatMap((s) => s.series.map((series) => series.query));
      queries.push("up");
      const answers = await Promise.all(queries.map((q) => api.promRange(q, start, end, step)));
      let k = 0;
      for (const chart of this.signals) {
        const columns = chart.signal.series.map(() => {
          const result = answers[k++].data.result;
          return align(xs, result.length ? result[0].values : [], chart.signal.scale);
        });
        chart.update(xs, columns, this.windows);
      }
      const byInstance = new Map();
      for (const series of answers[k].data.result) {
        const name = series.metric.instance;
        if (name) byInstance.set(name, align(xs, series.values));
      }
      this.up.update(xs, byInstance);
      this.onOk();
    } catch (err) {
      this.onError(err);
    } finally {
      this.busy = false;
    }
  }
}
