"""The seed's ``zenml.metadata_stores.sqlite_metadata_store``: ``SQLiteMetadataStore`` is
:class:`~zenml_airflow.stack.components.SQLiteMetadataStoreComponent`, built as in the seed::

    SQLiteMetadataStore(name="local", uri="/data/metadata.db")
"""

from __future__ import annotations

from zenml_airflow.stack.components import SQLiteMetadataStoreComponent as SQLiteMetadataStore

__all__ = ["SQLiteMetadataStore"]
