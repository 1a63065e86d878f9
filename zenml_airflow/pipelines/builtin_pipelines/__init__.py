"""The seed's ``zenml.pipelines.builtin_pipelines``: ready-made pipelines of standard steps.

Importing this package is cheap: the steps are passed in, so no pandas or sklearn is imported.
"""

from zenml_airflow.pipelines.builtin_pipelines.training_pipeline import TrainingPipeline

__all__ = ["TrainingPipeline"]
