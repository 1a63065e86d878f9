"""A pipeline whose artifacts cover every preview: a DataFrame, an image stack, a float array,
a dict, a pydantic model and bytes (importable as tests.plugin.ui_pipeline)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel

from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import BaseStepConfig, Output, step


class LoadConfig(BaseStepConfig):
    rows: int = 30


class Metrics(BaseModel):
    accuracy: float
    labels: list[str]


@step
def load(config: LoadConfig) -> Output(table=pd.DataFrame, images=np.ndarray, blob=bytes):
    """Makes a table, a stack of 28x28 images and some bytes."""
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {
            "x": np.arange(config.rows, dtype=float),
            "label": [f"c{i % 3}" for i in range(config.rows)],
        }
    )
    images = (rng.random((10, 28, 28)) * 255).astype(np.uint8)
    return table, images, b"\x00\x01zenml"


@step
def train(table: pd.DataFrame, images: np.ndarray) -> Output(weights=np.ndarray, report=dict):
    weights = np.linspace(-1.0, 1.0, 500)
    return weights, {"rows": len(table), "images": int(images.shape[0]), "note": "<b>not html</b>"}


@step
def evaluate(weights: np.ndarray, report: dict) -> Metrics:
    return Metrics(accuracy=0.75, labels=["a", "b"])


@pipeline
def ui_pipeline(load, train, evaluate):
    table, images, _ = load()
    weights, report = train(table=table, images=images)
    evaluate(weights=weights, report=report)


def build(rows: int = 30) -> ui_pipeline:
    return ui_pipeline(load=load(config=LoadConfig(rows=rows)), train=train(), evaluate=evaluate())


ui_run = (
    build()
)  # deployed by the browser test: zenml-airflow pipeline deploy ui_pipeline.py:ui_run
