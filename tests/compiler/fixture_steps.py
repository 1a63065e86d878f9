"""Steps and pipelines the compiler tests compile (importable as ``tests.compiler.fixture_steps``).

numpy is imported at module level on purpose: if parsing a compiled DAG file imported this module,
numpy would show up in ``sys.modules`` and the parse-import test would fail.
"""

from __future__ import annotations

import numpy as np

from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import BaseStepConfig, Output, step


class TrainerConfig(BaseStepConfig):
    epochs: int = 3
    learning_rate: float = 0.5
    optimizer: str = "sgd"
    shuffle: bool = True


@step
def importer() -> Output(features=list, labels=list):
    """Load the data."""
    return [[1.0, 2.0]], [1]


@step
def normalizer(features: list) -> list:
    return (np.asarray(features) / 2).tolist()


@step(retries=2, retry_delay=5, timeout=60)
def trainer(config: TrainerConfig, features: list, labels: list) -> float:
    return float(config.epochs)


@step
def evaluator(features: list, score: float) -> float:
    return score


@pipeline
def training_pipeline(importer, normalizer, trainer, evaluator):
    features, labels = importer()
    normalized = normalizer(features=features)
    score = trainer(features=normalized, labels=labels)
    evaluator(features=features, score=score)


def build(epochs: int = 3) -> training_pipeline:
    return training_pipeline(
        importer=importer(),
        normalizer=normalizer(),
        trainer=trainer(config=TrainerConfig(epochs=epochs)),
        evaluator=evaluator(),
    )


training = build()
also_training = build(epochs=5)
NOT_A_PIPELINE = 42
