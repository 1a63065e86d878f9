"""File I/O on any artifact-store URI (``from zenml_airflow.io import fileio``, as in the seed)."""

from __future__ import annotations

from zenml_airflow.io import fileio

__all__ = ["fileio"]
