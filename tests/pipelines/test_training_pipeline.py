"""``TrainingPipeline`` from the standard steps: wiring, the seed's chapter-3 program run end to
end on the default local stack and read back through ``Repository``, and compiled to a DAG file
whose steps a worker imports by ``module:qualname``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import tests
from tests.pipelines import training_steps
from zenml_airflow.compiler import compile_pipeline, spec_from_dag_file
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import PipelineInterfaceError, StepExecutionError
from zenml_airflow.integrations.sklearn import steps as sklearn_steps
from zenml_airflow.pipelines.builtin_pipelines import TrainingPipeline
from zenml_airflow.repository import Repository
from zenml_airflow.steps import builtin_steps

REPO_ROOT = Path(tests.__file__).resolve().parents[1]
STEP_NAMES = ["datasource", "splitter", "analyzer", "preprocessor", "trainer", "evaluator"]
ENTRYPOINTS = {
    "datasource": "zenml_airflow.steps.builtin_steps.pandas_datasource:PandasDatasource",
    "splitter": "zenml_airflow.integrations.sklearn.steps.sklearn_splitter:SklearnSplitter",
    "analyzer": "zenml_airflow.steps.builtin_steps.pandas_analyzer:PandasAnalyzer",
    "preprocessor": (
        "zenml_airflow.integrations.sklearn.steps.sklearn_standard_scaler:SklearnStandardScaler"
    ),
    "trainer": "tests.pipelines.training_steps:LogisticRegressionTrainer",
    "evaluator": "zenml_airflow.integrations.sklearn.steps.sklearn_evaluator:SklearnEvaluator",
}


@pytest.fixture
def dataset(tmp_path: Path) -> str:
    return str(training_steps.write_dataset(tmp_path / "breast_cancer.csv"))


def test_connect_wires_the_standard_roles(dataset: str) -> None:
    pipeline = training_steps.chapter_3(dataset)
    assert pipeline.name == "TrainingPipeline"
    assert list(pipeline.steps) == STEP_NAMES
    assert pipeline.required_integrations == ("sklearn",)
    upstream = {name: pipeline.upstream(name) for name in STEP_NAMES}
    assert upstream == {
        "datasource": [],
        "splitter": ["datasource"],
        "analyzer": ["splitter"],
        "preprocessor": ["splitter", "analyzer"],
        "trainer": ["preprocessor"],
        "evaluator": ["preprocessor", "trainer"],
    }
    sources = {
        name: {key: (o.step.name, o.name) for key, o in pipeline.input_sources(name).items()}
        for name in STEP_NAMES
    }
    assert sources["analyzer"] == {"dataset": ("splitter", "train")}
    assert sources["preprocessor"] == {
        "train_dataset": ("splitter", "train"),
        "test_dataset": ("splitter", "test"),
        "validation_dataset": ("splitter", "validation"),
        "statistics": ("analyzer", "statistics"),
        "schema": ("analyzer", "schema"),
    }
    assert sources["trainer"] == {
        "train_dataset": ("preprocessor", "train_transformed"),
        "validation_dataset": ("preprocessor", "validation_transformed"),
    }
    assert sources["evaluator"] == {
        "model": ("trainer", "output"),
        "dataset": ("preprocessor", "test_transformed"),
    }


def test_a_missing_role_is_named(dataset: str) -> None:
    with pytest.raises(
        PipelineInterfaceError, match=r"missing the step\(s\) \['trainer', 'evaluator'\]"
    ):
        TrainingPipeline(
            datasource=builtin_steps.PandasDatasource(
                builtin_steps.PandasDatasourceConfig(path=dataset)
            ),
            splitter=sklearn_steps.SklearnSplitter(
                sklearn_steps.SklearnSplitterConfig(
                    ratios={"train": 0.6, "test": 0.2, "validation": 0.2}
                )
            ),
            analyzer=builtin_steps.PandasAnalyzer(),
            preprocessor=sklearn_steps.SklearnStandardScaler(),
        )


def test_chapter_3_runs_end_to_end_and_reads_back(dataset: str) -> None:
    training_steps.chapter_3(dataset).run()

    # The seed's post-execution part of chapter 3.
    pipeline = Repository().get_pipeline(pipeline_name="TrainingPipeline")
    assert pipeline is not None
    runs = pipeline.runs
    assert len(runs) == 1
    run = runs[-1]
    assert run.status is ExecutionStatus.COMPLETED
    assert len(run.steps) == 6 and run.get_step_names() == STEP_NAMES
    assert all(s.status is ExecutionStatus.COMPLETED for s in run.steps)

    datasource = run.get_step("datasource")
    assert datasource.parameters["path"] == dataset
    data = datasource.output.read()
    assert data.shape == (569, 31) and training_steps.LABEL in data.columns

    splitter = run.get_step("splitter")
    assert splitter.parameters == {"ratios": {"train": 0.7, "test": 0.15, "validation": 0.15}}
    train, test, validation = (splitter.outputs[n].read() for n in ("train", "test", "validation"))
    assert len(train) + len(test) + len(validation) == 569
    assert abs(len(test) - 0.15 * 569) <= 1 and abs(len(validation) - 0.15 * 569) <= 1

    analyzer = run.get_step("analyzer")
    statistics, schema = analyzer.outputs["statistics"], analyzer.outputs["schema"]
    assert (statistics.type, schema.type) == ("StatisticsArtifact", "SchemaArtifact")
    stats = statistics.read()
    assert stats.loc["mean radius", "count"] == len(train)
    assert stats.loc["mean radius", "mean"] == pytest.approx(train["mean radius"].mean())
    assert "80%" in stats.columns and "100%" in stats.columns
    assert schema.read().loc[0, training_steps.LABEL] == "int64"

    preprocessor = run.get_step("preprocessor")
    train_t = preprocessor.outputs["train_transformed"].read()
    assert train_t["mean radius"].mean() == pytest.approx(0.0, abs=1e-9)
    assert train_t["mean radius"].std() == pytest.approx(1.0)
    assert train_t[training_steps.LABEL].tolist() == train[training_steps.LABEL].tolist()  # ignored
    assert train_t.index.tolist() == train.index.tolist()

    trainer = run.get_step("trainer")
    assert trainer.entrypoint_name == "LogisticRegressionTrainer"
    assert trainer.output.type == "ModelArtifact"
    model = trainer.output.read()
    assert isinstance(model, LogisticRegression) and model.n_features_in_ == 30

    evaluator = run.get_step("evaluator")
    report = evaluator.output.read()
    assert report["accuracy"] > 0.9
    assert set(report) == {"0", "1", "accuracy", "macro avg", "weighted avg"}
    assert report["weighted avg"]["support"] == len(test)
    assert [p.name for p in evaluator.parent_steps] == ["preprocessor", "trainer"]
    assert evaluator.inputs["model"] == trainer.output


def test_a_second_run_rereads_the_file_and_serves_the_rest_from_the_cache(dataset: str) -> None:
    training_steps.chapter_3(dataset).run(run_name="first")
    training_steps.chapter_3(dataset).run(run_name="second")
    pipeline = Repository().get_pipeline(pipeline_name="TrainingPipeline")
    assert pipeline is not None
    first, second = pipeline.runs
    assert (first.name, second.name) == ("first", "second")
    assert second.status is ExecutionStatus.COMPLETED
    # The datasource reads the file every time; the same rows make every later step a cache hit.
    cached = {s.name: s.is_cached for s in second.steps}
    assert cached == {name: name != "datasource" for name in STEP_NAMES}
    assert second.get_step("evaluator").output.read() == first.get_step("evaluator").output.read()


def test_a_changed_file_is_not_hidden_by_the_cache(dataset: str) -> None:
    training_steps.chapter_3(dataset).run(run_name="before")
    frame = pd.read_csv(dataset)
    frame.iloc[:400].to_csv(dataset, index=False)  # same path and parameters, fewer rows
    training_steps.chapter_3(dataset).run(run_name="after")
    pipeline = Repository().get_pipeline(pipeline_name="TrainingPipeline")
    assert pipeline is not None
    after = pipeline.get_run("after")
    assert not any(s.is_cached for s in after.steps)
    assert len(after.get_step("datasource").output.read()) == 400
    split = after.get_step("splitter")
    assert sum(len(split.outputs[n].read()) for n in ("train", "test", "validation")) == 400


def test_a_missing_dataset_fails_the_datasource_step_with_the_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.csv")
    with pytest.raises(StepExecutionError, match=r"Step 'datasource' .*nowhere\.csv"):
        training_steps.chapter_3(missing).run()


def test_compiles_to_a_dag_whose_steps_a_worker_imports(dataset: str, tmp_path: Path) -> None:
    path = compile_pipeline(training_steps.chapter_3(dataset), tmp_path / "dags")
    assert path.name == "TrainingPipeline.py"
    spec = spec_from_dag_file(path)
    steps = {s["name"]: s for s in spec["steps"]}
    assert list(steps) == STEP_NAMES
    assert {name: s["entrypoint"] for name, s in steps.items()} == ENTRYPOINTS
    assert steps["datasource"]["parameters"] == {
        "path": dataset, "sep": ",", "header": "infer", "names": None, "index_col": None,
    }  # fmt: skip
    assert steps["analyzer"]["outputs"]["statistics"]["artifact_type"] == "StatisticsArtifact"
    assert steps["trainer"]["outputs"]["output"]["artifact_type"] == "ModelArtifact"
    assert str(REPO_ROOT) in spec["source_roots"]  # where 'tests.pipelines' is imported from
    text = path.read_text(encoding="utf-8")
    assert "import pandas" not in text and "sklearn" not in text.split("SPEC =")[0]

    # A fresh interpreter (as an Airflow worker) imports every step class by its path.
    code = (
        "import json, sys\n"
        "from zenml_airflow.core.step import BaseStep\n"
        "from zenml_airflow.utils.source_utils import import_object\n"
        "paths = json.loads(sys.argv[1])\n"
        "found = {n: import_object(p) for n, p in paths.items()}\n"
        "print(json.dumps({n: [c.__name__, issubclass(c, BaseStep), sorted(c.SIGNATURE.outputs)]"
        " for n, c in found.items()}))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(spec["source_roots"])}
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(ENTRYPOINTS)],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "datasource": ["PandasDatasource", True, ["output"]],
        "splitter": ["SklearnSplitter", True, ["test", "train", "validation"]],
        "analyzer": ["PandasAnalyzer", True, ["schema", "statistics"]],
        "preprocessor": [
            "SklearnStandardScaler", True,
            ["test_transformed", "train_transformed", "validation_transformed"],
        ],
        "trainer": ["LogisticRegressionTrainer", True, ["output"]],
        "evaluator": ["SklearnEvaluator", True, ["output"]],
    }  # fmt: skip
