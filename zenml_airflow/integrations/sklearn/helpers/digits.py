"""The digits data set and a classifier for it, as the seed's quickstart used them
(``zenml.integrations.sklearn.helpers.digits``).

The 1,797 8x8 images ship inside scikit-learn: nothing is downloaded.

Example::

    X_train, X_test, y_train, y_test = get_digits()
    model = get_digits_model().fit(X_train, y_train)
    model.score(X_test, y_test)  # about 0.97
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

if TYPE_CHECKING:
    from numpy.typing import NDArray


def get_digits() -> tuple[
    NDArray[np.float64], NDArray[np.float64], NDArray[np.int64], NDArray[np.int64]
]:
    """``(X_train, X_test, y_train, y_test)``: the digits images flattened to 64 features, the
    first half for training and the second for testing (not shuffled, so always the same split)."""
    digits = load_digits()
    images = np.asarray(digits.images, dtype=np.float64)
    data = images.reshape((len(images), -1))
    target = np.asarray(digits.target, dtype=np.int64)
    X_train, X_test, y_train, y_test = train_test_split(data, target, test_size=0.5, shuffle=False)
    return X_train, X_test, y_train, y_test


def get_digits_model() -> ClassifierMixin:
    """An unfitted support vector classifier suited to the digits (``SVC(gamma=0.001)``)."""
    model: ClassifierMixin = SVC(gamma=0.001)
    return model


__all__ = ["get_digits", "get_digits_model"]
