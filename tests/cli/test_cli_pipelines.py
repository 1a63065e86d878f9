"""``zenml-airflow pipeline list/runs/describe-run`` against real runs, and switching the active
stack changing where the next ``p.run()`` writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import cli_steps
from cli_helpers import fails, ok, ok_json

from zenml_airflow.repository import Repository


def run_names(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [row[0] for row in connection.execute("SELECT name FROM pipeline_runs ORDER BY id")]


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_pipeline_list_and_runs() -> None:
    assert ok("pipeline", "list").strip() == "No pipeline has run on this stack yet."
    cli_steps.build().run(run_name="first")
    cli_steps.build(factor=3).run(run_name="second")
    assert ok_json("pipeline", "list") == [
        {
            "name": "tiny",
            "runs": 2,
            "latest_run": "second",
            "latest_status": "completed",
            "latest_created_at": ok_json("pipeline", "list")[0]["latest_created_at"],
        }
    ]
    assert "tiny" in ok("pipeline", "list")
    runs = ok_json("pipeline", "runs", "tiny")
    assert [(r["name"], r["status"], r["steps"], r["stack"]) for r in runs] == [
        ("first", "completed", 2, "default"),
        ("second", "completed", 2, "default"),
    ]
    assert runs[0]["orchestrator"] == "local"
    text = ok("pipeline", "runs", "tiny")
    assert "first" in text and "second" in text
    # the CODE column: the commit of the checkout the local runs imported their steps from
    from zenml_airflow.utils.git import git_sha_for

    assert runs[0]["git_sha"] == git_sha_for(cli_steps.__file__)
    assert "CODE" in text and (runs[0]["git_sha"] or "")[:12] in text


def test_describe_run_shows_steps_status_cache_and_artifacts() -> None:
    cli_steps.build().run(run_name="first")
    cli_steps.build().run(run_name="again")  # every step cached
    data = ok_json("pipeline", "describe-run", "first")
    assert (data["name"], data["pipeline"], data["status"]) == ("first", "tiny", "completed")
    load, scale = data["steps"]
    assert (load["name"], load["status"], load["cached"]) == ("load", "completed", False)
    assert scale["parameters"] == {"factor": 2}
    assert set(load["outputs"]) == {"numbers", "label"}
    numbers = load["outputs"]["numbers"]
    assert numbers["type"] == "DataArtifact"
    assert numbers["data_type"] == "builtins:list"
    assert Path(numbers["uri"]).is_dir()
    assert scale["inputs"]["numbers"]["id"] == numbers["id"]
    cached = ok_json("pipeline", "describe-run", "again")["steps"]
    assert [(s["status"], s["cached"]) for s in cached] == [("cached", True), ("cached", True)]
    assert cached[1]["outputs"]["output"]["uri"] == scale["outputs"]["output"]["uri"]
    text = ok("pipeline", "describe-run", "first")
    assert "Run 'first' of pipeline 'tiny': completed" in text
    assert numbers["uri"] in text and "builtins:list" in text


def test_unknown_pipeline_and_run_suggest() -> None:
    cli_steps.build().run(run_name="first")
    assert fails("pipeline", "runs", "tinny") == (
        "No pipeline named 'tinny' in the metadata store. Did you mean 'tiny'? Pipelines: tiny."
    )
    message = fails("pipeline", "describe-run", "frist")
    assert message.startswith(
        "No run named 'frist' in the metadata store of stack 'default'. Did you mean 'first'?"
    )


def test_pipeline_commands_read_another_stack_with_option(tmp_path: Path) -> None:
    cli_steps.build().run(run_name="on-default")
    ok("metadata-store", "register", "empty", "-f", "sqlite", f"--uri={tmp_path}/empty.db")
    ok("stack", "register", "other", "-o", "default", "-m", "empty", "-a", "default")
    assert ok_json("pipeline", "list", "--stack", "other") == []
    assert [p["name"] for p in ok_json("pipeline", "list")] == ["tiny"]


def test_switching_the_active_stack_changes_where_runs_land(tmp_path: Path) -> None:
    old_stack = Repository().active_stack
    old_artifacts = Path(old_stack.artifact_store.path)
    old_db = Path(old_stack.metadata_store.uri)  # type: ignore[attr-defined]
    cli_steps.build().run(run_name="before")
    old_files = files_under(old_artifacts)
    assert old_files and run_names(old_db) == ["before"]

    new_artifacts, new_db = tmp_path / "new-artifacts", tmp_path / "new-meta.db"
    ok("artifact-store", "register", "new-art", "-f", "local", f"--path={new_artifacts}")
    ok("metadata-store", "register", "new-meta", "-f", "sqlite", f"--uri={new_db}")
    ok("stack", "register", "fresh", "-o", "default", "-m", "new-meta", "-a", "new-art")
    ok("stack", "set", "fresh")

    run = cli_steps.build().run(run_name="after")
    # a fresh metadata store has no cache: both steps ran and wrote into the new stores
    assert [step.is_cached for step in run.steps] == [False, False]
    assert run_names(new_db) == ["after"]
    assert run_names(old_db) == ["before"]
    assert files_under(old_artifacts) == old_files
    new_files = files_under(new_artifacts)
    assert new_files
    uris = [a.uri for step in run.steps for a in step.outputs.values()]
    assert all(uri.startswith(str(new_artifacts)) for uri in uris)
    assert ok_json("pipeline", "runs", "tiny")[0]["stack"] == "fresh"

    ok("stack", "set", "default")
    assert [r["name"] for r in ok_json("pipeline", "runs", "tiny")] == ["before"]
