"""The ``airflow`` secrets manager: secrets kept where Airflow keeps credentials.

* A secret written by zenml-airflow is the Airflow Variable ``<variable_prefix><name>`` holding
  ``{"schema": ..., "content": {...}}`` as JSON.
* A secret that is not such a Variable is read from the Airflow Connection
  ``<connection_prefix><name>``: its ``conn_type``, ``host``, ``login``, ``password``, ``schema``,
  ``port`` and the keys of its ``extra`` JSON become the secret's keys (schema ``arbitrary``).
  Connections are read-only here; manage them with Airflow.

Inside a running task the task SDK is used (``airflow.sdk.Variable``/``Connection``, through the
Execution API); anywhere else (the CLI) Airflow's REST API at the component's ``api_url``. Airflow's
REST API redacts the values of Variables and Connection passwords whose names look sensitive
(``password``, ``secret``, ``token``, ...): read such secrets inside tasks, where they are complete.

Lives in ``runtime`` because it is the only secrets manager that imports Airflow (lazily, in the
task backend); see docs/adr/0009-secrets.md.
"""

from __future__ import annotations

import json
import sys
import urllib.parse
from pathlib import Path
from typing import Any, Protocol

from zenml_airflow.secrets.base import BaseSecretsManager
from zenml_airflow.secrets.errors import SecretExistsError, SecretsManagerError
from zenml_airflow.secrets.schemas import (
    ArbitrarySecretSchema,
    BaseSecretSchema,
    build_secret,
    secret_from_record,
    secret_to_record,
)

_CONNECTION_FIELDS = ("conn_type", "host", "login", "password", "schema", "port")


def running_in_task() -> bool:
    """Whether this process is an Airflow task (its supervisor channel is open)."""
    task_runner = sys.modules.get("airflow.sdk.execution_time.task_runner")
    return getattr(task_runner, "SUPERVISOR_COMMS", None) is not None


class _Backend(Protocol):
    def get_variable(self, key: str) -> str | None: ...
    def set_variable(self, key: str, value: str, *, create: bool) -> None: ...
    def delete_variable(self, key: str) -> bool: ...
    def variable_keys(self, prefix: str) -> list[str]: ...
    def get_connection(self, conn_id: str) -> dict[str, Any] | None: ...


class _TaskBackend:
    """Inside a task: the task SDK (the worker's Execution API token authorises it)."""

    def get_variable(self, key: str) -> str | None:
        from airflow.sdk import Variable

        value = Variable.get(key, default=None)
        return None if value is None else str(value)

    def set_variable(self, key: str, value: str, *, create: bool) -> None:
        from airflow.sdk import Variable

        Variable.set(key, value, description="zenml-airflow secret")

    def delete_variable(self, key: str) -> bool:
        from airflow.sdk import Variable

        if Variable.get(key, default=None) is None:
            return False
        Variable.delete(key)
        return True

    def variable_keys(self, prefix: str) -> list[str]:
        from airflow.sdk import Variable

        return [str(key) for key in Variable.keys(prefix=prefix)]

    def get_connection(self, conn_id: str) -> dict[str, Any] | None:
        from airflow.sdk import Connection
        from airflow.sdk.exceptions import AirflowNotFoundException

        try:
            connection = Connection.get(conn_id)
        except AirflowNotFoundException:
            return None
        data = {field: getattr(connection, field, None) for field in _CONNECTION_FIELDS}
        data.update(connection.extra_dejson or {})
        return data


class _RestBackend:
    """Outside Airflow: the REST API (v2) with the component's credentials."""

    def __init__(self, component: Any) -> None:
        from zenml_airflow.orchestrators.airflow_client import AirflowClient, generated_password

        username, password = component.username, component.password
        if password is None:
            home = Path(component.airflow_home) if component.airflow_home else None
            if home is None:
                import os

                home = Path(os.environ.get("AIRFLOW_HOME", "~/airflow")).expanduser()
            username = username or "admin"
            password = generated_password(home, username)
        self.client = AirflowClient(component.api_url, username, password)

    @staticmethod
    def _path(kind: str, key: str) -> str:
        return f"/api/v2/{kind}/{urllib.parse.quote(key, safe='')}"

    def get_variable(self, key: str) -> str | None:
        data = self.client.request("GET", self._path("variables", key), expect=(200, 404))
        if not data or "value" not in data:
            return None
        return str(data["value"])

    def set_variable(self, key: str, value: str, *, create: bool) -> None:
        body = {"key": key, "value": value, "description": "zenml-airflow secret"}
        if create:
            self.client.request("POST", "/api/v2/variables", json=body, expect=(200, 201))
        else:
            self.client.request("PATCH", self._path("variables", key), json=body)

    def delete_variable(self, key: str) -> bool:
        if self.get_variable(key) is None:
            return False
        self.client.request("DELETE", self._path("variables", key), expect=(200, 204))
        return True

    def variable_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        offset = 0
        while True:
            data = self.client.request(
                "GET", "/api/v2/variables", params={"limit": 100, "offset": offset}
            )
            page = data.get("variables", [])
            keys.extend(str(v["key"]) for v in page if str(v["key"]).startswith(prefix))
            offset += len(page)
            if not page or offset >= int(data.get("total_entries", 0)):
                return keys

    def get_connection(self, conn_id: str) -> dict[str, Any] | None:
        data = self.client.request("GET", self._path("connections", conn_id), expect=(200, 404))
        if not data or "connection_id" not in data:
            return None
        result = {field: data.get(field) for field in _CONNECTION_FIELDS}
        extra = data.get("extra")
        if extra:
            try:
                parsed = json.loads(extra)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                result.update(parsed)
        return result


class AirflowSecretsManager(BaseSecretsManager):
    """Secrets in Airflow Variables (read-write) and Connections (read-only)."""

    def __init__(self, component: Any, backend: _Backend | None = None) -> None:
        super().__init__(component)
        self._backend = backend

    @property
    def backend(self) -> _Backend:
        if self._backend is None:
            self._backend = _TaskBackend() if running_in_task() else _RestBackend(self.component)
        return self._backend

    def _key(self, name: str) -> str:
        return f"{self.component.variable_prefix}{name}"

    def _call(self, what: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        from zenml_airflow.exceptions import ZenMLAirflowError

        try:
            return function(*args, **kwargs)
        except ZenMLAirflowError:
            raise
        except Exception as error:  # the task SDK raises its own runtime errors
            raise SecretsManagerError(
                f"{self.subject} cannot {what}: {type(error).__name__}: {error}"
            ) from error

    def register_secret(self, secret: BaseSecretSchema) -> None:
        key = self._key(secret.name)
        if self._call("read a Variable", self.backend.get_variable, key) is not None:
            raise SecretExistsError(
                f"A secret named '{secret.name}' already exists in {self.label} (Variable "
                f"'{key}'). Update it with `zenml-airflow secret update` or choose another name."
            )
        value = json.dumps(secret_to_record(secret))
        self._call("write a Variable", self.backend.set_variable, key, value, create=True)

    def get_secret(self, secret_name: str) -> BaseSecretSchema:
        key = self._key(secret_name)
        raw = self._call("read a Variable", self.backend.get_variable, key)
        if raw is not None:
            try:
                record = json.loads(raw)
            except ValueError:
                record = None
            return secret_from_record(secret_name, record, f"Airflow Variable '{key}'")
        conn_id = f"{self.component.connection_prefix}{secret_name}"
        connection = self._call("read a Connection", self.backend.get_connection, conn_id)
        if connection is not None:
            content = {k: v for k, v in connection.items() if v not in (None, "")}
            return build_secret(secret_name, ArbitrarySecretSchema.TYPE, content)
        raise self._missing(secret_name, self.get_all_secret_keys())

    def get_all_secret_keys(self) -> list[str]:
        prefix = self.component.variable_prefix
        keys = self._call("list Variables", self.backend.variable_keys, prefix)
        return sorted(key[len(prefix) :] for key in keys)

    def update_secret(self, secret: BaseSecretSchema) -> None:
        key = self._key(secret.name)
        if self._call("read a Variable", self.backend.get_variable, key) is None:
            raise self._missing(secret.name, self.get_all_secret_keys())
        value = json.dumps(secret_to_record(secret))
        self._call("write a Variable", self.backend.set_variable, key, value, create=False)

    def delete_secret(self, secret_name: str) -> None:
        if not self._call(
            "delete a Variable", self.backend.delete_variable, self._key(secret_name)
        ):
            raise self._missing(secret_name, self.get_all_secret_keys())

    def delete_all_secrets(self, force: bool = False) -> None:
        self._refuse_unforced(force)
        for name in self.get_all_secret_keys():
            self._call("delete a Variable", self.backend.delete_variable, self._key(name))
