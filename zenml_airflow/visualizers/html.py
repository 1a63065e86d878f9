"""HTML for post-execution views - the same fragments the Airflow UI plugin shows, usable from Python.

    from zenml_airflow.visualizers import visualize_artifact, visualize_run
    run = Repository().get_pipeline("training").runs[-1]
    visualize_run(run)                                # lineage graph + step table
    visualize_artifact(run.get_step("trainer").output)  # metadata + bounded preview

Each function returns :class:`HTML`, a ``str`` that notebooks render (``_repr_html_``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any

from zenml_airflow.visualizers.files import ArtifactFiles, UnsafePathError
from zenml_airflow.visualizers.lineage import LineageArtifact, LineageStep, lineage_svg
from zenml_airflow.visualizers.previews import Preview, preview_artifact, refused

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.artifacts.store import ArtifactStore
    from zenml_airflow.metadata.records import ArtifactRecord
    from zenml_airflow.post_execution.views import ArtifactView, PipelineRunView, StepView

CSS = """
.zen{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:14px;color:#1b1f23}
.zen table.zen-table{border-collapse:collapse;margin:6px 0}
.zen .zen-table th,.zen .zen-table td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
.zen .zen-table th{background:#f3f6f9}
.zen .zen-scroll{overflow-x:auto;max-width:100%}
.zen dl.zen-props{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:6px 0}
.zen dl.zen-props dt{font-weight:600;color:#57606a}.zen dl.zen-props dd{margin:0}
.zen pre{background:#f6f8fa;padding:8px;border-radius:4px;overflow:auto;max-height:480px}
.zen .zen-note{color:#57606a;font-style:italic}.zen .zen-null{color:#8c959f}
.zen .zen-images img{image-rendering:pixelated;width:96px;margin:2px;border:1px solid #d0d7de}
.zen .status{font-weight:600}.zen .status-completed{color:#2e7d32}.zen .status-cached{color:#6a1b9a}
.zen .status-failed{color:#c62828}.zen .status-running{color:#b26a00}
"""


class HTML(str):
    """An HTML fragment; notebooks display it, ``str()`` gives the markup."""

    def _repr_html_(self) -> str:
        return str(self)


def _wrap(body: str) -> HTML:
    return HTML(f'<div class="zen"><style>{CSS}</style>{body}</div>')


def status_badge(status: str) -> str:
    return f'<span class="status status-{escape(status)}">{escape(status)}</span>'


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m {rest:.0f}s"


def preview_record(record: ArtifactRecord, artifact_store: ArtifactStore | None) -> Preview:
    """The bounded preview of an artifact record read from ``artifact_store``."""
    if artifact_store is None:
        return refused("No artifact store is known for this artifact, so it cannot be previewed.")
    try:
        files = ArtifactFiles(artifact_store, record.uri)
    except UnsafePathError as error:
        return refused(str(error))
    return preview_artifact(files, record.materializer, record.data_type, record.metadata)


def _store_of(view: Any) -> ArtifactStore | None:
    stores = getattr(view, "_stores", None)
    return getattr(stores, "artifacts", None)


def artifact_properties(record: ArtifactRecord) -> list[tuple[str, str]]:
    size = "-" if record.size_bytes is None else f"{record.size_bytes:,} bytes"
    return [
        ("id", record.id),
        ("type", record.artifact_type),
        ("data type", record.data_type),
        ("materializer", record.materializer),
        ("size", size),
        ("content hash", record.content_hash),
        ("uri", record.uri),
        ("created", record.created_at.isoformat(timespec="seconds")),
    ]


def properties_html(pairs: list[tuple[str, str]]) -> str:
    return (
        '<dl class="zen-props">'
        + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in pairs)
        + "</dl>"
    )


def metadata_rows(record: ArtifactRecord) -> list[tuple[str, str]]:
    """The facts its materializer recorded, one row each (values as compact JSON)."""
    return [
        (key, value if isinstance(value, str) else json.dumps(value, separators=(", ", ": ")))
        for key, value in record.metadata.items()
    ]


def visualize_artifact(view: ArtifactView, artifact_store: ArtifactStore | None = None) -> HTML:
    """Metadata and a bounded preview of one artifact (read from the view's artifact store)."""
    record = view._record
    preview = preview_record(record, artifact_store or _store_of(view))
    facts = metadata_rows(record)
    described = f"<h4>Metadata</h4>{properties_html(facts)}" if facts else ""
    return _wrap(properties_html(artifact_properties(record)) + described + preview.html)


def _io_table(items: dict[str, ArtifactView]) -> str:
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(a.data_type)}</td><td><code>{escape(a.id)}</code></td></tr>"
        for name, a in items.items()
    )
    return f'<table class="zen-table"><tr><th>name</th><th>data type</th><th>artifact</th></tr>{rows}</table>'


def visualize_step(view: StepView, artifact_store: ArtifactStore | None = None) -> HTML:
    """A step's status, parameters, inputs and outputs, with a preview of each output."""
    props = properties_html(
        [
            ("step", view.name),
            ("entrypoint", view.entrypoint_name),
            ("duration", format_duration(view.duration)),
            ("try", str(view.try_number)),
            ("parameters", json.dumps(view.parameters, sort_keys=True)),
        ]
    )
    body = f"<h3>{escape(view.name)} {status_badge(view.status.value)}</h3>{props}"
    if view.error:
        body += f"<pre>{escape(view.error)}</pre>"
    body += (
        "<h4>Inputs</h4>" + _io_table(view.inputs) + "<h4>Outputs</h4>" + _io_table(view.outputs)
    )
    for name, artifact in view.outputs.items():
        store = artifact_store or _store_of(artifact)
        body += f"<h4>{escape(name)}</h4>" + preview_record(artifact._record, store).html
    return _wrap(body)


def run_lineage(
    steps: list[tuple[str, str, dict[str, ArtifactRecord], dict[str, ArtifactRecord]]],
    step_href: Callable[[str], str] | None = None,
    artifact_href: Callable[[str], str] | None = None,
) -> str:
    """Lineage SVG from ``(step name, status, inputs, outputs)`` tuples (records by name)."""
    lineage_steps = []
    artifacts: dict[str, LineageArtifact] = {}
    for name, status, inputs, outputs in steps:
        lineage_steps.append(
            LineageStep(
                name=name,
                status=status,
                href=step_href(name) if step_href else "",
                inputs={k: r.id for k, r in inputs.items()},
                outputs={k: r.id for k, r in outputs.items()},
            )
        )
        for label, record in [*inputs.items(), *outputs.items()]:
            artifacts.setdefault(
                record.id,
                LineageArtifact(
                    record.id, label, artifact_href(record.id) if artifact_href else ""
                ),
            )
    return lineage_svg(lineage_steps, artifacts)


def visualize_run(view: PipelineRunView) -> HTML:
    """A run's lineage graph and a table of its steps (status, duration, parameters)."""
    steps = view.steps
    graph = run_lineage(
        [
            (
                s.name,
                s.status.value,
                {k: a._record for k, a in s.inputs.items()},
                {k: a._record for k, a in s.outputs.items()},
            )
            for s in steps
        ]  # fmt: skip
    )
    rows = "".join(
        f"<tr><td>{escape(s.name)}</td><td>{status_badge(s.status.value)}</td>"
        f"<td>{format_duration(s.duration)}</td><td><code>{escape(json.dumps(s.parameters, sort_keys=True))}</code></td></tr>"
        for s in steps
    )
    table = f'<table class="zen-table"><tr><th>step</th><th>status</th><th>duration</th><th>parameters</th></tr>{rows}</table>'
    title = f"<h3>{escape(view.pipeline_name)} / {escape(view.name)} {status_badge(view.status.value)}</h3>"
    return _wrap(title + graph + table)
