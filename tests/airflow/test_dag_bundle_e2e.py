"""A git DAG bundle on a real Airflow 3 (ADR 0019): `pipeline deploy --commit` writes the DAG file
into the bundle directory of the checkout, commits and pushes it with the code, and waits until
Airflow parsed that commit; each run imports the steps from its own commit's checkout (never from
the working copy), records the commit, and a new commit is picked up by the next run.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.airflow.test_airflow_e2e import cli
from tests.conftest import free_port
from tests.orchestrators.test_dag_bundle import git, origin_and_clone
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.orchestrators.airflow_client import AirflowClient
from zenml_airflow.orchestrators.airflow_local import LocalAirflow
from zenml_airflow.repository import Repository

PIPELINE_NAME = "bundled"

PIPELINE = textwrap.dedent(
    f'''
    """A pipeline whose step says which code it ran."""

    import marker
    from zenml_airflow.pipelines import pipeline
    from zenml_airflow.steps import Output, step


    @step
    def which() -> Output(version=str, module_file=str):
        return marker.VERSION, marker.__file__


    @pipeline
    def {PIPELINE_NAME}(which):
        which()


    p = {PIPELINE_NAME}(which=which())
    '''
)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A bare "remote" repository and a clone of it holding the pipeline in ``dags/project``
    (kept out of Airflow's parsing by ``dags/.airflowignore``), pushed to ``main``."""
    _, work = origin_and_clone(
        tmp_path,
        {
            "dags/.airflowignore": "project/\n",
            "dags/project/pipe.py": PIPELINE,
            "dags/project/marker.py": 'VERSION = "v1"\n',
        },
    )
    return work


def test_each_run_imports_its_commits_code_from_the_bundle_and_records_the_commit(
    checkout: Path, tmp_path: Path
) -> None:
    home = tmp_path / "airflow-home"
    origin = tmp_path / "origin.git"
    cli(
        "orchestrator", "register", "bundle_af", "--flavor", "airflow",
        f"--airflow_home={home}", f"--dags_folder={home / 'dags'}",
        f"--api_url=http://localhost:{free_port()}",
        f"--dag_bundle_repo={origin}", "--dag_bundle_subdir=dags",
    )  # fmt: skip
    cli("stack", "register", "bundled", "-o", "bundle_af", "-m", "default", "-a", "default",
        "--set")  # fmt: skip
    cli("stack", "up", "--timeout", "240")
    try:
        source = f"{checkout / 'dags' / 'project' / 'pipe.py'}:p"
        deployed = cli("pipeline", "deploy", source, "--commit", "--trigger", "--wait")
        first_sha = git(checkout, "rev-parse", "HEAD")
        assert f"commit {first_sha[:12]} on main" in deployed.stderr + deployed.stdout
        assert git(tmp_path / "origin.git", "rev-parse", "main") == first_sha  # pushed
        assert (checkout / "dags" / f"{PIPELINE_NAME}.py").is_file()  # the DAG file, committed
        assert git(checkout, "status", "--porcelain") == ""
        first = Repository().get_pipeline(PIPELINE_NAME).runs[-1]  # type: ignore[union-attr]
        assert first.status is ExecutionStatus.COMPLETED
        assert first.git_sha == first_sha
        which = first.get_step("which")
        assert which.outputs["version"].read() == "v1"
        bundles = home / "zenml-airflow" / "dag-bundles" / "zenml-bundle_af" / "versions"
        assert which.outputs["module_file"].read() == str(
            bundles / first_sha / "dags" / "project" / "marker.py"
        )

        # A new commit of the code: the next deployment's run runs it.
        (checkout / "dags" / "project" / "marker.py").write_text(
            'VERSION = "v2"\n', encoding="utf-8"
        )
        cli("pipeline", "deploy", source, "--commit", "--trigger", "--wait")
        second_sha = git(checkout, "rev-parse", "HEAD")
        assert second_sha != first_sha
        second = Repository().get_pipeline(PIPELINE_NAME).runs[-1]  # type: ignore[union-attr]
        assert second.git_sha == second_sha
        assert second.get_step("which").outputs["version"].read() == "v2"

        # The working copy gone: a run (cache off, so the step runs) still has the code.
        checkout.rename(tmp_path / "work-moved")
        local = LocalAirflow(home, home / "dags")
        user, password = local.credentials()
        api_url = Repository().active_stack.orchestrator.api_url  # type: ignore[attr-defined]
        with AirflowClient(api_url, user, password) as client:
            run_id = client.trigger(PIPELINE_NAME, conf={"zenml_enable_cache": False})["dag_run_id"]
            final = client.wait_for_dag_run(PIPELINE_NAME, run_id, timeout=300)
            assert final["state"] == "success"
            assert final["bundle_version"] == second_sha
        third = Repository().get_pipeline(PIPELINE_NAME).runs[-1]  # type: ignore[union-attr]
        assert third.git_sha == second_sha
        ran = third.get_step("which")
        assert ran.status is ExecutionStatus.COMPLETED  # ran, not cached
        assert ran.outputs["version"].read() == "v2"
        assert ran.outputs["module_file"].read().startswith(str(bundles / second_sha))
    finally:
        cli("stack", "down", "--force", check=False)
