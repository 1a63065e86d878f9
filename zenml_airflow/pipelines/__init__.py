"""The seed's ``zenml.pipelines``: ``pipeline``, ``BasePipeline`` and ``Schedule``."""

from zenml_airflow.core.pipeline import BasePipeline, pipeline
from zenml_airflow.core.schedule import Schedule

__all__ = ["BasePipeline", "Schedule", "pipeline"]
