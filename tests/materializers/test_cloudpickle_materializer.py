"""CloudpickleMaterializer: unsafe and opt-in. Never chosen by default, warns on every write and
read, round-trips on every store when named, refuses pickles of other versions, and is never
loaded by the previews the UI plugin shows."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import cloudpickle
import pytest

from tests.integrations import media_steps
from tests.integrations.store_artifacts import STORE_KINDS, artifact_on
from zenml_airflow.artifacts import ArtifactStore, DataArtifact
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MaterializerError, MaterializerNotFoundError
from zenml_airflow.io import fileio
from zenml_airflow.materializers.cloudpickle_materializer import (
    DEFAULT_FILENAME,
    MATERIALIZER_PATH,
    VERSIONS_FILENAME,
    CloudpickleMaterializer,
)
from zenml_airflow.materializers.default_materializer_registry import (
    default_materializer_registry,
    materializer_path,
)
from zenml_airflow.repository import Repository
from zenml_airflow.visualizers.html import preview_record

REPO = Path(__file__).resolve().parents[2]


class Touch:
    """Unpickling this creates ``marker``: proof of whether a pickle was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (Path.touch, (self.marker,))


def test_the_path_constant_names_the_class() -> None:
    assert materializer_path(CloudpickleMaterializer) == MATERIALIZER_PATH


def test_it_is_registered_for_no_type() -> None:
    registered = default_materializer_registry.get_materializer_types().values()
    assert CloudpickleMaterializer not in registered
    with pytest.raises(MaterializerNotFoundError, match="No materializer is registered"):
        default_materializer_registry.get(media_steps.Opaque)


def test_a_subclass_cannot_be_registered() -> None:
    with pytest.raises(
        MaterializerError, match="unsafe CloudpickleMaterializer.*cannot be registered"
    ):

        class Everything(CloudpickleMaterializer, register=True):
            pass

    class Mine(CloudpickleMaterializer):
        pass

    assert Mine not in default_materializer_registry.get_materializer_types().values()
    with pytest.raises(MaterializerNotFoundError):
        default_materializer_registry.get(media_steps.Opaque)


def test_without_opting_in_a_step_returning_an_object_still_fails() -> None:
    with pytest.raises(MaterializerNotFoundError, match="No materializer is registered for type"):
        media_steps.build_not_opted_in().run(run_name="no-pickle")


def test_docstring_says_it_is_unsafe() -> None:
    assert "UNSAFE" in (CloudpickleMaterializer.__doc__ or "")
    assert CloudpickleMaterializer.UNSAFE_TO_LOAD is True


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_round_trip_on_each_store_warns_on_write_and_read(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    value = media_steps.Opaque([1.0, 2.5])
    caplog.set_level(logging.WARNING, logger="zenml_airflow.materializers.cloudpickle_materializer")
    with artifact_on(kind, tmp_path) as artifact:
        CloudpickleMaterializer(artifact).handle_return(value)
        wrote = [r.getMessage() for r in caplog.records]
        caplog.clear()
        read = CloudpickleMaterializer(artifact).handle_input(media_steps.Opaque)
        reads = [r.getMessage() for r in caplog.records]
    assert isinstance(read, media_steps.Opaque) and read.weights == [1.0, 2.5]
    assert len(wrote) == 1 and "UNSAFE" in wrote[0] and "Writing" in wrote[0]
    assert len(reads) == 1 and "UNSAFE" in reads[0] and "Reading (unpickling)" in reads[0]


def test_a_pickle_of_other_versions_is_refused_without_loading(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with artifact_on("local", tmp_path) as artifact:
        CloudpickleMaterializer(artifact).handle_return(Touch(marker))
        assert not marker.exists()
        with fileio.open(os.path.join(artifact.uri, VERSIONS_FILENAME), "w") as handle:
            handle.write(json.dumps({"python": "3.8", "cloudpickle": "1.0"}))
        with pytest.raises(MaterializerError, match="Refusing to unpickle.*Nothing was unpickled"):
            CloudpickleMaterializer(artifact).handle_input(object)
        assert not marker.exists()


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        (VERSIONS_FILENAME, "not json", "not JSON"),
        (DEFAULT_FILENAME, b"garbage", "Cannot unpickle"),
    ],
)
def test_damaged_files_are_refused(
    name: str, payload: str | bytes, message: str, tmp_path: Path
) -> None:
    with artifact_on("local", tmp_path) as artifact:
        CloudpickleMaterializer(artifact).handle_return([1, 2])
        mode = "wb" if isinstance(payload, bytes) else "w"
        with fileio.open(os.path.join(artifact.uri, name), mode) as handle:
            handle.write(payload)
        with pytest.raises(MaterializerError, match=message):
            CloudpickleMaterializer(artifact).handle_input(list)


def test_a_missing_file_and_a_wrong_type_are_refused(tmp_path: Path) -> None:
    with (
        artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match="has no object.pkl.*CloudpickleMaterializer"),
    ):
        CloudpickleMaterializer(artifact).handle_input(object)
        CloudpickleMaterializer(artifact).handle_return([1, 2])
        with pytest.raises(MaterializerError, match="holds a list, not a dict"):
            CloudpickleMaterializer(artifact).handle_input(dict)


def test_an_unpicklable_value_is_refused(tmp_path: Path) -> None:
    import threading

    with (
        artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match="cannot pickle this"),
    ):
        CloudpickleMaterializer(artifact).handle_return(threading.Lock())


def test_an_opted_in_pipeline_runs_twice_cached_and_reads_back() -> None:
    media_steps.CALLS.clear()
    run = media_steps.build_pickled().run(run_name="pickled-1")
    assert run.status is ExecutionStatus.COMPLETED
    assert media_steps.CALLS == ["make_opaque", "use_opaque"]
    media_steps.CALLS.clear()
    media_steps.build_pickled().run(run_name="pickled-2")
    assert media_steps.CALLS == []
    pipeline = Repository().get_pipeline("pickle_pipeline")
    assert pipeline is not None
    first = pipeline.get_run("pickled-1")
    assert first.get_step("use_opaque").output.read() == 4.0
    output = first.get_step("make_opaque").output
    assert output.materializer == MATERIALIZER_PATH
    assert pipeline.get_run("pickled-2").get_step("make_opaque").is_cached


def test_the_previews_refuse_it_and_never_unpickle(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    store = ArtifactStore(str(tmp_path / "store"))
    uri = store.artifact_uri("p", "s", "output", "a1")
    with store:
        store.prepare(uri)
        CloudpickleMaterializer(DataArtifact(uri=uri)).handle_return(Touch(marker))
    from zenml_airflow.visualizers.files import ArtifactFiles
    from zenml_airflow.visualizers.previews import preview_artifact

    preview = preview_artifact(ArtifactFiles(store, uri), MATERIALIZER_PATH, "pathlib:Path")
    assert preview.kind == "refused"
    assert preview.message is not None
    assert "CloudpickleMaterializer" in preview.message and "UNSAFE" in preview.message
    assert "never reads it" in preview.message
    assert not marker.exists(), "the preview must not unpickle"
    # The same file does run code when unpickled: the refusal is what protects the UI.
    with store:
        CloudpickleMaterializer(DataArtifact(uri=uri)).handle_input(object)
    assert marker.exists()


def test_the_ui_preview_of_a_pipeline_output_refuses_it() -> None:
    media_steps.build_pickled().run(run_name="pickled-ui")
    pipeline = Repository().get_pipeline("pickle_pipeline")
    assert pipeline is not None
    output = pipeline.get_run("pickled-ui").get_step("make_opaque").output
    store = Repository().active_stack.artifact_store.open_store()
    preview = preview_record(output._record, store)
    assert preview.kind == "refused" and "UNSAFE" in (preview.message or "")


def test_importing_the_module_does_not_import_cloudpickle() -> None:
    code = (
        "import sys\n"
        "import zenml_airflow.visualizers.previews\n"
        "import zenml_airflow.materializers.cloudpickle_materializer\n"
        "assert 'cloudpickle' not in sys.modules\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_cloudpickle_is_the_installed_one() -> None:
    assert cloudpickle.__version__ == "3.1.3"
