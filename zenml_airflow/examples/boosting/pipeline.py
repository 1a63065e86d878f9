"""Train an XGBoost and a LightGBM classifier side by side and keep the better one.

importer -> (xgboost_trainer, lightgbm_trainer) -> (xgboost_evaluator, lightgbm_evaluator) ->
compare. The two trainers depend only on the importer, so an orchestrator that runs steps in
parallel (Airflow) trains both models at once. Both models travel between steps in their
library's own format (XGBoost UBJSON, LightGBM model text), never pickled.
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import xgboost as xgb

from zenml_airflow.integrations.constants import LIGHTGBM, SKLEARN, XGBOOST
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import BaseStepConfig, Output, step


class TrainerConfig(BaseStepConfig):
    """Hyperparameters shared by both trainers, so the comparison is fair."""

    n_estimators: int = 50
    max_depth: int = 3
    learning_rate: float = 0.1
    seed: int = 42


@step
def importer() -> Output(
    X_train=np.ndarray, X_test=np.ndarray, y_train=np.ndarray, y_test=np.ndarray
):
    """scikit-learn's bundled breast cancer data set (no download), split 75/25."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    return X_train, X_test, y_train, y_test


@step
def xgboost_trainer(
    config: TrainerConfig, X_train: np.ndarray, y_train: np.ndarray
) -> xgb.XGBClassifier:
    """A gradient-boosted tree classifier with XGBoost."""
    model = xgb.XGBClassifier(
        n_estimators=config.n_estimators,
        max_depth=config.max_depth,
        learning_rate=config.learning_rate,
        random_state=config.seed,
        n_jobs=1,
    )
    return model.fit(X_train, y_train)


@step
def lightgbm_trainer(
    config: TrainerConfig, X_train: np.ndarray, y_train: np.ndarray
) -> lgb.LGBMClassifier:
    """A gradient-boosted tree classifier with LightGBM."""
    model = lgb.LGBMClassifier(
        n_estimators=config.n_estimators,
        max_depth=config.max_depth,
        learning_rate=config.learning_rate,
        random_state=config.seed,
        n_jobs=1,
        verbose=-1,
    )
    return model.fit(X_train, y_train)


@step
def xgboost_evaluator(X_test: np.ndarray, y_test: np.ndarray, model: xgb.XGBClassifier) -> float:
    """Test accuracy of the XGBoost model."""
    return float((model.predict(X_test) == y_test).mean())


@step
def lightgbm_evaluator(X_test: np.ndarray, y_test: np.ndarray, model: lgb.LGBMClassifier) -> float:
    """Test accuracy of the LightGBM model."""
    return float((model.predict(X_test) == y_test).mean())


@step
def compare(xgboost_score: float, lightgbm_score: float) -> Output(
    winner=str, xgboost_accuracy=float, lightgbm_accuracy=float
):
    """The better model's library name (XGBoost on a tie) and both accuracies."""
    winner = "xgboost" if xgboost_score >= lightgbm_score else "lightgbm"
    return winner, xgboost_score, lightgbm_score


@pipeline(required_integrations=[SKLEARN, XGBOOST, LIGHTGBM])
def boosting_pipeline(
    importer,
    xgboost_trainer,
    lightgbm_trainer,
    xgboost_evaluator,
    lightgbm_evaluator,
    compare,
):
    """Links the steps: both trainers and evaluators run side by side."""
    X_train, X_test, y_train, y_test = importer()
    xgb_model = xgboost_trainer(X_train=X_train, y_train=y_train)
    lgb_model = lightgbm_trainer(X_train=X_train, y_train=y_train)
    xgb_accuracy = xgboost_evaluator(X_test=X_test, y_test=y_test, model=xgb_model)
    lgb_accuracy = lightgbm_evaluator(X_test=X_test, y_test=y_test, model=lgb_model)
    compare(xgboost_score=xgb_accuracy, lightgbm_score=lgb_accuracy)


def build(config: TrainerConfig | None = None) -> boosting_pipeline:
    """A pipeline instance, as the seed's examples wrote it."""
    config = config or TrainerConfig()
    return boosting_pipeline(
        importer=importer(),
        xgboost_trainer=xgboost_trainer(config=config),
        lightgbm_trainer=lightgbm_trainer(config=config),
        xgboost_evaluator=xgboost_evaluator(),
        lightgbm_evaluator=lightgbm_evaluator(),
        compare=compare(),
    )


# The instance `zenml-airflow pipeline compile/deploy zenml_examples/boosting/pipeline.py:training`
# uses (in a copy made by `zenml-airflow example pull boosting`).
training = build()
