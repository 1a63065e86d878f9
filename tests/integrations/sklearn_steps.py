"""Seed-style steps and a pipeline that pass a scikit-learn classifier between steps (importable
by module path, as the local orchestrator needs)."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.linear_model import LogisticRegression

from zenml_airflow.integrations.constants import SKLEARN
from zenml_airflow.integrations.sklearn.helpers.digits import get_digits
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import Output, step


@step
def importer() -> Output(
    X_train=np.ndarray, X_test=np.ndarray, y_train=np.ndarray, y_test=np.ndarray
):
    """The digits, split in halves."""
    X_train, X_test, y_train, y_test = get_digits()
    return X_train, X_test, y_train, y_test


@step
def trainer(X_train: np.ndarray, y_train: np.ndarray) -> ClassifierMixin:
    """A logistic regression on the digits."""
    model = LogisticRegression(max_iter=2000)
    model.fit(X_train, y_train)
    return model


@step
def evaluator(X_test: np.ndarray, y_test: np.ndarray, model: ClassifierMixin) -> float:
    """Accuracy on the test half: proves the model arrived fitted and working."""
    return float(model.score(X_test, y_test))


@pipeline(required_integrations=[SKLEARN])
def digits_pipeline(importer, trainer, evaluator):
    X_train, X_test, y_train, y_test = importer()
    model = trainer(X_train=X_train, y_train=y_train)
    evaluator(X_test=X_test, y_test=y_test, model=model)


def build() -> digits_pipeline:
    return digits_pipeline(importer=importer(), trainer=trainer(), evaluator=evaluator())
