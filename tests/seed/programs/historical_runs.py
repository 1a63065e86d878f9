# A seed-era program whose step reads earlier runs through its StepContext.
import numpy as np
from sklearn.base import ClassifierMixin

from zenml.integrations.constants import SKLEARN
from zenml.integrations.sklearn.helpers.digits import get_digits, get_digits_model
from zenml.pipelines import pipeline
from zenml.steps import BaseStepConfig, Output, StepContext, step


class TrainerConfig(BaseStepConfig):
    gamma: float = 0.001


@step
def importer() -> Output(
    X_train=np.ndarray, X_test=np.ndarray, y_train=np.ndarray, y_test=np.ndarray
):
    X_train, X_test, y_train, y_test = get_digits()
    return X_train, X_test, y_train, y_test


@step
def trainer(config: TrainerConfig, X_train: np.ndarray, y_train: np.ndarray) -> ClassifierMixin:
    model = get_digits_model()
    model.set_params(gamma=config.gamma)
    model.fit(X_train, y_train)
    return model


@step
def evaluate_and_store_best_model(
    context: StepContext,
    X_test: np.ndarray,
    y_test: np.ndarray,
    model: ClassifierMixin,
) -> ClassifierMixin:
    """Evaluate all models and return the best one."""
    best_accuracy = model.score(X_test, y_test)
    best_model = model

    pipeline_runs = context.metadata_store.get_pipeline("mnist_pipeline").runs
    for run in pipeline_runs:
        old = run.get_step("trainer").output.read()
        accuracy = old.score(X_test, y_test)
        if accuracy > best_accuracy:
            best_accuracy = accuracy
            best_model = old

    print(f"Best test accuracy: {best_accuracy:.3f} over {len(pipeline_runs)} run(s)")
    return best_model


@pipeline(required_integrations=[SKLEARN])
def mnist_pipeline(importer, trainer, evaluator):
    X_train, X_test, y_train, y_test = importer()
    model = trainer(X_train=X_train, y_train=y_train)
    evaluator(X_test=X_test, y_test=y_test, model=model)


if __name__ == "__main__":
    for gamma in (0.001, 0.5):
        mnist_pipeline(
            importer=importer(),
            trainer=trainer(config=TrainerConfig(gamma=gamma)),
            evaluator=evaluate_and_store_best_model(),
        ).run()
