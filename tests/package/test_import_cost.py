"""``import zenml_airflow`` is cheap and pulls in nothing heavy; the core runs without Airflow."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

HEAVY = ("airflow", "numpy", "pandas", "pyarrow", "sklearn", "sqlalchemy", "alembic")


def run_python(code: str, cwd: Path, env_extra: dict[str, str] | None = None) -> str:
    import os

    env = {**os.environ, **(env_extra or {})}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_import_pulls_in_nothing_heavy(tmp_path: Path) -> None:
    out = run_python(
        f"""
        import json, sys
        import zenml_airflow
        print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))
        """,
        tmp_path,
    )
    assert json.loads(out) == []


BLOCK_AIRFLOW = """
import importlib.abc, sys

class _NoAirflow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "airflow" or name.startswith("airflow."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
        return None

sys.meta_path.insert(0, _NoAirflow())
"""


def test_a_pipeline_runs_without_airflow_installed(tmp_path: Path) -> None:
    out = run_python(
        BLOCK_AIRFLOW
        + """
from zenml_airflow import pipeline, step, Repository

@step
def one() -> int:
    return 1

@step
def plus(x: int) -> int:
    return x + 1

@pipeline
def tiny(one, plus):
    plus(x=one())

run = tiny(one=one(), plus=plus()).run()
print(run.status.value, run.get_step("plus").output.read())
assert "airflow" not in sys.modules
""",
        tmp_path,
        {"ZENML_AIRFLOW_CONFIG_DIR": str(tmp_path / "cfg")},
    )
    assert out.strip().splitlines()[-1] == "completed 2"


def test_public_api_paths_of_the_seed_exist() -> None:
    import zenml_airflow
    from zenml_airflow import (  # noqa: F401
        BaseStepConfig,
        Output,
        Repository,
        Schedule,
        StepContext,
        pipeline,
        step,
    )
    from zenml_airflow.artifacts import DataArtifact, ModelArtifact  # noqa: F401
    from zenml_airflow.io import fileio
    from zenml_airflow.materializers.base_materializer import BaseMaterializer  # noqa: F401
    from zenml_airflow.pipelines import Schedule as S2  # noqa: F401
    from zenml_airflow.repository import Repository as R2
    from zenml_airflow.steps import BaseStepConfig as B2  # noqa: F401
    from zenml_airflow.steps import step as s2

    assert R2 is Repository and s2 is step and B2 is BaseStepConfig
    for name in (
        "open",
        "exists",
        "makedirs",
        "listdir",
        "remove",
        "copy",
        "rename",
        "glob",
        "isdir",
        "walk",
        "rmtree",
    ):
        assert callable(getattr(fileio, name)), name
    assert set(zenml_airflow.__all__) >= {
        "step",
        "pipeline",
        "BaseStepConfig",
        "Output",
        "StepContext",
        "Schedule",
        "Repository",
    }


def test_lazy_package_attributes_load_their_module_on_first_access(tmp_path: Path) -> None:
    out = run_python(
        """
        import json, sys
        import zenml_airflow.secrets as secrets
        before = "zenml_airflow.secrets.schemas" in sys.modules
        schema = secrets.AWSSecretSchema
        after = "zenml_airflow.secrets.schemas" in sys.modules
        kept = vars(secrets)["AWSSecretSchema"] is schema  # imported once, then a plain attribute
        try:
            secrets.NoSuchName
            error = None
        except AttributeError as exc:
            error = str(exc)
        print(json.dumps([before, after, kept, error, "AWSSecretSchema" in dir(secrets)]))
        """,
        tmp_path,
    )
    assert json.loads(out) == [
        False,
        True,
        True,
        "module 'zenml_airflow.secrets' has no attribute 'NoSuchName'",
        True,
    ]
