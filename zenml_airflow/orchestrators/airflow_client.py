"""A small client for Airflow 3's REST API (v2): the calls deploy and run need, with clear errors.

Authentication follows Airflow's auth managers: ``POST /auth/token`` with a username and password
gives a bearer token (the simple auth manager's generated admin password is read from
``$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated`` when no password is configured).
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zenml_airflow.exceptions import ZenMLAirflowError


class AirflowAPIError(ZenMLAirflowError):
    """Airflow's REST API could not be reached or refused a request."""


TERMINAL_RUN_STATES = {"success", "failed"}


def generated_password(airflow_home: Path, username: str) -> str | None:
    """The simple auth manager's generated password for ``username``, if the file has one."""
    path = airflow_home / "simple_auth_manager_passwords.json.generated"
    try:
        passwords = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = passwords.get(username)
    return value if isinstance(value, str) else None


class AirflowClient:
    """Talks to one Airflow API server. Create it at the edge (CLI, orchestrator) and pass it down."""

    def __init__(
        self, api_url: str, username: str | None, password: str | None, *, timeout: float = 30.0
    ) -> None:
        import httpx

        self.api_url = api_url.rstrip("/")
        self.username = username
        self.password = password
        self._http = httpx.Client(base_url=self.api_url, timeout=timeout)
        self._token: str | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AirflowClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing ------------------------------------------------------------------------------

    def _authenticate(self) -> None:
        if self.username is None or self.password is None:
            self._token = None
            return
        response = self._send(
            "POST",
            "/auth/token",
            json={"username": self.username, "password": self.password},
            auth=False,
        )
        if response.status_code not in (200, 201):
            raise AirflowAPIError(
                f"Airflow at {self.api_url} refused the login of user '{self.username}' "
                f"(HTTP {response.status_code}). Check the orchestrator's username and password."
            )
        self._token = response.json()["access_token"]

    def _send(self, method: str, path: str, *, auth: bool = True, **kwargs: Any) -> Any:
        import httpx

        headers = kwargs.pop("headers", {})
        if auth and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            return self._http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            raise AirflowAPIError(
                f"Cannot reach Airflow's API at {self.api_url} ({type(error).__name__}: {error}). "
                "Is Airflow running? `zenml-airflow stack up` starts a local one."
            ) from error

    def request(
        self, method: str, path: str, *, expect: tuple[int, ...] = (200,), **kwargs: Any
    ) -> Any:
        if self._token is None and self.username is not None:
            self._authenticate()
        response = self._send(method, path, **kwargs)
        if response.status_code == 401 and self.username is not None:
            self._authenticate()  # token expired
            response = self._send(method, path, **kwargs)
        if response.status_code not in expect:
            detail = response.text[:500]
            raise AirflowAPIError(
                f"Airflow API {method} {path} failed with HTTP {response.status_code}: {detail}"
            )
        return response.json() if response.content else None

    # --- endpoints -----------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", "/api/v2/monitor/health")
        return result

    def get_dag(self, dag_id: str) -> dict[str, Any] | None:
        if self._token is None and self.username is not None:
            self._authenticate()
        response = self._send("GET", f"/api/v2/dags/{_quote(dag_id)}/details")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise AirflowAPIError(
                f"Airflow API GET dag {dag_id} failed with HTTP {response.status_code}: {response.text[:300]}"
            )
        result: dict[str, Any] = response.json()
        return result

    def import_errors(self, filename_suffix: str | None = None) -> list[dict[str, Any]]:
        data = self.request("GET", "/api/v2/importErrors", params={"limit": 100})
        errors: list[dict[str, Any]] = data.get("import_errors", [])
        if filename_suffix:
            errors = [e for e in errors if str(e.get("filename", "")).endswith(filename_suffix)]
        return errors

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self.request("PATCH", f"/api/v2/dags/{_quote(dag_id)}", json={"is_paused": paused})

    def trigger(
        self,
        dag_id: str,
        *,
        conf: dict[str, Any] | None = None,
        run_id: str | None = None,
        note: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"logical_date": None, "conf": conf or {}}
        if run_id:
            body["dag_run_id"] = run_id
        if note:
            body["note"] = note
        result: dict[str, Any] = self.request(
            "POST", f"/api/v2/dags/{_quote(dag_id)}/dagRuns", json=body
        )
        return result

    def get_dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "GET", f"/api/v2/dags/{_quote(dag_id)}/dagRuns/{_quote(run_id)}"
        )
        return result

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        data = self.request(
            "GET", f"/api/v2/dags/{_quote(dag_id)}/dagRuns/{_quote(run_id)}/taskInstances"
        )
        instances: list[dict[str, Any]] = data.get("task_instances", [])
        return instances

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> str:
        data = self.request(
            "GET",
            f"/api/v2/dags/{_quote(dag_id)}/dagRuns/{_quote(run_id)}/taskInstances/{_quote(task_id)}/logs/{try_number}",
            params={"full_content": "true"},
            headers={"Accept": "application/json"},
        )
        content = data.get("content", "")
        if isinstance(content, list):
            lines = []
            for item in content:
                if isinstance(item, dict):
                    lines.append(
                        str(item.get("event", ""))
                        + (
                            "\n" + item["error_detail"][0].get("exc_value", "")
                            if item.get("error_detail")
                            else ""
                        )
                    )
                else:
                    lines.append(str(item))
            return "\n".join(lines)
        return str(content)

    def wait_for_dag_run(
        self,
        dag_id: str,
        run_id: str,
        *,
        timeout: float = 1800.0,
        poll: float = 1.0,
        on_task_change: Callable[[str, str | None], None] | None = None,
    ) -> dict[str, Any]:
        """Poll until the run succeeds or fails; report each task's state change as it happens."""
        deadline = time.monotonic() + timeout
        seen: dict[str, str | None] = {}
        while True:
            run = self.get_dag_run(dag_id, run_id)
            if on_task_change is not None:
                for ti in self.task_instances(dag_id, run_id):
                    state = ti.get("state")
                    if seen.get(ti["task_id"], "<none>") != state:
                        seen[ti["task_id"]] = state
                        on_task_change(ti["task_id"], state)
            if run.get("state") in TERMINAL_RUN_STATES:
                return run
            if time.monotonic() > deadline:
                raise AirflowAPIError(
                    f"DAG run {run_id} of {dag_id} did not finish within {timeout:.0f}s (state: {run.get('state')})."
                )
            time.sleep(poll)


def _quote(value: str) -> str:
    return urllib.parse.quote(value, safe="")
