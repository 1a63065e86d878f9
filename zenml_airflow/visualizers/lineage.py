"""The lineage graph of one pipeline run as SVG: steps (boxes) and the artifacts between them.

Layout is by data dependency: a step's column is one past the deepest step whose output it reads,
its outputs sit in the column after it. Pure function of its input, so it is easy to test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from zenml_airflow.visualizers.svg import STATUS_COLORS


@dataclass(frozen=True)
class LineageStep:
    name: str
    status: str
    href: str = ""
    inputs: dict[str, str] = field(default_factory=dict)  # input name -> artifact id
    outputs: dict[str, str] = field(default_factory=dict)  # output name -> artifact id


@dataclass(frozen=True)
class LineageArtifact:
    id: str
    label: str
    href: str = ""


_BOX_W, _BOX_H, _COL_W, _ROW_H = 150, 34, 190, 56


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def lineage_svg(
    steps: Sequence[LineageStep], artifacts: dict[str, LineageArtifact] | None = None
) -> str:
    """An SVG of ``steps`` wired through their artifacts (inputs from outside the run included)."""
    artifacts = artifacts or {}
    producer = {aid: s.name for s in steps for aid in s.outputs.values()}
    depth: dict[str, int] = {}
    for step in steps:  # steps come in execution order, so parents are placed first
        parents = [
            producer[a] for a in step.inputs.values() if a in producer and producer[a] != step.name
        ]
        depth[step.name] = 1 + max((depth.get(p, 0) for p in parents), default=-1) if parents else 0
    columns: dict[int, list[tuple[str, str]]] = {}
    positions: dict[tuple[str, str], tuple[float, float]] = {}

    def place(kind: str, key: str, column: int) -> None:
        if (kind, key) in positions:
            return
        row = len(columns.setdefault(column, []))
        columns[column].append((kind, key))
        positions[(kind, key)] = (10 + column * _COL_W, 10 + row * _ROW_H)

    shift = 1 if any(a not in producer for s in steps for a in s.inputs.values()) else 0
    for step in steps:
        column = 2 * depth[step.name] + shift
        for aid in step.inputs.values():
            if aid not in producer:  # an input produced outside this run
                place("artifact", aid, column - 1)
        place("step", step.name, column)
        for aid in step.outputs.values():
            place("artifact", aid, column + 1)
    if not positions:
        return ""
    width = max(x for x, _ in positions.values()) + _BOX_W + 20
    height = max(y for _, y in positions.values()) + _BOX_H + 20
    edges, nodes = [], []

    def edge(a: tuple[str, str], b: tuple[str, str]) -> None:
        (x1, y1), (x2, y2) = positions[a], positions[b]
        edges.append(
            f'<path d="M{x1 + _BOX_W:.0f},{y1 + _BOX_H / 2:.0f} C{x1 + _BOX_W + 20:.0f},'
            f"{y1 + _BOX_H / 2:.0f} {x2 - 20:.0f},{y2 + _BOX_H / 2:.0f} {x2:.0f},"
            f'{y2 + _BOX_H / 2:.0f}" fill="none" stroke="#90a4ae" stroke-width="1.5" '
            'marker-end="url(#zen-arrow)"/>'
        )

    names = {aid: name for s in steps for name, aid in s.outputs.items()}
    for step in steps:
        for aid in step.inputs.values():
            edge(("artifact", aid), ("step", step.name))
        for aid in step.outputs.values():
            edge(("step", step.name), ("artifact", aid))
        x, y = positions[("step", step.name)]
        color = STATUS_COLORS.get(step.status, "#757575")
        box = (
            f'<rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="4" fill="#fff" '
            f'stroke="{color}" stroke-width="2"/><text x="{x + 8}" y="{y + 15}" font-size="12" '
            f'font-weight="bold">{escape(_short(step.name))}</text><text x="{x + 8}" y="{y + 28}" '
            f'font-size="10" fill="{color}">{escape(step.status)}</text>'
        )
        nodes.append(_linked(box, step.href, f"step {step.name}: {step.status}"))
    for (kind, key), (x, y) in positions.items():
        if kind != "artifact":
            continue
        info = artifacts.get(key)
        label = info.label if info else names.get(key, key[:8])
        box = (
            f'<rect x="{x}" y="{y + 4}" width="{_BOX_W}" height="{_BOX_H - 8}" rx="13" '
            f'fill="#e3f2fd" stroke="#64b5f6"/><text x="{x + 10}" y="{y + 21}" font-size="11">'
            f"{escape(_short(label, 22))}</text>"
        )
        nodes.append(_linked(box, info.href if info else "", f"artifact {label} ({key})"))
    return (
        f'<svg class="zen-lineage" role="img" aria-label="run lineage" '
        f'xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}"><defs><marker id="zen-arrow" viewBox="0 0 10 10" '
        'refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#90a4ae"/></marker></defs>'
        + "".join(edges)
        + "".join(nodes)
        + "</svg>"
    )


def _linked(body: str, href: str, title: str) -> str:
    inner = f"<g><title>{escape(title)}</title>{body}</g>"
    if not href:
        return inner
    return f'<a href="{escape(href)}" target="_self">{inner}</a>'
