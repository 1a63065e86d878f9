"""Previews of images, figures, sparse matrices and copied files, from their stored files.

- A Pillow image or matplotlib figure is shown as its stored PNG, embedded as a ``data:`` URI,
  when the file is at most :data:`MAX_PNG_BYTES` and its header (read first, 33 bytes) gives
  at most :data:`MAX_PNG_PIXELS` pixels: the browser decodes it, and a small file that would
  decode to gigabytes is never sent. A figure whose PNG is over the limits falls back to its SVG
  (at most :data:`MAX_SVG_BYTES`), also inside an ``<img>``: an SVG loaded as an image runs no
  script and fetches nothing.
- A scipy sparse matrix is described from its ``sparse.json`` (bounded) and the headers of its
  ``.npy`` components: class, format, shape, stored entries, density, dtypes, stored bytes.
- A ``pathlib.Path`` artifact is listed from its manifest: file or folder, the first
  :data:`MAX_PATH_ENTRIES` files with their sizes, and the totals.

Nothing is decoded with Pillow, numpy data or scipy here, and nothing is unpickled.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from collections.abc import Mapping
from html import escape
from typing import Any

from zenml_airflow.visualizers.files import ArtifactFiles
from zenml_airflow.visualizers.previews import (
    MAX_CELL_CHARS,
    Preview,
    _html_table,
    _npy_header,
    refused,
)

#: Largest PNG embedded in a preview (its base64 text is a third larger).
MAX_PNG_BYTES = 1024 * 1024
#: Most pixels of an embedded PNG (what the browser decodes, whatever the file size).
MAX_PNG_PIXELS = 4 * 1024 * 1024
#: Largest SVG embedded when a figure's PNG is over the limits.
MAX_SVG_BYTES = 1024 * 1024
#: Largest ``sparse.json`` and path manifest read.
MAX_SPARSE_JSON_BYTES = 64 * 1024
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
#: Files of a path artifact listed.
MAX_PATH_ENTRIES = 100

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# (colour type, bit depth) -> Pillow's name for the mode it decodes to.
_PNG_MODES = {0: "L", 2: "RGB", 3: "P", 4: "LA", 6: "RGBA"}


def _cut(text: str, limit: int = MAX_CELL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _props(pairs: list[tuple[str, str]]) -> str:
    return (
        '<dl class="zen-props">'
        + "".join(f"<dt>{escape(k)}</dt><dd>{escape(_cut(v))}</dd>" for k, v in pairs)
        + "</dl>"
    )


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


# --- PNG and SVG ------------------------------------------------------------------------------


def png_header(head: bytes) -> tuple[int, int, int, int]:
    """``(width, height, bit depth, colour type)`` from the first 33 bytes of a PNG file.

    Raises:
        ValueError: ``head`` does not start with a PNG signature and an ``IHDR`` chunk.
    """
    if len(head) < 33 or not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        raise ValueError("it is not a PNG file (no PNG signature and IHDR chunk)")
    width, height, depth, colour = struct.unpack(">IIBB", head[16:26])
    return width, height, depth, colour


def _png_mode(depth: int, colour: int) -> str:
    if colour == 0 and depth == 1:
        return "1"
    if colour == 0 and depth == 16:
        return "I;16"
    mode = _PNG_MODES.get(colour, f"colour type {colour}")
    return f"{mode} ({depth}-bit)" if depth == 16 and colour != 0 else mode


def _img(mime: str, payload: bytes, alt: str) -> str:
    uri = f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"
    return (
        f'<img class="zen-picture" alt="{escape(alt)}" src="{uri}" '
        'style="max-width:100%;height:auto;border:1px solid #d0d7de;background:#fff">'
    )


def png_preview(
    files: ArtifactFiles,
    name: str,
    writer: str,
    metadata: Mapping[str, Any],
    svg: str | None = None,
) -> Preview:
    """The stored PNG ``name`` as an ``<img>`` within the byte and pixel limits, with its size and
    mode; else a note (or, with ``svg``, that file as the picture when it is small enough)."""
    size = files.size(name)
    if size is None:
        return refused(f"No {name} in this artifact; it was not written by {writer}.")
    with files.open(name) as handle:
        head = handle.read(33)
    try:
        width, height, depth, colour = png_header(head)
    except ValueError as error:
        return refused(f"Not previewed: {name} {error}; it was changed since {writer} wrote it.")
    mode = metadata.get("mode")
    summary: dict[str, Any] = {
        "width": width, "height": height,
        "mode": mode if isinstance(mode, str) else _png_mode(depth, colour), "bytes": size,
    }  # fmt: skip
    facts = [("size", f"{width:,} × {height:,} pixels"), ("mode", summary["mode"])]
    for key, label in (
        ("width_in", "width (in)"), ("height_in", "height (in)"), ("dpi", "dpi"), ("axes", "axes"),
    ):  # fmt: skip
        if isinstance(metadata.get(key), int | float):
            facts.append((label, _number(metadata[key])))
    facts.append((name, f"{size:,} bytes"))
    pixels = width * height
    problem = None
    if pixels > MAX_PNG_PIXELS:
        problem = f"{pixels:,} pixels, over the {MAX_PNG_PIXELS:,}-pixel limit"
    elif size > MAX_PNG_BYTES:
        problem = f"{size:,} bytes, over the {MAX_PNG_BYTES:,}-byte limit"
    if problem is None:
        picture = _img("image/png", files.read(name, MAX_PNG_BYTES), f"{name} ({width}×{height})")
        return Preview("image", _props(facts) + picture, summary=summary)
    if svg is not None:
        svg_size = files.size(svg)
        if svg_size is not None and svg_size <= MAX_SVG_BYTES:
            payload = files.read(svg, MAX_SVG_BYTES)
            if payload.lstrip()[:5] in (b"<?xml", b"<svg "):
                note = f"{name} is {problem}; shown from {svg} ({svg_size:,} bytes)."
                summary["shown"] = svg
                html = (
                    _props(facts)
                    + f'<p class="zen-note">{escape(note)}</p>'
                    + _img("image/svg+xml", payload, svg)
                )
                return Preview("image", html, summary=summary)
    message = f"Not previewed: {name} is {problem}. Download it below."
    return Preview(
        "refused",
        _props(facts) + f'<p class="zen-note">{escape(message)}</p>',
        message,
        summary,
    )


# --- scipy sparse -----------------------------------------------------------------------------


def sparse_preview(
    files: ArtifactFiles, written: tuple[str, ...], metadata: Mapping[str, Any]
) -> Preview:
    """Class, format, shape, stored entries, density and dtypes of a stored sparse matrix, from
    ``sparse.json`` and the ``.npy`` headers (no data read)."""
    json_name, *components = written
    if files.size(json_name) is None:
        return refused(
            f"No {json_name} in this artifact; it was not written by SparseMaterializer."
        )
    stored = json.loads(files.read(json_name, MAX_SPARSE_JSON_BYTES))
    shape = stored.get("shape") if isinstance(stored, dict) else None
    if not (isinstance(shape, list) and shape and all(isinstance(n, int) for n in shape)):
        return refused(
            f"Not previewed: {json_name} names no valid shape; it was changed since "
            "SparseMaterializer wrote it."
        )
    present = {name: files.size(name) for name in components}
    headers = {name: _npy_header(files, name) for name, size in present.items() if size is not None}
    data = headers.get("data.npy")
    stored_format = str(stored.get("stored_format", stored.get("format", "?")))
    nnz: int | None = metadata.get("nnz") if isinstance(metadata.get("nnz"), int) else None
    if nnz is None and data is not None and stored_format != "dia":
        # csr/csc/coo: one stored value per entry; bsr: blocks of values.
        nnz = math.prod(data[0])
    cells = math.prod(shape)
    index = next(
        (headers[n] for n in ("indices.npy", "coords.npy", "offsets.npy") if n in headers), None
    )
    summary: dict[str, Any] = {
        "class": str(stored.get("class", "?")),
        "format": str(stored.get("format", "?")),
        "stored_format": stored_format,
        "shape": shape,
        "nnz": nnz,
        "density": (nnz / cells) if nnz is not None and cells else None,
        "dtype": str(data[2]) if data is not None else None,
        "index_dtype": str(index[2]) if index is not None else None,
        "bytes": sum(size for size in present.values() if size is not None),
    }
    facts = [
        ("class", f"scipy.sparse.{summary['class']}"),
        ("format", summary["format"] + (f" (stored as {stored_format})"
                                        if stored_format != summary["format"] else "")),
        ("shape", " × ".join(f"{n:,}" for n in shape)),
        ("stored entries (nnz)", "-" if nnz is None else f"{nnz:,}"),
        ("density", "-" if summary["density"] is None else f"{summary['density']:.6g}"),
        ("dtype", summary["dtype"] or "-"),
        ("index dtype", summary["index_dtype"] or "-"),
        ("stored", f"{summary['bytes']:,} bytes in {len(headers)} .npy files"),
    ]  # fmt: skip
    return Preview("sparse", _props(facts), summary=summary)


# --- pathlib.Path -----------------------------------------------------------------------------


def path_preview(files: ArtifactFiles, manifest_name: str) -> Preview:
    """The copied file or folder: name, file and folder counts, total size, and the first
    :data:`MAX_PATH_ENTRIES` files with their sizes (from the manifest)."""
    if files.size(manifest_name) is None:
        return refused(
            f"No {manifest_name} in this artifact; it was not written by PathMaterializer."
        )
    manifest = json.loads(files.read(manifest_name, MAX_MANIFEST_BYTES))
    entries = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(entries, list):
        return refused(
            f"Not previewed: {manifest_name} lists no files; it was changed since "
            "PathMaterializer wrote it."
        )
    listed = [e for e in entries if isinstance(e, dict)]
    sizes = [e["size"] for e in listed if isinstance(e.get("size"), int)]
    directories = manifest.get("directories")
    kind = "folder" if manifest.get("kind") == "directory" else "file"
    summary: dict[str, Any] = {
        "kind": kind,
        "name": str(manifest.get("name", "")),
        "files": len(listed),
        "folders": len(directories) if isinstance(directories, list) else 0,
        "bytes": sum(sizes),
    }
    facts = [("kind", kind), ("name", summary["name"]), ("files", f"{len(listed):,}")]
    if kind == "folder":
        facts.append(("folders", f"{summary['folders']:,}"))
    facts.append(("total size", f"{summary['bytes']:,} bytes"))
    shown = listed[:MAX_PATH_ENTRIES]
    rows = [
        [
            str(e.get("path", "?")),
            _number(e["size"]) if isinstance(e.get("size"), int) else "?",
            "yes" if e.get("executable") is True else "",
        ]
        for e in shown
    ]
    note = (
        f'<p class="zen-note">First {len(shown)} of {len(listed):,} files.</p>'
        if len(shown) < len(listed)
        else ""
    )
    table = _html_table(["file", "bytes", "executable"], rows) if rows else ""
    return Preview("files", _props(facts) + table + note, summary=summary)
