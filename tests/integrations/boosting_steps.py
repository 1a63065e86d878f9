"""Seed-style steps and pipelines that pass XGBoost and LightGBM models (Boosters and
scikit-learn wrappers) between steps, importable by module path as the local orchestrator needs."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import xgboost as xgb

from zenml_airflow.integrations.constants import LIGHTGBM, XGBOOST
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import Output, step

LABELS = np.array(["setosa", "versicolor", "virginica"])


def iris() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Iris (bundled with scikit-learn), every other row for training."""
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    return X[::2], X[1::2], y[::2], y[1::2]


@step
def importer() -> Output(
    X_train=np.ndarray, X_test=np.ndarray, y_train=np.ndarray, y_test=np.ndarray
):
    """Iris, split in halves."""
    X_train, X_test, y_train, y_test = iris()
    return X_train, X_test, y_train, y_test


@step
def xgb_trainer(X_train: np.ndarray, y_train: np.ndarray) -> Output(
    booster=xgb.Booster, classifier=xgb.XGBClassifier
):
    """An XGBoost Booster and an XGBClassifier on the same data."""
    booster = xgb.train(
        {"objective": "multi:softprob", "num_class": 3, "max_depth": 2},
        xgb.DMatrix(X_train, label=y_train),
        num_boost_round=8,
    )
    classifier = xgb.XGBClassifier(n_estimators=8, max_depth=2, random_state=0)
    classifier.fit(X_train, y_train)
    return booster, classifier


@step
def xgb_evaluator(
    X_test: np.ndarray, y_test: np.ndarray, booster: xgb.Booster, classifier: xgb.XGBClassifier
) -> Output(booster_accuracy=float, classifier_accuracy=float):
    """Accuracies of both models: proves they arrived fitted and working."""
    booster_predictions = booster.predict(xgb.DMatrix(X_test)).argmax(axis=1)
    return (
        float((booster_predictions == y_test).mean()),
        float((classifier.predict(X_test) == y_test).mean()),
    )


@pipeline(required_integrations=[XGBOOST])
def xgboost_pipeline(importer, trainer, evaluator):
    X_train, X_test, y_train, y_test = importer()
    booster, classifier = trainer(X_train=X_train, y_train=y_train)
    evaluator(X_test=X_test, y_test=y_test, booster=booster, classifier=classifier)


def build_xgboost() -> xgboost_pipeline:
    return xgboost_pipeline(importer=importer(), trainer=xgb_trainer(), evaluator=xgb_evaluator())


@step
def lgb_trainer(X_train: np.ndarray, y_train: np.ndarray) -> Output(
    booster=lgb.Booster, classifier=lgb.LGBMClassifier
):
    """A LightGBM Booster and an LGBMClassifier (with string labels) on the same data."""
    booster = lgb.train(
        {"objective": "multiclass", "num_class": 3, "verbose": -1, "min_data_in_leaf": 5},
        lgb.Dataset(X_train, label=y_train),
        num_boost_round=8,
    )
    classifier = lgb.LGBMClassifier(n_estimators=8, min_child_samples=5, verbose=-1)
    classifier.fit(X_train, LABELS[y_train])
    return booster, classifier


@step
def lgb_evaluator(
    X_test: np.ndarray, y_test: np.ndarray, booster: lgb.Booster, classifier: lgb.LGBMClassifier
) -> Output(booster_accuracy=float, classifier_accuracy=float):
    """Accuracies of both models: proves they arrived fitted and working."""
    booster_predictions = np.asarray(booster.predict(X_test)).argmax(axis=1)
    return (
        float((booster_predictions == y_test).mean()),
        float((classifier.predict(X_test) == LABELS[y_test]).mean()),
    )


@pipeline(required_integrations=[LIGHTGBM])
def lightgbm_pipeline(importer, trainer, evaluator):
    X_train, X_test, y_train, y_test = importer()
    booster, classifier = trainer(X_train=X_train, y_train=y_train)
    evaluator(X_test=X_test, y_test=y_test, booster=booster, classifier=classifier)


def build_lightgbm() -> lightgbm_pipeline:
    return lightgbm_pipeline(importer=importer(), trainer=lgb_trainer(), evaluator=lgb_evaluator())
