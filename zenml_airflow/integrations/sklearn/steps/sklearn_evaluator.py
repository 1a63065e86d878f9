"""``SklearnEvaluator``: sklearn's classification report of a model on a labelled dataset."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.metrics import classification_report

from zenml_airflow.steps.step_interfaces.base_evaluator_step import (
    BaseEvaluatorConfig,
    BaseEvaluatorStep,
)


class SklearnEvaluatorConfig(BaseEvaluatorConfig):
    """Attributes:
    label_class_column: the column of ``dataset`` holding the true class.
    """

    label_class_column: str


class SklearnEvaluator(BaseEvaluatorStep):
    """Predicts the label of each row of ``dataset`` and returns sklearn's
    ``classification_report(..., output_dict=True)``: per class ``precision``, ``recall``,
    ``f1-score`` and ``support``, plus ``accuracy``, ``macro avg`` and ``weighted avg``.

    The model is anything with ``predict(features)``. Predictions that are probabilities (floats,
    as from a sigmoid output) become class 1 above 0.5 and class 0 otherwise, as in the seed;
    predicted class labels are used as they are.
    """

    def entrypoint(  # type: ignore[override]
        self,
        dataset: pd.DataFrame,
        model: BaseEstimator,
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
        predicted: Any = (
            (predictions > 0.5).astype(int)
            if np.issubdtype(predictions.dtype, np.floating)
            else predictions
        )
        report: dict[str, Any] = classification_report(labels, predicted, output_dict=True)
        return report
