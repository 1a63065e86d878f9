"""End-to-end runs on the default stack (local orchestrator, sqlite, local artifact store)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from tests.execution import steps_for_tests as s
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import (
    MaterializerError,
    MaterializerNotFoundError,
    RunNameExistsError,
    StepExecutionError,
    StepInterfaceError,
)
from zenml_airflow.repository import Repository


@pytest.fixture(autouse=True)
def _reset_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s.CALLS.clear()
    monkeypatch.setenv("ZENML_TEST_MARKER", str(tmp_path / "marker.txt"))


def artifact_root() -> Path:
    return Path(Repository().active_stack.artifact_store.path)


def registered_uris() -> set[str]:
    uris = set()
    for pipeline in Repository().get_pipelines():
        for run in pipeline.runs:
            for step in run.steps:
                uris |= {a.uri for a in step.outputs.values()}
    return uris


def files_under(root: Path) -> set[str]:
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_run_records_steps_artifacts_and_lineage() -> None:
    run = s.build(amount=10).run(run_name="first")
    assert run.name == "first"
    assert run.status is ExecutionStatus.COMPLETED
    assert s.CALLS == ["numbers", "add", "square"]

    pipeline = Repository().get_pipeline("arithmetic")
    assert pipeline is not None and [r.name for r in pipeline.runs] == ["first"]
    view = pipeline.get_run("first")
    assert view.get_step_names() == ["numbers", "add", "square"]
    numbers, add, square = view.steps
    assert numbers.outputs["a"].read() == 2 and numbers.outputs["b"].read() == 3
    assert add.parameters == {"amount": 10}
    assert add.output.read() == 15
    assert square.output.read() == 225
    assert square.input.producer_step == add
    assert add.inputs["a"] == numbers.outputs["a"]
    assert [p.name for p in square.parent_steps] == ["add"]
    assert numbers.docstring == "Two numbers."
    assert add.entrypoint_name == "add"
    assert add.status is ExecutionStatus.COMPLETED and not add.is_cached
    art = add.output
    assert art.type == "DataArtifact" and art.data_type == "builtins:int"
    assert art.uri.startswith(str(artifact_root()))
    assert Path(art.uri).parts[-4:-1] == ("arithmetic", "add", "output")
    assert len(art.content_hash) == 64


def test_rerun_is_cached_and_points_to_the_original_run() -> None:
    s.build().run(run_name="r1")
    s.CALLS.clear()
    run = s.build().run(run_name="r2")
    assert s.CALLS == []
    assert run.status is ExecutionStatus.COMPLETED
    assert all(step.status is ExecutionStatus.CACHED and step.is_cached for step in run.steps)
    # A cached step's time is the executor's: from before the cache lookup to its record.
    assert all(step.duration is not None and step.duration > 0 for step in run.steps)
    assert run.get_step("square").output.read() == 36
    assert run.get_step("square").output.is_cached
    pipeline = Repository().get_pipeline("arithmetic")
    assert pipeline is not None
    assert pipeline.get_run_for_completed_step("square").name == "r1"
    # The cached step's output is the very artifact the first run wrote.
    assert run.get_step("add").output == pipeline.get_run("r1").get_step("add").output


def test_parameter_change_reruns_the_step_and_everything_downstream() -> None:
    s.build(amount=1).run(run_name="a")
    s.CALLS.clear()
    run = s.build(amount=2).run(run_name="b")
    assert s.CALLS == ["add", "square"]
    assert run.get_step("numbers").is_cached
    assert run.get_step("square").output.read() == 49


def test_equal_data_from_a_fresh_upstream_run_still_hits_the_cache() -> None:
    s.build().run(run_name="a")
    s.CALLS.clear()
    # Disable caching only for `numbers`: it runs again but produces equal data.
    instance = s.build()
    type(instance.steps["numbers"]).ENABLE_CACHE = False
    try:
        run = instance.run(run_name="b")
    finally:
        type(instance.steps["numbers"]).ENABLE_CACHE = None
    assert s.CALLS == ["numbers"]
    assert run.get_step("numbers").status is ExecutionStatus.COMPLETED
    assert run.get_step("add").is_cached and run.get_step("square").is_cached


def _load_module(path: Path, name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


STEP_MODULE = """
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import step

@step
def compute() -> int:
    return {value}

@step
def follow(x: int) -> int:
    return x + 1

@pipeline
def code_change(compute, follow):
    follow(x=compute())
"""


def test_code_change_invalidates_the_cache(tmp_path: Path) -> None:
    (tmp_path / "v1.py").write_text(STEP_MODULE.format(value=1))
    (tmp_path / "v2.py").write_text(STEP_MODULE.format(value=2))
    (tmp_path / "v1_copy.py").write_text(STEP_MODULE.format(value=1))
    v1 = _load_module(tmp_path / "v1.py", "zenml_test_v1")
    v2 = _load_module(tmp_path / "v2.py", "zenml_test_v2")
    v1_copy = _load_module(tmp_path / "v1_copy.py", "zenml_test_v1_copy")

    first = v1.code_change(compute=v1.compute(), follow=v1.follow()).run()
    same_code = v1_copy.code_change(compute=v1_copy.compute(), follow=v1_copy.follow()).run()
    changed = v2.code_change(compute=v2.compute(), follow=v2.follow()).run()

    assert first.get_step("compute").status is ExecutionStatus.COMPLETED
    assert same_code.get_step("compute").is_cached, "identical source must hit the cache"
    assert changed.get_step("compute").status is ExecutionStatus.COMPLETED
    assert changed.get_step("follow").status is ExecutionStatus.COMPLETED
    assert changed.get_step("follow").output.read() == 3


def test_run_level_enable_cache_false_reruns_everything() -> None:
    s.build().run()
    s.CALLS.clear()
    run = s.build().run(enable_cache=False)
    assert s.CALLS == ["numbers", "add", "square"]
    assert all(step.status is ExecutionStatus.COMPLETED for step in run.steps)
    assert run.runtime_configuration == {"enable_cache": False}


def test_pipeline_level_enable_cache_false() -> None:
    from zenml_airflow.pipelines import pipeline

    @pipeline(enable_cache=False)
    def uncached(numbers, add, square):
        a, b = numbers()
        square(value=add(a=a, b=b))

    uncached(numbers=s.numbers(), add=s.add(), square=s.square()).run()
    s.CALLS.clear()
    uncached(numbers=s.numbers(), add=s.add(), square=s.square()).run()
    assert s.CALLS == ["numbers", "add", "square"]


def test_step_with_context_is_not_cached_unless_asked(tmp_path: Path) -> None:
    s.with_context(numbers=s.numbers(), add=s.add(), ctx=s.context_step()).run(run_name="c1")
    info = eval((tmp_path / "marker.txt").read_text())  # noqa: S307 - written by the test step
    assert info["step_name"] == "ctx"
    assert info["run_name"] == "c1"
    assert info["status"] == "running", "a run is running until its last step finished"
    assert info["stack"] == "default"
    assert info["materializer"] == "BuiltInMaterializer"
    assert Path(info["uri"]).parts[-4:-1] == ("with_context", "ctx", "output")
    s.CALLS.clear()
    run = s.with_context(numbers=s.numbers(), add=s.add(), ctx=s.context_step()).run(run_name="c2")
    assert s.CALLS == ["context_step"]
    assert run.get_step("ctx").status is ExecutionStatus.COMPLETED
    assert run.get_step("ctx").output.uri != info["uri"], "each run writes a fresh directory"

    s.with_context(numbers=s.numbers(), add=s.add(), ctx=s.cached_context_step()).run()
    s.CALLS.clear()
    run = s.with_context(numbers=s.numbers(), add=s.add(), ctx=s.cached_context_step()).run()
    assert s.CALLS == []
    assert run.get_step("ctx").is_cached


def test_cache_hit_whose_artifacts_are_gone_reruns_the_step() -> None:
    import shutil

    first = s.build().run()
    shutil.rmtree(first.get_step("square").output.uri)
    s.CALLS.clear()
    run = s.build().run()
    assert s.CALLS == ["square"]
    assert run.get_step("square").status is ExecutionStatus.COMPLETED
    assert run.get_step("square").output.read() == 36


def test_custom_materializer_is_picked_up_for_its_type() -> None:
    run = s.blob_pipeline(make_blob=s.make_blob(), read_blob=s.read_blob()).run()
    output = run.get_step("make_blob").output
    assert output.materializer.endswith(":BlobMaterializer")
    assert output.read().text == "hello"
    assert run.get_step("read_blob").output.read() == "hello!"
    assert (Path(output.uri) / "blob.txt").read_text() == "hello"


def test_with_return_materializers_overrides_the_registry() -> None:
    run = s.single_step(step_one=s.greet().with_return_materializers(s.ShoutingMaterializer)).run()
    output = run.get_step("step_one").output
    assert output.materializer.endswith(":ShoutingMaterializer")
    assert output.read() == "HELLO"


def test_missing_materializer_fails_before_the_body_runs(tmp_path: Path) -> None:
    with pytest.raises(
        MaterializerNotFoundError,
        match=r"Output 'output' of step 'step_one'.*No materializer is registered for type",
    ):
        s.single_step(step_one=s.returns_unmaterializable()).run()
    assert not (tmp_path / "marker.txt").exists(), "the step body must not run"
    assert Repository().get_pipeline("single_step") is None, "nothing is recorded"


def test_a_failing_materializer_leaves_no_artifact() -> None:
    root = artifact_root()
    before = files_under(root)
    step = s.one().with_return_materializers(s.HalfWritingMaterializer)
    with pytest.raises(
        MaterializerError, match=r"Writing output 'output' of step 'step_one'.*OSError: disk full"
    ):
        s.single_step(step_one=step).run(run_name="broken")
    assert files_under(root) == before, "the half-written file must be removed"
    run = Repository().get_pipeline("single_step").get_run("broken")
    assert run.status is ExecutionStatus.FAILED
    failed = run.get_step("step_one")
    assert failed.status is ExecutionStatus.FAILED
    assert failed.outputs == {}
    assert "disk full" in (failed.error or "")


def test_a_raising_step_fails_the_run_and_stops_downstream() -> None:
    instance = s.failing(numbers=s.numbers(), add=s.add(), explode=s.explode(), square=s.square())
    with pytest.raises(
        StepExecutionError,
        match=r"Step 'explode' of run 'boom' failed: ValueError: cannot handle 6",
    ) as info:
        instance.run(run_name="boom")
    assert isinstance(info.value.__cause__, ValueError)
    run = Repository().get_pipeline("failing").get_run("boom")
    assert run.status is ExecutionStatus.FAILED
    assert run.get_step_names() == ["numbers", "add", "explode"]
    assert "square" not in s.CALLS
    assert run.get_step("explode").outputs == {}


def test_wrong_number_of_returned_values() -> None:
    with pytest.raises(
        StepInterfaceError, match=r"declares 2 outputs \['a', 'b'\] but returned 3 values"
    ):
        s.single_step(step_one=s.wrong_count()).run()


def test_duplicate_run_name_is_refused() -> None:
    s.build().run(run_name="same")
    with pytest.raises(RunNameExistsError, match="same"):
        s.build().run(run_name="same")


def test_runs_are_chronological_and_default_names_are_unique() -> None:
    first = s.build().run()
    second = s.build(amount=5).run()
    assert first.name != second.name and first.name.startswith("arithmetic-")
    runs = Repository().get_pipeline("arithmetic").runs
    assert [r.name for r in runs] == [first.name, second.name]
    assert runs[-1].get_step("square").output.read() == 100


def test_skip_materialization_passes_the_artifact() -> None:
    run = s.skip_materialization(numbers_one=s.one(), artifact_input=s.artifact_input()).run()
    uri = run.get_step("artifact_input").output.read()
    assert uri == run.get_step("numbers_one").output.uri
    assert os.path.isdir(uri)


def test_with_config_file_sets_parameters(tmp_path: Path) -> None:
    from zenml_airflow.exceptions import DuplicatedConfigurationError, PipelineConfigurationError

    config = tmp_path / "config.yaml"
    config.write_text("steps:\n  add:\n    parameters:\n      amount: 7\n")
    run = (
        s.arithmetic(numbers=s.numbers(), add=s.add(), square=s.square()).with_config(config).run()
    )
    assert run.get_step("add").parameters == {"amount": 7}
    assert run.get_step("square").output.read() == 144

    with pytest.raises(DuplicatedConfigurationError, match=r"'amount' is also set in code"):
        s.build(amount=3).with_config(config)
    overwritten = s.build(amount=3).with_config(config, overwrite_step_parameters=True)
    assert overwritten.steps["add"].parameters() == {"amount": 7}

    config.write_text("steps:\n  ad:\n    parameters:\n      amount: 7\n")
    with pytest.raises(PipelineConfigurationError, match=r"no step named 'ad'.*Did you mean 'add'"):
        s.build().with_config(config)
    config.write_text("steps:\n  add:\n    parameters:\n      amont: 7\n")
    with pytest.raises(
        PipelineConfigurationError,
        match=r"'amont' is not a field of AddConfig.*Did you mean 'amount'",
    ):
        s.arithmetic(numbers=s.numbers(), add=s.add(), square=s.square()).with_config(config)
    config.write_text("steps:\n  add:\n    parameters:\n      amount: not-a-number\n")
    with pytest.raises(StepInterfaceError, match=r"Invalid parameters for step 'add'"):
        s.arithmetic(numbers=s.numbers(), add=s.add(), square=s.square()).with_config(config)
    config.write_text("steps: [oops")
    with pytest.raises(PipelineConfigurationError, match=r"is not valid YAML"):
        s.build().with_config(config)


def test_prevent_execution_env_var_skips_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZENML_AIRFLOW_PREVENT_PIPELINE_EXECUTION", "1")
    assert s.build().run() is None
    assert s.CALLS == []


def test_local_orchestrator_refuses_a_schedule() -> None:
    from zenml_airflow.exceptions import StackError
    from zenml_airflow.pipelines import Schedule

    with pytest.raises(
        StackError, match=r"cannot run 'arithmetic' on a schedule.*airflow orchestrator"
    ):
        s.build().run(schedule=Schedule(cron_expression="0 3 * * *"))
    assert s.CALLS == []
    assert Repository().get_pipeline("arithmetic") is None


def test_progress_lines_print_names_as_they_are(capsys: pytest.CaptureFixture[str]) -> None:
    # Names are text, not rich markup: brackets in a run name must reach the log unchanged.
    s.build(amount=1).run(run_name="nightly [red]x[/]")
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        "Running pipeline 'arithmetic' as run 'nightly [red]x[/]' on stack 'default' (3 steps)"
    )
    assert err[1].startswith("  [1/3] numbers ran in ")
    assert err[-1].startswith("Run 'nightly [red]x[/]' completed in ")
    assert err[-1].endswith(": 3 ran, 0 cached.")

    s.build(amount=1).run(run_name="again")
    assert "  [3/3] square cached (" in capsys.readouterr().err


def _payload_outputs(run_name: str) -> tuple[str, str, int]:
    step = Repository().get_pipeline("payloads").get_run(run_name).get_step("payload")
    output = step.output
    return output.id, output.uri, step.id


def test_identical_large_outputs_share_one_stored_copy() -> None:
    s.build_payloads().run(run_name="one", enable_cache=False)
    s.build_payloads().run(run_name="two", enable_cache=False)
    first_id, first_uri, _ = _payload_outputs("one")
    second_id, second_uri, second_step = _payload_outputs("two")
    assert second_id != first_id and second_uri == first_uri  # own artifact, shared bytes
    producer = (
        Repository().active_stack.metadata_store.open_store().get_artifact_producer(second_id)
    )
    assert producer.id == second_step  # lineage: run "two" produced it
    payload_dirs = {
        p.parent for p in artifact_root().rglob("*") if p.is_file() and "payload" in p.parts
    }
    assert payload_dirs == {Path(first_uri)}  # the second copy was removed
    run = Repository().get_pipeline("payloads").get_run("two")
    assert run.get_step("measure").output.read() == 100_000

    s.build_payloads(fill="y").run(run_name="other", enable_cache=False)
    assert _payload_outputs("other")[1] != first_uri  # other content: a copy of its own


def test_small_outputs_and_outputs_whose_twin_is_gone_keep_their_own_copy() -> None:
    s.build_payloads(size=10).run(run_name="small-1", enable_cache=False)
    s.build_payloads(size=10).run(run_name="small-2", enable_cache=False)
    assert _payload_outputs("small-1")[1] != _payload_outputs("small-2")[1]

    s.build_payloads().run(run_name="big-1", enable_cache=False)
    _, uri, _ = _payload_outputs("big-1")
    import shutil

    shutil.rmtree(uri)  # the stored copy was deleted by hand
    s.build_payloads().run(run_name="big-2", enable_cache=False)
    _, second_uri, _ = _payload_outputs("big-2")
    assert second_uri != uri and Path(second_uri).is_dir()
    assert (
        Repository().get_pipeline("payloads").get_run("big-2").get_step("payload").output.read()
        == "x" * 100_000
    )


def test_a_failed_registration_after_sharing_keeps_the_shared_copy_and_leaves_no_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from zenml_airflow.exceptions import MetadataStoreError
    from zenml_airflow.metadata.store import SQLMetadataStore

    s.build_payloads().run(run_name="one", enable_cache=False)
    _, uri, _ = _payload_outputs("one")
    real = SQLMetadataStore.finish_step_run

    def failing(self: SQLMetadataStore, step_run_id: int, **kwargs: object) -> object:
        outputs = kwargs["outputs"]
        assert isinstance(outputs, dict)
        if any(getattr(a, "uri", None) == uri for a in outputs.values()):
            raise MetadataStoreError("the database went away")  # as a killed server would
        return real(self, step_run_id, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(SQLMetadataStore, "finish_step_run", failing)
    with pytest.raises(MetadataStoreError, match="went away"):
        s.build_payloads().run(run_name="two", enable_cache=False)
    files = {p for p in artifact_root().rglob("*") if p.is_file() and "payload" in p.parts}
    assert {p.parent for p in files} == {Path(uri)}
    assert Repository().get_pipeline("payloads").get_run("one").get_step("payload").output.read()
