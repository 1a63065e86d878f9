"""The UI plugin settles killed steps before it shows them (issue 14): a step whose process was
killed with kill -9 shows as failed, on the run page and in the pipeline's run list, instead of
running forever."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from fastapi.testclient import TestClient

from tests.plugin.conftest import KEY, fake_user, viewer_for
from zenml_airflow.artifacts.store import ArtifactStore
from zenml_airflow.metadata.store import SQLMetadataStore
from zenml_airflow.plugin.app import create_app
from zenml_airflow.plugin.stores import Catalog, StaticCatalog, StoreHandle

_STEP_IN_CHILD = textwrap.dedent("""
    import sys, time
    from zenml_airflow.metadata import SQLMetadataStore
    store = SQLMetadataStore(sys.argv[1])
    run = store.get_run("r")
    step = store.start_step_run(run.id, "train", entrypoint="m:s", entrypoint_name="s",
                                docstring=None, parameters={}, source_hash="h")
    print(step.id, flush=True)
    time.sleep(600)
""")


def test_a_step_of_a_killed_process_shows_as_failed_not_running(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'metadata.db'}"
    store = SQLMetadataStore(url)
    run = store.create_run("killed_pipeline", "r", num_steps=1)
    child = subprocess.Popen(
        [sys.executable, "-c", _STEP_IN_CHILD, url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip().isdigit(), "the child did not start its step"
        handle = StoreHandle(KEY, "local", store, ArtifactStore(str(tmp_path / "artifacts")))
        app = create_app(
            StaticCatalog(Catalog({KEY: handle}, {}, frozenset())),
            user_dependency=fake_user,
            access=viewer_for,
        )
        with TestClient(app, headers={"X-Test-User": "admin"}, root_path="/zenml") as http:
            page = http.get(f"/api/runs/{KEY}/{run.id}").json()
            assert [s["status"] for s in page["steps"]] == ["running"], "a live step is running"

            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)

            page = http.get(f"/api/runs/{KEY}/{run.id}").json()
            assert [s["status"] for s in page["steps"]] == ["failed"]
            assert page["run"]["status"] == "failed"
            listed = http.get(f"/api/pipelines/{KEY}/killed_pipeline").json()
            assert [r["status"] for r in listed["runs"]] == ["failed"]
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
        store.close()
