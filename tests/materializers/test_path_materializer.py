"""PathMaterializer: a file or folder a step returns is copied into the artifact (layout, empty
folders and the executable bit kept, nothing else), reads back as a local copy on every store,
hashes the same whatever the files' times; links out of the folder, special files and tampered
artifacts are refused."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integrations import media_steps
from tests.integrations.store_artifacts import STORE_KINDS, artifact_on, open_store
from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers.default_materializer_registry import (
    BUILT_IN_LAZY_ENTRIES,
    default_materializer_registry,
)
from zenml_airflow.materializers.path_materializer import (
    DATA_DIRECTORY,
    MANIFEST_FILENAME,
    TEMPORARY_PREFIX,
    PathMaterializer,
)
from zenml_airflow.repository import Repository


def _round_trip(artifact: DataArtifact, value: Path) -> Path:
    PathMaterializer(artifact).handle_return(value)
    return PathMaterializer(artifact).handle_input(Path)


def _manifest(artifact: DataArtifact) -> dict:
    with fileio.open(os.path.join(artifact.uri, MANIFEST_FILENAME), "r") as handle:
        return json.loads(handle.read())


def _write_manifest(artifact: DataArtifact, manifest: dict) -> None:
    with fileio.open(os.path.join(artifact.uri, MANIFEST_FILENAME), "w") as handle:
        handle.write(json.dumps(manifest))


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_a_folder_round_trips_with_its_layout_on_each_store(kind: str, tmp_path: Path) -> None:
    folder = media_steps.write_folder(tmp_path / "source")
    with artifact_on(kind, tmp_path) as artifact:
        copy = _round_trip(artifact, folder)
    assert copy.name == "report" and copy.is_dir()
    assert copy.parent.name.startswith(TEMPORARY_PREFIX)
    assert media_steps.folder_listing(copy) == media_steps.folder_listing(folder)
    assert (copy / "empty").is_dir() and not any((copy / "empty").iterdir())
    assert os.access(copy / "run.sh", os.X_OK)
    assert not os.access(copy / "index.html", os.X_OK)


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_a_file_round_trips_with_its_name(kind: str, tmp_path: Path) -> None:
    source = tmp_path / "weights.bin"
    source.write_bytes(os.urandom(3 * 1024 * 1024 + 17))  # more than one copy chunk
    with artifact_on(kind, tmp_path) as artifact:
        copy = _round_trip(artifact, source)
    assert copy.name == "weights.bin" and copy.is_file()
    assert copy.read_bytes() == source.read_bytes()


def test_a_reader_gets_its_own_copy_and_the_artifact_stays_intact(tmp_path: Path) -> None:
    folder = media_steps.write_folder(tmp_path / "source")
    with artifact_on("local", tmp_path) as artifact:
        first = _round_trip(artifact, folder)
        (first / "index.html").write_text("changed", encoding="utf-8")
        (first / "pages" / "a.txt").unlink()
        second = PathMaterializer(artifact).handle_input(Path)
    assert second != first
    assert media_steps.folder_listing(second) == media_steps.folder_listing(folder)


def test_the_content_hash_does_not_depend_on_times_or_where_the_folder_was(
    tmp_path: Path,
) -> None:
    one = media_steps.write_folder(tmp_path / "one")
    time.sleep(0.05)
    two = media_steps.write_folder(tmp_path / "two")
    for path in two.rglob("*"):
        os.utime(path, (1_000_000, 1_000_000))
    store = open_store("local", tmp_path)
    hashes = []
    for number, folder in enumerate((one, two)):
        uri = store.artifact_uri("p", "s", "o", f"a{number}")
        with store:
            store.prepare(uri)
            PathMaterializer(DataArtifact(uri=uri)).handle_return(folder)
            hashes.append(store.content_hash(uri))
    assert hashes[0] == hashes[1]


def test_the_manifest_holds_no_times(tmp_path: Path) -> None:
    folder = media_steps.write_folder(tmp_path / "source")
    with artifact_on("local", tmp_path) as artifact:
        PathMaterializer(artifact).handle_return(folder)
        manifest = _manifest(artifact)
    assert set(manifest) == {"format", "version", "kind", "name", "directories", "files"}
    assert manifest["directories"] == ["empty", "pages", "pages/deep"]
    assert [f["path"] for f in manifest["files"]] == [
        "index.html",
        "pages/a.txt",
        "pages/deep/b.bin",
        "run.sh",
    ]
    assert all(set(f) == {"path", "size", "sha256", "executable"} for f in manifest["files"])


def test_a_link_inside_the_folder_is_stored_as_the_file_it_points_to(tmp_path: Path) -> None:
    folder = media_steps.write_folder(tmp_path / "source")
    (folder / "latest.html").symlink_to("index.html")
    with artifact_on("local", tmp_path) as artifact:
        copy = _round_trip(artifact, folder)
    assert not (copy / "latest.html").is_symlink()
    assert (copy / "latest.html").read_text(encoding="utf-8") == "<h1>report</h1>\n"


def test_the_path_given_may_itself_be_a_link(tmp_path: Path) -> None:
    folder = media_steps.write_folder(tmp_path / "source")
    link = tmp_path / "current"
    link.symlink_to(folder)
    with artifact_on("local", tmp_path) as artifact:
        copy = _round_trip(artifact, link)
    assert copy.name == "report"
    assert media_steps.folder_listing(copy) == media_steps.folder_listing(folder)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda folder, outside: (folder / "secret").symlink_to(outside),
            r"refuses 'secret' in .*symbolic link to .*outside the folder",
        ),
        (
            lambda folder, outside: (folder / "loop").symlink_to(folder / "pages"),
            r"refuses 'loop' in .*symbolic link to a folder",
        ),
        (
            lambda folder, outside: (folder / "dangling").symlink_to(folder / "nothing"),
            r"refuses 'dangling' in .*does not exist",
        ),
        (
            lambda folder, outside: os.mkfifo(folder / "pages" / "pipe"),
            r"refuses 'pages/pipe' in .*a FIFO",
        ),
    ],
    ids=["link-outside", "link-to-folder", "dangling-link", "fifo"],
)
def test_links_out_and_special_files_are_refused_before_anything_is_written(
    make: object, message: str, tmp_path: Path
) -> None:
    folder = media_steps.write_folder(tmp_path / "source")
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours", encoding="utf-8")
    make(folder, outside)  # type: ignore[operator]
    with (
        artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match=message),
    ):
        PathMaterializer(artifact).handle_return(folder)
        assert fileio.listdir(artifact.uri) == []


def test_a_socket_is_refused(tmp_path: Path) -> None:
    folder = media_steps.write_folder(tmp_path / "source")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(folder / "control.sock"))
        with artifact_on("local", tmp_path) as artifact:
            with pytest.raises(MaterializerError, match="'control.sock' in .*a socket"):
                PathMaterializer(artifact).handle_return(folder)
            with pytest.raises(MaterializerError, match="it is a socket, not a file or folder"):
                PathMaterializer(artifact).handle_return(folder / "control.sock")


def test_a_path_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with (
        artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match="nothing exists at that path"),
    ):
        PathMaterializer(artifact).handle_return(tmp_path / "missing")


def test_a_changed_file_is_refused_and_no_copy_is_left(tmp_path: Path) -> None:
    folder = media_steps.write_folder(tmp_path / "source")
    with artifact_on("local", tmp_path) as artifact:
        PathMaterializer(artifact).handle_return(folder)
        stored = Path(artifact.uri) / DATA_DIRECTORY / "pages" / "a.txt"
        stored.write_text("tampered", encoding="utf-8")
        before = set(Path(_tmp()).glob(TEMPORARY_PREFIX + "*"))
        with pytest.raises(MaterializerError, match="does not match its manifest"):
            PathMaterializer(artifact).handle_input(Path)
        assert set(Path(_tmp()).glob(TEMPORARY_PREFIX + "*")) == before


def _tmp() -> str:
    import tempfile

    return tempfile.gettempdir()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m["files"][0].update(path="../../escape"), "not a plain relative path"),
        (lambda m: m["files"][0].update(path="/etc/passwd"), "not a plain relative path"),
        (lambda m: m["directories"].append("a/../../b"), "not a plain relative path"),
        (lambda m: m.update(name=".."), "not a plain relative path"),
        (lambda m: m.update(name="a/b"), "not a single path component"),
        (lambda m: m.update(format="something-else"), "not a zenml-airflow.path manifest"),
        (lambda m: m.update(version=99), "format version 99"),
        (lambda m: m.update(kind="socket"), "unknown kind"),
        (lambda m: m["files"][0].update(size=-1), "no valid size"),
    ],
)
def test_a_tampered_manifest_is_refused(change: object, message: str, tmp_path: Path) -> None:
    folder = media_steps.write_folder(tmp_path / "source")
    with artifact_on("local", tmp_path) as artifact:
        PathMaterializer(artifact).handle_return(folder)
        manifest = _manifest(artifact)
        change(manifest)  # type: ignore[operator]
        _write_manifest(artifact, manifest)
        with pytest.raises(MaterializerError, match=f"Cannot read .*{message}"):
            PathMaterializer(artifact).handle_input(Path)
    assert not (tmp_path / "escape").exists()


def test_a_foreign_artifact_is_refused(tmp_path: Path) -> None:
    with (
        artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match="has no manifest.json.*PathMaterializer"),
    ):
        PathMaterializer(artifact).handle_input(Path)
        with fileio.open(os.path.join(artifact.uri, MANIFEST_FILENAME), "w") as handle:
            handle.write("not json")
        with pytest.raises(MaterializerError, match="Cannot read"):
            PathMaterializer(artifact).handle_input(Path)


def test_a_missing_data_file_is_refused(tmp_path: Path) -> None:
    folder = media_steps.write_folder(tmp_path / "source")
    with artifact_on("local", tmp_path) as artifact:
        PathMaterializer(artifact).handle_return(folder)
        (Path(artifact.uri) / DATA_DIRECTORY / "run.sh").unlink()
        with pytest.raises(MaterializerError, match="lacks 'data/run.sh'"):
            PathMaterializer(artifact).handle_input(Path)


def test_it_is_a_built_in_entry_chosen_for_paths() -> None:
    assert BUILT_IN_LAZY_ENTRIES["pathlib"] == "zenml_airflow.materializers.path_materializer"
    assert default_materializer_registry.get(Path) is PathMaterializer
    assert default_materializer_registry.get(type(Path("x"))) is PathMaterializer


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_a_pipeline_hands_a_folder_to_the_next_step_and_a_rerun_is_cached(
    kind: str, tmp_path: Path
) -> None:
    if kind == "s3":
        from tests.backends.object_stores import s3_component
        from zenml_airflow.stack import Stack
        from zenml_airflow.stack.components import (
            LocalOrchestratorComponent,
            SQLiteMetadataStoreComponent,
        )

        stack = Stack(
            "objects",
            orchestrator=LocalOrchestratorComponent(name="local"),
            metadata_store=SQLiteMetadataStoreComponent.from_config(
                "meta", {"uri": str(tmp_path / "m.db")}
            ),
            artifact_store=s3_component(),
        )
        Repository().register_stack(stack, activate=True)
    media_steps.CALLS.clear()
    assert media_steps.build().run(run_name="dir-1").status is ExecutionStatus.COMPLETED
    media_steps.CALLS.clear()
    assert media_steps.build().run(run_name="dir-2").status is ExecutionStatus.COMPLETED
    assert media_steps.CALLS == []
    pipeline = Repository().get_pipeline("media_pipeline")
    assert pipeline is not None
    first, second = pipeline.get_run("dir-1"), pipeline.get_run("dir-2")
    assert second.get_step("make_folder").is_cached
    expected = media_steps.folder_listing(media_steps.write_folder(tmp_path / "expected"))
    seen = first.get_step("list_folder").output.read()
    assert seen == {"name": "report", "listing": expected, "executable": True}
    copy = second.get_step("make_folder").output.read()
    assert isinstance(copy, Path) and media_steps.folder_listing(copy) == expected


def test_temporary_copies_are_removed_when_the_process_exits(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from zenml_airflow.artifacts import DataArtifact\n"
        "from zenml_airflow.materializers.path_materializer import PathMaterializer\n"
        f"source = Path({str(tmp_path)!r}) / 'f.txt'\n"
        "source.write_text('x')\n"
        f"artifact = DataArtifact(uri={str(tmp_path / 'artifact')!r})\n"
        "PathMaterializer(artifact).handle_return(source)\n"
        "copy = PathMaterializer(artifact).handle_input(Path)\n"
        "assert copy.read_text() == 'x'\n"
        "print(copy.parent)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    directory = Path(result.stdout.strip())
    assert directory.name.startswith(TEMPORARY_PREFIX)
    assert not directory.exists()


def _standalone_metadata(value: Path) -> dict:
    # a materializer that did not write ``value`` walks it
    return PathMaterializer(DataArtifact(uri="unused")).extract_metadata(value)


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_metadata_of_a_nested_folder_is_counted_by_the_write(kind: str, tmp_path: Path) -> None:
    folder = media_steps.write_folder(tmp_path / "source")
    (folder / "link.txt").symlink_to(Path("pages") / "a.txt")  # stored as a file: counted
    expected = {"kind": "folder", "name": "report", "files": 5}
    assert _standalone_metadata(folder) == expected
    with artifact_on(kind, tmp_path) as artifact:
        materializer = PathMaterializer(artifact)
        materializer.handle_return(folder)
        # the facts come from the write: removing the source folder does not change them
        renamed = folder.rename(tmp_path / "moved")
        assert materializer.extract_metadata(folder) == expected
        assert _standalone_metadata(renamed) == {**expected, "name": "moved"}


def test_metadata_of_a_file_is_its_name_and_size(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(b"x" * 1234)
    expected = {"kind": "file", "name": "model.bin", "bytes": 1234}
    assert _standalone_metadata(path) == expected
    with artifact_on("local", tmp_path) as artifact:
        materializer = PathMaterializer(artifact)
        materializer.handle_return(path)
        path.write_bytes(b"changed after the write")
        assert materializer.extract_metadata(path) == expected
        # another value than the one written is described as it is now
        assert materializer.extract_metadata(Path(str(path))) == {**expected, "bytes": 23}


def test_a_failed_write_leaves_no_facts_behind(tmp_path: Path) -> None:
    folder = media_steps.write_folder(tmp_path / "source")
    with artifact_on("local", tmp_path) as artifact:
        materializer = PathMaterializer(artifact)
        materializer.handle_return(folder)
        assert materializer.extract_metadata(folder)["files"] == 4
        (tmp_path / "outside").write_text("secret", encoding="utf-8")
        (folder / "secret").symlink_to(tmp_path / "outside")
        with pytest.raises(MaterializerError, match="outside the folder"):
            materializer.handle_return(folder)  # refused before anything is copied
        # described by walking it (the link counts as a file), not by the earlier write's count
        assert materializer.extract_metadata(folder) == _standalone_metadata(folder)
        assert materializer.extract_metadata(folder)["files"] == 5
