"""``zenml-airflow integration list|requirements|install|uninstall``: pip runs only when asked,
after the exact command is shown and confirmed; names are checked before anything runs."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

from tests.cli.cli_helpers import fails, invoke, ok
from zenml_airflow.cli.main import cli
from zenml_airflow.core import integrations as core
from zenml_airflow.core.integrations import IntegrationInfo

DUMMY = "zenml-airflow-test-dummy"
DUMMY_MODULE = "zenml_airflow_test_dummy"


@pytest.fixture(autouse=True)
def _integration_command(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The root group with the command registered as cli/main.py registers it."""
    monkeypatch.setitem(
        cli.lazy_commands, "integration", "zenml_airflow.cli.integration:integration"
    )
    # pip never reaches a package index from these tests: it installs from local files only.
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    core.clear_cache()
    yield
    core.clear_cache()


@pytest.fixture
def temporary_integration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core, "_integrations", dict(core._integrations))


def installed(distribution: str) -> bool:
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def pip_command(*arguments: str) -> str:
    import shlex

    return shlex.join([sys.executable, "-m", "pip", *arguments])


def test_list_json_says_what_is_supported_and_installed() -> None:
    rows = {row["name"]: row for row in json.loads(ok("integration", "list", "--json"))}
    assert len(rows) == 33  # the seed's 28 and polars, pyarrow, scipy, pillow, matplotlib
    assert rows["sklearn"] == {
        "name": "sklearn",
        "supported": True,
        "installed": True,
        "requirements": ["scikit-learn>=1.4", "skops>=0.10"],
        "missing": [],
        "summary": core.get_integration("sklearn").summary,
        "source": "zenml-airflow",
    }
    assert rows["whylogs"]["supported"] is False
    assert rows["whylogs"]["installed"] is False
    assert rows["whylogs"]["missing"] == ["whylogs>=1.3 (not installed)"]


def test_list_prints_a_table() -> None:
    result = invoke("integration", "list")
    assert result.exit_code == 0, result.output
    for header in ("INTEGRATION", "SUPPORTED", "INSTALLED", "REQUIREMENTS"):
        assert header in result.stdout
    sklearn_line = next(line for line in result.stdout.splitlines() if " sklearn " in line)
    assert sklearn_line.count("yes") == 2 and "skops>=0.10" in sklearn_line
    assert "zenml-airflow integration install NAME" in result.stderr


def test_requirements_one_per_line() -> None:
    assert ok("integration", "requirements", "sklearn") == "scikit-learn>=1.4\nskops>=0.10\n"
    every = ok("integration", "requirements").splitlines()
    assert len(every) == len(set(every)) and "torch>=2.4" in every and "skops>=0.10" in every


def test_an_unknown_name_is_a_clean_error_with_the_closest_one() -> None:
    assert fails("integration", "requirements", "sklern") == (
        "Unknown integration 'sklern'. Did you mean 'sklearn'? Known integrations: "
        + ", ".join(core.integration_names())
        + "."
    )
    message = fails("integration", "install", "torch", "-y")
    assert message.startswith("Unknown integration 'torch'. Did you mean 'pytorch'?")
    assert fails("integration", "uninstall", "sklearn", "tensorflw").startswith(
        "Unknown integration 'tensorflw'. Did you mean 'tensorflow'?"
    )


def test_install_of_an_installed_integration_has_nothing_to_do() -> None:
    out = ok("integration", "install", "sklearn")
    assert out == "Integration 'sklearn' is already installed.\nNothing to install.\n"


def test_install_dry_run_only_prints_the_command() -> None:
    out = ok("integration", "install", "whylogs", "vault", "--dry-run")
    assert out == (
        f"Command: {pip_command('install', 'whylogs>=1.3', 'hvac>=2.1')}\n"
        "Dry run: nothing was run.\n"
    )
    assert not installed("whylogs")


def test_install_without_names_means_every_integration_but_the_ignored() -> None:
    out = ok("integration", "install", "-i", "sklearn", "-i", "airflow", "--dry-run")
    command = next(line for line in out.splitlines() if line.startswith("Command: "))
    assert "'whylogs>=1.3'" in command and "'hvac>=2.1'" in command
    assert "skops" not in command and "apache-airflow>=" not in command


def test_install_runs_pip_for_real_when_forced(tmp_path: Path) -> None:
    """-f (the seed's flag): pip runs although everything is there, and asks nothing."""
    out = ok("integration", "install", "sklearn", "-f")
    assert f"Command: {pip_command('install', 'scikit-learn>=1.4', 'skops>=0.10')}\n" in out
    assert "Requirement already satisfied: scikit-learn>=1.4" in out
    assert "Requirement already satisfied: skops>=0.10" in out
    assert out.endswith("Installed: sklearn.\n")


def test_install_asks_first_and_a_no_runs_nothing() -> None:
    result = invoke("integration", "install", "whylogs", input="n\n")
    assert result.exit_code == 1
    assert "Run it to install these packages in" in result.output and "Aborted!" in result.output
    assert "Collecting" not in result.output and "ERROR" not in result.output
    assert not installed("whylogs")


def test_a_failing_pip_is_a_clean_error() -> None:
    message = fails("integration", "install", "whylogs", "-y")
    assert message == (
        "pip install failed (exit status 1); its output is above. The command was: "
        + pip_command("install", "whylogs>=1.3")
    )


def test_uninstall_of_what_is_not_installed_has_nothing_to_do() -> None:
    out = ok("integration", "uninstall", "whylogs", "-y")
    assert out == "No package of integration 'whylogs' is installed.\nNothing to uninstall.\n"


def test_uninstall_dry_run_and_refusal_leave_everything_installed() -> None:
    out = ok("integration", "uninstall", "sklearn", "--dry-run")
    assert out == (
        f"Command: {pip_command('uninstall', '-y', 'scikit-learn', 'skops')}\n"
        "Dry run: nothing was run.\n"
    )
    result = invoke("integration", "uninstall", "sklearn", input="n\n")
    assert result.exit_code == 1 and "Aborted!" in result.output
    assert installed("scikit-learn") and installed("skops")


# --- a real install and uninstall, of a package made here --------------------------------------


def build_wheel(directory: Path) -> Path:
    """A minimal pure-Python wheel of DUMMY 1.0 (no build tools, no network)."""
    dist_info = f"{DUMMY_MODULE}-1.0.dist-info"
    files = {
        f"{DUMMY_MODULE}/__init__.py": b"VALUE = 1\n",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {DUMMY}\nVersion: 1.0\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = directory / f"{DUMMY_MODULE}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return wheel


def test_install_and_uninstall_for_real(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, temporary_integration: None
) -> None:
    build_wheel(tmp_path)
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    core.register_integration(
        IntegrationInfo(name="dummy", requirements=(f"{DUMMY}>=1.0",), supported=False, summary="")
    )
    assert not core.is_installed("dummy")
    try:
        result: Result = invoke("integration", "install", "dummy", input="y\n")
        assert result.exit_code == 0, result.output
        assert f"Command: {pip_command('install', f'{DUMMY}>=1.0')}" in result.output
        assert f"Successfully installed {DUMMY}-1.0" in result.output
        assert result.stdout.endswith("Installed: dummy.\n")
        assert core.is_installed("dummy")
        assert ok("integration", "install", "dummy").endswith("Nothing to install.\n")

        out = ok("integration", "uninstall", "dummy", "-y")
        assert f"Command: {pip_command('uninstall', '-y', DUMMY)}" in out
        assert f"Successfully uninstalled {DUMMY}-1.0" in out
        assert out.endswith("Uninstalled the packages of: dummy.\n")
        assert not core.is_installed("dummy") and not installed(DUMMY)
    finally:
        if installed(DUMMY):
            subprocess.run(
                [sys.executable, "-m", "pip", "uninstall", "-y", "-q", DUMMY], check=False
            )


@pytest.mark.parametrize("command", ["list", "requirements", "install", "uninstall"])
def test_every_subcommand_has_help(command: str) -> None:
    assert "Usage:" in ok("integration", command, "--help")


def test_the_command_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, zenml_airflow.cli.integration\n"
        "heavy = {'sklearn', 'numpy', 'skops', 'packaging', 'rich', 'airflow', 'sqlalchemy'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
