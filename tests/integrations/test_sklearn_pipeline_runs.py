"""A seed-style pipeline passes a scikit-learn classifier between steps on the local
orchestrator, and the post-execution API reads it back (the seed's quickstart shape)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.base import ClassifierMixin
from sklearn.linear_model import LogisticRegression

from tests.integrations import sklearn_steps
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.integrations.sklearn.helpers.digits import get_digits
from zenml_airflow.integrations.sklearn.materializers.sklearn_materializer import (
    DEFAULT_FILENAME,
    SklearnMaterializer,
)
from zenml_airflow.repository import Repository


def test_a_classifier_returned_by_a_step_reaches_the_next_step_and_reads_back() -> None:
    run = sklearn_steps.build().run(run_name="digits-1")
    assert run.status is ExecutionStatus.COMPLETED

    pipeline = Repository().get_pipeline("digits_pipeline")
    assert pipeline is not None
    last = pipeline.runs[-1]
    assert last.name == "digits-1"

    trainer = last.get_step("trainer")
    artifact = trainer.output
    assert artifact.type == "ModelArtifact"
    assert artifact.data_type == "sklearn.linear_model._logistic:LogisticRegression"
    assert (Path(artifact.uri) / DEFAULT_FILENAME).is_file()

    model = artifact.read()
    assert isinstance(model, LogisticRegression) and isinstance(model, ClassifierMixin)
    _, X_test, _, y_test = get_digits()
    accuracy = last.get_step("evaluator").output.read()
    # the evaluator step scored the model it received; the model read back scores the same
    assert accuracy == pytest.approx(model.score(X_test, y_test)) and accuracy > 0.9
    np.testing.assert_array_equal(
        model.predict(X_test), artifact.read(materializer_class=SklearnMaterializer).predict(X_test)
    )


def test_a_rerun_is_cached_and_reads_the_same_model() -> None:
    sklearn_steps.build().run(run_name="digits-a")
    sklearn_steps.build().run(run_name="digits-b")
    pipeline = Repository().get_pipeline("digits_pipeline")
    assert pipeline is not None
    first, second = pipeline.get_run("digits-a"), pipeline.get_run("digits-b")
    assert second.get_step("trainer").is_cached
    X_test = get_digits()[1]
    np.testing.assert_array_equal(
        first.get_step("trainer").output.read().predict(X_test),
        second.get_step("trainer").output.read().predict(X_test),
    )
