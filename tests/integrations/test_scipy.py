"""SparseMaterializer: scipy sparse matrices and arrays round-trip as .npy components on every
store, deterministically and without pickle; a tampered or foreign artifact is refused; scipy is
imported only when a pipeline uses it."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from tests.backends.object_stores import S3_ENV, gcs_component, s3_component
from zenml_airflow.artifacts import ArtifactStore, DataArtifact
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.constants import SCIPY
from zenml_airflow.integrations.registry import integration_registry
from zenml_airflow.integrations.scipy import ScipyIntegration
from zenml_airflow.integrations.scipy.materializers.sparse_materializer import (
    METADATA_FILENAME,
    SparseMaterializer,
)
from zenml_airflow.io import fileio
from zenml_airflow.materializers.default_materializer_registry import (
    default_materializer_registry,
)
from zenml_airflow.pipelines import pipeline
from zenml_airflow.repository import Repository
from zenml_airflow.steps import step

FORMATS = ("csr", "csc", "coo", "bsr", "dia", "dok", "lil")
CLASSES = [getattr(sp, f"{fmt}_{kind}") for fmt in FORMATS for kind in ("matrix", "array")]


@contextlib.contextmanager
def store_artifact(flavor: str, tmp_path: Path) -> Iterator[DataArtifact]:
    """An empty artifact directory on a ``local``, ``s3`` (moto) or ``gcs`` (fake-gcs-server)
    store, with the store registered for :mod:`~zenml_airflow.io.fileio` (also used by the
    polars and pyarrow tests)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name, value in S3_ENV.items():
            monkeypatch.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "GOOGLE_APPLICATION_CREDENTIALS"):
            monkeypatch.delenv(name, raising=False)
        if flavor == "s3":
            store = s3_component().open_store()
        elif flavor == "gcs":
            store = gcs_component().open_store()
        else:
            store = ArtifactStore(str(tmp_path / "store"))
        uri = store.artifact_uri("pipeline", "step", "output", uuid.uuid4().hex)
        with store:
            store.prepare(uri)
            yield DataArtifact(uri=uri)


@pytest.fixture(params=["local", "s3", "gcs"])
def artifact(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DataArtifact]:
    with store_artifact(request.param, tmp_path) as prepared:
        yield prepared


@pytest.fixture
def local(tmp_path: Path) -> DataArtifact:
    uri = tmp_path / "artifact"
    uri.mkdir()
    return DataArtifact(uri=str(uri))


def sample(cls: type[Any], dtype: Any = np.float64) -> Any:
    rng = np.random.default_rng(7)
    dense = (rng.random((6, 8)) * (rng.random((6, 8)) > 0.6) * 100).astype(dtype)
    if cls.format == "bsr":
        return cls(dense, blocksize=(2, 4))
    return cls(dense)


def round_trip(value: Any, artifact: DataArtifact, data_type: Any = None) -> Any:
    SparseMaterializer(artifact).handle_return(value)
    return SparseMaterializer(artifact).handle_input(data_type or type(value))


def assert_same(loaded: Any, value: Any) -> None:
    assert type(loaded) is type(value) and loaded is not value
    assert loaded.format == value.format
    assert loaded.shape == value.shape
    assert loaded.dtype == value.dtype
    np.testing.assert_array_equal(loaded.toarray(), value.toarray())


def stored_bytes(artifact: DataArtifact) -> dict[str, bytes]:
    result = {}
    for name in sorted(fileio.listdir(artifact.uri)):
        with fileio.open(f"{artifact.uri}/{name}", "rb") as handle:
            result[name] = handle.read()
    return result


def test_registered_lazily_for_sparse_matrices_and_arrays() -> None:
    assert SparseMaterializer.ASSOCIATED_TYPES[:2] == (sp.spmatrix, sp.sparray)
    assert set(SparseMaterializer.ASSOCIATED_TYPES[2:]) == set(CLASSES)
    for cls in CLASSES:
        assert default_materializer_registry.get(cls) is SparseMaterializer
    assert ScipyIntegration.NAME == SCIPY == "scipy"
    assert integration_registry.integrations["scipy"] is ScipyIntegration
    assert ScipyIntegration.check_installation()


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_format_round_trips_on_every_store(cls: type[Any], artifact: DataArtifact) -> None:
    value = sample(cls)
    assert_same(round_trip(value, artifact), value)


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.uint64, np.complex128, np.bool_])
def test_dtypes_survive(dtype: Any, local: DataArtifact) -> None:
    value = sample(sp.csr_array, dtype)
    loaded = round_trip(value, local)
    assert_same(loaded, value)
    assert loaded.indices.dtype == value.indices.dtype
    assert loaded.indptr.dtype == value.indptr.dtype


def test_compressed_components_come_back_exactly(local: DataArtifact) -> None:
    value = sample(sp.csc_matrix)
    loaded = round_trip(value, local)
    for name in ("data", "indices", "indptr"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(value, name))
        assert getattr(loaded, name).dtype == getattr(value, name).dtype


def test_coo_duplicates_and_entry_order_are_kept(local: DataArtifact) -> None:
    value = sp.coo_array(
        (np.array([1.0, 2.0, 3.0]), (np.array([2, 0, 2]), np.array([1, 1, 1]))), shape=(3, 3)
    )
    loaded = round_trip(value, local)
    assert loaded.nnz == 3  # not summed into two entries
    np.testing.assert_array_equal(loaded.row, value.row)
    np.testing.assert_array_equal(loaded.col, value.col)
    np.testing.assert_array_equal(loaded.data, value.data)


def test_one_and_three_dimensional_sparse_arrays_round_trip(local: DataArtifact) -> None:
    for index, value in enumerate(
        [
            sp.csr_array(np.array([0.0, 1.5, 0.0, -2.0])),
            sp.coo_array(np.arange(24).reshape(2, 3, 4) % 5),
            sp.dok_array(np.array([0, 3, 0])),
        ]
    ):
        artifact = DataArtifact(uri=f"{local.uri}/{index}")
        fileio.makedirs(artifact.uri)
        assert_same(round_trip(value, artifact, sp.sparray), value)


def test_empty_and_all_zero_values_round_trip(local: DataArtifact) -> None:
    for index, value in enumerate(
        [sp.csr_matrix((0, 0)), sp.coo_array((5, 3), dtype=np.int32), sp.lil_array((2, 2))]
    ):
        artifact = DataArtifact(uri=f"{local.uri}/{index}")
        fileio.makedirs(artifact.uri)
        assert_same(round_trip(value, artifact), value)


def test_equal_values_give_identical_bytes(tmp_path: Path) -> None:
    written = []
    for run in range(2):
        artifact = DataArtifact(uri=str(tmp_path / str(run)))
        fileio.makedirs(artifact.uri)
        SparseMaterializer(artifact).handle_return(sample(sp.csr_matrix))  # a new equal object
        written.append(stored_bytes(artifact))
    assert written[0] == written[1]
    assert sorted(written[0]) == ["data.npy", "indices.npy", "indptr.npy", METADATA_FILENAME]
    assert all(name in SparseMaterializer.FILENAMES for name in written[0])


def test_no_file_is_a_pickle_or_a_zip(local: DataArtifact) -> None:
    SparseMaterializer(local).handle_return(sample(sp.bsr_array))
    for name, payload in stored_bytes(local).items():
        assert not payload.startswith(b"PK"), name  # no zip (save_npz) with timestamps
        if name.endswith(".npy"):
            assert payload.startswith(b"\x93NUMPY") and b"'O'" not in payload[:128]
    metadata = json.loads(stored_bytes(local)[METADATA_FILENAME])
    assert metadata == {
        "class": "bsr_array",
        "format": "bsr",
        "format_version": 1,
        "shape": [6, 8],
        "stored_format": "bsr",
    }


def test_reading_as_another_sparse_class_is_refused(local: DataArtifact) -> None:
    SparseMaterializer(local).handle_return(sample(sp.csr_matrix))
    assert type(SparseMaterializer(local).handle_input(sp.spmatrix)) is sp.csr_matrix
    with pytest.raises(MaterializerError, match=r"as scipy.sparse.*csc_matrix.*csr_matrix"):
        SparseMaterializer(local).handle_input(sp.csc_matrix)


def test_a_subclass_is_refused_on_write(local: DataArtifact) -> None:
    class MySparse(sp.csr_array):
        pass

    with pytest.raises(MaterializerError, match=r"would come back as its scipy base class"):
        SparseMaterializer(local).handle_return(MySparse(np.eye(2)))
    assert fileio.listdir(local.uri) == []


def test_a_missing_metadata_file_says_what_happened(local: DataArtifact) -> None:
    with pytest.raises(MaterializerError, match=r"has no sparse\.json: .*SparseMaterializer"):
        SparseMaterializer(local).handle_input(sp.csr_matrix)


def _tamper(artifact: DataArtifact, name: str, payload: bytes) -> None:
    with fileio.open(f"{artifact.uri}/{name}", "wb") as handle:
        handle.write(payload)


def test_a_pickled_component_is_refused_without_unpickling(local: DataArtifact) -> None:
    import pickle

    SparseMaterializer(local).handle_return(sample(sp.csr_matrix))
    # An object array is how a .npy file carries a pickle; np.save writes it with allow_pickle.
    marker = Path(local.uri) / "unpickled"
    with fileio.open(f"{local.uri}/data.npy", "wb") as handle:
        np.save(handle, np.array([_Boom(str(marker))], dtype=object), allow_pickle=True)
    with pytest.raises(MaterializerError, match=r"data\.npy cannot be read without pickle"):
        SparseMaterializer(local).handle_input(sp.csr_matrix)
    assert not marker.exists()

    SparseMaterializer(local).handle_return(sample(sp.csr_matrix))
    _tamper(local, "indices.npy", pickle.dumps(_Boom(str(marker))))
    with pytest.raises(MaterializerError, match=r"indices\.npy cannot be read without pickle"):
        SparseMaterializer(local).handle_input(sp.csr_matrix)
    assert not marker.exists()
    _tamper(local, "indices.npy", b"garbage")
    with pytest.raises(MaterializerError, match=r"refuses to read .*indices\.npy"):
        SparseMaterializer(local).handle_input(sp.csr_matrix)


class _Boom:
    """Creates a file when unpickled: proves nothing in a refused artifact is unpickled."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (Path(self.path),))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"class": "builtins.eval"}, r"names class 'builtins\.eval', which is not one of"),
        ({"class": "csc_matrix"}, r"does not match the format of csc_matrix"),
        ({"shape": [12, 8]}, r"indptr\.npy does not fit the shape"),
        ({"shape": [6, 2]}, r"indices\.npy points outside the shape"),
        ({"shape": "6x8"}, r"invalid shape '6x8'"),
        ({"format_version": 99}, r"format_version 99"),
    ],
)
def test_a_tampered_description_is_refused(
    change: dict[str, Any], message: str, local: DataArtifact
) -> None:
    SparseMaterializer(local).handle_return(sample(sp.csr_matrix))
    path = Path(local.uri) / METADATA_FILENAME
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))
    with pytest.raises(MaterializerError, match=message):
        SparseMaterializer(local).handle_input(sp.spmatrix)


def test_out_of_range_coordinates_are_refused_before_scipy_sees_them(local: DataArtifact) -> None:
    SparseMaterializer(local).handle_return(sp.coo_matrix(np.eye(3)))
    with fileio.open(f"{local.uri}/coords.npy", "wb") as handle:
        np.save(handle, np.array([[0, 1, 2], [0, 1, 99]], dtype=np.int32))
    with pytest.raises(MaterializerError, match=r"coords\[1\] points outside the shape"):
        SparseMaterializer(local).handle_input(sp.coo_matrix)


def test_a_foreign_file_is_refused(local: DataArtifact) -> None:
    _tamper(local, METADATA_FILENAME, b"\x80\x04not json")
    with pytest.raises(MaterializerError, match=r"sparse\.json is not JSON"):
        SparseMaterializer(local).handle_input(sp.csr_array)


# --- pipelines ------------------------------------------------------------------------------


@step
def make_features() -> sp.csr_array:
    """A sparse bag-of-words-like matrix."""
    return sample(sp.csr_array)


@step
def column_sums(features: sp.csr_array) -> float:
    """Proves the matrix arrived intact: its total."""
    return float(features.sum())


@pipeline(required_integrations=[SCIPY])
def sparse_pipeline(make_features, column_sums):
    column_sums(features=make_features())


def test_a_step_passes_a_sparse_array_to_the_next_and_a_rerun_is_cached() -> None:
    for name in ("sparse-a", "sparse-b"):
        run = sparse_pipeline(make_features=make_features(), column_sums=column_sums()).run(
            run_name=name
        )
        assert run.status is ExecutionStatus.COMPLETED
    p = Repository().get_pipeline("sparse_pipeline")
    assert p is not None
    first, second = p.get_run("sparse-a"), p.get_run("sparse-b")
    assert second.get_step("make_features").is_cached
    expected = sample(sp.csr_array)
    assert first.get_step("column_sums").output.read() == pytest.approx(float(expected.sum()))
    for run in (first, second):
        assert_same(run.get_step("make_features").output.read(), expected)
    assert first.get_step("make_features").output.uri == second.get_step("make_features").output.uri


def test_scipy_is_not_imported_unless_a_pipeline_uses_it(tmp_path: Path) -> None:
    assert_not_imported("scipy", tmp_path)


def assert_not_imported(library: str, tmp_path: Path) -> None:
    """``import zenml_airflow``, defining, compiling and running a pipeline of plain Python
    values import nothing of ``library`` (a fresh interpreter)."""
    code = textwrap.dedent(
        f"""
        import json, sys
        import zenml_airflow
        from zenml_airflow.compiler.compile import build_spec
        from zenml_airflow.pipelines import pipeline
        from zenml_airflow.repository import Repository
        from zenml_airflow.steps import step
        import zenml_airflow.integrations.registry, zenml_airflow.integrations.{library}
        seen = [sorted(m for m in sys.modules if m.split('.')[0] == {library!r})]

        @step
        def one() -> int:
            return 1

        @step
        def add(x: int) -> dict:
            return {{"x": x + 1}}

        @pipeline
        def plain(one, add):
            add(x=one())

        p = plain(one=one(), add=add())
        build_spec(p, stack=Repository().active_stack, dag_id="plain")
        seen.append(sorted(m for m in sys.modules if m.split('.')[0] == {library!r}))
        p.run(run_name="plain-1")
        seen.append(sorted(m for m in sys.modules if m.split('.')[0] == {library!r}))
        print(json.dumps(seen))
        """
    )
    (tmp_path / "plain_pipeline.py").write_text(code)
    result = subprocess.run(
        [sys.executable, "plain_pipeline.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [[], [], []]
