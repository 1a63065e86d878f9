"""``SklearnEvaluator``: sklearn's classification report of a model on a labelled dataset."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.metrics import classification_report

from zenml_airflow.steps.step_interfaces.base_evaluator_step import (
    BaseEvaluatorConfig,
    BaseEvaluatorStep,
)


class SklearnEvaluatorConfig(BaseEvaluatorConfig):
    """Which column of the dataset holds the true class.

    Attributes:
        label_class_column: the column's name; the other columns are the model's features.
    """

    label_class_column: str


class SklearnEvaluator(BaseEvaluatorStep):
    """Predicts the label of each row of ``dataset`` and returns sklearn's
    ``classification_report(..., output_dict=True)``: per class ``precision``, ``recall``,
    ``f1-score`` and ``support``, plus ``accuracy``, ``macro avg`` and ``weighted avg``.

    The model is a classifier: anything with ``predict(features)`` that subclasses sklearn's
    ``ClassifierMixin`` (sklearn, xgboost and lightgbm classifiers do). Predictions that are
    class labels are used as they are; float predictions that are not labels are taken as
    probabilities of class 1 (a sigmoid output) and become 1 above 0.5, else 0, as in the seed.
    """

    def entrypoint(  # type: ignore[override]
        self,
        dataset: pd.DataFrame,
        model: ClassifierMixin,
        config: SklearnEvaluatorConfig,
    ) -> dict:
        """Return the classification report of ``model`` on ``dataset``."""
        if config.label_class_column not in dataset.columns:
            raise ValueError(
                f"The dataset has no label column '{config.label_class_column}' (columns: "
                f"{list(dataset.columns)}). Set SklearnEvaluatorConfig(label_class_column=...) "
                "to the column holding the true class."
            )
        labels = dataset[config.label_class_column]
        features = dataset.drop(columns=[config.label_class_column])
        predictions = np.asarray(model.predict(features))
        if predictions.ndim > 1:  # one probability per row, shaped (n, 1)
            predictions = predictions.reshape(len(predictions), -1)[:, 0]
        predicted: Any = predictions
        is_probability = np.issubdtype(predictions.dtype, np.floating) and not bool(
            np.isin(predictions, labels.unique()).all()
        )
        if is_probability:
            predicted = (predictions > 0.5).astype(int)
        report: dict[str, Any] = classification_report(labels, predicted, output_dict=True)
        return report
