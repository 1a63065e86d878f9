"""A user-defined estimator class: skops can store it, but building it from a file runs its code
(``__setstate__`` here records that it ran), so SklearnMaterializer must not trust it."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from zenml_airflow.integrations.sklearn.materializers.sklearn_materializer import (
    SklearnMaterializer,
)

CALLS: list[str] = []


class ShiftTransformer(TransformerMixin, BaseEstimator):
    """Adds ``shift`` to every feature."""

    def __init__(self, shift: float = 1.0) -> None:
        self.shift = shift

    def fit(self, X: Any, y: Any = None) -> ShiftTransformer:
        return self

    def transform(self, X: Any) -> Any:
        return np.asarray(X) + self.shift

    def __setstate__(self, state: dict[str, Any]) -> None:
        CALLS.append("ShiftTransformer.__setstate__")
        super().__setstate__(state)


class TrustingMaterializer(SklearnMaterializer, register=False):
    """The documented way to store an estimator holding your own class."""

    TRUSTED_TYPES = (ShiftTransformer,)
