"""Artifact previews chosen by how the artifact was stored, always from a bounded sample.

Only the formats of zenml-airflow's built-in materializers are previewed (JSON, bytes, ``.npy``,
parquet); they are read here directly with size limits rather than through the materializer,
which would load the whole artifact. Anything else - a custom materializer, an oversized JSON
document, an object array - is refused with a message saying why. Nothing is ever unpickled
and no user code is imported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape
from typing import Any

from zenml_airflow.visualizers.files import ArtifactFiles, TooLargeError
from zenml_airflow.visualizers.png import png_data_uri, to_uint8
from zenml_airflow.visualizers.svg import histogram_svg

#: Largest JSON document read whole for a preview.
MAX_JSON_BYTES = 1024 * 1024
#: Lines of pretty-printed JSON shown.
MAX_JSON_LINES = 300
#: Rows of a table shown; column statistics cover at most MAX_STATS_ROWS rows.
MAX_TABLE_ROWS = 50
MAX_TABLE_COLUMNS = 40
MAX_STATS_ROWS = 10_000
#: Array elements read for statistics and the histogram (a prefix in memory order).
MAX_ARRAY_SAMPLE = 1_000_000
#: Largest single image (pixels) and how many images of a stack are shown.
MAX_IMAGE_PIXELS = 1024 * 1024
MAX_IMAGES = 8
HEX_BYTES = 256

_BUILTIN = "zenml_airflow.materializers."


@dataclass
class Preview:
    """What a visualizer made of an artifact: an HTML fragment plus a JSON-friendly summary."""

    kind: str  # json | bytes | table | array | image | refused | missing
    html: str
    message: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "summary": self.summary}


def refused(message: str, kind: str = "refused") -> Preview:
    return Preview(kind, f'<p class="zen-note">{escape(message)}</p>', message)


def _materializer_name(materializer: str) -> str | None:
    """The class name of a built-in materializer (``NumpyMaterializer``), else None."""
    module, _, name = materializer.partition(":")
    if not module.startswith(_BUILTIN):
        return None
    return name or module.rsplit(".", 1)[-1]


def preview_artifact(files: ArtifactFiles, materializer: str, data_type: str) -> Preview:
    """The preview of the artifact in ``files`` written by ``materializer``."""
    name = _materializer_name(materializer)
    try:
        if not files.exists():
            return refused(f"The artifact's files are gone from {files.uri}.", "missing")
        if name == "NumpyMaterializer":
            return _numpy_preview(files)
        if name == "PandasMaterializer":
            return _table_preview(files)
        if name in ("BuiltInMaterializer", "PydanticMaterializer"):
            if files.size("data.bin") is not None:
                return _bytes_preview(files)
            return _json_preview(files, data_type)
    except TooLargeError as error:
        return refused(f"Not previewed: {error}")
    except (OSError, ValueError) as error:
        return refused(f"Could not preview this artifact: {type(error).__name__}: {error}")
    return refused(
        f"No preview for data type {data_type} stored by {materializer}: only the formats of "
        "zenml-airflow's built-in materializers are read here (never pickles or user code). "
        "Download its files below."
    )


# --- JSON and bytes -------------------------------------------------------------------------


def _json_preview(files: ArtifactFiles, data_type: str) -> Preview:
    raw = files.read("data.json", MAX_JSON_BYTES)
    value = json.loads(raw)
    lines = json.dumps(value, indent=2, sort_keys=False, ensure_ascii=False).splitlines()
    shown = "\n".join(lines[:MAX_JSON_LINES])
    cut = len(lines) > MAX_JSON_LINES
    note = f'<p class="zen-note">First {MAX_JSON_LINES} of {len(lines)} lines.</p>' if cut else ""
    return Preview(
        "json",
        f'<pre class="zen-json">{escape(shown)}</pre>{note}',
        summary={"data_type": data_type, "json_type": type(value).__name__, "lines": len(lines)},
    )


def _bytes_preview(files: ArtifactFiles) -> Preview:
    size = files.size("data.bin") or 0
    with files.open("data.bin") as handle:
        head = handle.read(HEX_BYTES)
    hexed = "\n".join(
        f"{offset:08x}  {head[offset:offset + 16].hex(' ')}" for offset in range(0, len(head), 16)
    )
    return Preview(
        "bytes",
        f"<p>{size:,} bytes; the first {len(head)}:</p><pre>{escape(hexed)}</pre>",
        summary={"bytes": size},
    )


# --- numpy ----------------------------------------------------------------------------------


def _npy_header(files: ArtifactFiles) -> tuple[tuple[int, ...], bool, Any, int]:
    """``(shape, fortran_order, dtype, data_offset)`` from ``data.npy``'s header (no data read)."""
    import numpy as np

    with files.open("data.npy") as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
        else:  # pragma: no cover - numpy writes 1.0-3.0
            raise ValueError(f"unknown .npy format version {version}")
        return tuple(shape), bool(fortran), dtype, handle.tell()


def _read_prefix(files: ArtifactFiles, dtype: Any, offset: int, count: int) -> Any:
    """The first ``count`` elements in memory order (mmap on local stores, a bounded read elsewhere)."""
    import numpy as np

    local = files.local_path("data.npy")
    if local is not None:
        mapped = np.memmap(local, dtype=dtype, mode="r", offset=offset, shape=(count,))
        return np.array(mapped)  # copy the bounded prefix; the map is released with it
    with files.open("data.npy") as handle:
        handle.seek(offset)
        data = handle.read(count * dtype.itemsize)
    return np.frombuffer(data, dtype=dtype, count=len(data) // dtype.itemsize)


def _image_layout(shape: tuple[int, ...], dtype: Any) -> tuple[int, tuple[int, ...]] | None:
    """``(number of images, shape of one)`` when the array looks like an image or a stack of them."""
    if dtype.kind not in "uifb":
        return None
    small = 8
    if len(shape) == 2 and dtype.kind in "ub" and min(shape) >= small:
        return 1, shape
    if len(shape) == 3 and shape[2] in (3, 4) and min(shape[:2]) >= small:
        return 1, shape
    if len(shape) == 3 and dtype.kind in "ub" and min(shape[1:]) >= small and shape[0] >= 1:
        return shape[0], shape[1:]
    if len(shape) == 4 and shape[3] in (1, 3, 4) and min(shape[1:3]) >= small:
        return shape[0], shape[1:]
    return None


def _numpy_preview(files: ArtifactFiles) -> Preview:
    import numpy as np

    if files.size("data.npy") is None:
        return refused("No data.npy in this artifact; it was not written by NumpyMaterializer.")
    shape, fortran, dtype, offset = _npy_header(files)
    total = int(np.prod(shape, dtype=np.int64)) if shape else 1
    summary: dict[str, Any] = {
        "shape": list(shape), "dtype": str(dtype), "size": total, "fortran_order": fortran,
    }  # fmt: skip
    head = [f"<dt>shape</dt><dd>{escape(str(shape))}</dd>", f"<dt>dtype</dt><dd>{escape(str(dtype))}</dd>"]
    if dtype.hasobject:
        return refused("This .npy holds Python objects; previewing it would need pickle.")
    parts: list[str] = []
    sample_n = min(total, MAX_ARRAY_SAMPLE)
    sample = _read_prefix(files, dtype, offset, sample_n) if sample_n else np.empty(0, dtype)
    if sample_n < total:
        parts.append(
            f'<p class="zen-note">Statistics over the first {sample_n:,} of {total:,} elements.</p>'
        )
    if dtype.kind in "uifb" and sample.size:
        values = sample.astype(np.float64)
        finite = values[np.isfinite(values)]
        stats = {
            "min": float(finite.min()) if finite.size else None,
            "max": float(finite.max()) if finite.size else None,
            "mean": float(finite.mean()) if finite.size else None,
            "std": float(finite.std()) if finite.size else None,
            "non_finite": int(values.size - finite.size),
            "sampled": int(sample.size),
        }
        summary["stats"] = stats
        head += [
            f"<dt>{k}</dt><dd>{'-' if v is None else f'{v:.6g}'}</dd>" for k, v in stats.items()
        ]
        if finite.size:
            counts, edges = np.histogram(finite, bins=20)
            summary["histogram"] = {"counts": counts.tolist(), "edges": edges.tolist()}
            parts.append(histogram_svg(counts.tolist(), edges.tolist()))
    else:
        shown = np.array2string(sample[:20], threshold=20)
        parts.append(f"<p>First values:</p><pre>{escape(shown)}</pre>")
    layout = None if fortran else _image_layout(shape, dtype)
    if layout is not None:
        count, one = layout
        pixels = int(np.prod(one))
        if pixels <= MAX_IMAGE_PIXELS:
            shown_n = min(count, MAX_IMAGES)
            data = _read_prefix(files, dtype, offset, pixels * shown_n).reshape((shown_n, *one))
            images = "".join(
                f'<img class="zen-image" alt="image {i}" src="{png_data_uri(to_uint8(data[i]))}">'
                for i in range(shown_n)
            )
            label = f"first {shown_n} of {count} images" if count > 1 else "as an image"
            parts.append(f"<p>Shown {label}:</p><div class=\"zen-images\">{images}</div>")
            summary["images"] = shown_n
    html = f'<dl class="zen-props">{"".join(head)}</dl>' + "".join(parts)
    return Preview("image" if "images" in summary else "array", html, summary=summary)


# --- pandas (parquet) -----------------------------------------------------------------------


def _table_preview(files: ArtifactFiles) -> Preview:
    import pyarrow.parquet as pq

    if files.size("df.parquet") is None:
        return refused("No df.parquet in this artifact; it was not written by PandasMaterializer.")
    with files.open("df.parquet") as handle:
        parquet = pq.ParquetFile(handle)
        meta = parquet.metadata
        schema = parquet.schema_arrow
        pandas_meta = json.loads((schema.metadata or {}).get(b"pandas", b"{}") or b"{}")
        index_columns = {c for c in pandas_meta.get("index_columns", []) if isinstance(c, str)}
        columns = [n for n in schema.names if n not in index_columns][:MAX_TABLE_COLUMNS]
        batches = parquet.iter_batches(batch_size=MAX_STATS_ROWS, columns=columns)
        sample = next(batches, None)
    rows = meta.num_rows
    summary: dict[str, Any] = {
        "rows": rows, "columns": len(schema.names) - len(index_columns), "row_groups": meta.num_row_groups,
    }  # fmt: skip
    if sample is None:
        return Preview("table", f"<p>An empty table with columns {escape(', '.join(columns))}.</p>", summary=summary)
    stats = []
    for name in columns:
        column = sample.column(name)
        entry: dict[str, Any] = {"name": name, "type": str(column.type), "nulls": column.null_count}
        try:
            import pyarrow.compute as pc

            if column.type.id in _NUMERIC_TYPE_IDS:
                entry["min"] = _py(pc.min(column))
                entry["max"] = _py(pc.max(column))
                entry["mean"] = _py(pc.mean(column))
                entry["std"] = _py(pc.stddev(column))
            else:
                entry["distinct"] = _py(pc.count_distinct(column))
        except Exception:  # noqa: BLE001 - a statistic that cannot be computed is left out
            pass
        stats.append(entry)
    summary["column_stats"] = stats
    sampled = sample.num_rows
    note = f"Statistics over the first {sampled:,} of {rows:,} rows. " if sampled < rows else ""
    head_rows = sample.slice(0, MAX_TABLE_ROWS).to_pylist()
    table = _html_table(columns, [[r.get(c) for c in columns] for r in head_rows])
    stat_keys = ["type", "nulls", "min", "max", "mean", "std", "distinct"]
    stat_table = _html_table(
        ["column", *stat_keys], [[s["name"], *(s.get(k, "") for k in stat_keys)] for s in stats]
    )
    html = (
        f"<p>{rows:,} rows × {summary['columns']} columns. {note}"
        f"First {len(head_rows)} rows:</p>{table}<h4>Column statistics</h4>{stat_table}"
    )
    return Preview("table", html, summary=summary)


def _py(scalar: Any) -> Any:
    value = scalar.as_py()
    return round(value, 6) if isinstance(value, float) else value


def _cell(value: Any) -> str:
    if value is None:
        return '<span class="zen-null">null</span>'
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return escape(text if len(text) <= 80 else text[:77] + "...")


def _html_table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f'<div class="zen-scroll"><table class="zen-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _numeric_type_ids() -> frozenset[int]:
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover
        return frozenset()
    types = [pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint16(), pa.uint32(),
             pa.uint64(), pa.float16(), pa.float32(), pa.float64()]  # fmt: skip
    return frozenset(t.id for t in types)


class _LazyIds:
    def __init__(self) -> None:
        self._ids: frozenset[int] | None = None

    def __contains__(self, item: object) -> bool:
        if self._ids is None:
            self._ids = _numeric_type_ids()
        return item in self._ids


_NUMERIC_TYPE_IDS = _LazyIds()
