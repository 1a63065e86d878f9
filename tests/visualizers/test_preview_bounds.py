"""Previews are bounded in bytes and memory, not only in rows (issue 14, bug 6).

A 2 GB ``.npy`` of long strings made a 20 MB preview and a 3.9 GB peak; a small parquet of long
strings decompressed to 3 GB. Here ~300 MB files of the same shape are previewed in a fresh
process, whose peak resident memory (``ru_maxrss``) is measured around the preview alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import numpy as np
import pytest

from zenml_airflow.artifacts.store import ArtifactStore
from zenml_airflow.visualizers import previews as pv
from zenml_airflow.visualizers.files import ArtifactFiles

NUMPY = "zenml_airflow.materializers.numpy_materializer:NumpyMaterializer"
PANDAS = "zenml_airflow.materializers.pandas_materializer:PandasMaterializer"
BUILTIN = "zenml_airflow.materializers.built_in_materializer:BuiltInMaterializer"
#: Peak memory a preview may add to its process, and the largest preview HTML, in bytes.
MEMORY_BOUND = 150 * 1024 * 1024
HTML_BOUND = 256 * 1024

PREVIEW = textwrap.dedent(
    """
    import json, resource, sys
    import numpy, pyarrow.parquet, pyarrow.compute  # imported before the baseline is taken
    from zenml_airflow.artifacts.store import ArtifactStore
    from zenml_airflow.visualizers.files import ArtifactFiles
    from zenml_airflow.visualizers.previews import preview_artifact

    root, uri, materializer = sys.argv[1:4]
    files = ArtifactFiles(ArtifactStore(root), uri)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    preview = preview_artifact(files, materializer, "x")
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"added_kb": after - before, "html": len(preview.html), "kind": preview.kind,
                      "message": preview.message, "summary": preview.summary, "text": preview.html[:4000]}))
    """
)


def preview_in_process(root: Path, uri: str, materializer: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", PREVIEW, str(root), uri, materializer],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


@pytest.fixture
def local_store(tmp_path: Path) -> tuple[Path, ArtifactStore, str]:
    root = tmp_path / "artifacts"
    store = ArtifactStore(str(root))
    uri = store.artifact_uri("p", "s", "out", uuid.uuid4().hex)
    store.prepare(uri)
    return root, store, uri


@pytest.mark.timeout(600)
def test_a_large_npy_of_long_strings_is_previewed_in_bounded_memory_and_size(
    local_store: tuple[Path, ArtifactStore, str],
) -> None:
    root, _, uri = local_store
    # 1,500 strings of 50,000 characters: 300 MB on disk, written without holding it in memory.
    array = np.lib.format.open_memmap(f"{uri}/data.npy", mode="w+", dtype="<U50000", shape=(1500,))
    for start in range(0, 1500, 100):
        array[start : start + 100] = [f"{i:05d}" + "y" * 49_995 for i in range(start, start + 100)]
    array.flush()
    del array

    result = preview_in_process(root, uri, NUMPY)
    assert result["kind"] == "array", result["message"]
    assert int(str(result["added_kb"])) * 1024 < MEMORY_BOUND, result["added_kb"]
    assert int(str(result["html"])) < HTML_BOUND, result["html"]
    text = str(result["text"])
    assert "00000yyy" in text and "00019yyy" in text and "00020yyy" not in text
    assert "y" * pv.MAX_CELL_CHARS not in text, "each value is cut"


@pytest.mark.timeout(600)
def test_a_parquet_of_long_strings_is_previewed_in_bounded_memory_and_size(
    local_store: tuple[Path, ArtifactStore, str],
) -> None:
    root, _, uri = local_store
    # 300 rows with a 1 MB string each in one row group: ~14 MB on disk, 300 MB decompressed.
    writer = textwrap.dedent(
        """
        import sys, pandas as pd
        long = "x" * 1_000_000
        frame = pd.DataFrame({"text": [f"{i:04d}" + long for i in range(300)], "n": range(300),
                              "short": [f"s{i}" for i in range(300)]})
        frame.to_parquet(sys.argv[1], row_group_size=1_000_000)
        """
    )
    subprocess.run([sys.executable, "-c", writer, f"{uri}/df.parquet"], check=True, timeout=300)

    result = preview_in_process(root, uri, PANDAS)
    assert result["kind"] == "table", result["message"]
    assert int(str(result["added_kb"])) * 1024 < MEMORY_BOUND, result["added_kb"]
    assert int(str(result["html"])) < HTML_BOUND, result["html"]
    summary = result["summary"]
    assert isinstance(summary, dict) and summary["rows"] == 300
    stats = {s["name"]: s for s in summary["column_stats"]}
    assert "not_read" in stats["text"], "the long-string column is not decoded"
    assert stats["n"]["max"] == 299 and stats["short"]["distinct"] == 300
    assert "Not read (values too large to preview): text" in str(result["text"])


def test_long_cells_of_a_readable_string_column_are_cut(
    local_store: tuple[Path, ArtifactStore, str],
) -> None:
    import pandas as pd

    _, store, uri = local_store
    pd.DataFrame({"text": ["z" * 5000] * 3}).to_parquet(f"{uri}/df.parquet")
    preview = pv.preview_artifact(ArtifactFiles(store, uri), PANDAS, "pandas.DataFrame")
    assert preview.kind == "table"
    assert (
        "z" * (pv.MAX_CELL_CHARS - 3) + "..." in preview.html
        and "z" * pv.MAX_CELL_CHARS not in preview.html
    )


def test_deeply_nested_json_is_shown_as_text_not_a_recursion_error(
    local_store: tuple[Path, ArtifactStore, str],
) -> None:
    _, store, uri = local_store
    deep = "[" * 100_000 + '"<b>"' + "]" * 100_000
    Path(f"{uri}/data.json").write_text(deep)
    preview = pv.preview_artifact(ArtifactFiles(store, uri), BUILTIN, "list")
    assert preview.kind == "json"
    assert preview.summary == {"data_type": "list", "depth": 100_000, "parsed": False}
    assert "Nested 100,000 levels deep" in preview.html and "<b>" not in preview.html
    assert len(preview.html) < HTML_BOUND


def test_json_at_the_depth_limit_is_parsed_and_brackets_in_strings_do_not_count(
    local_store: tuple[Path, ArtifactStore, str],
) -> None:
    _, store, uri = local_store
    nested = "[" * pv.MAX_JSON_DEPTH + '"[[[[{{\\"]]"' + "]" * pv.MAX_JSON_DEPTH
    Path(f"{uri}/data.json").write_text(nested)
    preview = pv.preview_artifact(ArtifactFiles(store, uri), BUILTIN, "list")
    assert preview.kind == "json" and preview.summary["depth"] == pv.MAX_JSON_DEPTH
    assert preview.summary["json_type"] == "list"


def test_a_preview_over_the_html_cap_is_replaced_by_a_note(
    local_store: tuple[Path, ArtifactStore, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, store, uri = local_store
    Path(f"{uri}/data.json").write_text(json.dumps({"k": "v" * 10_000}))
    monkeypatch.setattr(pv, "MAX_PREVIEW_HTML", 1000)
    preview = pv.preview_artifact(ArtifactFiles(store, uri), BUILTIN, "dict")
    assert preview.kind == "refused" and "over the 1,000 limit" in (preview.message or "")
