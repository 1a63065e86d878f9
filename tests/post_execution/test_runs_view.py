"""``PipelineView.runs``: a lazy, list-like sequence of runs that never loads all of them for
``len``, ``runs[-1]`` or a slice (issue 8)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.metadata import SQLMetadataStore
from zenml_airflow.post_execution import PipelineRunView, RunsView, get_pipeline, get_run

N = 7


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLMetadataStore]:
    with SQLMetadataStore(f"sqlite:///{tmp_path / 'metadata.db'}") as opened:
        yield opened


@pytest.fixture
def names(store: SQLMetadataStore) -> list[str]:
    names = [f"r{i}" for i in range(N)]
    for i, name in enumerate(names):
        run = store.create_run("p", name, num_steps=1)
        step = store.start_step_run(
            run.id, "only", entrypoint="m:only", entrypoint_name="only", docstring=None,
            parameters={}, source_hash="h",
        )  # fmt: skip
        if i % 2:
            store.finish_step_run(
                step.id, status=ExecutionStatus.COMPLETED, cache_key=None, inputs={}, outputs={}
            )
        if i == 2:
            store.create_run("other", "interleaved", num_steps=1)
    return names


def _runs(store: SQLMetadataStore) -> RunsView:
    view = get_pipeline(store, "p")
    assert view is not None
    return view.runs


def test_indexing_and_negative_indexes(store: SQLMetadataStore, names: list[str]) -> None:
    runs = _runs(store)
    assert isinstance(runs, RunsView)
    assert [runs[i].name for i in range(N)] == names
    assert [runs[-i].name for i in range(1, N + 1)] == names[::-1]
    assert runs[-1].name == names[-1]  # the latest run
    assert runs[1].status is ExecutionStatus.COMPLETED and runs[0].status is ExecutionStatus.RUNNING
    for bad in (N, -N - 1, 100):
        with pytest.raises(IndexError):
            runs[bad]
    with pytest.raises(TypeError):
        runs["r0"]  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "index",
    [
        slice(None),
        slice(2, 5),
        slice(-3, None),
        slice(None, -2),
        slice(5, 2),
        slice(None, None, 2),
        slice(1, None, 3),
        slice(None, None, -1),
        slice(5, 1, -1),
        slice(-1, -4, -1),
        slice(None, None, -2),
        slice(6, 0, -3),
        slice(2, 2),
        slice(100, 200),
        slice(-100, 3),
        slice(3, 1),
        slice(1, 3, -1),
    ],
)
def test_slices_match_the_list_slices(
    store: SQLMetadataStore, names: list[str], index: slice
) -> None:
    sliced = _runs(store)[index]
    assert isinstance(sliced, list)
    assert [r.name for r in sliced] == names[index]
    assert all(isinstance(r, PipelineRunView) for r in sliced)


def test_len_bool_iteration_order_reversed_and_contains(
    store: SQLMetadataStore, names: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = _runs(store)
    assert len(runs) == N and bool(runs)
    assert [r.name for r in runs] == names  # oldest first
    assert [r.name for r in reversed(runs)] == names[::-1]
    monkeypatch.setattr(RunsView, "PAGE_SIZE", 2)  # several pages, a partial last one
    assert [r.name for r in runs] == names
    assert [r.name for r in reversed(runs)] == names[::-1]
    monkeypatch.setattr(RunsView, "PAGE_SIZE", N)  # a full last page, then an empty one
    assert [r.name for r in runs] == names
    first = runs[0]
    assert first in runs
    assert runs.index(first) == 0 and runs.count(first) == 1
    other = get_pipeline(store, "other")
    assert other is not None
    assert other.runs[0] not in runs and "r0" not in runs
    assert len(other.runs) == 1
    assert get_pipeline(store, "p").get_run_names() == names  # type: ignore[union-attr]


def test_empty_pipeline_runs(store: SQLMetadataStore) -> None:
    store.get_or_create_pipeline("empty")
    view = get_pipeline(store, "empty")
    assert view is not None
    runs = view.runs
    assert len(runs) == 0 and not runs and list(runs) == [] and runs[:] == []
    assert runs == []
    with pytest.raises(IndexError):
        runs[-1]
    assert view.get_run_for_completed_step("only") is None


def test_equality_is_the_lists_equality(store: SQLMetadataStore, names: list[str]) -> None:
    runs = _runs(store)
    as_list = list(runs)
    assert runs == as_list and as_list == runs
    assert runs == _runs(store)
    assert runs != as_list[:-1] and runs != as_list[::-1]
    assert runs != tuple(as_list)  # like a list, never equal to a tuple
    assert runs != "runs"
    with pytest.raises(TypeError):
        hash(runs)
    assert [get_run(store, r.id) for r in as_list] == runs


def test_a_new_run_appears_and_is_the_latest(store: SQLMetadataStore, names: list[str]) -> None:
    runs = _runs(store)
    store.create_run("p", "newest", num_steps=0)
    assert len(runs) == N + 1
    assert runs[-1].name == "newest"
    assert runs[-1].status is ExecutionStatus.COMPLETED  # no steps expected
    view = get_pipeline(store, "p")
    latest_completed = view.get_run_for_completed_step("only") if view is not None else None
    assert latest_completed is not None and latest_completed.name == names[5]


def test_len_and_latest_do_not_read_every_run(store: SQLMetadataStore, names: list[str]) -> None:
    runs = _runs(store)
    read, _ = store._engines()
    statements: list[str] = []
    sa.event.listen(read, "before_cursor_execute", lambda *a: statements.append(a[2]))
    len(runs)
    runs[-1]
    runs[2:4]
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 + 2 + 3  # count; page ids + page; count + page ids + page
    assert any("LIMIT" in s.upper() for s in selects)
    assert sum("count(pipeline_runs.id)" in s.lower() for s in selects) == 2


def test_cli_pipeline_runs_shows_the_newest_limit_runs_oldest_first() -> None:
    import json

    from click.testing import CliRunner

    from zenml_airflow.cli.main import cli
    from zenml_airflow.repository import Repository

    store = Repository().active_stack.metadata_store.open_store()
    names = [f"run-{i:02d}" for i in range(55)]
    for name in names:
        store.create_run("paged", name, num_steps=0)

    def runs(*args: str) -> list[str]:
        result = CliRunner().invoke(cli, ["pipeline", "runs", "paged", *args, "--json"])
        assert result.exit_code == 0, result.output
        return [r["name"] for r in json.loads(result.stdout)]

    assert runs() == names[-50:]  # default --limit 50: the newest, oldest first
    assert runs("--limit", "3") == names[-3:]
    assert runs("--limit", "0") == names
    assert runs("--limit", "100") == names
    text = CliRunner().invoke(cli, ["pipeline", "runs", "paged", "--limit", "2"])
    assert text.exit_code == 0, text.output
    assert "run-54" in text.stdout and "run-52" not in text.stdout
    assert "Showing the newest 2 of 55 runs" in text.stdout
    listed = CliRunner().invoke(cli, ["pipeline", "list", "--json"])
    assert json.loads(listed.stdout)[0]["runs"] == 55
    assert json.loads(listed.stdout)[0]["latest_run"] == "run-54"
