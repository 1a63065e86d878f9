"""Contract tests of the SQL metadata store's write and read API, run against every backend."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from metadata_helpers import StartStep, new_artifact

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import DoesNotExistError, MetadataStoreError, RunNameExistsError
from zenml_airflow.metadata import NewArtifact, RunRecord, SQLMetadataStore, StepRunRecord

COMPLETED = ExecutionStatus.COMPLETED
CACHED = ExecutionStatus.CACHED
FAILED = ExecutionStatus.FAILED
RUNNING = ExecutionStatus.RUNNING


def _complete(
    store: SQLMetadataStore,
    step: StepRunRecord,
    *,
    inputs: dict[str, str] | None = None,
    outputs: dict[str, NewArtifact | str] | None = None,
    cache_key: str | None = None,
) -> StepRunRecord:
    return store.finish_step_run(
        step.id, status=COMPLETED, cache_key=cache_key, inputs=inputs or {}, outputs=outputs or {}
    )


def _status(store: SQLMetadataStore, run: RunRecord) -> ExecutionStatus:
    fresh = store.get_run(run.name)
    assert fresh is not None
    return fresh.status


# --- pipelines and runs ------------------------------------------------------------------------


def test_get_or_create_pipeline_is_idempotent_and_pipelines_list_by_name(
    store: SQLMetadataStore,
) -> None:
    zeta = store.get_or_create_pipeline("zeta")
    assert store.get_or_create_pipeline("zeta") == zeta
    store.get_or_create_pipeline("alpha")
    assert [p.name for p in store.list_pipelines()] == ["alpha", "zeta"]
    assert store.get_pipeline("zeta") == zeta
    assert store.get_pipeline("missing") is None
    assert zeta.created_at.tzinfo is UTC


def test_create_run_records_every_field(store: SQLMetadataStore) -> None:
    run = store.create_run(
        "training",
        "training-1",
        num_steps=3,
        orchestrator="airflow",
        orchestrator_run_id="training/manual__2024",
        stack_name="default",
        zenml_version="0.1.0",
        git_sha="abc123",
        runtime_configuration={"enable_cache": False, "nested": {"a": [1, 2]}},
    )
    assert store.get_run("training-1") == run
    assert store.get_run_by_id(run.id) == run
    assert store.get_run_by_orchestrator_id("training", "training/manual__2024") == run
    assert (run.pipeline_name, run.num_steps, run.orchestrator) == ("training", 3, "airflow")
    assert (run.stack_name, run.zenml_version, run.git_sha) == ("default", "0.1.0", "abc123")
    assert run.runtime_configuration == {"enable_cache": False, "nested": {"a": [1, 2]}}
    assert run.status is RUNNING and run.finished_at is None
    assert run.created_at.tzinfo is UTC
    assert store.get_run("nope") is None and store.get_run_by_id(10_000) is None


def test_records_are_frozen_dataclasses_not_orm_objects(store: SQLMetadataStore) -> None:
    run = store.create_run("p", "r", num_steps=1)
    assert dataclasses.is_dataclass(run)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.name = "other"  # type: ignore[misc]


def test_duplicate_run_name_raises_run_name_exists(store: SQLMetadataStore) -> None:
    store.create_run("p", "nightly", num_steps=1)
    with pytest.raises(
        RunNameExistsError,
        match=rf"A pipeline run named 'nightly' already exists in {re.escape(store.masked_url)}; "
        r"pass a different run_name",
    ):
        store.create_run("p", "nightly", num_steps=1)
    with pytest.raises(RunNameExistsError, match="'nightly' already exists"):
        store.create_run("another_pipeline", "nightly", num_steps=1)
    assert [r.name for r in store.list_runs("p")] == ["nightly"]


def test_get_or_create_run_is_idempotent_per_orchestrator_run(store: SQLMetadataStore) -> None:
    first = store.get_or_create_run(
        "p", "p-run-1", orchestrator_run_id="p/run_1", num_steps=2, orchestrator="airflow"
    )
    again = store.get_or_create_run(
        "p", "p-run-1", orchestrator_run_id="p/run_1", num_steps=2, orchestrator="airflow"
    )
    assert again == first
    assert len(store.list_runs("p")) == 1
    with pytest.raises(RunNameExistsError, match=r"'p-run-1' already exists.*'p/run_2'"):
        store.get_or_create_run("p", "p-run-1", orchestrator_run_id="p/run_2", num_steps=2)
    with pytest.raises(MetadataStoreError, match=r"already recorded as run 'p-run-1'"):
        store.get_or_create_run("p", "renamed", orchestrator_run_id="p/run_1", num_steps=2)
    with pytest.raises(MetadataStoreError, match=r"already recorded as run 'p-run-1'"):
        store.create_run("p", "renamed", orchestrator_run_id="p/run_1", num_steps=2)


def test_runs_of_several_pipelines_may_share_an_orchestrator_run_id_only_across_pipelines(
    store: SQLMetadataStore,
) -> None:
    store.create_run("a", "a-1", num_steps=1, orchestrator_run_id="same")
    store.create_run("b", "b-1", num_steps=1, orchestrator_run_id="same")
    store.create_run("a", "a-2", num_steps=1)  # NULL orchestrator ids never collide
    store.create_run("a", "a-3", num_steps=1)
    assert [r.name for r in store.list_runs("a")] == ["a-1", "a-2", "a-3"]


def test_invalid_run_arguments_are_rejected(store: SQLMetadataStore) -> None:
    with pytest.raises(MetadataStoreError, match="run name must be a non-empty string"):
        store.create_run("p", "  ", num_steps=1)
    with pytest.raises(MetadataStoreError, match="num_steps of run 'r' must be a non-negative"):
        store.create_run("p", "r", num_steps=-1)
    with pytest.raises(MetadataStoreError, match="at most 255"):
        store.create_run("p", "x" * 300, num_steps=1)


def test_names_are_case_and_space_sensitive_and_unicode_round_trips(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    # MySQL's default collations compare case- and trailing-space-insensitively; the store must
    # treat names exactly as sqlite and PostgreSQL do, and keep 4-byte UTF-8 intact.
    names = ["Train", "train", "train ", "训练-🚀"]
    pipelines = [store.get_or_create_pipeline(name) for name in names]
    assert [p.name for p in pipelines] == names
    assert len({p.id for p in pipelines}) == 4
    assert sorted(p.name for p in store.list_pipelines()) == sorted(names)
    for name in names:
        run = store.create_run(name, f"run-{name}", num_steps=1)
        assert store.get_run(f"run-{name}") == run
        step = start_step(run.id, f"step-{name}", docstring="Ünïcödé 🚀", parameters={"k": "🚀"})
        got = store.get_step_run(step.id)
        assert (got.name, got.docstring, got.parameters) == (
            f"step-{name}",
            "Ünïcödé 🚀",
            {"k": "🚀"},
        )
    assert [r.name for r in store.list_runs("train")] == ["run-train"]
    assert [r.name for r in store.list_runs("train ")] == ["run-train "]


def test_longest_allowed_names_and_uris_fit_every_backend(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    # The limits of tables.py, in 4-byte characters: MySQL's index limit is in bytes.
    run_name = "🚀" * 255
    orchestrator_run_id = "ü" * 512
    run = store.create_run(
        "p" * 255, run_name, num_steps=1, orchestrator_run_id=orchestrator_run_id
    )
    assert store.get_run_by_orchestrator_id("p" * 255, orchestrator_run_id) == run
    step = start_step(
        run.id, "🚀" * 255, entrypoint="m" * 512, source_hash="h" * 128, docstring="d" * 100_000
    )
    artifact = new_artifact("long", uri="/" + "🚀" * 767, content_hash="c" * 128)
    _complete(store, step, outputs={"o" * 255: artifact}, cache_key="k" * 128)
    assert store.get_artifact(artifact.id).uri == artifact.uri
    assert store.get_step_run(step.id).docstring == "d" * 100_000
    failing = start_step(run.id, "failing")
    traceback = "Traceback (most recent call last):\n" + "  frame 🚀\n" * 20_000
    assert store.fail_step_run(failing.id, traceback).error == traceback
    hit = store.lookup_cache("k" * 128)
    assert hit is not None and hit.step_run.id == step.id


def test_values_over_the_limits_fail_alike_on_every_backend_before_writing(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    # sqlite would store them, PostgreSQL refuse them, non-strict MySQL silently truncate them.
    run = store.create_run("p", "r", num_steps=1)
    with pytest.raises(MetadataStoreError, match=r"step source hash .* keeps at most 128"):
        start_step(run.id, "a", source_hash="h" * 129)
    step = start_step(run.id, "a")
    with pytest.raises(MetadataStoreError, match=r"cache key .* keeps at most 128"):
        _complete(store, step, cache_key="k" * 129)
    with pytest.raises(MetadataStoreError, match=r"artifact uri .* keeps at most 768"):
        _complete(store, step, outputs={"output": new_artifact("a", uri="/" + "u" * 768)})
    with pytest.raises(MetadataStoreError, match=r"git sha .* keeps at most 64"):
        store.create_run("p", "r2", num_steps=1, git_sha="0" * 65)
    assert store.get_step_run(step.id).status is RUNNING
    assert [r.name for r in store.list_runs("p")] == ["r"]


def test_timestamps_are_stored_as_utc_with_microseconds(store: SQLMetadataStore) -> None:
    run = store.create_run("p", "r", num_steps=1)
    fresh = store.get_run("r")
    assert fresh is not None
    # Stored and read back exactly, in UTC, whatever the server's or session's time zone.
    assert fresh.created_at == run.created_at and fresh.created_at.tzinfo is UTC
    assert abs(datetime.now(UTC) - fresh.created_at) < timedelta(minutes=5)
    other_zone = timezone(timedelta(hours=-7))
    assert fresh.created_at.astimezone(other_zone) == run.created_at


def test_list_runs_is_chronological_with_status_in_one_query(
    store: SQLMetadataStore, store_url: str, start_step: StartStep
) -> None:
    names = [f"r{i}" for i in range(5)]
    for name in names:
        run = store.create_run("p", name, num_steps=1)
        _complete(store, start_step(run.id, "only"))
    store.create_run("other", "unrelated", num_steps=1)
    runs = store.list_runs("p")
    assert [r.name for r in runs] == names
    assert all(r.status is COMPLETED for r in runs)

    read, _ = store._engines()
    statements: list[str] = []
    sa.event.listen(read, "before_cursor_execute", lambda *args: statements.append(args[2]))
    store.list_runs("p")
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, "list_runs must not issue one query per run"
    assert store.list_runs("missing") == []


# --- derived run status ------------------------------------------------------------------------


def test_run_with_steps_not_started_yet_is_running(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=3)
    assert run.status is RUNNING
    _complete(store, start_step(run.id, "a"))
    _complete(store, start_step(run.id, "b"))
    # ZenML 0.7 reported this as COMPLETED: no step failed, but step c never ran yet.
    assert _status(store, run) is RUNNING
    assert store.get_run("r").finished_at is None  # type: ignore[union-attr]


def test_run_is_completed_when_every_step_completed_or_cached(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    producer_run = store.create_run("p", "first", num_steps=1)
    artifact = new_artifact("a")
    _complete(store, start_step(producer_run.id, "a"), outputs={"output": artifact})

    run = store.create_run("p", "second", num_steps=2)
    cached = start_step(run.id, "a")
    store.finish_step_run(
        cached.id, status=CACHED, cache_key="k", inputs={}, outputs={"output": artifact.id}
    )
    last = start_step(run.id, "b")
    assert _status(store, run) is RUNNING
    finished = _complete(store, last, inputs={"x": artifact.id})
    fresh = store.get_run("second")
    assert fresh is not None and fresh.status is COMPLETED
    assert fresh.finished_at == finished.finished_at


def test_run_is_failed_when_the_latest_try_of_a_step_failed(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=3)
    _complete(store, start_step(run.id, "a"))
    failed = store.fail_step_run(start_step(run.id, "b").id, "ValueError: boom")
    assert failed.status is FAILED and failed.error == "ValueError: boom"
    assert failed.finished_at is not None
    fresh = store.get_run("r")
    assert fresh is not None and fresh.status is FAILED
    assert fresh.finished_at == failed.finished_at


def test_failed_try_followed_by_a_completed_retry_is_completed(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=2)
    _complete(store, start_step(run.id, "a"))
    store.fail_step_run(start_step(run.id, "b", try_number=1).id, "flaky")
    assert _status(store, run) is FAILED
    retry = start_step(run.id, "b", try_number=2)
    assert _status(store, run) is RUNNING
    assert store.get_run("r").finished_at is None  # type: ignore[union-attr]
    _complete(store, retry)
    assert _status(store, run) is COMPLETED
    latest = store.list_step_runs(run.id)
    assert [(s.name, s.try_number, s.status) for s in latest] == [
        ("a", 1, COMPLETED),
        ("b", 2, COMPLETED),
    ]


def test_list_step_runs_returns_latest_tries_in_start_order(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=3)
    first = start_step(run.id, "z_first", step_operator="docker")
    store.fail_step_run(start_step(run.id, "m_second").id, "x")
    second = start_step(run.id, "m_second", try_number=2)
    steps = store.list_step_runs(run.id)
    assert [s.id for s in steps] == [first.id, second.id]
    got = store.get_step_run(first.id)
    assert got == first
    assert got.entrypoint == "my_pipeline.steps:z_first"
    assert got.entrypoint_name == "z_first" and got.docstring == "The z_first step."
    assert got.parameters == {"lr": 0.1, "layers": [1, 2]}
    assert got.step_operator == "docker" and got.source_hash == "src-z_first"
    assert got.status is RUNNING and got.started_at.tzinfo is UTC


# --- step run writes ---------------------------------------------------------------------------


def test_step_run_state_errors_say_what_to_do(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=1)
    step = start_step(run.id, "a")
    with pytest.raises(MetadataStoreError, match=r"Try 1 of step 'a' of run 'r' was already"):
        start_step(run.id, "a")
    with pytest.raises(MetadataStoreError, match="record failures .* with fail_step_run"):
        store.finish_step_run(step.id, status=FAILED, cache_key=None, inputs={}, outputs={})
    _complete(store, step)
    with pytest.raises(MetadataStoreError, match="already finished with status completed"):
        _complete(store, step)
    with pytest.raises(MetadataStoreError, match="already finished.*cannot fail"):
        store.fail_step_run(step.id, "late")
    with pytest.raises(DoesNotExistError, match="No pipeline run with id 999"):
        start_step(999, "a")
    with pytest.raises(DoesNotExistError, match="No step run with id 999"):
        store.get_step_run(999)


def test_finish_step_run_is_atomic(store: SQLMetadataStore, start_step: StartStep) -> None:
    run = store.create_run("p", "r", num_steps=1)
    step = start_step(run.id, "a")
    artifact = new_artifact("a")
    with pytest.raises(DoesNotExistError, match=r"refers to artifacts \['0+'\]"):
        store.finish_step_run(
            step.id,
            status=COMPLETED,
            cache_key="k",
            inputs={"x": "0" * 32},
            outputs={"output": artifact},
        )
    assert store.get_step_run(step.id).status is RUNNING
    with pytest.raises(DoesNotExistError, match="No artifact with id"):
        store.get_artifact(artifact.id)
    assert store.lookup_cache("k") is None


def test_registering_an_existing_uri_with_other_content_fails_without_partial_writes(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=2)
    first = new_artifact("a")
    _complete(store, start_step(run.id, "a"), outputs={"output": first})
    step = start_step(run.id, "b")
    fresh = new_artifact("b")
    clash = new_artifact("c", uri=first.uri)  # content hash "hash-c", not "hash-a"
    with pytest.raises(
        MetadataStoreError, match=rf"{first.uri} is already registered with other content"
    ):
        _complete(store, step, outputs={"one": fresh, "two": clash})
    with pytest.raises(DoesNotExistError):
        store.get_artifact(fresh.id)
    assert store.get_step_run(step.id).status is RUNNING


def test_identical_artifacts_may_share_a_uri_and_keep_their_own_lineage(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=2)
    first = new_artifact("a", content_hash="same")
    producer = _complete(store, start_step(run.id, "a"), outputs={"output": first})
    twin = new_artifact("b", content_hash="same", uri=first.uri)
    second = _complete(store, start_step(run.id, "b"), outputs={"output": twin})
    shared = store.get_artifact(twin.id)
    assert shared.uri == first.uri and shared.id != first.id
    assert store.get_artifact_producer(twin.id).id == second.id
    assert store.get_artifact_producer(first.id).id == producer.id
    found = store.find_identical_artifact(
        content_hash="same", materializer=first.materializer, data_type=first.data_type,
        artifact_type=first.artifact_type, under="/artifacts",
    )  # fmt: skip
    assert found is not None and found.id == twin.id  # the newest of the two
    step = start_step(run.id, "c")
    with pytest.raises(MetadataStoreError, match="two outputs at one uri"):
        _complete(
            store,
            step,
            outputs={
                "x": new_artifact("e", content_hash="h", uri="/artifacts/one/place"),
                "y": new_artifact("f", content_hash="h", uri="/artifacts/one/place"),
            },
        )


def test_find_identical_artifact_matches_content_writer_and_store(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=1)
    kept = new_artifact("a", content_hash="h1", uri="/store-a/p/s/output/1")
    _complete(store, start_step(run.id, "a"), outputs={"output": kept})

    def find(**changes: str) -> str | None:
        query = {"content_hash": "h1", "materializer": kept.materializer,
                 "data_type": kept.data_type, "artifact_type": kept.artifact_type,
                 "under": "/store-a"} | changes  # fmt: skip
        found = store.find_identical_artifact(**query)
        return None if found is None else found.id

    assert find() == kept.id
    assert find(under="/store-a/") == kept.id
    assert find(content_hash="h2") is None
    assert find(materializer="other:Materializer") is None
    assert find(data_type="builtins.str") is None
    assert find(artifact_type="ModelArtifact") is None
    assert find(under="/store") is None  # a prefix of the root, not the same store
    assert find(under="/store-%") is None  # LIKE wildcards are plain text


def test_new_artifact_ids_must_be_uuid_hex() -> None:
    with pytest.raises(MetadataStoreError, match=r"'not-hex'.*uuid.uuid4\(\).hex"):
        new_artifact("a", id="not-hex")


# --- artifacts, lineage and cache --------------------------------------------------------------


def test_artifacts_are_registered_with_their_producer_and_links(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=2)
    trainer = start_step(run.id, "trainer")
    model = new_artifact("model", artifact_type="ModelArtifact", size_bytes=None)
    _complete(store, trainer, outputs={"model": model})
    evaluator = start_step(run.id, "evaluator")
    _complete(store, evaluator, inputs={"model": model.id})

    record = store.get_artifact(model.id)
    assert (record.uri, record.artifact_type, record.size_bytes) == (
        model.uri,
        "ModelArtifact",
        None,
    )
    assert record.producer_step_run_id == trainer.id and record.created_at.tzinfo is UTC
    assert store.get_artifact_producer(model.id).id == trainer.id
    inputs, outputs = store.get_step_io(evaluator.id)
    assert inputs == {"model": record} and outputs == {}
    assert store.get_step_io(trainer.id) == ({}, {"model": record})
    with pytest.raises(DoesNotExistError, match="No artifact with id 'f+'"):
        store.get_artifact_producer("f" * 32)


def test_cached_step_links_to_the_producers_artifacts(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    first_run = store.create_run("p", "first", num_steps=1)
    producer = start_step(first_run.id, "a")
    artifact = new_artifact("a")
    _complete(store, producer, outputs={"output": artifact}, cache_key="key-a")

    hit = store.lookup_cache("key-a")
    assert hit is not None
    assert hit.step_run.id == producer.id
    assert hit.outputs == {"output": store.get_artifact(artifact.id)}

    second_run = store.create_run("p", "second", num_steps=1)
    cached = store.finish_step_run(
        start_step(second_run.id, "a").id,
        status=CACHED,
        cache_key="key-a",
        inputs={},
        outputs={name: record.id for name, record in hit.outputs.items()},
    )
    assert cached.is_cached and cached.cache_key == "key-a"
    assert cached.cached_from_step_run_id == producer.id  # inferred from the artifacts
    _, outputs = store.get_step_io(cached.id)
    assert outputs["output"].id == artifact.id
    assert outputs["output"].producer_step_run_id == producer.id
    assert store.get_artifact_producer(artifact.id).id == producer.id
    # A cached step answers no cache key itself: the entry still names the producer.
    again = store.lookup_cache("key-a")
    assert again is not None and again.step_run.id == producer.id
    assert _status(store, second_run) is COMPLETED


def test_parent_step_runs_follow_the_consumed_artifacts(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=4)
    a, b = start_step(run.id, "a"), start_step(run.id, "b")
    out_a, out_b = new_artifact("a"), new_artifact("b")
    _complete(store, a, outputs={"output": out_a})
    _complete(store, b, outputs={"output": out_b})
    c = start_step(run.id, "c")
    _complete(store, c, inputs={"x": out_a.id, "y": out_b.id}, outputs={"output": new_artifact()})
    d = start_step(run.id, "d")
    _complete(store, d, inputs={"x": out_a.id})
    assert [s.id for s in store.get_parent_step_runs(c.id)] == [a.id, b.id]
    assert [s.id for s in store.get_parent_step_runs(d.id)] == [a.id]
    assert store.get_parent_step_runs(a.id) == []

    # In a later run whose step a was cached, c's parent is that run's (cached) a.
    later = store.create_run("p", "later", num_steps=2)
    cached_a = store.finish_step_run(
        start_step(later.id, "a").id, status=CACHED, cache_key=None, inputs={},
        outputs={"output": out_a.id}, cached_from_step_run_id=a.id,
    )  # fmt: skip
    later_c = start_step(later.id, "c")
    # Input y comes straight from the first run's b: its producer is the parent.
    _complete(store, later_c, inputs={"x": out_a.id, "y": out_b.id})
    assert {s.id for s in store.get_parent_step_runs(later_c.id)} == {cached_a.id, b.id}


def test_one_cache_entry_per_key_first_completion_wins(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=2)
    first, second = start_step(run.id, "a"), start_step(run.id, "b")
    _complete(store, first, outputs={"output": new_artifact()}, cache_key="same")
    _complete(store, second, outputs={"output": new_artifact()}, cache_key="same")
    hit = store.lookup_cache("same")
    assert hit is not None and hit.step_run.id == first.id

    assert store.delete_cache_entry("same") is True
    assert store.lookup_cache("same") is None
    assert store.delete_cache_entry("same") is False
    rerun = store.create_run("p", "r2", num_steps=1)
    third = start_step(rerun.id, "a")
    _complete(store, third, outputs={"output": new_artifact()}, cache_key="same")
    hit = store.lookup_cache("same")
    assert hit is not None and hit.step_run.id == third.id


def test_steps_without_cache_key_or_failed_create_no_cache_entry(
    store: SQLMetadataStore, start_step: StartStep
) -> None:
    run = store.create_run("p", "r", num_steps=2)
    _complete(store, start_step(run.id, "a"), outputs={"output": new_artifact()})
    store.fail_step_run(start_step(run.id, "b").id, "boom")
    assert store.lookup_cache("") is None
    read, _ = store._engines()
    with read.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM cache_entries")).scalar() == 0
