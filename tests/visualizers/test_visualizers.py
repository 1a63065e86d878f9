"""Visualizers: bounded previews by data type, PNG/SVG output, path checks, notebook HTML."""

from __future__ import annotations

import json
import struct
import uuid
import zlib
from pathlib import Path

import numpy as np
import pytest

from zenml_airflow.artifacts.store import ArtifactStore
from zenml_airflow.visualizers import HTML, visualize_artifact, visualize_run, visualize_step
from zenml_airflow.visualizers import previews as pv
from zenml_airflow.visualizers.files import ArtifactFiles, UnsafePathError, check_relative_name
from zenml_airflow.visualizers.lineage import LineageArtifact, LineageStep, lineage_svg
from zenml_airflow.visualizers.png import encode_png, to_uint8
from zenml_airflow.visualizers.svg import histogram_svg

BUILTIN = "zenml_airflow.materializers.built_in_materializer:BuiltInMaterializer"
NUMPY = "zenml_airflow.materializers.numpy_materializer:NumpyMaterializer"


def artifact_dir(store: ArtifactStore) -> str:
    uri = store.artifact_uri("p", "s", "out", uuid.uuid4().hex)
    store.prepare(uri)
    return uri


def write(store: ArtifactStore, uri: str, name: str, data: bytes) -> None:
    with store.fs.open(f"{uri}/{name}", "wb") as handle:
        handle.write(data)


def save_npy(store: ArtifactStore, uri: str, array: np.ndarray) -> None:
    with store.fs.open(f"{uri}/data.npy", "wb") as handle:
        np.save(handle, array, allow_pickle=False)


@pytest.fixture(params=["local", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactStore:
    if request.param == "local":
        return ArtifactStore(str(tmp_path / "artifacts"))
    return ArtifactStore(f"memory://viz-{uuid.uuid4().hex}")


def test_png_is_valid_and_holds_the_pixels() -> None:
    image = np.arange(12, dtype=np.uint8).reshape(3, 4)
    png = encode_png(image)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, depth, color = struct.unpack(">IIBB", png[16:26])
    assert (width, height, depth, color) == (4, 3, 8, 0)
    idat_len = struct.unpack(">I", png[33:37])[0]
    raw = zlib.decompress(png[41 : 41 + idat_len])
    assert raw == b"".join(b"\x00" + bytes(row) for row in image.tolist())
    assert to_uint8(np.array([[0.0, 0.5], [1.0, 0.25]])).tolist() == [[0, 128], [255, 64]]
    assert to_uint8(np.array([[-5, 5]])).tolist() == [[0, 255]]


def test_histogram_and_lineage_svg() -> None:
    svg = histogram_svg([1, 3, 0], [0.0, 1.0, 2.0, 3.0])
    assert svg.count("<rect") == 3 and "[1, 2): 3" in svg
    steps = [
        LineageStep("load", "completed", "/s/1", {}, {"table": "a1"}),
        LineageStep("train", "failed", "/s/2", {"table": "a1", "old": "x9"}, {}),
    ]
    graph = lineage_svg(steps, {"a1": LineageArtifact("a1", "table", "/a/a1")})
    assert graph.count("<rect x=") == 4  # two steps, the table and the input from another run
    assert 'href="/s/2"' in graph and 'href="/a/a1"' in graph and "#c62828" in graph
    assert lineage_svg([]) == ""


@pytest.mark.parametrize(
    "name", ["../x", "/etc/passwd", "a/../../b", "", "a\\b", "a\x00", "C:/x", "a//b"]
)
def test_bad_relative_names_are_refused(name: str) -> None:
    with pytest.raises(UnsafePathError):
        check_relative_name(name)


def test_artifact_outside_the_store_is_refused(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path / "artifacts"))
    for uri in (
        str(tmp_path / "elsewhere"),
        str(tmp_path / "artifacts"),
        f"{tmp_path}/artifacts/../x",
        "s3://b/x",
    ):
        with pytest.raises(UnsafePathError):
            ArtifactFiles(store, uri)
    remote = ArtifactStore("memory://root")
    with pytest.raises(UnsafePathError):
        ArtifactFiles(remote, "memory://other/x")


def test_numpy_preview_reads_a_bounded_prefix(
    store: ArtifactStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = artifact_dir(store)
    save_npy(store, uri, np.arange(1000, dtype=np.float32))
    monkeypatch.setattr(pv, "MAX_ARRAY_SAMPLE", 100)
    preview = pv.preview_artifact(ArtifactFiles(store, uri), NUMPY, "numpy.ndarray")
    assert preview.kind == "array"
    assert preview.summary["stats"]["max"] == 99.0 and preview.summary["stats"]["sampled"] == 100
    assert "first 100 of 1,000 elements" in preview.html
    assert sum(preview.summary["histogram"]["counts"]) == 100


def test_numpy_images_structured_and_object_arrays(store: ArtifactStore) -> None:
    uri = artifact_dir(store)
    save_npy(store, uri, np.zeros((16, 16, 3), dtype=np.uint8))
    assert pv.preview_artifact(ArtifactFiles(store, uri), NUMPY, "").summary["images"] == 1
    uri = artifact_dir(store)
    save_npy(store, uri, np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]))
    preview = pv.preview_artifact(ArtifactFiles(store, uri), NUMPY, "")
    assert preview.kind == "array" and "First values" in preview.html
    uri = artifact_dir(store)
    header = {"descr": "|O", "fortran_order": False, "shape": (2,)}
    with store.fs.open(f"{uri}/data.npy", "wb") as handle:
        np.lib.format.write_array_header_1_0(handle, header)
        handle.write(b"\x80\x04not really a pickle")
    preview = pv.preview_artifact(ArtifactFiles(store, uri), NUMPY, "")
    assert preview.kind == "refused" and "pickle" in preview.message


def test_json_preview_is_escaped_and_oversized_json_is_refused(
    store: ArtifactStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = artifact_dir(store)
    write(store, uri, "data.json", json.dumps({"html": "<script>x</script>"}).encode())
    preview = pv.preview_artifact(ArtifactFiles(store, uri), BUILTIN, "dict")
    assert (
        preview.kind == "json"
        and "&lt;script&gt;" in preview.html
        and "<script>" not in preview.html
    )
    monkeypatch.setattr(pv, "MAX_JSON_BYTES", 10)
    refused = pv.preview_artifact(ArtifactFiles(store, uri), BUILTIN, "dict")
    assert refused.kind == "refused" and "over the 10-byte limit" in refused.message


def test_unknown_materializers_and_missing_files_are_refused(store: ArtifactStore) -> None:
    uri = artifact_dir(store)
    write(store, uri, "model.pkl", b"\x80\x04...")
    preview = pv.preview_artifact(
        ArtifactFiles(store, uri), "my.module:PickleMaterializer", "my.Model"
    )
    assert preview.kind == "refused" and "never pickles" in preview.message
    gone = store.artifact_uri("p", "s", "out", uuid.uuid4().hex)
    assert pv.preview_artifact(ArtifactFiles(store, gone), NUMPY, "").kind == "missing"


def test_visualize_views_from_python() -> None:
    from tests.plugin.ui_pipeline import build
    from zenml_airflow.repository import Repository

    build(rows=5).run(run_name="viz")
    run = Repository().get_pipeline("ui_pipeline").get_run("viz")
    table = visualize_artifact(run.get_step("load").outputs["table"])
    assert isinstance(table, HTML) and table._repr_html_() == str(table)
    assert "Column statistics" in table and "5 rows" in table
    assert "data:image/png" in visualize_artifact(run.get_step("load").outputs["images"])
    step_html = visualize_step(run.get_step("train"))
    assert "weights" in step_html and "zen-chart" in step_html
    run_html = visualize_run(run)
    assert "zen-lineage" in run_html and "evaluate" in run_html
