"""The seed's ``zenml.io.utils``: the helpers that :mod:`zenml_airflow.io.fileio` provides.

They work on every registered filesystem (local paths, ``s3://``, ``gs://``). The seed's other
helpers (``read_file_contents_as_string``, ``copy_dir``, ``find_files``, ...) have no counterpart
yet: use ``fileio.open``, ``fileio.copy``, ``fileio.walk`` and ``fileio.glob``.
"""

from __future__ import annotations

from zenml_airflow.io.fileio import (
    create_dir_if_not_exists,
    create_dir_recursive_if_not_exists,
    is_remote,
)

__all__ = [
    "create_dir_if_not_exists",
    "create_dir_recursive_if_not_exists",
    "is_remote",
]
