"""The seed's ``zenml.metadata_stores.mysql_metadata_store``: ``MySQLMetadataStore`` is
:class:`~zenml_airflow.stack.components.MySQLMetadataStoreComponent` (``host``, ``port``,
``database``, ``username``, ``password``; the password may be a ``{{secret.key}}`` reference).
"""

from __future__ import annotations

from zenml_airflow.stack.components import MySQLMetadataStoreComponent as MySQLMetadataStore

__all__ = ["MySQLMetadataStore"]
