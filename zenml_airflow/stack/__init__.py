"""Stacks and stack components: what a pipeline runs on, built from a profile's records.

Component classes are cheap pydantic configs; stores and orchestrators are imported and opened
only when a method asks for them.
"""

from __future__ import annotations

from zenml_airflow.stack.components import (
    ArtifactStoreComponent,
    LocalArtifactStoreComponent,
    LocalOrchestratorComponent,
    MetadataStoreComponent,
    OrchestratorComponent,
    SQLiteMetadataStoreComponent,
)
from zenml_airflow.stack.flavors import (
    ENTRY_POINT_GROUP,
    Flavor,
    FlavorRegistry,
    get_flavor_registry,
    import_object,
)
from zenml_airflow.stack.stack import (
    REQUIRED_COMPONENT_TYPES,
    Stack,
    load_active_stack,
    register_component,
    register_stack,
)
from zenml_airflow.stack.stack_component import StackComponent

__all__ = [
    "ENTRY_POINT_GROUP",
    "REQUIRED_COMPONENT_TYPES",
    "ArtifactStoreComponent",
    "Flavor",
    "FlavorRegistry",
    "LocalArtifactStoreComponent",
    "LocalOrchestratorComponent",
    "MetadataStoreComponent",
    "OrchestratorComponent",
    "SQLiteMetadataStoreComponent",
    "Stack",
    "StackComponent",
    "get_flavor_registry",
    "import_object",
    "load_active_stack",
    "register_component",
    "register_stack",
]
