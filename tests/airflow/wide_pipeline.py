"""A pipeline with a wide first layer, for the concurrency end-to-end test
(tests/airflow/test_wide_dag_postgres_e2e.py): eight independent root steps that Airflow starts
together, each returning its own value, and one join step that consumes all eight.

Every root task is a separate process that calls ``get_or_create_run`` for the same DAG run at
about the same moment - the race of issue 14, bug 1.
"""

from __future__ import annotations

import time

from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import step

WIDTH = 8
#: What root ``root_<i>`` returns.
VALUES = {f"root_{i}": 100 + i for i in range(WIDTH)}
#: How long each root step works: long enough for the running root tasks to overlap visibly.
ROOT_SECONDS = 1.0


def _root(i: int) -> int:
    time.sleep(ROOT_SECONDS)
    return VALUES[f"root_{i}"]


@step
def root_0() -> int:
    return _root(0)


@step
def root_1() -> int:
    return _root(1)


@step
def root_2() -> int:
    return _root(2)


@step
def root_3() -> int:
    return _root(3)


@step
def root_4() -> int:
    return _root(4)


@step
def root_5() -> int:
    return _root(5)


@step
def root_6() -> int:
    return _root(6)


@step
def root_7() -> int:
    return _root(7)


@step
def join(v0: int, v1: int, v2: int, v3: int, v4: int, v5: int, v6: int, v7: int) -> dict:
    """Every root's value, by root name: shows the join read each input from the right step."""
    return {f"root_{i}": v for i, v in enumerate((v0, v1, v2, v3, v4, v5, v6, v7))}


@pipeline
def wide_fanout(root_0, root_1, root_2, root_3, root_4, root_5, root_6, root_7, join):
    join(
        v0=root_0(),
        v1=root_1(),
        v2=root_2(),
        v3=root_3(),
        v4=root_4(),
        v5=root_5(),
        v6=root_6(),
        v7=root_7(),
    )


wide_pipeline = wide_fanout(
    root_0=root_0(),
    root_1=root_1(),
    root_2=root_2(),
    root_3=root_3(),
    root_4=root_4(),
    root_5=root_5(),
    root_6=root_6(),
    root_7=root_7(),
    join=join(),
)
