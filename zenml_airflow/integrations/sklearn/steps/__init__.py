"""The seed's ``zenml.integrations.sklearn.steps``: standard steps built on scikit-learn.

    from zenml_airflow.integrations.sklearn import steps as sklearn_steps

    splitter = sklearn_steps.SklearnSplitter(
        sklearn_steps.SklearnSplitterConfig(ratios={"train": 0.7, "test": 0.15, "validation": 0.15})
    )

Importing this package imports pandas and scikit-learn.
"""

from zenml_airflow.integrations.sklearn.steps.sklearn_evaluator import (
    SklearnEvaluator,
    SklearnEvaluatorConfig,
)
from zenml_airflow.integrations.sklearn.steps.sklearn_splitter import (
    SklearnSplitter,
    SklearnSplitterConfig,
)
from zenml_airflow.integrations.sklearn.steps.sklearn_standard_scaler import (
    SklearnStandardScaler,
    SklearnStandardScalerConfig,
)

__all__ = [
    "SklearnEvaluator",
    "SklearnEvaluatorConfig",
    "SklearnSplitter",
    "SklearnSplitterConfig",
    "SklearnStandardScaler",
    "SklearnStandardScalerConfig",
]
