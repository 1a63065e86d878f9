"""Pipelines on the local orchestrator with an s3 (moto) or gcs (fake-gcs-server) artifact store:
run, cache hit, read back through ``Repository`` in a separate process; credentials as secret
references; a failed write leaves nothing registered or visible."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.backends import backend_pipelines as bp
from tests.backends.object_stores import gcs_component, s3_component
from tests.secrets.conftest import make_local
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MaterializerError, StackError
from zenml_airflow.io import fileio
from zenml_airflow.repository import Repository
from zenml_airflow.secrets import build_secret
from zenml_airflow.stack import Stack
from zenml_airflow.stack.components import (
    ArtifactStoreComponent,
    LocalArtifactStoreComponent,
    LocalOrchestratorComponent,
    SQLiteMetadataStoreComponent,
)

REPO = Path(__file__).resolve().parents[2]


def _component(flavor: str, tmp_path: Path, **overrides: Any) -> ArtifactStoreComponent:
    if flavor == "s3":
        return s3_component(**overrides)
    if flavor == "gcs":
        return gcs_component(**overrides)
    return LocalArtifactStoreComponent.from_config("local-store", {"path": str(tmp_path / "store")})


def _register(tmp_path: Path, artifact_store: ArtifactStoreComponent, **extra: Any) -> Stack:
    stack = Stack(
        "objects",
        orchestrator=LocalOrchestratorComponent(name="local"),
        metadata_store=SQLiteMetadataStoreComponent.from_config(
            "meta", {"uri": str(tmp_path / "m.db")}
        ),
        artifact_store=artifact_store,
        **extra,
    )
    Repository().register_stack(stack, activate=True)
    return Repository().active_stack


def _with_secret_references(flavor: str, tmp_path: Path) -> tuple[ArtifactStoreComponent, Any]:
    """The store's credentials as ``{{secret.key}}`` references, and the secrets manager holding
    them (a local one: the point is resolution at use, not where the secret lives)."""
    manager = make_local(tmp_path, "vault")
    if flavor == "s3":
        plain = s3_component()
        manager.register_secret(
            build_secret("store_creds", None, {"key": "testing", "secret": "testing"})
        )
        overrides = {"key": "{{store_creds.key}}", "secret": "{{store_creds.secret}}"}
    else:
        plain = gcs_component()
        manager.register_secret(build_secret("store_creds", None, {"token": "anon"}))
        overrides = {"token": "{{store_creds.token}}"}
    component = type(plain).from_config("objects-store", {**plain.config, **overrides})
    return component, manager


@pytest.mark.parametrize("flavor", ["s3", "gcs"])
def test_pipeline_runs_caches_and_reads_back_in_another_process(
    flavor: str, tmp_path: Path
) -> None:
    component, manager = _with_secret_references(flavor, tmp_path)
    stack = _register(tmp_path, component, secrets_manager=manager)
    root = stack.artifact_store.path
    assert "{{" in json.dumps(stack.artifact_store.config), "the profile keeps the references"

    first = bp.build().run(run_name="first")
    assert first.status is ExecutionStatus.COMPLETED
    assert bp.CALLS == ["make_array", "make_note", "summarize"]
    store = Repository().active_stack.artifact_store.open_store()
    if flavor == "s3":
        assert store.fs.key == "testing", "the reference was resolved when the store was opened"
    # (gcs: an unresolved "{{...}}" token would be taken for a credentials file and fail.)

    bp.CALLS.clear()
    second = bp.build().run(run_name="second")
    assert second.status is ExecutionStatus.COMPLETED
    assert bp.CALLS == [], "every step was a cache hit"

    script = textwrap.dedent(
        """
        import json, numpy as np
        from zenml_airflow.repository import Repository
        from tests.backends.backend_pipelines import Note
        pipeline = Repository().get_pipeline("object_store_pipeline")
        runs = {run.name: run for run in pipeline.runs}
        first, second = runs["first"], runs["second"]
        array = first.get_step("make_array").output.read()
        note = second.get_step("make_note").output.read()
        print(json.dumps({
            "uris": [a.uri for s in first.steps for a in s.outputs.values()],
            "cached": [s.is_cached for s in second.steps],
            "array": [int(array.size), int(array[-1])],
            "note": [note.title, note.lines],
            "total": second.get_step("summarize").output.read(),
        }))
        """
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.getcwd(),
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    seen = json.loads(completed.stdout.strip().splitlines()[-1])
    assert seen["uris"] and all(
        uri.startswith(root + "/object_store_pipeline/") for uri in seen["uris"]
    )
    assert seen["cached"] == [True, True, True]
    count = int(0.01 * 1024 * 1024) // 8
    assert seen["array"] == [count, count - 1]
    assert seen["note"] == ["Grüße", ["first line", "zweite Zeile", "🎉"]]
    assert seen["total"] == count * (count - 1) // 2 + 3

    # The custom materializer's files are really in the bucket, where fileio finds them.
    with store:
        note_uri = next(u for u in seen["uris"] if "/make_note/" in u)
        assert fileio.listdir(note_uri) == ["lines", "títle.txt"]
        assert fileio.listdir(note_uri + "/lines") == ["000.txt", "001.txt", "002.txt"]


@pytest.mark.parametrize("flavor", ["s3", "gcs"])
def test_unresolvable_credential_reference_fails_at_use_naming_the_field(
    flavor: str, tmp_path: Path
) -> None:
    component, manager = _with_secret_references(flavor, tmp_path)
    field = "key" if flavor == "s3" else "token"
    broken = type(component).from_config(
        "broken-store", {**component.config, field: "{{no_such_secret.value}}"}
    )
    stack = _register(tmp_path, broken, secrets_manager=manager)  # registration does no lookups
    with pytest.raises(StackError, match=rf"field '{field}'.*no_such_secret"):
        stack.artifact_store.open_store().fs  # noqa: B018


@pytest.mark.parametrize("flavor", ["local", "s3", "gcs"])
def test_a_write_that_fails_midway_registers_and_leaves_nothing(
    flavor: str, tmp_path: Path
) -> None:
    stack = _register(tmp_path, _component(flavor, tmp_path))
    store = stack.artifact_store.open_store()
    step = bp.one().with_return_materializers(bp.FragileMaterializer)
    with pytest.raises(
        MaterializerError, match=r"Writing output 'output' of step 'one'.*disk is full"
    ):
        bp.fragile_pipeline(one=step).run(run_name="broken")
    if flavor != "local":
        # An object appears only when its upload completes, and a failed one is aborted.
        assert bp.SEEN_WHILE_WRITING == [False]
    run = Repository().get_pipeline("fragile_pipeline").get_run("broken")
    assert run.status is ExecutionStatus.FAILED
    assert run.get_step("one").outputs == {}
    output_dir = store.path + "/fragile_pipeline/one/output"
    with store:
        assert not fileio.exists(output_dir) or fileio.listdir(output_dir) == [], (
            "the half-written artifact was left in the store"
        )
