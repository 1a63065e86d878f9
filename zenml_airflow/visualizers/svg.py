"""Small hand-written SVG charts (no plotting library needed): histograms, run timelines and
values across runs."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def _fmt(value: float) -> str:
    if value == 0 or 1e-3 <= abs(value) < 1e6:
        return f"{value:.4g}"
    return f"{value:.3e}"


def histogram_svg(
    counts: Sequence[int], edges: Sequence[float], *, width: int = 420, height: int = 160
) -> str:
    """A bar chart of ``counts`` over the bin ``edges`` (``len(edges) == len(counts) + 1``)."""
    if not counts or len(edges) != len(counts) + 1:
        return ""
    top = max(counts) or 1
    pad_x, pad_bottom = 4, 18
    plot_h = height - pad_bottom - 4
    bar_w = (width - 2 * pad_x) / len(counts)
    bars = []
    for i, count in enumerate(counts):
        h = plot_h * count / top
        x = pad_x + i * bar_w
        label = f"[{_fmt(edges[i])}, {_fmt(edges[i + 1])}): {count}"
        bars.append(
            f'<rect x="{x:.1f}" y="{4 + plot_h - h:.1f}" width="{max(bar_w - 1, 1):.1f}" '
            f'height="{h:.1f}" fill="#017cee"><title>{escape(label)}</title></rect>'
        )
    return (
        f'<svg class="zen-chart" role="img" aria-label="histogram" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        + "".join(bars)
        + f'<text x="{pad_x}" y="{height - 4}" font-size="11">{escape(_fmt(edges[0]))}</text>'
        f'<text x="{width - pad_x}" y="{height - 4}" font-size="11" text-anchor="end">'
        f"{escape(_fmt(edges[-1]))}</text></svg>"
    )


STATUS_COLORS = {
    "completed": "#2e7d32",
    "cached": "#6a1b9a",
    "failed": "#c62828",
    "running": "#f9a825",
}


def runs_chart_svg(
    points: Sequence[tuple[str, float | None, str, str]], *, width: int = 640, height: int = 150
) -> str:
    """Runs over time: one bar per run (oldest left), height = duration, colour = status.

    ``points`` are ``(label, duration_seconds or None, status, href)``.
    """
    if not points:
        return ""
    durations = [d for _, d, _, _ in points if d is not None]
    top = max(durations) if durations else 1.0
    top = top or 1.0
    plot_h = height - 22
    bar_w = min(40.0, (width - 8) / len(points))
    items = []
    for i, (label, duration, status, href) in enumerate(points):
        h = max(plot_h * (duration or 0) / top, 2)
        x = 4 + i * bar_w
        color = STATUS_COLORS.get(status, "#757575")
        shown = f"{duration:.1f}s" if duration is not None else "not finished"
        title = escape(f"{label}: {status}, {shown}")
        items.append(
            f'<a href="{escape(href)}"><rect x="{x:.1f}" y="{4 + plot_h - h:.1f}" '
            f'width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}" fill="{color}">'
            f"<title>{title}</title></rect></a>"
        )
    return (
        f'<svg class="zen-chart" role="img" aria-label="runs over time" '
        f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
        + "".join(items)
        + f'<text x="4" y="{height - 4}" font-size="11">oldest</text>'
        f'<text x="{width - 4}" y="{height - 4}" font-size="11" text-anchor="end">'
        f"latest (bar height: duration, max {top:.1f}s)</text></svg>"
    )


def trend_chart_svg(
    label: str,
    points: Sequence[tuple[str, float | None, str]],
    *,
    width: int = 420,
    height: int = 120,
) -> str:
    """One value across runs (oldest left): a line through the runs that have it, a dot per run
    linking to it. ``points`` are ``(run name, value or None, href)``."""
    values = [v for _, v, _ in points if v is not None]
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    pad, plot_h = 6, height - 30
    step_x = (width - 2 * pad) / max(len(points) - 1, 1)

    def y(value: float) -> float:
        return 14 + plot_h - plot_h * (value - low) / span

    line, dots = [], []
    for i, (run, value, href) in enumerate(points):
        if value is None:
            continue
        x = pad + i * step_x
        line.append(f"{x:.1f},{y(value):.1f}")
        title = escape(f"{run}: {_fmt(value)}")
        dots.append(
            f'<a href="{escape(href)}"><circle cx="{x:.1f}" cy="{y(value):.1f}" r="3.5" '
            f'fill="#017cee"><title>{title}</title></circle></a>'
        )
    return (
        f'<svg class="zen-chart" role="img" aria-label="{escape(label)} across runs" '
        f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
        f'<text x="{pad}" y="10" font-size="11">{escape(label)}</text>'
        f'<polyline fill="none" stroke="#017cee" stroke-width="1.5" points="{" ".join(line)}"/>'
        + "".join(dots)
        + f'<text x="{pad}" y="{height - 4}" font-size="11">min {escape(_fmt(low))}</text>'
        f'<text x="{width - pad}" y="{height - 4}" font-size="11" text-anchor="end">'
        f"max {escape(_fmt(high))}, latest {escape(_fmt(values[-1]))}</text></svg>"
    )
