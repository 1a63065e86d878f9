"""Run as a script in a fresh interpreter: import compiled DAG files the way Airflow's DagBag does
and print one JSON report describing what each file produced.

Usage: ``python dag_probe.py CONTROL_MODULE CONTROL_ROOT FILE...``. Airflow's own parse-time modules
(``airflow.sdk``, the standard provider's ``PythonOperator``) are imported first, as they are in
the DAG processor; every module imported after that is charged to the DAG file. Finally
``CONTROL_MODULE`` (the steps' module) is imported from ``CONTROL_ROOT`` to show which heavy modules
the steps would have brought in - proof that the import check can fail.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from typing import Any

import airflow.sdk  # noqa: F401
from airflow.providers.standard.operators.python import PythonOperator  # noqa: F401
from airflow.utils.file import get_unique_dag_module_name, might_contain_dag_via_default_heuristic


def _seconds(value: Any) -> float | None:
    return value.total_seconds() if value is not None else None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _plain(value: Any) -> Any:
    """Enum keys (Airflow's ``Encoding``) to their string values, for JSON."""
    if isinstance(value, dict):
        return {getattr(k, "value", k): _plain(v) for k, v in value.items()}
    return value


def describe(dag: Any) -> dict[str, Any]:
    from airflow.serialization.serialized_objects import DagSerialization

    try:
        serialized = DagSerialization.to_dict(dag)["dag"]
        serialization_error = None
        timetable = serialized.get("timetable")
    except Exception as error:  # reported, not raised: the test asserts on it
        serialization_error = f"{type(error).__name__}: {error}"
        timetable = None
    return {
        "dag_id": dag.dag_id,
        "tags": sorted(dag.tags),
        "params": {key: dag.params[key] for key in dag.params},
        "timetable": type(dag.timetable).__name__,
        # Airflow's own serialized form: {"__type": "airflow.timetables...", "__var": {...}}
        "timetable_serialized": _plain(timetable),
        "start_date": _iso(dag.start_date),
        "end_date": _iso(dag.end_date),
        "catchup": dag.catchup,
        "serialization_error": serialization_error,
        "tasks": {
            task.task_id: {
                "operator": type(task).__name__,
                "upstream": sorted(task.upstream_task_ids),
                "downstream": sorted(task.downstream_task_ids),
                "outlets": sorted([a.name, a.uri] for a in task.outlets),
                "retries": task.retries,
                "retry_delay": _seconds(task.retry_delay),
                "execution_timeout": _seconds(task.execution_timeout),
            }
            for task in dag.tasks
        },
    }


def parse(path: str) -> dict[str, Any]:
    before = set(sys.modules)
    report: dict[str, Any] = {"might_contain_dag": might_contain_dag_via_default_heuristic(path)}
    try:
        module_name = get_unique_dag_module_name(path)
        spec = importlib.util.spec_from_file_location(module_name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    except Exception as error:
        report.update(ok=False, error=f"{type(error).__name__}: {error}")
        return report
    report["new_modules"] = sorted(set(sys.modules) - before - {module_name})
    dags = [v for v in vars(module).values() if isinstance(v, airflow.sdk.DAG)]
    report.update(ok=True, dags=[describe(dag) for dag in dags])
    return report


def main() -> None:
    control_module, control_root, *paths = sys.argv[1:]
    reports = {path: parse(path) for path in paths}
    before = set(sys.modules)
    sys.path.insert(0, control_root)
    importlib.import_module(control_module)
    control = sorted(set(sys.modules) - before)
    print(json.dumps({"files": reports, "control_new_modules": control}))


if __name__ == "__main__":
    main()
