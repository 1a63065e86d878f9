"""Container registries: the component type that says where pipeline images are pushed and pulled.

``uri`` is ``HOST[:PORT][/PREFIX]`` as ``docker push`` takes it (no scheme, no tag); a pipeline's
image is ``<uri>/zenml-<pipeline>:<content hash>`` (:mod:`zenml_airflow.images`).

Credentials (:meth:`ContainerRegistryComponent.credentials`), first that applies:

1. ``username`` + ``password`` (the password normally a ``{{secret.key}}`` reference, resolved
   through the stack's secrets manager when an image is pushed or pulled);
2. ``airflow_connection_id``: a ``docker``-type Airflow Connection (login, password, host), read
   through Airflow (lazily, :mod:`zenml_airflow.runtime.registry_connection`) - inside Airflow tasks,
   or wherever Airflow can read it (e.g. ``AIRFLOW_CONN_<ID>``);
3. the Docker engine's own login (``docker login HOST``, kept in ``~/.docker/config.json``).

A new flavor is a subclass of :class:`ContainerRegistryComponent` defined in this module
(registered as a built-in flavor by being here, see :mod:`zenml_airflow.stack.components`).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import field_validator, model_validator

from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import StackError
from zenml_airflow.logger import get_logger
from zenml_airflow.stack.components.common import LOCAL_HOSTS
from zenml_airflow.stack.stack_component import StackComponent
from zenml_airflow.utils.source_utils import import_object

logger = get_logger(__name__)

#: Reads an Airflow Connection (``conn_id -> dict | None``); Airflow is imported only in there.
CONNECTION_READER = "zenml_airflow.runtime.registry_connection:read_connection"

# host (a name or an IPv4 address), optional port, optional lower-case path prefix.
_URI = re.compile(
    r"^(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(?P<port>[0-9]{1,5}))?"
    r"(?P<prefix>(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)$"
)


@dataclass(frozen=True)
class RegistryCredentials:
    """A login to a container registry. The password is left out of ``repr`` and of messages.

    Attributes:
        registry: ``HOST[:PORT]`` the login is for.
        source: where it came from, for messages (never the password).
    """

    registry: str
    username: str
    password: str = field(repr=False)
    source: str = ""

    def auth_config(self) -> dict[str, str]:
        """The ``auth_config`` the docker SDK's push/pull/registry calls take."""
        return {"username": self.username, "password": self.password}

    def mask(self, text: str) -> str:
        """``text`` with the password replaced by ``***`` (for error messages and logs)."""
        return text.replace(self.password, "***") if self.password else text


def _in_airflow_task() -> bool:
    # Without importing Airflow: its task runner is loaded and connected in a task process only.
    task_runner = sys.modules.get("airflow.sdk.execution_time.task_runner")
    return getattr(task_runner, "SUPERVISOR_COMMS", None) is not None


def _connection_host(host: Any, port: Any) -> str | None:
    """``HOST[:PORT]`` of a connection's ``host`` (which may carry a scheme or a path) and
    ``port``; ``None`` when the connection names no host."""
    if not host:
        return None
    text = str(host).strip().split("://", 1)[-1].split("/", 1)[0].lower()
    if port and ":" not in text:
        text = f"{text}:{port}"
    return text or None


class ContainerRegistryComponent(StackComponent):
    """Base of container registry flavors: ``uri`` is where images are pushed and pulled from.

    ``username``/``password`` (password as a ``{{secret.key}}`` reference) or
    ``airflow_connection_id`` log in to it; without them the Docker engine's own login is used.
    """

    TYPE: ClassVar[StackComponentType] = StackComponentType.CONTAINER_REGISTRY
    SENSITIVE_FIELDS: ClassVar[frozenset[str]] = frozenset({"password"})

    uri: str
    username: str | None = None
    password: str | None = None
    airflow_connection_id: str | None = None

    @model_validator(mode="after")
    def _username_with_password(self) -> ContainerRegistryComponent:
        if (self.username is None) != (self.password is None):
            given, missing = (
                ("username", "password")
                if self.password is None
                else (
                    "password",
                    "username",
                )
            )
            raise ValueError(
                f"{given} is given without {missing}; give both (e.g. --username=ci "
                "--password='{{registry_creds.password}}' after `zenml-airflow secret register "
                "registry_creds --password=...`), or neither to use airflow_connection_id or the "
                "Docker engine's own login (docker login HOST)"
            )
        return self

    @field_validator("uri")
    @classmethod
    def _check_uri(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        match = _URI.match(value)
        port = match["port"] if match else None
        if match is None or (port is not None and not 1 <= int(port) <= 65535):
            raise ValueError(
                f"{value!r} is not a registry address; give HOST[:PORT][/PREFIX] without a scheme "
                "or tag, e.g. '127.0.0.1:5000' or 'registry.example.com/team'"
            )
        return value

    @property
    def host(self) -> str:
        """``HOST[:PORT]`` of :attr:`uri` (what ``docker login`` takes)."""
        return self.uri.split("/", 1)[0]

    @property
    def is_local(self) -> bool:
        return self.host.split(":", 1)[0] in LOCAL_HOSTS

    def credentials(self) -> RegistryCredentials | None:
        """The login for pushes and pulls, resolved now; ``None``: the Docker engine's own login.

        ``username``/``password`` first (a secret reference is looked up in the stack's secrets
        manager at this moment), then the Airflow Connection ``airflow_connection_id``. Outside an
        Airflow task a connection Airflow cannot read here (or no Airflow installed) falls back
        to the engine's login with a warning; inside a task it is an error.

        Raises:
            StackError: a secret reference that cannot be resolved, a missing connection inside
                an Airflow task, or a connection for another registry host.
        """
        if self.username is not None:
            return RegistryCredentials(
                registry=self.host,
                username=str(self.resolve("username")),
                password=str(self.resolve("password")),
                source=f"the username/password of container registry '{self.name}'",
            )
        if self.airflow_connection_id:
            return self._connection_credentials(self.airflow_connection_id)
        return None

    def _connection_credentials(self, conn_id: str) -> RegistryCredentials | None:
        where = f"Container registry '{self.name}': Airflow Connection '{conn_id}'"
        in_task = _in_airflow_task()
        try:
            reader = import_object(CONNECTION_READER, StackError)
            data = reader(conn_id)
        except StackError as error:
            if in_task:
                raise StackError(f"{where} cannot be read: {error}") from error
            data, reason = None, f"Airflow cannot be imported here ({error})"
        else:
            reason = "Airflow does not know it here"
        if data is None:
            if in_task:
                raise StackError(
                    f"{where} does not exist. Create it (conn type docker, login, password, "
                    f"host {self.host}): airflow connections add {conn_id} --conn-type docker ..."
                )
            logger.warning(
                "%s is not used: %s (it is read inside Airflow tasks, or from AIRFLOW_CONN_%s); "
                "the Docker engine's own login for %s is used instead.",
                where,
                reason,
                conn_id.upper(),
                self.host,
            )
            return None
        host = _connection_host(data.get("host"), data.get("port"))
        if host is not None and host != self.host.lower():
            raise StackError(
                f"{where} is for registry {host}, not {self.host}. Point the connection's host "
                f"at {self.host}, or use another connection."
            )
        if not data.get("login") or data.get("password") is None:
            raise StackError(
                f"{where} has no login and password; set both on the connection (Airflow's "
                "docker connection: login, password, host)."
            )
        return RegistryCredentials(
            registry=self.host,
            username=str(data["login"]),
            password=str(data["password"]),
            source=f"Airflow Connection '{conn_id}'",
        )


class DefaultContainerRegistryComponent(ContainerRegistryComponent):
    """Any registry reachable with ``docker push``: a local ``registry:2``/distribution server,
    Docker Hub, GHCR, ECR, GCR/Artifact Registry, ..."""

    FLAVOR: ClassVar[str] = "default"
