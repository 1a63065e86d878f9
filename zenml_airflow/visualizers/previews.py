"""Artifact previews chosen by how the artifact was stored, always from a bounded sample.

Only the formats of zenml-airflow's own materializers are previewed: the built-in ones (JSON,
bytes, ``.npy``, parquet, ``pathlib.Path`` copies) and those of its integrations (polars and
pyarrow parquet, scipy sparse components, Pillow and matplotlib PNG/SVG, and models, described
from their recorded metadata: see :mod:`~zenml_airflow.visualizers.media_previews` and
:mod:`~zenml_airflow.visualizers.model_previews`). They are read here directly with size limits
rather than through the materializer, which would load the whole artifact (and, for a model,
its library). Every limit is in bytes as well as in rows: an ``.npy`` of
long strings reads a bounded head of a few elements, a parquet column whose first row group is
pages are too large uncompressed is not decoded at all, cells are cut to :data:`MAX_CELL_CHARS`, JSON
deeper than :data:`MAX_JSON_DEPTH` is shown as text, and no preview's HTML exceeds
:data:`MAX_PREVIEW_HTML` characters. Anything else - a custom materializer, an oversized JSON
document, an object array - is refused with a message saying why. Nothing is ever unpickled
and no user code is imported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.cloudpickle_materializer import (
    MATERIALIZER_PATH as CLOUDPICKLE_MATERIALIZER,
)
from zenml_airflow.visualizers.files import ArtifactFiles, TooLargeError
from zenml_airflow.visualizers.png import png_data_uri, to_uint8
from zenml_airflow.visualizers.svg import histogram_svg

#: Largest JSON document read whole for a preview.
MAX_JSON_BYTES = 1024 * 1024
#: Lines of pretty-printed JSON shown, and at most this many characters of them.
MAX_JSON_LINES = 300
MAX_JSON_CHARS = 64 * 1024
#: Deeper JSON is not parsed (the parser and printer recurse); its text is shown instead.
MAX_JSON_DEPTH = 100
#: Bytes read into memory for statistics (arrays) or a sample (tables), whatever the row count.
MAX_SAMPLE_BYTES = 32 * 1024 * 1024
#: A parquet column whose pages may be larger than this (uncompressed) is not decoded: reading
#: one row decodes its whole page (see :func:`_page_estimate`).
MAX_PAGE_BYTES = 16 * 1024 * 1024
#: Characters of one value (a table cell, an array element) shown.
MAX_CELL_CHARS = 80
#: Array elements shown as values (strings, records, dates).
MAX_VALUES_SHOWN = 20
#: Largest record (structured dtype element) read as values.
MAX_RECORD_BYTES = 4096
#: The hard cap on a preview's HTML; a larger one is replaced by a note.
MAX_PREVIEW_HTML = 2 * 1024 * 1024
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
_INTEGRATIONS = "zenml_airflow.integrations."

#: The integration materializers whose files are previewed, and the files each writes (the
#: classes are not imported here: that would import their library into Airflow's api-server;
#: tests/visualizers check these names against each class's ``FILENAMES``).
INTEGRATION_FILES: dict[str, tuple[str, ...]] = {
    "zenml_airflow.integrations.polars.materializers.polars_materializer:PolarsMaterializer": (
        "data.parquet",
    ),
    "zenml_airflow.integrations.pyarrow.materializers.pyarrow_materializer:PyarrowMaterializer": (
        "table.parquet",
    ),
    "zenml_airflow.integrations.pillow.materializers.pillow_materializer:PillowMaterializer": (
        "image.png",
    ),
    "zenml_airflow.integrations.matplotlib.materializers.matplotlib_materializer:"
    "MatplotlibMaterializer": ("figure.png", "figure.svg"),
    "zenml_airflow.integrations.scipy.materializers.sparse_materializer:SparseMaterializer": (
        "sparse.json",
        "data.npy",
        "indices.npy",
        "indptr.npy",
        "coords.npy",
        "offsets.npy",
    ),
}


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


def _files_written_by(name: str) -> tuple[str, ...]:
    """The files the built-in materializer class ``name`` writes, as it declares them.

    Imports only zenml-airflow's own materializer module (with the library it is made for, which
    the preview reads anyway): never user code.
    """
    import zenml_airflow.materializers as built_in

    cls: type[BaseMaterializer] = getattr(built_in, name)
    return cls.FILENAMES


def preview_artifact(
    files: ArtifactFiles,
    materializer: str,
    data_type: str,
    metadata: Mapping[str, Any] | None = None,
) -> Preview:
    """The preview of the artifact in ``files`` written by ``materializer`` (HTML at most
    :data:`MAX_PREVIEW_HTML` characters).

    ``metadata`` is what the materializer recorded about the value (``ArtifactRecord.metadata``):
    models are described from it alone, and images and sparse matrices show it beside what is
    read from their files.
    """
    # The record's metadata is JSON from the metadata store: anything but an object is ignored.
    facts = metadata if isinstance(metadata, Mapping) else {}
    preview = _preview(files, materializer, data_type, facts)
    if len(preview.html) > MAX_PREVIEW_HTML:
        return refused(
            f"Not previewed: the preview would be {len(preview.html):,} characters, over the "
            f"{MAX_PREVIEW_HTML:,} limit. Download the artifact's files below."
        )
    return preview


def _preview(
    files: ArtifactFiles, materializer: str, data_type: str, metadata: Mapping[str, Any]
) -> Preview:
    if materializer == CLOUDPICKLE_MATERIALIZER:
        return refused(
            f"Not previewed: this {data_type} was stored by the opt-in CloudpickleMaterializer "
            "as a pickle, which is UNSAFE to load (loading a pickle runs code), so the UI never "
            "reads it. Read it in Python only if you trust everyone who can write to the store."
        )
    name = _materializer_name(materializer)
    try:
        if not files.exists():
            return refused(f"The artifact's files are gone from {files.uri}.", "missing")
        if name == "NumpyMaterializer":
            return _numpy_preview(files, _files_written_by(name)[0])
        if name == "PandasMaterializer":
            return _table_preview(files, _files_written_by(name)[0])
        if name in ("BuiltInMaterializer", "PydanticMaterializer"):
            # The JSON document comes first; BuiltInMaterializer writes a bytes value as raw
            # bytes to its other file instead.
            json_name, *raw_names = _files_written_by(name)
            for raw_name in raw_names:
                if files.size(raw_name) is not None:
                    return _bytes_preview(files, raw_name)
            return _json_preview(files, json_name, data_type)
        if name == "PathMaterializer":
            # Not exported by zenml_airflow.materializers; its module imports the stdlib only.
            from zenml_airflow.materializers.path_materializer import PathMaterializer
            from zenml_airflow.visualizers.media_previews import path_preview

            return path_preview(files, PathMaterializer.FILENAMES[0])
        found = _integration_preview(files, materializer, metadata)
        if found is not None:
            return found
    except TooLargeError as error:
        return refused(f"Not previewed: {error}")
    except (OSError, ValueError) as error:
        return refused(f"Could not preview this artifact: {type(error).__name__}: {error}")
    return refused(
        f"No preview for data type {data_type} stored by {materializer}: only the formats of "
        "zenml-airflow's own materializers are read here (never pickles or user code). "
        "Download its files below."
    )


def _integration_preview(
    files: ArtifactFiles, materializer: str, metadata: Mapping[str, Any]
) -> Preview | None:
    """The preview of an artifact written by one of zenml-airflow's integration materializers,
    or None for any other materializer.

    The modules are imported here, not at the top: they import this one.
    """
    if not materializer.startswith(_INTEGRATIONS):
        return None
    from zenml_airflow.visualizers import media_previews, model_previews

    written = INTEGRATION_FILES.get(materializer)
    writer = materializer.rpartition(":")[2]
    if written is not None:
        if writer in ("PolarsMaterializer", "PyarrowMaterializer"):
            return _table_preview(files, written[0], writer)
        if writer == "PillowMaterializer":
            return media_previews.png_preview(files, written[0], writer, metadata)
        if writer == "MatplotlibMaterializer":
            return media_previews.png_preview(files, written[0], writer, metadata, svg=written[1])
        if writer == "SparseMaterializer":
            return media_previews.sparse_preview(files, written, metadata)
    if materializer == model_previews.TENSOR_MATERIALIZER:
        return model_previews.tensor_preview(files, metadata)
    if model_previews.is_model(materializer, metadata):
        return model_previews.model_preview(files, materializer, metadata)
    return None


# --- JSON and bytes -------------------------------------------------------------------------


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def json_depth(text: str) -> int:
    """How deeply ``text``'s arrays and objects nest, without parsing it (no recursion)."""
    depth = deepest = 0
    for bracket in re.findall(r"[\[\]{}]", _JSON_STRING.sub("", text)):
        depth = depth + 1 if bracket in "[{" else depth - 1
        deepest = max(deepest, depth)
    return deepest


def _json_preview(files: ArtifactFiles, name: str, data_type: str) -> Preview:
    raw = files.read(name, MAX_JSON_BYTES)
    text = raw.decode("utf-8", errors="replace")
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        # json.loads and json.dumps recurse once per level: show the stored text instead.
        shown = text[:MAX_JSON_CHARS]
        note = (
            f"Nested {depth:,} levels deep (over {MAX_JSON_DEPTH}): shown as stored, "
            f"{len(shown):,} of {len(text):,} characters."
        )
        return Preview(
            "json",
            f'<p class="zen-note">{escape(note)}</p><pre class="zen-json">{escape(shown)}</pre>',
            summary={"data_type": data_type, "depth": depth, "parsed": False},
        )
    value = json.loads(raw)
    lines = json.dumps(value, indent=2, sort_keys=False, ensure_ascii=False).splitlines()
    shown = "\n".join(lines[:MAX_JSON_LINES])
    cut = len(lines) > MAX_JSON_LINES
    note = f'<p class="zen-note">First {MAX_JSON_LINES} of {len(lines)} lines.</p>' if cut else ""
    if len(shown) > MAX_JSON_CHARS:
        shown = shown[:MAX_JSON_CHARS]
        note = f'<p class="zen-note">First {MAX_JSON_CHARS:,} characters.</p>'
    return Preview(
        "json",
        f'<pre class="zen-json">{escape(shown)}</pre>{note}',
        summary={
            "data_type": data_type,
            "json_type": type(value).__name__,
            "lines": len(lines),
            "depth": depth,
        },
    )


def _bytes_preview(files: ArtifactFiles, name: str) -> Preview:
    size = files.size(name) or 0
    with files.open(name) as handle:
        head = handle.read(HEX_BYTES)
    hexed = "\n".join(
        f"{offset:08x}  {head[offset : offset + 16].hex(' ')}" for offset in range(0, len(head), 16)
    )
    return Preview(
        "bytes",
        f"<p>{size:,} bytes; the first {len(head)}:</p><pre>{escape(hexed)}</pre>",
        summary={"bytes": size},
    )


# --- numpy ----------------------------------------------------------------------------------


def _npy_header(files: ArtifactFiles, name: str) -> tuple[tuple[int, ...], bool, Any, int]:
    """``(shape, fortran_order, dtype, data_offset)`` from the ``.npy`` file's header (no data
    read)."""
    import numpy as np

    with files.open(name) as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
        else:  # pragma: no cover - numpy writes 1.0-3.0
            raise ValueError(f"unknown .npy format version {version}")
        return tuple(shape), bool(fortran), dtype, handle.tell()


def _read_prefix(files: ArtifactFiles, name: str, dtype: Any, offset: int, count: int) -> Any:
    """The first ``count`` elements in memory order (mmap on local stores, a bounded read elsewhere)."""
    import numpy as np

    local = files.local_path(name)
    if local is not None:
        mapped = np.memmap(local, dtype=dtype, mode="r", offset=offset, shape=(count,))
        return np.array(mapped)  # copy the bounded prefix; the map is released with it
    with files.open(name) as handle:
        handle.seek(offset)
        data = handle.read(count * dtype.itemsize)
    return np.frombuffer(data, dtype=dtype, count=len(data) // dtype.itemsize)


def _value_heads(files: ArtifactFiles, name: str, dtype: Any, offset: int, count: int) -> list[str]:
    """The first ``count`` string elements, each cut to :data:`MAX_CELL_CHARS` characters.

    Reads only the head of each element (a seek and a bounded read), however long the dtype's
    strings are: a ``<U100000`` element is 400 kB, of which 4 * 81 bytes are read.
    """
    char = 4 if dtype.kind == "U" else 1
    head = min(dtype.itemsize, (MAX_CELL_CHARS + 1) * char)
    values = []
    with files.open(name) as handle:
        for index in range(count):
            handle.seek(offset + index * dtype.itemsize)
            data = handle.read(head)
            if dtype.kind == "U":
                data = data[: len(data) // 4 * 4]
                text = data.decode(
                    "utf-32-be" if dtype.byteorder == ">" else "utf-32-le", errors="replace"
                )
            else:
                text = repr(data.rstrip(b"\0"))
            text = text.rstrip("\0")
            values.append(
                text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 3] + "..."
            )
    return values


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


def _numpy_preview(files: ArtifactFiles, name: str) -> Preview:
    import numpy as np

    if files.size(name) is None:
        return refused(f"No {name} in this artifact; it was not written by NumpyMaterializer.")
    shape, fortran, dtype, offset = _npy_header(files, name)
    total = int(np.prod(shape, dtype=np.int64)) if shape else 1
    summary: dict[str, Any] = {
        "shape": list(shape), "dtype": str(dtype), "size": total, "fortran_order": fortran,
    }  # fmt: skip
    head = [
        f"<dt>shape</dt><dd>{escape(str(shape))}</dd>",
        f"<dt>dtype</dt><dd>{escape(str(dtype))}</dd>",
    ]
    if dtype.hasobject:
        return refused("This .npy holds Python objects; previewing it would need pickle.")
    parts: list[str] = []
    numeric = dtype.kind in "uifb"
    if dtype.kind in "US":  # strings: the head of a few elements, never whole elements
        shown_n = min(total, MAX_VALUES_SHOWN)
        heads = _value_heads(files, name, dtype, offset, shown_n)
        listing = "\n".join(escape(v) for v in heads)
        more = f" of {total:,}" if shown_n < total else ""
        parts.append(
            f"<p>First {shown_n}{more} values (each cut to {MAX_CELL_CHARS} characters):</p><pre>{listing}</pre>"
        )
        html = f'<dl class="zen-props">{"".join(head)}</dl>' + "".join(parts)
        return Preview("array", html, summary=summary)
    if not numeric and dtype.itemsize > MAX_RECORD_BYTES:
        return refused(
            f"Not previewed: each element of this .npy is {dtype.itemsize:,} bytes "
            f"(over {MAX_RECORD_BYTES:,}). Download {name} below."
        )
    # Statistics over a prefix bounded in elements and in bytes; other kinds show a few values.
    limit = (
        min(MAX_ARRAY_SAMPLE, max(1, MAX_SAMPLE_BYTES // max(dtype.itemsize, 1)))
        if numeric
        else MAX_VALUES_SHOWN
    )
    sample_n = min(total, limit)
    sample = _read_prefix(files, name, dtype, offset, sample_n) if sample_n else np.empty(0, dtype)
    if numeric and sample_n < total:
        parts.append(
            f'<p class="zen-note">Statistics over the first {sample_n:,} of {total:,} elements.</p>'
        )
    if numeric and sample.size:
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
        shown = np.array2string(sample[:MAX_VALUES_SHOWN], threshold=MAX_VALUES_SHOWN)
        if len(shown) > MAX_VALUES_SHOWN * MAX_CELL_CHARS:
            shown = shown[: MAX_VALUES_SHOWN * MAX_CELL_CHARS] + "..."
        parts.append(f"<p>First values:</p><pre>{escape(shown)}</pre>")
    layout = None if fortran else _image_layout(shape, dtype)
    if layout is not None:
        count, one = layout
        pixels = int(np.prod(one))
        if pixels <= MAX_IMAGE_PIXELS:
            shown_n = min(count, MAX_IMAGES)
            data = _read_prefix(files, name, dtype, offset, pixels * shown_n)
            data = data.reshape((shown_n, *one))
            images = "".join(
                f'<img class="zen-image" alt="image {i}" src="{png_data_uri(to_uint8(data[i]))}">'
                for i in range(shown_n)
            )
            label = f"first {shown_n} of {count} images" if count > 1 else "as an image"
            parts.append(f'<p>Shown {label}:</p><div class="zen-images">{images}</div>')
            summary["images"] = shown_n
    html = f'<dl class="zen-props">{"".join(head)}</dl>' + "".join(parts)
    return Preview("image" if "images" in summary else "array", html, summary=summary)


# --- pandas (parquet) -----------------------------------------------------------------------


def _page_estimate(chunk_bytes: int, rows: int) -> int:
    """A bound on the largest page of a column chunk, from its size and row count.

    Writers close a data page once it passes ~1 MB, checked every 1024 values (pyarrow's
    defaults), so a page holds at most about 1 MB plus 1024 average values; decoding one row
    decodes its whole page, so this is what reading any row of the column costs.
    """
    average = chunk_bytes / max(rows, 1)
    return int(min(chunk_bytes, 1024 * 1024 + 1024 * average))


def _table_preview(files: ArtifactFiles, name: str, writer: str = "PandasMaterializer") -> Preview:
    import pyarrow.parquet as pq

    if files.size(name) is None:
        return refused(f"No {name} in this artifact; it was not written by {writer}.")
    with files.open(name) as handle:
        # Buffered, page-by-page reads: never a whole column chunk in memory at once.
        parquet = pq.ParquetFile(handle, pre_buffer=False, buffer_size=1024 * 1024)
        meta = parquet.metadata
        schema = parquet.schema_arrow
        pandas_meta = json.loads((schema.metadata or {}).get(b"pandas", b"{}") or b"{}")
        index_columns = {c for c in pandas_meta.get("index_columns", []) if isinstance(c, str)}
        columns = [n for n in schema.names if n not in index_columns][:MAX_TABLE_COLUMNS]
        chunk_bytes: dict[str, int] = {}
        first_rows = 0
        if meta.num_row_groups:
            group = meta.row_group(0)
            first_rows = group.num_rows
            for i in range(group.num_columns):
                column_meta = group.column(i)
                top = column_meta.path_in_schema.split(".", 1)[0]
                chunk_bytes[top] = chunk_bytes.get(top, 0) + column_meta.total_uncompressed_size
        # Decode only columns whose pages are small enough, within one budget for all of them.
        readable: list[str] = []
        skipped: dict[str, int] = {}
        budget = MAX_SAMPLE_BYTES * 2
        for name in columns:
            page = _page_estimate(chunk_bytes.get(name, 0), first_rows)
            if page > MAX_PAGE_BYTES or page > budget:
                skipped[name] = chunk_bytes.get(name, 0)
                continue
            budget -= page
            readable.append(name)
        row_bytes = sum(chunk_bytes.get(n, 0) for n in readable) / max(first_rows, 1)
        batch_rows = int(max(1, min(MAX_STATS_ROWS, MAX_SAMPLE_BYTES // max(row_bytes, 1))))
        sample = None
        if readable and meta.num_row_groups:
            batches = parquet.iter_batches(batch_size=batch_rows, row_groups=[0], columns=readable)
            sample = next(batches, None)
    rows = meta.num_rows
    summary: dict[str, Any] = {
        "rows": rows, "columns": len(schema.names) - len(index_columns), "row_groups": meta.num_row_groups,
    }  # fmt: skip
    if rows == 0:
        return Preview(
            "table",
            f"<p>An empty table with columns {escape(', '.join(columns))}.</p>",
            summary=summary,
        )
    stats = []
    for name in columns:
        if name in skipped:
            stats.append({
                "name": name, "type": str(schema.field(name).type),
                "not_read": f"{skipped[name]:,} bytes uncompressed in the first row group",
            })  # fmt: skip
            continue
        if sample is None:
            continue
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
    sampled = sample.num_rows if sample is not None else 0
    note = f"Statistics over the first {sampled:,} of {rows:,} rows. " if sampled < rows else ""
    if skipped:
        note += f"Not read (values too large to preview): {', '.join(skipped)}. "
    head_rows = sample.slice(0, MAX_TABLE_ROWS).to_pylist() if sample is not None else []
    not_read = _NotRead()
    table = _html_table(columns, [[r.get(c, not_read) for c in columns] for r in head_rows])
    stat_keys = ["type", "nulls", "min", "max", "mean", "std", "distinct", "not_read"]
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


class _NotRead:
    """A cell of a column that was not decoded."""


def _cell(value: Any) -> str:
    if isinstance(value, _NotRead):
        return '<span class="zen-null">not read</span>'
    if value is None:
        return '<span class="zen-null">null</span>'
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return escape(text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 3] + "...")


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
