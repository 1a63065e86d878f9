"""The plugin inside a real Airflow: deploy and run a pipeline, then look at it in headless Chromium.

Uses the session's local Airflow (tests/conftest.py), which loads the plugin through the
package's ``airflow.plugins`` entry point, and finds the pipeline's metadata store from the
deployed DAG's spec (nothing configured). Screenshots land in this test's tmp folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.plugin.browser import Chromium, chromium_executable
from zenml_airflow.orchestrators.airflow_local import LocalAirflow

PIPELINE = Path(__file__).with_name("ui_pipeline.py")
CLI = str(Path(sys.executable).with_name("zenml-airflow"))
# Read at import (collection), before any test's own config dir replaces it.
SESSION_CONFIG_DIR = os.environ["ZENML_AIRFLOW_CONFIG_DIR"]


def cli(*args: str, config_dir: str | None = None) -> str:
    env = os.environ.copy()
    if config_dir is not None:
        env["ZENML_AIRFLOW_CONFIG_DIR"] = config_dir
    result = subprocess.run([CLI, *args], capture_output=True, text=True, check=False, env=env)
    assert result.returncode == 0, (
        f"zenml-airflow {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def api_server_config_dir(airflow: LocalAirflow) -> str:
    """The ``ZENML_AIRFLOW_CONFIG_DIR`` the session's Airflow runs with: the session-wide one
    ``tests/conftest.py`` sets at import (each test then gets its own, which Airflow never sees)."""
    assert airflow.is_running()
    return SESSION_CONFIG_DIR


def token(airflow: LocalAirflow) -> str:
    user, password = airflow.credentials()
    request = urllib.request.Request(
        f"{airflow.api_url}/auth/token",
        data=json.dumps({"username": user, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.load(response)["access_token"])


def get(url: str, bearer: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {bearer}"} if bearer else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.timeout(600)
def test_pipeline_run_artifacts_and_lineage_in_the_airflow_ui(
    local_airflow: LocalAirflow, tmp_path: Path
) -> None:
    chromium_executable()  # installs Debian's chromium first if it is missing
    cli("orchestrator", "register", "ui_af", "--flavor", "airflow",
        f"--dags_folder={local_airflow.dags_folder}", f"--airflow_home={local_airflow.airflow_home}",
        f"--api_url={local_airflow.api_url}")  # fmt: skip
    cli(
        "artifact-store",
        "register",
        "ui_artifacts",
        "--flavor",
        "local",
        f"--path={tmp_path / 'artifacts'}",
    )
    cli(
        "metadata-store",
        "register",
        "ui_metadata",
        "--flavor",
        "sqlite",
        f"--uri={tmp_path / 'metadata.db'}",
    )
    cli(
        "stack",
        "register",
        "ui_stack",
        "-o",
        "ui_af",
        "-m",
        "ui_metadata",
        "-a",
        "ui_artifacts",
        "--set",
    )
    cli("pipeline", "deploy", f"{PIPELINE}:ui_run", "--trigger", "--wait")
    # The plugin reads only stores the api-server's host allows (docs/ui.md): register ours in the
    # zenml-airflow config the api-server runs with, as the operator of a deployment would.
    server_config = api_server_config_dir(local_airflow)
    cli("artifact-store", "register", "ui_artifacts", "--flavor", "local", f"--path={tmp_path / 'artifacts'}",
        config_dir=server_config)  # fmt: skip
    cli("metadata-store", "register", "ui_metadata", "--flavor", "sqlite", f"--uri={tmp_path / 'metadata.db'}",
        config_dir=server_config)  # fmt: skip

    base = local_airflow.api_url
    with local_airflow.client() as client:
        runs = client.request("GET", "/api/v2/dags/ui_pipeline/dagRuns")["dag_runs"]
    [dag_run] = runs
    run_id = dag_run["dag_run_id"]
    jwt = token(local_airflow)

    # Airflow's own login guards the app: 401 without it, the data with it.
    assert get(f"{base}/zenml/api/pipelines")[0] == 401
    status, body = get(f"{base}/zenml/api/pipelines", jwt)
    assert status == 200, body
    # Other tests' DAGs in the shared Airflow name stores of their own: find ours among them.
    stores = json.loads(body)["stores"]
    [pipeline] = [p for store in stores for p in store["pipelines"] if p["name"] == "ui_pipeline"]
    assert pipeline["name"] == "ui_pipeline" and pipeline["dags"] == ["ui_pipeline"]
    plugins = json.loads(get(f"{base}/api/v2/plugins", jwt)[1])["plugins"]
    assert any(p["name"] == "zenml_airflow" for p in plugins)
    links = json.loads(get(
        f"{base}/api/v2/dags/ui_pipeline/dagRuns/{urllib.parse.quote(run_id, safe='')}/taskInstances/train/links", jwt
    )[1])["extra_links"]  # fmt: skip
    assert links["zenml-airflow step"].startswith("/zenml/airflow/task-instance?dag_id=ui_pipeline")

    shots = tmp_path / "screenshots"
    shots.mkdir()
    with Chromium(tmp_path) as browser:
        browser.set_cookie("_token", jwt, base)

        # The nav entry: Airflow's page with our view in an iframe.
        frame = "document.querySelector('iframe')?.contentDocument?.body?.innerText || ''"
        browser.open(
            f"{base}/plugin/zenml-airflow", until=f"({frame}).includes('ui_pipeline')", timeout=90
        )
        nav_text = browser.evaluate(frame)
        assert "Pipelines" in nav_text and "completed" in nav_text
        browser.screenshot(shots / "nav.png")

        # The run tab on Airflow's DAG-run page.
        run_tab = f"{base}/dags/ui_pipeline/runs/{urllib.parse.quote(run_id, safe='')}/plugin/zenml-airflow-run"
        browser.open(run_tab, until=f"({frame}).includes('Lineage')", timeout=90)
        run_text = browser.evaluate(frame)
        for expected in ("load", "train", "evaluate", "completed", '{"rows": 30}', "Steps"):
            assert expected in run_text, expected
        assert browser.evaluate(
            "document.querySelector('iframe').contentDocument.querySelector('svg.zen-lineage') !== null"
        )
        browser.screenshot(shots / "run-tab.png")

        # An artifact page, reached from the run page's link: table preview and lineage both ways.
        href = browser.evaluate(
            "[...document.querySelector('iframe').contentDocument.querySelectorAll('a')]"
            ".find(a => a.textContent === 'table').getAttribute('href')"
        )
        assert href.startswith("/zenml/artifacts/")
        browser.open(f"{base}{href}", until="document.body.innerText.includes('Column statistics')")
        artifact_text = browser.evaluate("document.body.innerText")
        assert "pandas" in artifact_text and "30 rows" in artifact_text
        assert "Produced by" in artifact_text and "train (input table)" in artifact_text
        # The facts the materializer recorded (issue 16), rendered in a real browser.
        assert "Metadata" in artifact_text and "schema" in artifact_text
        browser.screenshot(shots / "artifact.png")

    for name in ("nav.png", "run-tab.png", "artifact.png"):
        assert (shots / name).stat().st_size > 10_000, name
    print(f"screenshots: {shots}")
