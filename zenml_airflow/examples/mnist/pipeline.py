"""The seed's MNIST-style pipeline: importer -> normalizer -> trainer -> evaluator.

It uses scikit-learn's bundled 8x8 digits data set (no download) and trains a softmax
regression in numpy, so every artifact is a numpy array or a number.
"""

from __future__ import annotations

import numpy as np

from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import BaseStepConfig, Output, step


class TrainerConfig(BaseStepConfig):
    """Training parameters."""

    epochs: int = 1
    learning_rate: float = 0.5
    seed: int = 42


@step
def importer() -> Output(
    X_train=np.ndarray, y_train=np.ndarray, X_test=np.ndarray, y_test=np.ndarray
):
    """Load the digits data set and split it 80/20."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(
        digits.data, digits.target, test_size=0.2, random_state=0, stratify=digits.target
    )
    return X_train, y_train, X_test, y_test


@step
def normalizer(X_train: np.ndarray, X_test: np.ndarray) -> Output(
    X_train_normed=np.ndarray, X_test_normed=np.ndarray
):
    """Scale pixel values (0..16) to 0..1."""
    return X_train / 16.0, X_test / 16.0


@step
def trainer(config: TrainerConfig, X_train: np.ndarray, y_train: np.ndarray) -> np.ndarray:
    """Train a softmax regression with full-batch gradient descent; returns the weights."""
    rng = np.random.default_rng(config.seed)
    n_classes = int(y_train.max()) + 1
    X = np.hstack([X_train, np.ones((len(X_train), 1))])
    weights = rng.normal(scale=0.01, size=(X.shape[1], n_classes))
    targets = np.eye(n_classes)[y_train]
    for _ in range(config.epochs * 50):
        logits = X @ weights
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        weights -= config.learning_rate * X.T @ (probs - targets) / len(X)
    return weights


@step
def evaluator(X_test: np.ndarray, y_test: np.ndarray, model: np.ndarray) -> float:
    """Accuracy of the model on the test split."""
    X = np.hstack([X_test, np.ones((len(X_test), 1))])
    return float(((X @ model).argmax(axis=1) == y_test).mean())


@pipeline
def mnist_pipeline(importer, normalizer, trainer, evaluator):
    """Links all the steps together in a pipeline."""
    X_train, y_train, X_test, y_test = importer()
    X_trained_normed, X_test_normed = normalizer(X_train=X_train, X_test=X_test)
    model = trainer(X_train=X_trained_normed, y_train=y_train)
    evaluator(X_test=X_test_normed, y_test=y_test, model=model)


def build(epochs: int = 1) -> mnist_pipeline:
    """A pipeline instance, as the seed's examples wrote it."""
    return mnist_pipeline(
        importer=importer(),
        normalizer=normalizer(),
        trainer=trainer(config=TrainerConfig(epochs=epochs)),
        evaluator=evaluator(),
    )


# The instance `zenml-airflow pipeline compile/deploy zenml_examples/mnist/pipeline.py:training`
# uses (in a copy made by `zenml-airflow example pull mnist`).
training = build(epochs=1)
