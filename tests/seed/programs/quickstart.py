# A seed-era (ZenML 0.7) program, written the way the seed's docs wrote them. The tests copy it,
# apply the documented rename to its imports - nothing else - and run it.
import numpy as np
from sklearn.base import ClassifierMixin

from zenml.integrations.constants import SKLEARN
from zenml.integrations.sklearn.helpers.digits import get_digits, get_digits_model
from zenml.logger import get_logger
from zenml.pipelines import pipeline
from zenml.repository import Repository
from zenml.steps import BaseStepConfig, Output, step

logger = get_logger(__name__)


class TrainerConfig(BaseStepConfig):
    """Trainer params"""

    gamma: float = 0.001


@step
def importer() -> Output(
    X_train=np.ndarray, X_test=np.ndarray, y_train=np.ndarray, y_test=np.ndarray
):
    """Loads the digits array as normal numpy arrays."""
    X_train, X_test, y_train, y_test = get_digits()
    return X_train, X_test, y_train, y_test


@step
def trainer(config: TrainerConfig, X_train: np.ndarray, y_train: np.ndarray) -> ClassifierMixin:
    """Train a simple sklearn classifier for the digits dataset."""
    model = get_digits_model()
    model.set_params(gamma=config.gamma)
    model.fit(X_train, y_train)
    return model


@step
def evaluator(X_test: np.ndarray, y_test: np.ndarray, model: ClassifierMixin) -> float:
    """Calculate the accuracy on the test set"""
    test_acc = model.score(X_test, y_test)
    logger.info(f"Test accuracy: {test_acc}")
    return test_acc


@pipeline(required_integrations=[SKLEARN])
def mnist_pipeline(importer, trainer, evaluator):
    """Links all the steps together in a pipeline"""
    X_train, X_test, y_train, y_test = importer()
    model = trainer(X_train=X_train, y_train=y_train)
    evaluator(X_test=X_test, y_test=y_test, model=model)


if __name__ == "__main__":
    pipeline = mnist_pipeline(
        importer=importer(),
        trainer=trainer(config=TrainerConfig(gamma=0.001)),
        evaluator=evaluator(),
    )
    pipeline.run()
    # The second run takes every step from the cache.
    mnist_pipeline(importer=importer(), trainer=trainer(), evaluator=evaluator()).run()

    repo = Repository()
    p = repo.get_pipeline(pipeline_name="mnist_pipeline")
    runs = p.runs
    print(f"Pipeline `mnist_pipeline` has {len(runs)} run(s)")
    last = runs[-1]
    print(f"The last run has {len(last.steps)} step(s): {last.get_step_names()}")
    trainer_step = last.get_step(name="trainer")
    print(f"trainer cached: {trainer_step.is_cached}")
    model = trainer_step.output.read()
    X_train, X_test, y_train, y_test = get_digits()
    print(f"accuracy read back: {model.score(X_test, y_test):.3f}")
    print(f"evaluator said: {last.get_step('evaluator').output.read():.3f}")
