"""The seed's ``zenml.metadata_stores.base_metadata_store``: ``BaseMetadataStore`` is
:class:`~zenml_airflow.stack.components.MetadataStoreComponent`.

``get_pipelines()`` and ``get_pipeline(name)`` return the post-execution views, as the seed's did;
``open_store()`` gives the SQL store underneath.
"""

from __future__ import annotations

from zenml_airflow.stack.components import MetadataStoreComponent as BaseMetadataStore

__all__ = ["BaseMetadataStore"]
