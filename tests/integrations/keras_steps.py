"""Seed-style steps and a pipeline that pass a ``tf.keras.Model`` between steps (as the seed's
guides did), importable by module path as the orchestrators need (imported only by the heavy
tests)."""

from __future__ import annotations

import sys

import numpy as np
import tensorflow as tf
from absl import logging as absl_logging

from zenml_airflow.integrations.constants import TENSORFLOW
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import step

# absl's handler (created when TensorFlow is imported) keeps the sys.stderr of that moment -
# under pytest, its capture file - and closes it when Airflow's logging.config.dictConfig later
# shuts the existing handlers down, which breaks pytest's output. Give it the real stderr.
absl_logging.get_absl_handler().python_handler.stream = sys.__stderr__


def data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three separable blobs of 4 features."""
    rng = np.random.default_rng(seed)
    labels = np.arange(60) % 3
    return (rng.normal(size=(60, 4)) * 0.3 + 2 * labels[:, None]).astype("float32"), labels


def trained_model() -> tf.keras.Model:
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential(
        [
            tf.keras.Input((4,)),
            tf.keras.layers.Dense(8, activation="relu"),
            tf.keras.layers.Dense(3),
        ]
    )
    model.compile(
        optimizer=tf.keras.optimizers.Adam(0.05),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    x, y = data()
    model.fit(x, y, epochs=60, batch_size=20, verbose=0)
    return model


@step
def tf_trainer() -> tf.keras.Model:
    """A small trained classifier."""
    return trained_model()


@step
def tf_evaluator(model: tf.keras.Model) -> float:
    """Accuracy on fresh data: proves the model arrived trained."""
    x, y = data(seed=1)
    return float((model.predict(x, verbose=0).argmax(axis=1) == y).mean())


@pipeline(required_integrations=[TENSORFLOW])
def keras_pipeline(trainer, evaluator):
    evaluator(model=trainer())


def build() -> keras_pipeline:
    return keras_pipeline(trainer=tf_trainer(), evaluator=tf_evaluator())
