"""Reading an Airflow Connection for a container registry's login (the ``docker`` conn type).

The container registry component (core, which never imports Airflow) calls
:func:`read_connection` by its import path when ``airflow_connection_id`` is set. Airflow's task
SDK looks the connection up: inside a task through the supervisor (and registers the password
with Airflow's secrets masker), elsewhere in Airflow's secrets backends and ``AIRFLOW_CONN_<ID>``.
"""

from __future__ import annotations

from typing import Any


def read_connection(conn_id: str) -> dict[str, Any] | None:
    """``conn_type``, ``host``, ``port``, ``login`` and ``password`` of the connection ``conn_id``,
    ``None`` when Airflow does not know it."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        connection = Connection.get(conn_id)
    except AirflowNotFoundException:
        return None
    return {
        "conn_type": connection.conn_type,
        "host": connection.host,
        "port": connection.port,
        "login": connection.login,
        "password": connection.password,
    }
