"""Secret references in component configs: ``{{secret_name.key}}`` in place of a value.

A component stores the reference, never the value; the stack resolves it through its secrets
manager at the moment of use (opening a store, building an API client, task start).

    >>> parse_reference("{{db_creds.password}}")
    SecretReference(secret='db_creds', key='password')
    >>> parse_reference("hunter2") is None
    True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from zenml_airflow.secrets.errors import SecretReferenceError

_REFERENCE = re.compile(
    r"^\{\{\s*(?P<secret>[A-Za-z0-9][A-Za-z0-9_.-]*)\.(?P<key>[A-Za-z_][A-Za-z0-9_-]*)\s*\}\}$"
)


@dataclass(frozen=True)
class SecretReference:
    secret: str
    key: str

    def __str__(self) -> str:
        return f"{{{{{self.secret}.{self.key}}}}}"


def is_reference_like(value: Any) -> bool:
    """Whether ``value`` looks like a reference (``{{...}}``), well-formed or not."""
    return (
        isinstance(value, str) and value.strip().startswith("{{") and value.strip().endswith("}}")
    )


def holds_reference(config: Mapping[str, Any] | None) -> bool:
    """Whether a top-level field of ``config`` (``None``: no config) holds a reference-like value."""
    return config is not None and any(is_reference_like(value) for value in config.values())


def parse_reference(value: Any) -> SecretReference | None:
    """The reference ``value`` holds, or ``None`` for a plain value.

    Raises:
        SecretReferenceError: for a ``{{...}}`` value that is not ``{{secret.key}}``.
    """
    if not is_reference_like(value):
        return None
    match = _REFERENCE.match(value.strip())
    if match is None:
        raise SecretReferenceError(
            f"{value!r} is not a valid secret reference: write {{{{secret_name.key}}}}, e.g. "
            "'{{db_creds.password}}' (the key is the part after the last dot)"
        )
    # A secret name may contain dots; the key is what follows the last one.
    secret, _, key = value.strip()[2:-2].strip().rpartition(".")
    return SecretReference(secret=secret, key=key)


def find_references(config: Mapping[str, Any]) -> dict[str, SecretReference]:
    """The top-level fields of ``config`` that hold a reference, by field name."""
    found: dict[str, SecretReference] = {}
    for field, value in config.items():
        try:
            reference = parse_reference(value)
        except SecretReferenceError as error:
            raise SecretReferenceError(f"field '{field}': {error}") from None
        if reference is not None:
            found[field] = reference
    return found


def plain_secret_fields(sensitive_fields: Iterable[str], config: Mapping[str, Any]) -> list[str]:
    """The sensitive fields of ``config`` that hold a plain value rather than a reference.

    Such a value is written as it is wherever the config goes: the profile, a stack export,
    a compiled DAG file. ``None`` (unset) is not a secret; ``{{secret.key}}`` is a reference.
    """
    return sorted(
        f
        for f in sensitive_fields
        if config.get(f) is not None and not is_reference_like(config.get(f))
    )


def plain_secrets(components: Iterable[Any]) -> list[str]:
    """``"<field> of <component type> '<name>'"`` for every sensitive field of ``components``
    (stack components: ``TYPE``, ``name``, ``SENSITIVE_FIELDS``, ``config``) holding a plain value."""
    return [
        f"{field} of {component.TYPE.label} '{component.name}'"
        for component in components
        for field in plain_secret_fields(component.SENSITIVE_FIELDS, component.config)
    ]


def plain_secrets_advice(found: Iterable[str], where: str) -> str:
    """The warning for plain secret values that end up in ``where``, pointing to references."""
    return (
        f"{where} contains plain-text secret values ({', '.join(found)}). Store them in a secrets "
        "manager and use references instead, e.g. `zenml-airflow secret register db_creds "
        "--password=...` and `--password={{db_creds.password}}` (see docs/secrets.md)."
    )
