"""PNG charts of a run: the golden signals over time with each fault window shaded and labelled,
the way Jepsen shades nemesis periods."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Points = list[tuple[float, float]]


@dataclass(frozen=True)
class Panel:
    key: str  # file name stem
    title: str
    unit: str
    lines: dict[str, str]  # legend label -> PromQL
    scale: float = 1.0  # e.g. 1000 to show seconds as ms
    threshold: float | None = None  # a dashed line for the SLO-ish limit, in shown units


@dataclass(frozen=True)
class Window:
    label: str
    start: float  # seconds since the run started
    end: float


PANELS = (
    Panel("request-rate", "Request rate", "req/s", {
        "web": 'sum(job:http_requests:rate15s{job="web"})',
        "loadgen": "sum(job:loadgen_requests:rate15s)",
    }),
    Panel("error-ratio", "Error ratio (5xx / failed)", "%", {
        "web": 'max(job:http_errors:ratio_rate15s{job="web"})',
        "lb edge": "max(job:haproxy_frontend_http_errors:ratio_rate15s)",
        "lb→web failed attempts": "max(job:haproxy_backend_retried_attempts:ratio_rate15s)",
        "loadgen": "max(job:loadgen_errors:ratio_rate15s)",
    }, scale=100.0, threshold=1.0),
    Panel("p99-latency", "p99 latency", "ms", {
        "web": 'max(job:http_request_duration_seconds:p99_15s{job="web"})',
        "loadgen": "max(job:loadgen_request_duration_seconds:p99_15s)",
    }, scale=1000.0, threshold=250.0),
    Panel("store-leader", "Store leader", "members", {
        "all members see a leader": "min(job:etcd_has_leader:min)",
        "members that lead": "sum(job:etcd_is_leader:sum)",
    }),
)

GAP_SECONDS = 2.5  # query_range step is 1 s; a longer gap means no data
_SHADES = ("#f4a261", "#e76f51", "#2a9d8f", "#8ab17d", "#e9c46a", "#9d8189")


def _shade(ax: Axes, windows: list[Window], label_them: bool) -> None:
    for index, window in enumerate(windows):
        color = _SHADES[index % len(_SHADES)]
        ax.axvspan(window.start, window.end, color=color, alpha=0.25, lw=0)
        if label_them:
            # Stagger labels of neighbouring windows so they do not print over each other.
            y = 0.97 - 0.11 * (index % 3)
            ax.text(window.start, y, f" {window.label}", transform=ax.get_xaxis_transform(),
                    fontsize=7, va="top", ha="left", color="#333333",
                    bbox={"facecolor": color, "alpha": 0.35, "lw": 0, "pad": 1})


def _with_gaps(points: Points, scale: float) -> tuple[list[float], list[float]]:
    """x and y with a NaN wherever samples are missing, so matplotlib breaks the line instead
    of drawing a straight slope across a period with no data."""
    xs: list[float] = []
    ys: list[float] = []
    for t, v in points:
        if xs and t - xs[-1] > GAP_SECONDS:
            xs.append(xs[-1] + 1)
            ys.append(float("nan"))
        xs.append(t)
        ys.append(v * scale)
    return xs, ys


def _draw(ax: Axes, panel: Panel, series: dict[str, Points], windows: list[Window],
          label_windows: bool) -> None:
    _shade(ax, windows, label_windows)
    for index, (label, points) in enumerate(series.items()):
        if points:
            # Dashed second lines stay visible where two series sit on the same value.
            ax.plot(*_with_gaps(points, panel.scale), lw=1.4,
                    ls="-" if index == 0 else "--", label=label,
                    drawstyle="steps-post" if panel.key == "store-leader" else None)
    if panel.threshold is not None:
        ax.axhline(panel.threshold, color="#c0392b", lw=0.8, ls="--", label="alert threshold")
    ax.set_title(panel.title, fontsize=10, loc="left")
    ax.set_ylabel(panel.unit, fontsize=8)
    ax.set_ylim(bottom=0)
    if panel.key == "store-leader":
        ax.set_ylim(-0.1, 3.2)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=8)
    if any(series.values()):
        ax.legend(fontsize=7, loc="upper right")


def _pyplot():
    """matplotlib, loaded on first use: importing it costs the controller a third of a second
    at every start, which a controller restarting to heal a crash should not pay."""
    import matplotlib

    matplotlib.use("Agg")  # the controller has no display
    import matplotlib.pyplot as plt

    return plt


def draw(directory: Path, title: str, data: dict[str, dict[str, Points]],
         windows: list[Window], duration: float) -> list[str]:
    """One PNG per panel plus overview.png with all four; returns the file names written."""
    plt = _pyplot()
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    fig, axes = plt.subplots(len(PANELS), 1, figsize=(11, 10), sharex=True)
    for ax, panel in zip(axes, PANELS, strict=True):
        _draw(ax, panel, data.get(panel.key, {}), windows, label_windows=ax is axes[0])
    axes[-1].set_xlabel("seconds since the run started", fontsize=8)
    # From the earliest sample (a baseline may start before 0), or 0 when there is none.
    first = [p[0][0] for s in data.values() for p in s.values() if p]
    axes[-1].set_xlim(min([0.0, *first]), max(duration, 1.0))
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    fig.savefig(directory / "overview.png", dpi=110)
    plt.close(fig)
    written.append("overview.png")
    for panel in PANELS:
        fig, ax = plt.subplots(figsize=(10, 3.2))
        _draw(ax, panel, data.get(panel.key, {}), windows, label_windows=True)
        ax.set_xlabel("seconds since the run started", fontsize=8)
        fig.tight_layout()
        fig.savefig(directory / f"{panel.key}.png", dpi=110)
        plt.close(fig)
        written.append(f"{panel.key}.png")
    return written
