"""A trainer in the seed's class-based style (``BaseTrainerStep`` subclass), and the seed's
chapter-3 program built from the standard steps. Module level: workers import steps by
``module:qualname``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

from zenml_airflow.integrations.constants import SKLEARN
from zenml_airflow.integrations.sklearn import steps as sklearn_steps
from zenml_airflow.pipelines.builtin_pipelines import TrainingPipeline
from zenml_airflow.steps import builtin_steps
from zenml_airflow.steps.step_interfaces.base_trainer_step import (
    BaseTrainerConfig,
    BaseTrainerStep,
)

LABEL = "has_cancer"


class LogisticRegressionTrainerConfig(BaseTrainerConfig):
    """The label column and the regularization strength."""

    target_column: str
    C: float = 1.0
    max_iter: int = 1000


class LogisticRegressionTrainer(BaseTrainerStep):
    """Fits a logistic regression on the transformed train split."""

    def entrypoint(  # type: ignore[override]
        self,
        train_dataset: pd.DataFrame,
        validation_dataset: pd.DataFrame,
        config: LogisticRegressionTrainerConfig,
    ) -> ClassifierMixin:
        train_target = train_dataset.pop(config.target_column)
        validation_target = validation_dataset.pop(config.target_column)
        model = LogisticRegression(C=config.C, max_iter=config.max_iter)
        model.fit(train_dataset, train_target)
        # As the seed's Keras trainer did with validation_data: look at the held-out split.
        print(f"validation accuracy: {model.score(validation_dataset, validation_target):.3f}")
        return model


def write_dataset(path: Path) -> Path:
    """scikit-learn's bundled breast cancer data (no download) as a CSV file."""
    frame = load_breast_cancer(as_frame=True).frame.rename(columns={"target": LABEL})
    frame.to_csv(path, index=False)
    return path


def chapter_3(dataset_path: str) -> TrainingPipeline:
    """The seed's examples/class_based_api/chapter_3.py with an sklearn trainer."""
    datasource = builtin_steps.PandasDatasource(
        builtin_steps.PandasDatasourceConfig(path=dataset_path)
    )
    splitter = sklearn_steps.SklearnSplitter(
        sklearn_steps.SklearnSplitterConfig(ratios={"train": 0.7, "test": 0.15, "validation": 0.15})
    )
    analyzer = builtin_steps.PandasAnalyzer(
        builtin_steps.PandasAnalyzerConfig(percentiles=[0.2, 0.4, 0.6, 0.8, 1.0])
    )
    preprocessor = sklearn_steps.SklearnStandardScaler(
        sklearn_steps.SklearnStandardScalerConfig(ignore_columns=[LABEL])
    )
    trainer = LogisticRegressionTrainer(LogisticRegressionTrainerConfig(target_column=LABEL))
    evaluator = sklearn_steps.SklearnEvaluator(
        sklearn_steps.SklearnEvaluatorConfig(label_class_column=LABEL)
    )
    return TrainingPipeline(
        required_integrations=[SKLEARN],
        datasource=datasource,
        splitter=splitter,
        analyzer=analyzer,
        preprocessor=preprocessor,
        trainer=trainer,
        evaluator=evaluator,
    )
