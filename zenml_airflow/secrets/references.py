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
from collections.abc import Mapping
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
    return isinstance(value, str) and value.strip().startswith("{{") and value.strip().endswith("}}")


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
