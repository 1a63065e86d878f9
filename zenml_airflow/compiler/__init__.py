"""The compiler: pipelines in, specs (``compiler.plan``) and static Airflow DAG files out. It writes
text about Airflow and never imports it."""

from zenml_airflow.compiler.compile import compile_pipeline, render_dag_file, spec_from_dag_file
from zenml_airflow.compiler.source import load_pipeline

__all__ = ["compile_pipeline", "load_pipeline", "render_dag_file", "spec_from_dag_file"]
