"""``zenml-airflow artifact-store gc``: dry run by default, --delete removes, registered stays."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

from tests.cli.cli_helpers import invoke
from zenml_airflow.pipelines import pipeline
from zenml_airflow.repository import Repository
from zenml_airflow.steps import step


@step
def make() -> int:
    return 7


@pipeline
def gc_cli(make):
    make()


def _old_leftover() -> Path:
    store = Repository().active_stack.artifact_store.open_store()
    uri = store.artifact_uri("gc_cli", "make", "output", uuid.uuid4().hex)
    with store:
        store.prepare(uri)
    (Path(uri) / "data.json").write_text("7")
    then = time.time() - 48 * 3600
    for path in (Path(uri), Path(uri) / "data.json"):
        os.utime(path, (then, then))
    return Path(uri)


def test_gc_lists_by_default_and_removes_with_delete() -> None:
    registered = Path(gc_cli(make=make()).run().get_step("make").output.uri)
    leftover = _old_leftover()

    listed = invoke("artifact-store", "gc")
    assert listed.exit_code == 0, listed.output
    assert leftover.name in listed.output and "add --delete" in listed.output
    assert leftover.exists()

    as_json = json.loads(invoke("artifact-store", "gc", "--json").output)
    assert [item["uri"] for item in as_json["unregistered"]] == [str(leftover)]
    assert as_json["removed"] == []

    removed = invoke("artifact-store", "gc", "--delete")
    assert removed.exit_code == 0, removed.output
    assert "Removed 1 directory." in removed.output
    assert not leftover.exists() and registered.exists()
    assert "No unregistered artifact directories" in invoke("artifact-store", "gc").output


def test_a_young_leftover_is_kept_until_the_grace_period_passes() -> None:
    leftover = _old_leftover()
    now = time.time()
    for path in (leftover, leftover / "data.json"):
        os.utime(path, (now, now))
    assert "No unregistered" in invoke("artifact-store", "gc", "--delete").output
    assert leftover.exists()
    assert leftover.name in invoke("artifact-store", "gc", "--grace-hours", "0").output
