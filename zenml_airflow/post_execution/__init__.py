"""Post-execution: read past pipelines, runs, steps and artifacts (the seed's ``zenml.post_execution``)."""

from zenml_airflow.post_execution.views import (
    ArtifactView,
    PipelineRunView,
    PipelineView,
    RunsView,
    StepView,
    get_pipeline,
    get_pipelines,
    get_run,
)

__all__ = [
    "ArtifactView",
    "PipelineRunView",
    "PipelineView",
    "RunsView",
    "StepView",
    "get_pipeline",
    "get_pipelines",
    "get_run",
]
