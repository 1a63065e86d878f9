# The seed's Airflow example, in two files: this one defines the steps and the pipeline, the
# other (airflow_run.py) is the DAG file. Data comes from scikit-learn's bundled digits.
import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.linear_model import LogisticRegression

from zenml.integrations.constants import SKLEARN
from zenml.integrations.sklearn.helpers.digits import get_digits
from zenml.pipelines import pipeline
from zenml.steps import BaseStepConfig, Output, step


class ImporterConfig(BaseStepConfig):
    n_days: int = 1


@step
def dynamic_importer(
    config: ImporterConfig,
) -> Output(X_train=np.ndarray, y_train=np.ndarray, X_test=np.ndarray, y_test=np.ndarray):
    """Loads the digits data."""
    X_train, X_test, y_train, y_test = get_digits()
    return X_train, y_train, X_test, y_test


@step
def normalize_mnist(
    X_train: np.ndarray, X_test: np.ndarray
) -> Output(X_train_normed=np.ndarray, X_test_normed=np.ndarray):
    """Normalize the values for all the images so they are between 0 and 1"""
    return X_train / 16.0, X_test / 16.0


@step
def sklearn_trainer(X_train: np.ndarray, y_train: np.ndarray) -> ClassifierMixin:
    """Train a logistic regression from sklearn."""
    clf = LogisticRegression(max_iter=200)
    clf.fit(X_train.reshape((X_train.shape[0], -1)), y_train)
    return clf


@step
def sklearn_evaluator(X_test: np.ndarray, y_test: np.ndarray, model: ClassifierMixin) -> float:
    """Calculate accuracy score with classifier."""
    return model.score(X_test.reshape((X_test.shape[0], -1)), y_test)


@pipeline(enable_cache=False, required_integrations=[SKLEARN])
def airflow_mnist(importer, normalizer, trainer, evaluator):
    X_train, y_train, X_test, y_test = importer()
    X_trained_normed, X_test_normed = normalizer(X_train=X_train, X_test=X_test)
    model = trainer(X_train=X_trained_normed, y_train=y_train)
    evaluator(X_test=X_test_normed, y_test=y_test, model=model)
