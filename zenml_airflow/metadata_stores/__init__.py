"""The seed's ``zenml.metadata_stores``: ``BaseMetadataStore``, ``SQLiteMetadataStore`` and
``MySQLMetadataStore``.

As in the seed they are stack components, the classes of ``Repository().active_stack.metadata_store``
and of ``StepContext.metadata_store``, with the seed's ``get_pipelines()`` and ``get_pipeline(name)``:
:class:`~zenml_airflow.stack.components.MetadataStoreComponent` and its ``sqlite`` and ``mysql``
flavors. Names are imported on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zenml_airflow.utils.lazy import lazy_exports

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.metadata_stores.base_metadata_store import BaseMetadataStore
    from zenml_airflow.metadata_stores.mysql_metadata_store import MySQLMetadataStore
    from zenml_airflow.metadata_stores.sqlite_metadata_store import SQLiteMetadataStore

_LAZY: dict[str, str] = {
    "BaseMetadataStore": "zenml_airflow.metadata_stores.base_metadata_store",
    "MySQLMetadataStore": "zenml_airflow.metadata_stores.mysql_metadata_store",
    "SQLiteMetadataStore": "zenml_airflow.metadata_stores.sqlite_metadata_store",
}

__all__ = ["BaseMetadataStore", "MySQLMetadataStore", "SQLiteMetadataStore"]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
