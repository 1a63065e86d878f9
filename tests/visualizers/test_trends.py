"""Values across runs (issue 16): scalar outputs and numeric artifact metadata as series over a
pipeline's runs, drawn as small SVG charts."""

from __future__ import annotations

from zenml_airflow.artifact_io import read_artifact
from zenml_airflow.pipelines import pipeline
from zenml_airflow.repository import Repository
from zenml_airflow.steps import BaseStepConfig, Output, step
from zenml_airflow.visualizers.svg import trend_chart_svg
from zenml_airflow.visualizers.trends import trend_series


class Quality(BaseStepConfig):
    target: float = 0.5


@step
def evaluate(config: Quality) -> Output(accuracy=float, rows=list, flag=bool):
    return config.target, list(range(int(config.target * 10))), True


@pipeline(enable_cache=False)
def retraining(evaluate):
    evaluate()


def test_scalar_outputs_and_numeric_metadata_become_series_over_runs() -> None:
    for accuracy in (0.5, 0.75, 0.9):
        retraining(evaluate=evaluate(config=Quality(target=accuracy))).run()
    stack = Repository().active_stack
    store = stack.metadata_store.open_store()
    runs = sorted(store.list_runs("retraining"), key=lambda r: r.created_at)
    outputs = store.list_run_outputs([r.id for r in runs])
    assert set(outputs[runs[0].id]) == {
        ("evaluate", "accuracy"),
        ("evaluate", "rows"),
        ("evaluate", "flag"),
    }

    with stack.artifact_store.open_store():
        series = {s.label: s for s in trend_series(runs, outputs, read_artifact)}
    # The float output by value; the list by its recorded length; a bool is not charted.
    assert [p.value for p in series["evaluate.accuracy"].points] == [0.5, 0.75, 0.9]
    assert [p.value for p in series["evaluate.rows: length"].points] == [5, 7, 9]
    assert [p.run for p in series["evaluate.accuracy"].points] == [r.name for r in runs]
    assert not any(label.startswith("evaluate.flag") and "length" not in label for label in series)

    svg = trend_chart_svg(
        "evaluate.accuracy",
        [(p.run, p.value, f"/runs/{p.run_id}") for p in series["evaluate.accuracy"].points],
    )
    assert svg.count("<circle") == 3 and 'aria-label="evaluate.accuracy across runs"' in svg
    assert "max 0.9, latest 0.9" in svg and "min 0.5" in svg


def test_a_value_in_fewer_than_two_runs_or_unreadable_is_not_charted() -> None:
    retraining(evaluate=evaluate(config=Quality(target=0.8))).run()
    stack = Repository().active_stack
    store = stack.metadata_store.open_store()
    runs = store.list_runs("retraining")
    outputs = store.list_run_outputs([r.id for r in runs])
    assert trend_series(runs, outputs, read_artifact) == []  # one run: nothing to compare

    retraining(evaluate=evaluate(config=Quality(target=0.6))).run()
    runs = sorted(store.list_runs("retraining"), key=lambda r: r.created_at)
    outputs = store.list_run_outputs([r.id for r in runs])

    def unreadable(record: object) -> object:
        raise OSError("gone")

    labels = [s.label for s in trend_series(runs, outputs, unreadable)]
    assert "evaluate.accuracy" not in labels and "evaluate.rows: length" in labels
    assert trend_chart_svg("x", [("a", 1.0, "/a"), ("b", None, "/b")]) == ""
