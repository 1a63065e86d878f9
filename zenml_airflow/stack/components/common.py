"""Checks and constants that the component types of :mod:`zenml_airflow.stack.components` share.

Field validators of several flavors call these, so that e.g. "a local directory" or "the Airflow
API server's address" is checked the same way (with the same messages) wherever it is a field.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

#: Host names that mean "this machine" (a component pointing there is ``is_local``).
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

#: The ``NOT_IMPLEMENTED`` reason of flavors that exist as configs only so far.
MILESTONE_LATER = "planned with model deployment; see docs/roadmap.md"


def absolute_local_path(value: str, what: str) -> str:
    """``value`` as an absolute path on this machine (``~`` expanded, ``file://`` dropped).

    Raises:
        ValueError: for a URI of another scheme (``what`` says what to give instead) or an
            empty value; pydantic reports it as a validation error of the field.
    """
    if value.startswith("file://"):
        value = value.removeprefix("file://")
    if "://" in value:
        raise ValueError(f"{value!r} is not a local path; {what}")
    if not value.strip():
        raise ValueError("must not be empty")
    return os.path.abspath(os.path.expanduser(value))


def local_directory(value: str | None) -> str | None:
    """A directory field: ``None`` (resolved at use time), or an absolute path on this machine."""
    return None if value is None else absolute_local_path(value, "give a directory on this machine")


def http_url(value: str) -> str:
    """``value`` checked as the http(s) address of the Airflow API server, without a trailing ``/``.

    Raises:
        ValueError: for another scheme or a port that is not a number from 1 to 65535.
    """
    if not value.startswith(("http://", "https://")):
        raise ValueError(
            f"{value!r} is not an http(s) URL; give the Airflow API server's address, "
            "e.g. 'http://localhost:8080'"
        )
    try:
        port = urlsplit(value).port  # raises for a port that is not a number in range
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise ValueError(
            f"{value!r} has no valid port; a port is a number from 1 to 65535, e.g. "
            "'http://localhost:8080'"
        )
    return value.rstrip("/")
