"""Secret schemas: what keys a secret has, validated with pydantic (the seed's ``BaseSecretSchema``).

A secret is a named set of key-value pairs. Its schema says which keys it must and may have:

* ``arbitrary`` (:class:`ArbitrarySecretSchema`, the default): any keys; ``content`` is the flat dict.
* ``aws`` (:class:`AWSSecretSchema`): ``aws_access_key_id``, ``aws_secret_access_key``, optional
  ``aws_session_token``.
* ``gcp`` (:class:`GCPSecretSchema`): a service-account key as JSON (``token``).
* ``mysql`` (:class:`MySQLSecretSchema`) / ``database`` (:class:`DatabaseSecretSchema`): database
  credentials.

More schemas are registered with :func:`register_secret_schema_class`::

    @register_secret_schema_class
    class SlackSecretSchema(BaseSecretSchema):
        TYPE: ClassVar[str] = "slack"
        token: str

    secret = build_secret("alerts", "slack", {"token": "xoxb-..."})
    secret.content  # {"token": "xoxb-..."}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from zenml_airflow.exceptions import did_you_mean
from zenml_airflow.secrets.errors import SecretSchemaError

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_KEY_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*$"


class BaseSecretSchema(BaseModel):
    """A named secret; subclasses declare its keys as fields and set ``TYPE``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    TYPE: ClassVar[str]

    name: str

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        import re

        if not re.fullmatch(NAME_PATTERN, value):
            raise ValueError(
                f"invalid secret name {value!r}: use letters, digits, '_', '-' and '.', starting "
                "with a letter or digit"
            )
        return value

    @classmethod
    def get_schema_keys(cls) -> list[str]:
        """The keys a secret of this schema has (empty for ``arbitrary``: any keys)."""
        return [field for field in cls.model_fields if field != "name"]

    @classmethod
    def required_keys(cls) -> list[str]:
        return [k for k in cls.get_schema_keys() if cls.model_fields[k].is_required()]

    @property
    def content(self) -> dict[str, Any]:
        """The secret's key-value pairs (``None`` values of optional keys left out)."""
        return {
            key: value
            for key in self.get_schema_keys()
            if (value := getattr(self, key)) is not None
        }

    def __repr__(self) -> str:  # never print values by accident
        return f"{type(self).__name__}(name={self.name!r}, keys={sorted(self.content)})"

    __str__ = __repr__


class ArbitrarySecretSchema(BaseSecretSchema):
    """Any key-value pairs: extra keyword arguments are collected into ``arbitrary_kv_pairs``."""

    TYPE: ClassVar[str] = "arbitrary"

    arbitrary_kv_pairs: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _collect_extra(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        pairs = dict(data.get("arbitrary_kv_pairs") or {})
        for key, value in data.items():
            if key not in ("name", "arbitrary_kv_pairs"):
                pairs[key] = value
        return {"name": data.get("name"), "arbitrary_kv_pairs": pairs}

    @field_validator("arbitrary_kv_pairs")
    @classmethod
    def _valid_keys(cls, pairs: dict[str, Any]) -> dict[str, Any]:
        import re

        for key in pairs:
            if not re.fullmatch(_KEY_PATTERN, key):
                raise ValueError(
                    f"invalid key {key!r}: use letters, digits, '_' and '-', starting with a "
                    "letter or '_'"
                )
        return pairs

    @classmethod
    def get_schema_keys(cls) -> list[str]:
        return []

    @property
    def content(self) -> dict[str, Any]:
        return dict(self.arbitrary_kv_pairs)


class AWSSecretSchema(BaseSecretSchema):
    """AWS credentials."""

    TYPE: ClassVar[str] = "aws"

    aws_access_key_id: str
    aws_secret_access_key: str
    aws_session_token: str | None = None


class GCPSecretSchema(BaseSecretSchema):
    """A Google Cloud service-account key: ``token`` is the key file's JSON (validated as such)."""

    TYPE: ClassVar[str] = "gcp"

    token: str

    @field_validator("token")
    @classmethod
    def _service_account_json(cls, value: str) -> str:
        try:
            data = json.loads(value)
        except ValueError as error:
            raise ValueError(f"token must be a service-account key file's JSON ({error})") from None
        if not isinstance(data, dict) or "type" not in data:
            raise ValueError(
                "token must be a service-account key file's JSON object (with a 'type' key)"
            )
        return value

    @property
    def service_account_info(self) -> dict[str, Any]:
        """The parsed key, as ``google.oauth2.service_account.Credentials`` takes it."""
        info: dict[str, Any] = json.loads(self.token)
        return info


class DatabaseSecretSchema(BaseSecretSchema):
    """Database credentials (username and password; TLS files optional)."""

    TYPE: ClassVar[str] = "database"

    username: str | None = None
    password: str
    ssl_ca: str | None = None
    ssl_cert: str | None = None
    ssl_key: str | None = None


class MySQLSecretSchema(DatabaseSecretSchema):
    """The seed's ``mysql`` schema (the same keys as ``database``)."""

    TYPE: ClassVar[str] = "mysql"


SchemaT = TypeVar("SchemaT", bound=type[BaseSecretSchema])

_SCHEMAS: dict[str, type[BaseSecretSchema]] = {}


def register_secret_schema_class(cls: SchemaT) -> SchemaT:
    """Register a schema class under its ``TYPE`` (usable as a decorator).

    Raises:
        SecretSchemaError: if another class is registered under that type.
    """
    schema_type = getattr(cls, "TYPE", None)
    if not isinstance(schema_type, str) or not schema_type:
        raise SecretSchemaError(f"{cls.__name__} must set TYPE to register as a secret schema.")
    existing = _SCHEMAS.get(schema_type)
    if existing is not None and existing is not cls:
        raise SecretSchemaError(
            f"Secret schema '{schema_type}' is already registered ({existing.__name__})."
        )
    _SCHEMAS[schema_type] = cls
    return cls


for _builtin in (
    ArbitrarySecretSchema,
    AWSSecretSchema,
    GCPSecretSchema,
    DatabaseSecretSchema,
    MySQLSecretSchema,
):
    register_secret_schema_class(_builtin)


def schema_names() -> list[str]:
    return sorted(_SCHEMAS)


def get_secret_schema_class(schema_type: str) -> type[BaseSecretSchema]:
    """The schema class registered as ``schema_type``.

    Raises:
        SecretSchemaError: naming the known schemas, with "did you mean".
    """
    try:
        return _SCHEMAS[schema_type]
    except KeyError:
        raise SecretSchemaError(
            f"Unknown secret schema '{schema_type}'.{did_you_mean(schema_type, _SCHEMAS)} "
            f"Known schemas: {', '.join(schema_names())}."
        ) from None


def build_secret(name: str, schema_type: str | None, values: Mapping[str, Any]) -> BaseSecretSchema:
    """Validate ``values`` against the schema and build the secret.

    Raises:
        SecretSchemaError: for an unknown schema, or values that do not fit it (missing required
            keys, unknown keys, bad values), naming the secret and the schema's keys.
    """
    cls = get_secret_schema_class(schema_type or ArbitrarySecretSchema.TYPE)
    reserved = sorted({"name", "arbitrary_kv_pairs"} & set(values))
    if reserved:
        # "name" would be replaced by the secret's name, "arbitrary_kv_pairs" swallowed: refuse
        # rather than store something other than what was given.
        raise SecretSchemaError(
            f"Invalid secret '{name}': the key(s) {reserved} are reserved (a secret's own name, "
            "and the arbitrary schema's container). Store the value under another key."
        )
    try:
        return cls.model_validate({**values, "name": name})
    except ValidationError as error:
        problems = []
        for item in error.errors():
            where = ".".join(str(p) for p in item["loc"] if p != "arbitrary_kv_pairs")
            message = str(item["msg"]).removeprefix("Value error, ")
            if item["type"] == "missing":
                message = "required key missing"
            elif item["type"] == "extra_forbidden":
                hint = did_you_mean(where, cls.get_schema_keys())
                message = f"not a key of schema '{cls.TYPE}'" + (f" -{hint}" if hint else "")
            problems.append(f"{where}: {message}" if where else message)
        keys = cls.get_schema_keys()
        listed = (
            "any keys"
            if not keys
            else ", ".join(k if k in cls.required_keys() else f"{k} (optional)" for k in keys)
        )
        detail = "; ".join(problems)
        end = "" if detail.endswith("?") else "."
        raise SecretSchemaError(
            f"Invalid secret '{name}' for schema '{cls.TYPE}': {detail}{end} "
            f"Schema '{cls.TYPE}' takes: {listed}."
        ) from None


def secret_to_record(secret: BaseSecretSchema) -> dict[str, Any]:
    """``{"schema": TYPE, "content": {...}}``: how every manager stores a secret."""
    return {"schema": secret.TYPE, "content": secret.content}


def secret_from_record(name: str, record: Any, where: str) -> BaseSecretSchema:
    """Rebuild a secret stored by :func:`secret_to_record` (``where`` names the storage)."""
    if not isinstance(record, dict) or not isinstance(record.get("content"), dict):
        raise SecretSchemaError(
            f"Secret '{name}' in {where} is not in zenml-airflow's format "
            "({'schema': ..., 'content': {...}})."
        )
    return build_secret(
        name, str(record.get("schema") or ArbitrarySecretSchema.TYPE), record["content"]
    )
