"""Previews of the integrations' artifacts (issue 16), written through the real materializers:
polars/pyarrow tables, PIL images and matplotlib figures (bounded PNG, SVG fallback), scipy
sparse matrices, models described from their metadata alone, ``pathlib.Path`` listings; and the
refusals (oversized or foreign files, cloudpickle)."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.artifacts.store import ArtifactStore
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.cloudpickle_materializer import MATERIALIZER_PATH as PICKLE
from zenml_airflow.utils.source_utils import import_object
from zenml_airflow.visualizers import media_previews, model_previews
from zenml_airflow.visualizers import previews as pv
from zenml_airflow.visualizers.files import ArtifactFiles

X = np.random.default_rng(0).random((60, 4))
Y = (X[:, 0] + X[:, 1] > 1.0).astype(int)


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore(str(tmp_path / "artifacts"))


def path_of(cls: type[BaseMaterializer]) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def write(
    store: ArtifactStore, cls: type[BaseMaterializer], value: Any
) -> tuple[ArtifactFiles, dict[str, Any]]:
    """``value`` stored by the real ``cls``, and the metadata it records."""
    uri = store.artifact_uri("p", "s", "out", uuid.uuid4().hex)
    store.prepare(uri)
    materializer = cls(DataArtifact(uri=uri))
    materializer.handle_return(value)
    return ArtifactFiles(store, uri), materializer.extract_metadata(value)


def preview(
    store: ArtifactStore, cls: type[BaseMaterializer], value: Any, data_type: str = "x"
) -> pv.Preview:
    files, metadata = write(store, cls, value)
    return pv.preview_artifact(files, path_of(cls), data_type, metadata)


def overwrite(files: ArtifactFiles, name: str, data: bytes) -> None:
    with files.store.fs.open(files.path(name), "wb") as handle:
        handle.write(data)


# The PyTorch and Keras materializers import their library: checked by `make test-heavy`.
_HEAVY_MATERIALIZERS = (
    "zenml_airflow.integrations.pytorch.",
    "zenml_airflow.integrations.tensorflow.",
)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(path, marks=pytest.mark.heavy)
        if path.startswith(_HEAVY_MATERIALIZERS)
        else path
        for path in sorted(
            {
                *pv.INTEGRATION_FILES,
                *model_previews.MODEL_MATERIALIZERS,
                *model_previews.SAFETENSORS_FILES,
            }
        )
    ],
)
def test_the_declared_files_are_those_each_materializer_writes(path: str) -> None:
    materializer = import_object(path)
    assert issubclass(materializer, BaseMaterializer)
    if path in pv.INTEGRATION_FILES:
        assert pv.INTEGRATION_FILES[path] == materializer.FILENAMES
    if path in model_previews.SAFETENSORS_FILES:
        assert model_previews.SAFETENSORS_FILES[path] == materializer.FILENAMES[0]
        assert model_previews.MANIFEST_FILENAME in materializer.FILENAMES


# --- tables -------------------------------------------------------------------------------------


def test_polars_frames_and_series_preview_as_tables(store: ArtifactStore) -> None:
    import polars as pl

    from zenml_airflow.integrations.polars.materializers.polars_materializer import (
        PolarsMaterializer,
    )

    frame = pl.DataFrame({"x": [1.0, 2.0, 3.0, None], "label": ["a", "b", "a", "c"]})
    table = preview(store, PolarsMaterializer, frame, "polars.DataFrame")
    assert table.kind == "table" and table.summary["rows"] == 4
    stats = {s["name"]: s for s in table.summary["column_stats"]}
    assert stats["x"]["type"] == "double" and stats["x"]["max"] == 3.0 and stats["x"]["nulls"] == 1
    assert stats["label"]["distinct"] == 3
    assert "Column statistics" in table.html and "4 rows × 2 columns" in table.html
    series = preview(store, PolarsMaterializer, pl.Series("s", range(100)), "polars.Series")
    assert series.summary["rows"] == 100 and series.summary["column_stats"][0]["name"] == "s"


def test_pyarrow_tables_preview_with_their_schema(store: ArtifactStore) -> None:
    import pyarrow as pa

    from zenml_airflow.integrations.pyarrow.materializers.pyarrow_materializer import (
        PyarrowMaterializer,
    )

    table = pa.table(
        {"n": pa.array([1, 2, 3], pa.int16()), "when": pa.array([0, 1, 2], pa.date32())}
    )
    shown = preview(store, PyarrowMaterializer, table, "pyarrow.Table")
    assert shown.kind == "table" and shown.summary["rows"] == 3
    assert [(s["name"], s["type"]) for s in shown.summary["column_stats"]] == [
        ("n", "int16"), ("when", "date32[day]"),
    ]  # fmt: skip
    files, _ = write(store, PyarrowMaterializer, table)
    overwrite(files, "table.parquet", b"not parquet at all")
    broken = pv.preview_artifact(files, path_of(PyarrowMaterializer), "pyarrow.Table")
    assert broken.kind == "refused" and "Could not preview" in (broken.message or "")


# --- images and figures ---------------------------------------------------------------------------


def embedded(html: str, mime: str) -> bytes:
    found = re.search(rf'src="data:{re.escape(mime)};base64,([A-Za-z0-9+/=]+)"', html)
    assert found is not None, html[:500]
    return base64.b64decode(found.group(1))


def test_a_pil_image_is_shown_as_its_stored_png(store: ArtifactStore) -> None:
    from PIL import Image

    from zenml_airflow.integrations.pillow.materializers.pillow_materializer import (
        PillowMaterializer,
    )

    image = Image.fromarray((np.arange(48 * 64).reshape(48, 64) % 256).astype(np.uint8), "L")
    files, metadata = write(store, PillowMaterializer, image)
    shown = pv.preview_artifact(files, path_of(PillowMaterializer), "PIL.Image.Image", metadata)
    assert shown.kind == "image"
    assert shown.summary == {
        "width": 64,
        "height": 48,
        "mode": "L",
        "bytes": files.size("image.png"),
    }
    assert embedded(shown.html, "image/png") == files.read("image.png", 1 << 20)
    assert "64 × 48 pixels" in shown.html


def test_an_oversized_or_foreign_png_is_not_embedded(
    store: ArtifactStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    from zenml_airflow.integrations.pillow.materializers.pillow_materializer import (
        PillowMaterializer,
    )

    # 9 megapixels of zeros compress to a few kB: the pixel bound, not the file size, refuses it.
    files, metadata = write(store, PillowMaterializer, Image.new("L", (3000, 3000)))
    assert (files.size("image.png") or 0) < media_previews.MAX_PNG_BYTES
    big = pv.preview_artifact(files, path_of(PillowMaterializer), "", metadata)
    assert big.kind == "refused" and "9,000,000 pixels, over the" in (big.message or "")
    assert "data:image" not in big.html and "3,000 × 3,000 pixels" in big.html

    monkeypatch.setattr(media_previews, "MAX_PNG_BYTES", 100)
    small_files, small_meta = write(store, PillowMaterializer, Image.new("RGB", (40, 40), "red"))
    overwrite(small_files, "image.png", small_files.read("image.png", 1 << 20) + b"\0" * 200)
    heavy = pv.preview_artifact(small_files, path_of(PillowMaterializer), "", small_meta)
    assert heavy.kind == "refused" and "over the 100-byte limit" in (heavy.message or "")

    overwrite(small_files, "image.png", b"<svg onload='alert(1)'></svg>" + b" " * 40)
    foreign = pv.preview_artifact(small_files, path_of(PillowMaterializer), "", small_meta)
    assert foreign.kind == "refused" and "not a PNG file" in (foreign.message or "")
    assert "<svg" not in foreign.html


def test_a_figure_shows_its_png_or_else_its_svg_as_an_image(
    store: ArtifactStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integrations.media_steps import line_figure
    from zenml_airflow.integrations.matplotlib.materializers.matplotlib_materializer import (
        MatplotlibMaterializer,
    )

    files, metadata = write(store, MatplotlibMaterializer, line_figure())
    path = path_of(MatplotlibMaterializer)
    shown = pv.preview_artifact(files, path, "matplotlib.figure.Figure", metadata)
    assert shown.kind == "image" and (shown.summary["width"], shown.summary["height"]) == (216, 144)
    assert embedded(shown.html, "image/png") == files.read("figure.png", 1 << 20)
    assert "<dt>dpi</dt><dd>72</dd>" in shown.html and "<dt>axes</dt><dd>1</dd>" in shown.html

    monkeypatch.setattr(media_previews, "MAX_PNG_PIXELS", 100)
    fallback = pv.preview_artifact(files, path, "", metadata)
    assert fallback.kind == "image" and fallback.summary["shown"] == "figure.svg"
    # Inside <img> only: an SVG shown as an image runs no script; it is never inlined.
    assert embedded(fallback.html, "image/svg+xml") == files.read("figure.svg", 1 << 20)
    assert "<svg" not in fallback.html

    monkeypatch.setattr(media_previews, "MAX_SVG_BYTES", 100)
    refused = pv.preview_artifact(files, path, "", metadata)
    assert refused.kind == "refused" and "over the 100-pixel limit" in (refused.message or "")


# --- sparse matrices ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "bsr", "dok", "lil"])
def test_sparse_matrices_show_shape_entries_density_and_dtypes(
    store: ArtifactStore, fmt: str
) -> None:
    import scipy.sparse as sp

    from zenml_airflow.integrations.scipy.materializers.sparse_materializer import (
        SparseMaterializer,
    )

    matrix = sp.random(200, 50, density=0.05, format=fmt, random_state=1, dtype=np.float32)
    shown = preview(store, SparseMaterializer, matrix)
    assert shown.kind == "sparse"
    summary = shown.summary
    assert summary["shape"] == [200, 50] and summary["nnz"] == matrix.nnz == 500
    assert summary["density"] == pytest.approx(0.05) and summary["dtype"] == "float32"
    assert summary["format"] == fmt and summary["class"] == f"{fmt}_matrix"
    assert summary["stored_format"] == ("coo" if fmt in ("dok", "lil") else fmt)
    assert "200 × 50" in shown.html and "500" in shown.html


def test_sparse_entries_come_from_the_headers_without_metadata(store: ArtifactStore) -> None:
    import scipy.sparse as sp

    from zenml_airflow.integrations.scipy.materializers.sparse_materializer import (
        SparseMaterializer,
    )

    files, _ = write(store, SparseMaterializer, sp.eye_array(1000, format="csr", dtype=np.int8))
    shown = pv.preview_artifact(files, path_of(SparseMaterializer), "")
    assert shown.summary["nnz"] == 1000 and shown.summary["density"] == pytest.approx(0.001)
    assert shown.summary["class"] == "csr_array" and shown.summary["index_dtype"] == "int32"

    overwrite(files, "sparse.json", json.dumps({"class": "csr_array", "shape": "huge"}).encode())
    broken = pv.preview_artifact(files, path_of(SparseMaterializer), "")
    assert broken.kind == "refused" and "names no valid shape" in (broken.message or "")
    overwrite(files, "sparse.json", b"{" * (media_previews.MAX_SPARSE_JSON_BYTES + 1))
    large = pv.preview_artifact(files, path_of(SparseMaterializer), "")
    assert large.kind == "refused" and "over the 65,536-byte limit" in (large.message or "")


# --- models -------------------------------------------------------------------------------------


def _facts(shown: pv.Preview) -> dict[str, Any]:
    assert shown.kind == "model", shown.message
    return dict(shown.summary["facts"])


def test_a_sklearn_estimator_card_shows_class_fit_and_hyperparameters(store: ArtifactStore) -> None:
    from sklearn.ensemble import RandomForestClassifier

    from zenml_airflow.integrations.sklearn.materializers.sklearn_materializer import (
        SklearnMaterializer,
    )

    model = RandomForestClassifier(n_estimators=7, max_depth=3, random_state=0).fit(X, Y)
    shown = preview(store, SklearnMaterializer, model)
    assert shown.summary["model_class"] == "sklearn.ensemble._forest.RandomForestClassifier"
    assert _facts(shown) == {"fitted": "yes", "features": "4", "classes": "2"}
    assert shown.summary["hyperparameters"] == len(model.get_params(deep=False))
    assert "<td>n_estimators</td><td><code>7</code></td>" in shown.html
    assert "<td>max_depth</td><td><code>3</code></td>" in shown.html
    assert "model.skops" in shown.html and "The model is not loaded" in shown.html


def test_xgboost_and_lightgbm_cards_show_rounds_trees_features_and_objective(
    store: ArtifactStore,
) -> None:
    import lightgbm as lgb
    import xgboost as xgb

    from zenml_airflow.integrations.lightgbm.materializers.lightgbm_booster_materializer import (
        LightGBMBoosterMaterializer,
    )
    from zenml_airflow.integrations.lightgbm.materializers.lightgbm_sklearn_materializer import (
        LightGBMSklearnMaterializer,
    )
    from zenml_airflow.integrations.xgboost.materializers.xgboost_booster_materializer import (
        XgboostBoosterMaterializer,
    )
    from zenml_airflow.integrations.xgboost.materializers.xgboost_sklearn_materializer import (
        XgboostSklearnMaterializer,
    )

    classifier = xgb.XGBClassifier(n_estimators=5, max_depth=2).fit(X, Y)
    card = preview(store, XgboostSklearnMaterializer, classifier)
    assert card.summary["model_class"] == "xgboost.sklearn.XGBClassifier"
    assert _facts(card) == {
        "fitted": "yes", "features": "4", "classes": "2", "boosted rounds": "5",
        "objective": "binary:logistic",
    }  # fmt: skip
    assert "<td>n_estimators</td><td><code>5</code></td>" in card.html
    booster = preview(store, XgboostBoosterMaterializer, classifier.get_booster())
    assert booster.summary["model_class"] == "xgboost.Booster"
    assert _facts(booster)["boosted rounds"] == "5" and "model.ubj" in booster.html

    regressor = lgb.LGBMRegressor(n_estimators=6, num_leaves=4, verbose=-1).fit(X, X[:, 0])
    card = preview(store, LightGBMSklearnMaterializer, regressor)
    assert card.summary["model_class"] == "lightgbm.sklearn.LGBMRegressor"
    facts = _facts(card)
    assert facts["features"] == "4" and facts["objective"] == "regression"
    assert facts["trees"] == facts["iterations"] == "6"
    booster = preview(store, LightGBMBoosterMaterializer, regressor.booster_)
    assert booster.summary["model_class"] == "lightgbm.Booster" and "model.txt" in booster.html


def test_other_integrations_models_are_described_by_the_facts_they_record(
    store: ArtifactStore,
) -> None:
    """Any integration materializer whose metadata names a model class gets a card, however it
    stores the model (PyTorch and Keras record ``model_class`` and ``parameter_count`` too)."""
    from zenml_airflow.materializers import BuiltInMaterializer

    files, _ = write(store, BuiltInMaterializer, {"stands in for": "a stored model"})
    torch_path = "zenml_airflow.integrations.jax.materializers.jax_materializer:Some"
    metadata = {
        "model_class": "torch.nn.modules.linear.Linear",
        "parameter_count": 1_234_567,
        "layers": ["Linear(4, 2)"],
    }
    shown = pv.preview_artifact(files, torch_path, "torch.nn.Module", metadata)
    assert shown.summary["parameter_count"] == 1_234_567
    assert _facts(shown) == {"parameters": "1,234,567", "layers": '["Linear(4, 2)"]'}
    assert "torch.nn.modules.linear.Linear" in shown.html and "data.json" in shown.html
    # Without a model class, an unknown integration materializer is refused, as before.
    plain = pv.preview_artifact(files, torch_path, "torch.Tensor", {"shape": [2]})
    assert plain.kind == "refused" and "No preview for data type torch.Tensor" in (
        plain.message or ""
    )
    # A user's materializer naming a model class is not an integration: refused too.
    user = pv.preview_artifact(files, "my.materializers:ModelMaterializer", "m", metadata)
    assert user.kind == "refused"


@pytest.mark.heavy
def test_a_pytorch_module_card_lists_its_weights_and_constructor_arguments(
    store: ArtifactStore,
) -> None:
    import torch

    from zenml_airflow.integrations.pytorch.materializers.module_materializer import (
        PyTorchMaterializer,
    )

    shown = preview(store, PyTorchMaterializer, torch.nn.Linear(4, 3))
    assert shown.summary["model_class"] == "torch.nn.modules.linear.Linear"
    assert shown.summary["parameter_count"] == 15 and shown.summary["tensors"] == 2
    facts = _facts(shown)
    assert facts["parameters"] == facts["trainable parameters"] == "15"
    assert "<td>weight</td><td><code>F32, 3 × 4</code></td>" in shown.html
    assert "<td>in_features</td><td><code>4</code></td>" in shown.html
    assert "<td>out_features</td><td><code>3</code></td>" in shown.html


@pytest.mark.heavy
def test_a_tensor_shows_dtype_and_shape_from_its_header_only(store: ArtifactStore) -> None:
    import torch

    from zenml_airflow.integrations.pytorch.materializers.tensor_materializer import (
        TensorMaterializer,
    )

    files, metadata = write(store, TensorMaterializer, torch.zeros((5, 7), dtype=torch.float16))
    path = path_of(TensorMaterializer)
    shown = pv.preview_artifact(files, path, "torch.Tensor", metadata)
    assert shown.kind == "tensor"
    assert shown.summary == {"dtype": "F16", "shape": [5, 7], "elements": 35, "device": "cpu",
                             "requires_grad": False}  # fmt: skip
    overwrite(files, "tensor.safetensors", (10**9).to_bytes(8, "little") + b"{}")
    huge = pv.preview_artifact(files, path, "torch.Tensor", metadata)
    assert huge.kind == "refused" and "over the 1,048,576-byte limit" in (huge.message or "")
    overwrite(files, "tensor.safetensors", (2).to_bytes(8, "little") + b"{}")
    empty = pv.preview_artifact(files, path, "torch.Tensor", metadata)
    assert empty.kind == "refused" and "holds 0 tensors" in (empty.message or "")


@pytest.mark.heavy
def test_a_keras_model_card_shows_layers_shapes_and_parameters(store: ArtifactStore) -> None:
    import keras

    from zenml_airflow.integrations.tensorflow.materializers.keras_materializer import (
        KerasMaterializer,
    )

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    shown = preview(store, KerasMaterializer, model)
    assert shown.summary["model_class"] == "keras.src.models.sequential.Sequential"
    assert shown.summary["parameter_count"] == 19
    assert _facts(shown) == {
        "built": "yes", "parameters": "19", "trainable parameters": "19", "layers": "2",
        "input shape": "[null, 4]", "output shape": "[null, 1]",
    }  # fmt: skip
    assert "model.keras" in shown.html


def test_huge_model_metadata_is_cut_to_the_card_bounds(store: ArtifactStore) -> None:
    from sklearn.linear_model import Ridge

    from zenml_airflow.integrations.sklearn.materializers.sklearn_materializer import (
        SklearnMaterializer,
    )

    files, _ = write(store, SklearnMaterializer, Ridge())
    huge = "x" * 1_000_000
    metadata = {
        "estimator": "sklearn.Huge" + huge,
        "fitted": True,
        "params": {f"p{i}": huge for i in range(10_000)},
        **{f"fact{i}": list(range(10_000)) for i in range(300)},
    }
    shown = pv.preview_artifact(files, path_of(SklearnMaterializer), "", metadata)
    assert shown.kind == "model"
    assert len(shown.html) < 200_000
    assert shown.html.count("<tr>") <= 3 * (model_previews.MAX_CARD_ROWS + 1)
    assert "First 100 of 10,000." in shown.html and "First 100 of 301." in shown.html
    assert len(shown.summary["model_class"]) == model_previews.MAX_VALUE_CHARS
    assert len(json.dumps(shown.to_dict())) < 100_000


def test_a_model_without_recorded_facts_still_gets_a_card(store: ArtifactStore) -> None:
    from sklearn.linear_model import Ridge

    from zenml_airflow.integrations.sklearn.materializers.sklearn_materializer import (
        SklearnMaterializer,
    )

    files, _ = write(store, SklearnMaterializer, Ridge())
    shown = pv.preview_artifact(files, path_of(SklearnMaterializer), "sklearn.Ridge", None)
    assert shown.kind == "model" and shown.summary["model_class"] is None
    assert "Model: <code>a model</code>" in shown.html
    assert "No facts were recorded for this model." in shown.html and "model.skops" in shown.html
    listed = pv.preview_artifact(files, path_of(SklearnMaterializer), "", ["not", "a", "dict"])  # type: ignore[arg-type]
    assert listed.kind == "model" and "No facts were recorded" in listed.html


def test_previewing_a_model_never_imports_its_library(store: ArtifactStore) -> None:
    import xgboost as xgb

    from zenml_airflow.integrations.xgboost.materializers.xgboost_sklearn_materializer import (
        XgboostSklearnMaterializer,
    )

    files, metadata = write(
        store, XgboostSklearnMaterializer, xgb.XGBRegressor(n_estimators=2).fit(X, Y)
    )
    code = textwrap.dedent(
        """
        import json, sys
        from zenml_airflow.artifacts.store import ArtifactStore
        from zenml_airflow.visualizers.files import ArtifactFiles
        from zenml_airflow.visualizers.previews import preview_artifact
        root, uri, path, metadata = sys.argv[1:5]
        shown = preview_artifact(ArtifactFiles(ArtifactStore(root), uri), path, "m", json.loads(metadata))
        libraries = ("xgboost", "sklearn", "lightgbm", "scipy", "torch", "keras", "safetensors")
        heavy = sorted(m for m in libraries if m in sys.modules)
        print(json.dumps([shown.kind, heavy]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code, store.path, files.uri, path_of(XgboostSklearnMaterializer),
         json.dumps(metadata, default=str)],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert json.loads(result.stdout) == ["model", []]


# --- pathlib.Path and cloudpickle ---------------------------------------------------------------


def test_a_folder_is_listed_with_sizes_and_totals(
    store: ArtifactStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integrations.media_steps import write_folder
    from zenml_airflow.materializers.path_materializer import PathMaterializer

    shown = preview(store, PathMaterializer, write_folder(tmp_path), "pathlib.Path")
    assert shown.kind == "files"
    assert shown.summary == {"kind": "folder", "name": "report", "files": 4, "folders": 3,
                             "bytes": 16 + 5 + 2560 + 18}  # fmt: skip
    assert "<td>pages/deep/b.bin</td><td>2,560</td><td></td>" in shown.html
    assert "<td>run.sh</td><td>18</td><td>yes</td>" in shown.html

    single = tmp_path / "notes.txt"
    single.write_text("hello", encoding="utf-8")
    one = preview(store, PathMaterializer, single, "pathlib.Path")
    assert one.summary == {
        "kind": "file",
        "name": "notes.txt",
        "files": 1,
        "folders": 0,
        "bytes": 5,
    }

    monkeypatch.setattr(media_previews, "MAX_PATH_ENTRIES", 2)
    cut = preview(store, PathMaterializer, write_folder(tmp_path / "again"), "pathlib.Path")
    assert "First 2 of 4 files." in cut.html and cut.html.count("<tr><td>") == 2


def test_a_cloudpickle_artifact_stays_refused_whatever_its_metadata(
    store: ArtifactStore,
) -> None:
    from zenml_airflow.materializers.cloudpickle_materializer import CloudpickleMaterializer

    files, _ = write(store, CloudpickleMaterializer, {"pickled": True})
    shown = pv.preview_artifact(files, PICKLE, "my.Model", {"model_class": "my.Model"})
    assert shown.kind == "refused" and "UNSAFE" in (shown.message or "")
    assert "Model:" not in shown.html


# --- object stores ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["s3", "gcs"])
def test_file_previews_read_object_stores_the_same_way(kind: str, tmp_path: Path) -> None:
    import scipy.sparse as sp

    from tests.integrations.media_steps import gradient_image, write_folder
    from tests.integrations.store_artifacts import open_store
    from zenml_airflow.integrations.pillow.materializers.pillow_materializer import (
        PillowMaterializer,
    )
    from zenml_airflow.integrations.scipy.materializers.sparse_materializer import (
        SparseMaterializer,
    )
    from zenml_airflow.materializers.path_materializer import PathMaterializer

    with open_store(kind, tmp_path) as remote:
        image = preview(remote, PillowMaterializer, gradient_image())
        assert image.kind == "image" and (image.summary["width"], image.summary["height"]) == (
            64,
            48,
        )
        sparse = preview(remote, SparseMaterializer, sp.random(30, 30, density=0.1, format="coo"))
        assert sparse.summary["nnz"] == 90 and sparse.summary["shape"] == [30, 30]
        folder = preview(remote, PathMaterializer, write_folder(tmp_path))
        assert folder.summary["files"] == 4 and "pages/a.txt" in folder.html


# --- from Python, through the post-execution API ---------------------------------------------------


def test_visualize_artifact_shows_the_integration_previews_of_a_run() -> None:
    from tests.integrations import media_steps, sklearn_steps
    from zenml_airflow.repository import Repository
    from zenml_airflow.visualizers import ArtifactVisualizer, visualize_artifact, visualize_step

    media_steps.build().run(run_name="media")
    sklearn_steps.build().run(run_name="digits")
    repository = Repository()
    media = repository.get_pipeline("media_pipeline").get_run("media")  # type: ignore[union-attr]
    image = visualize_artifact(media.get_step("make_image").output)
    assert "data:image/png;base64," in image and "64 × 48 pixels" in image
    figure = ArtifactVisualizer().visualize(media.get_step("make_figure").output)
    assert "data:image/png;base64," in figure and "<dt>dpi</dt><dd>72</dd>" in figure
    folder = visualize_artifact(media.get_step("make_folder").output)
    assert "<td>pages/deep/b.bin</td><td>2,560</td>" in folder
    digits = repository.get_pipeline("digits_pipeline").get_run("digits")  # type: ignore[union-attr]
    model = visualize_artifact(digits.get_step("trainer").output)
    assert "Model: <code>sklearn.linear_model._logistic.LogisticRegression</code>" in model
    assert "<td>max_iter</td><td><code>2,000</code></td>" in model
    step = visualize_step(digits.get_step("trainer"))
    assert "The model is not loaded" in step
