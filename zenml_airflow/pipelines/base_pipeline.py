"""The seed's ``zenml.pipelines.base_pipeline``: :class:`BasePipeline` and the names of its options.

Subclass ``BasePipeline`` and implement ``connect(self, ...)`` (``PIPELINE_INNER_FUNC_NAME``), or
decorate a function with ``@pipeline``. The ``PARAM_*`` names are the keyword options that the
decorator and the constructor take next to the steps, and the properties that report them::

    p = my_pipeline(trainer=trainer(), **{PARAM_ENABLE_CACHE: False})
    assert getattr(p, PARAM_ENABLE_CACHE) is False
"""

from __future__ import annotations

from zenml_airflow.core.pipeline import BasePipeline

PIPELINE_INNER_FUNC_NAME = "connect"
PARAM_ENABLE_CACHE = "enable_cache"
PARAM_REQUIRED_INTEGRATIONS = "required_integrations"
PARAM_REQUIREMENTS_FILE = "requirements_file"
PARAM_DOCKERIGNORE_FILE = "dockerignore_file"
PARAM_SECRETS = "secrets"

__all__ = [
    "PARAM_DOCKERIGNORE_FILE",
    "PARAM_ENABLE_CACHE",
    "PARAM_REQUIREMENTS_FILE",
    "PARAM_REQUIRED_INTEGRATIONS",
    "PARAM_SECRETS",
    "PIPELINE_INNER_FUNC_NAME",
    "BasePipeline",
]
