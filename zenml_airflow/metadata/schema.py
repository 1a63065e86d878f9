"""Former name of :mod:`zenml_airflow.metadata.schema_migrations`; import from there.

Kept only because ``tests/metadata_flavors/test_server_metadata_stores.py`` (outside the change
that renamed the module, issue 15) still imports ``alembic_config`` from here. Delete this file
once that import names ``zenml_airflow.metadata.schema_migrations``.
"""

from __future__ import annotations

from zenml_airflow.metadata.schema_migrations import alembic_config

__all__ = ["alembic_config"]
