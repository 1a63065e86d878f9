"""Drop-in DAGs: a pipeline module in the dags folder becomes a DAG through one explicit line.

    # dags/training.py
    from my_project.pipelines import training, importer, trainer
    dag = training(importer=importer(), trainer=trainer()).to_airflow_dag(schedule=Schedule(...))

Unlike a compiled DAG file, such a module imports the user's code (and reads the active stack) when
Airflow parses it; compile with ``zenml-airflow pipeline compile`` to keep parsing cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zenml_airflow.compiler.compile import build_spec
from zenml_airflow.runtime.dag import build_dag

if TYPE_CHECKING:  # pragma: no cover
    from airflow.sdk import DAG

    from zenml_airflow.core.pipeline import BasePipeline
    from zenml_airflow.core.schedule import Schedule


def pipeline_to_dag(
    pipeline: BasePipeline,
    *,
    schedule: Schedule | None = None,
    dag_id: str | None = None,
    stack_name: str | None = None,
    enable_cache: bool | None = None,
) -> DAG:
    """Build the Airflow DAG for ``pipeline`` on the given (default: active) stack."""
    from zenml_airflow.repository import Repository

    repository = Repository()
    stack = repository.get_stack(stack_name) if stack_name else repository.active_stack
    spec, _ = build_spec(
        pipeline,
        stack=stack,
        schedule=schedule,
        dag_id=dag_id,
        source=pipeline.name,
        enable_cache=enable_cache,
        images="skip",  # built while Airflow parses the file: never build images here
    )
    return build_dag(spec)
