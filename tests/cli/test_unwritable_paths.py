"""A folder the CLI must write into but cannot gives one clean ``Error:`` line naming the path and
the reason, exit status 1, and nothing half-written (issue 14, bug 5).

Tests run as root on the CI machine, where permission bits do not stop writes: a folder is made
unwritable with ``chattr +i`` (immutable) where that works, else with ``chmod``; a path under a
regular file (``file.txt/sub``) is unwritable for everyone.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli.cli_helpers import fails, ok

PIPELINE_FILE = """
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import step

@step
def one() -> int:
    return 1

@pipeline
def tiny(one):
    one()

instance = tiny(one=one())
"""


def _writable(folder: Path) -> bool:
    probe = folder / ".probe"
    try:
        probe.mkdir()
    except OSError:
        return False
    probe.rmdir()
    return True


@pytest.fixture
def make_read_only() -> Iterator[Callable[[Path], None]]:
    """Make a folder and everything in it unwritable for this process (root included); undone
    at the end of the test."""
    done: list[tuple[Path, bool]] = []

    def make(folder: Path) -> None:
        if (
            shutil.which("chattr")
            and subprocess.run(
                ["chattr", "-R", "+i", str(folder)], capture_output=True, check=False
            ).returncode
            == 0
        ):
            done.append((folder, True))
        else:
            for path in [folder, *folder.rglob("*")]:
                path.chmod(0o555 if path.is_dir() else 0o444)
            done.append((folder, False))
        if _writable(folder):
            pytest.skip(f"cannot make {folder} read-only here")

    yield make
    for folder, immutable in done:
        if immutable:
            subprocess.run(["chattr", "-R", "-i", str(folder)], check=True)
        else:
            for path in [folder, *folder.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)


def _tree(folder: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def blocker(tmp_path: Path) -> Path:
    """A regular file: nothing can be created under it."""
    path = tmp_path / "file.txt"
    path.write_text("not a folder")
    return path


def test_register_in_a_read_only_config_directory(
    isolated_config: Path, tmp_path: Path, make_read_only: Callable[[Path], None]
) -> None:
    ok("stack", "list")  # creates the config directory and the default profile
    before = _tree(isolated_config)
    make_read_only(isolated_config)
    message = fails(
        "artifact-store", "register", "other", "--flavor=local", f"--path={tmp_path / 'arts'}"
    )
    assert "Cannot write" in message and str(isolated_config) in message, message
    assert "Operation not permitted" in message or "Permission denied" in message, message
    assert _tree(isolated_config) == before


def test_first_use_with_a_config_directory_under_a_file(
    blocker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZENML_AIRFLOW_CONFIG_DIR", str(blocker / "config"))
    message = fails("init")
    assert str(blocker / "config") in message and "Not a directory" in message, message
    assert not (Path.cwd() / ".zen").exists()


def test_stack_export_into_a_read_only_folder(
    tmp_path: Path, make_read_only: Callable[[Path], None]
) -> None:
    ok("stack", "list")
    target = tmp_path / "out"
    target.mkdir()
    make_read_only(target)
    message = fails("stack", "export", "default", str(target / "stack.yaml"))
    assert message.startswith(f"Cannot write export file {target / 'stack.yaml'}: "), message
    assert "Operation not permitted" in message or "Permission denied" in message, message
    assert list(target.iterdir()) == [], "no temporary file may be left behind"


def test_stack_export_under_a_file(blocker: Path) -> None:
    message = fails("stack", "export", "default", str(blocker / "stack.yaml"))
    assert message == (
        f"Cannot write export file {blocker / 'stack.yaml'}: {blocker} is a file, not a directory."
    )
    assert blocker.read_text() == "not a folder"


def test_init_of_a_read_only_folder(tmp_path: Path, make_read_only: Callable[[Path], None]) -> None:
    target = tmp_path / "project"
    target.mkdir()
    make_read_only(target)
    message = fails("init", str(target))
    assert message.startswith(f"Cannot initialize {target}: cannot create {target / '.zen'}"), (
        message
    )
    assert list(target.iterdir()) == []


def test_init_under_a_file(blocker: Path) -> None:
    message = fails("init", str(blocker / "project"))
    assert "Not a directory" in message and str(blocker / "project") in message, message


def test_init_removes_its_folder_when_the_config_cannot_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zenml_airflow.config.repository_config import initialize_repository
    from zenml_airflow.exceptions import InitializationError

    ok("stack", "list")
    target = tmp_path / "project"
    target.mkdir()

    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("zenml_airflow.config.yaml_io.os.replace", disk_full)
    with pytest.raises(InitializationError, match="No space left on device"):
        initialize_repository(target)
    assert list(target.iterdir()) == [], "a .zen/ without its config must not stay"


def test_pipeline_compile_into_a_read_only_folder(
    tmp_path: Path, make_read_only: Callable[[Path], None]
) -> None:
    source = tmp_path / "pipe.py"
    source.write_text(PIPELINE_FILE)
    target = tmp_path / "dags"
    target.mkdir()
    make_read_only(target)
    message = fails("pipeline", "compile", str(source), "-o", str(target))
    assert message.startswith(f"Cannot write the DAG file into {target}: "), message
    assert "Operation not permitted" in message or "Permission denied" in message, message
    assert list(target.iterdir()) == []


def test_pipeline_compile_under_a_file(tmp_path: Path, blocker: Path) -> None:
    source = tmp_path / "pipe.py"
    source.write_text(PIPELINE_FILE)
    message = fails("pipeline", "compile", str(source), "-o", str(blocker / "dags"))
    assert message.startswith(f"Cannot write the DAG file into {blocker / 'dags'}: "), message
    assert "Not a directory" in message, message


def test_any_other_os_error_is_one_line_naming_the_path() -> None:
    # The root group's boundary: an OSError no command describes itself still ends as the path
    # and the reason, exit status 1; --verbose keeps the traceback.
    import click
    from click.testing import CliRunner

    from zenml_airflow.cli.main import ErrorBoundaryGroup

    @click.group(cls=ErrorBoundaryGroup)
    @click.option("--verbose", is_flag=True)
    @click.pass_context
    def root(ctx: click.Context, verbose: bool) -> None:
        ctx.ensure_object(dict)
        ctx.obj["verbose"] = verbose

    @root.command()
    def write() -> None:
        raise PermissionError(13, "Permission denied", "/srv/data/out.txt")

    result = CliRunner().invoke(root, ["write"])
    assert result.exit_code == 1
    assert result.stderr == "Error: Permission denied: /srv/data/out.txt\n"
    verbose = CliRunner().invoke(root, ["--verbose", "write"])
    assert isinstance(verbose.exception, PermissionError)
