"""What goes into an image, without Docker: pinned requirements, the code snapshot and its hash,
the zenml-airflow wheel, the generated Dockerfile, and the container registry component."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.images.image_projects import write_project
from zenml_airflow.exceptions import StackError
from zenml_airflow.images import ImageBuildError, ImageInputs
from zenml_airflow.images import inputs as inputs_module
from zenml_airflow.images.dockerfile import SOURCE_ROOTS_LABEL, render_dockerfile
from zenml_airflow.images.inputs import (
    image_requirements,
    read_constraints,
    read_requirements_file,
    resolve_requirements,
    snapshot_code,
)
from zenml_airflow.images.wheel import project_wheel
from zenml_airflow.stack.components.container_registry import DefaultContainerRegistryComponent

# --- requirements ------------------------------------------------------------------------------


def test_requirements_are_merged_and_pinned_by_the_constraints() -> None:
    pins = read_constraints("# pins\nscikit-learn==1.5.2\nskops==0.10.0  # why\n-r other.txt\n")
    assert pins == {"scikit-learn": "1.5.2", "skops": "0.10.0"}
    resolved = resolve_requirements(
        ["scikit_learn>=1.4", "Scikit-Learn<2", "skops>=0.10", "skops[rich]"], pins
    )
    assert resolved == ["scikit_learn==1.5.2", "skops[rich]==0.10.0"]


def test_an_unpinned_requirement_follows_the_installed_version() -> None:
    installed = importlib.metadata.version("pydantic")
    assert resolve_requirements(["pydantic>=2"]) == [f"pydantic=={installed}"]
    # Not installed and not pinned: kept as a range (pip picks in the image).
    assert resolve_requirements(["no-such-dist-zenml>=1,<3"]) == ["no-such-dist-zenml<3,>=1"]


def test_markers_and_urls_are_kept() -> None:
    resolved = resolve_requirements(
        ["no-such-dist-zenml>=1; python_version < '4'", "pkg @ https://example.com/pkg.whl"]
    )
    assert resolved == [
        'no-such-dist-zenml>=1; python_version < "4"',
        "pkg @ https://example.com/pkg.whl",
    ]


def test_a_pin_outside_the_requirement_is_refused_naming_both() -> None:
    with pytest.raises(ImageBuildError, match=r"'scikit-learn>=1.4' conflicts with .*==1\.0\.2"):
        resolve_requirements(["scikit-learn>=1.4"], {"scikit-learn": "1.0.2"})


def test_an_invalid_requirement_is_refused() -> None:
    with pytest.raises(ImageBuildError, match=r"Invalid requirement 'not a req!!'"):
        resolve_requirements(["not a req!!"])


def test_image_requirements_hold_zenml_airflow_integrations_and_the_users(tmp_path: Path) -> None:
    requirements_file = tmp_path / "requirements.txt"
    requirements_file.write_text("# user\nno-such-dist-zenml==2.0  # pinned\n\n", encoding="utf-8")
    inputs = ImageInputs(
        name="p",
        required_integrations=("sklearn",),
        requirements=("no-such-other-zenml>=1",),
        requirements_file=str(requirements_file),
    )
    resolved = image_requirements(inputs, {"scikit-learn": "1.5.2", "skops": "0.10.0"})
    names = [line.split("=")[0].split("<")[0].split(">")[0] for line in resolved]
    assert {"pydantic", "SQLAlchemy", "click"} <= set(names)  # zenml-airflow's own
    assert "scikit-learn==1.5.2" in resolved and "skops==0.10.0" in resolved
    assert "no-such-dist-zenml==2.0" in resolved and "no-such-other-zenml>=1" in resolved
    assert not any("extra" in line for line in resolved)


def test_a_requirements_file_with_pip_options_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("-r other.txt\n", encoding="utf-8")
    with pytest.raises(ImageBuildError, match=r"pip option '-r other.txt' is not supported"):
        read_requirements_file(path)
    with pytest.raises(ImageBuildError, match=r"Cannot read the requirements file"):
        read_requirements_file(tmp_path / "missing.txt")


# --- code --------------------------------------------------------------------------------------


def test_the_code_snapshot_skips_environments_caches_and_ignored_files(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj")
    (root / "data").mkdir()
    (root / "data" / "big.csv").write_text("1,2\n", encoding="utf-8")
    (root / "pkg").mkdir()
    (root / "pkg" / "mod.py").write_text("X = 1\n", encoding="utf-8")
    (root / "env").mkdir()
    (root / "env" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    (root / ".zen").mkdir()
    (root / ".zen" / "local.db").write_text("store", encoding="utf-8")
    ignore = tmp_path / ".dockerignore"
    ignore.write_text("# data stays out\ndata\n!data/keep\n", encoding="utf-8")
    snapshot = snapshot_code(
        ImageInputs(name="p", source_roots=(str(root),), dockerignore_file=str(ignore))
    )
    assert sorted(f.relative for f in snapshot.files) == ["0/pkg/mod.py", "0/tiny_steps.py"]


def test_the_code_hash_follows_contents_only(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj")
    inputs = ImageInputs(name="p", source_roots=(str(root),))
    first = snapshot_code(inputs).digest
    assert snapshot_code(inputs).digest == first
    (root / "__pycache__" / "other.pyc").write_bytes(b"ignored")
    assert snapshot_code(inputs).digest == first
    write_project(root, marker="changed")
    assert snapshot_code(inputs).digest != first


def test_compiled_dag_files_in_a_source_root_are_not_code_of_the_image(tmp_path: Path) -> None:
    # A dags folder inside the project: compiling writes a DAG file that names the image, so
    # were it code of the image, each compile would change the image's tag.
    from zenml_airflow.compiler.compile import compile_pipeline
    from zenml_airflow.compiler.source import load_pipeline

    root = write_project(tmp_path / "proj")
    inputs = ImageInputs(name="tiny", source_roots=(str(root),))
    before = snapshot_code(inputs)
    dag_file = compile_pipeline(load_pipeline(f"{root / 'tiny_steps.py'}:p"), root / "dags")
    assert dag_file.parent == root / "dags" and dag_file.is_file()
    after = snapshot_code(inputs)
    assert after.digest == before.digest
    assert [f.relative for f in after.files] == [f.relative for f in before.files]
    # Only the header counts: code that merely mentions the marker further down is code.
    quoting = root / "dags" / "notes.py"
    filler = "# " + "x" * 1100 + "\n"
    quoting.write_text(filler + "# Airflow DAG 'x'\n# Generated by zenml-airflow 1.0\n", "utf-8")
    assert "0/dags/notes.py" in [f.relative for f in snapshot_code(inputs).files]


def test_a_missing_or_oversized_source_root_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ImageBuildError, match=r"Source root 'relative' of pipeline 'p' is not"):
        snapshot_code(ImageInputs(name="p", source_roots=("relative",)))
    root = write_project(tmp_path / "proj")
    monkeypatch.setattr(inputs_module, "MAX_CODE_BYTES", 10)
    with pytest.raises(ImageBuildError, match=r"holds more than .*dockerignore_file"):
        snapshot_code(ImageInputs(name="p", source_roots=(str(root),)))


def test_source_roots_map_to_numbered_image_directories() -> None:
    inputs = ImageInputs(name="p", source_roots=("/home/me/proj", "/srv/lib"))
    assert inputs.root_mapping() == {"/home/me/proj": "/app/0", "/srv/lib": "/app/1"}


# --- wheel and Dockerfile ----------------------------------------------------------------------


def test_the_zenml_airflow_wheel_is_reproducible_and_complete(tmp_path: Path) -> None:
    first = project_wheel(tmp_path / "a")
    second = project_wheel(tmp_path / "b")
    assert first.sha256 == second.sha256
    assert first.version == importlib.metadata.version("zenml-airflow")
    with zipfile.ZipFile(first.path) as wheel:
        names = wheel.namelist()
        record = wheel.read(f"zenml_airflow-{first.version}.dist-info/RECORD").decode()
        entry_points = wheel.read(f"zenml_airflow-{first.version}.dist-info/entry_points.txt")
    assert "zenml_airflow/__init__.py" in names
    assert "zenml_airflow/images/builder.py" in names
    assert not any("__pycache__" in name for name in names)
    assert "zenml_airflow/__init__.py,sha256=" in record
    assert b"zenml-airflow = zenml_airflow.cli.main:main" in entry_points


def test_the_dockerfile_puts_requirements_below_zenml_airflow_below_the_code() -> None:
    text = render_dockerfile(
        "local/python:3.11-bookworm", "w.whl", {"/home/me/proj": "/app/0", "/srv/lib": "/app/1"}
    )
    lines = text.splitlines()
    order = [
        next(i for i, line in enumerate(lines) if line.startswith(prefix))
        for prefix in (
            "FROM local/python:3.11-bookworm",
            "RUN pip install -r",
            "RUN pip install --no-deps /opt/zenml-build/w.whl",
            "COPY code/0 /app/0",
            "COPY code/1 /app/1",
        )
    ]
    assert order == sorted(order)
    assert "ENV PYTHONPATH=/app/0:/app/1" in lines
    assert (
        f'LABEL {SOURCE_ROOTS_LABEL}="{{\\"/home/me/proj\\": \\"/app/0\\", '
        f'\\"/srv/lib\\": \\"/app/1\\"}}"'
    ) in lines


# --- container registry component --------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "host", "local"),
    [
        ("127.0.0.1:5000", "127.0.0.1:5000", True),
        ("localhost:5000/team/", "localhost:5000", True),
        ("registry.example.com/team/ml", "registry.example.com", False),
    ],
)
def test_a_registry_uri_is_host_port_and_prefix(uri: str, host: str, local: bool) -> None:
    registry = DefaultContainerRegistryComponent.from_config("r", {"uri": uri})
    assert (registry.host, registry.is_local) == (host, local)
    assert not registry.uri.endswith("/")


@pytest.mark.parametrize(
    "uri", ["http://127.0.0.1:5000", "127.0.0.1:5000/img:tag", "host:99999", "Host/Upper", ""]
)
def test_a_registry_uri_with_a_scheme_tag_or_bad_port_is_refused(uri: str) -> None:
    with pytest.raises(StackError, match=r"HOST\[:PORT\]\[/PREFIX\]"):
        DefaultContainerRegistryComponent.from_config("r", {"uri": uri})


def test_importing_the_images_package_imports_neither_docker_nor_the_builder() -> None:
    code = (
        "import sys, zenml_airflow.images as images; "
        "assert images.ImageInputs; "
        "print(sorted(m for m in ('docker', 'zenml_airflow.images.builder', "
        "'zenml_airflow.images.wheel') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/"
    ).stdout
    assert out.strip() == "[]"
