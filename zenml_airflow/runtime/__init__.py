"""The Airflow side: turning a compiled spec into a DAG (at parse time) and running steps (in tasks).

Only this package, ``plugin`` and the Airflow orchestrator import Airflow. Parse-time imports stay
minimal: ``airflow.sdk``, the standard provider's ``PythonOperator`` and the spec model; everything
that runs a step is imported inside the task.
"""

from zenml_airflow.runtime.dag import build_dag

__all__ = ["build_dag"]
