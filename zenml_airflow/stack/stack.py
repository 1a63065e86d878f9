"""A stack: the orchestrator, metadata store and artifact store (plus optional components) a
pipeline runs on.

Example::

    stack = load_active_stack()            # env > repository pin > global config
    stack.artifact_store.path
    stack.metadata_store.open_store()      # opened only now
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from zenml_airflow.config.active import resolve_active
from zenml_airflow.config.profile import ProfileStore
from zenml_airflow.config.repository_config import find_repository
from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import StackError
from zenml_airflow.stack.components import (
    ArtifactStoreComponent,
    MetadataStoreComponent,
    OrchestratorComponent,
)
from zenml_airflow.stack.flavors import FlavorRegistry, get_flavor_registry
from zenml_airflow.stack.stack_component import StackComponent

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping

    from zenml_airflow.post_execution import PipelineView

REQUIRED_COMPONENT_TYPES: tuple[StackComponentType, ...] = (
    StackComponentType.ORCHESTRATOR,
    StackComponentType.METADATA_STORE,
    StackComponentType.ARTIFACT_STORE,
)


def _label(component_type: StackComponentType) -> str:
    return component_type.value.replace("_", " ")


class Stack:
    """A named combination of stack components. Constructing one does no I/O and no validation;
    call :meth:`validate` (done by :meth:`from_profile` and :func:`register_stack`)."""

    def __init__(
        self,
        name: str,
        orchestrator: OrchestratorComponent,
        metadata_store: MetadataStoreComponent,
        artifact_store: ArtifactStoreComponent,
        step_operator: StackComponent | None = None,
        container_registry: StackComponent | None = None,
        secrets_manager: StackComponent | None = None,
        model_deployer: StackComponent | None = None,
    ) -> None:
        self.name = name
        self.orchestrator = orchestrator
        self.metadata_store = metadata_store
        self.artifact_store = artifact_store
        self.step_operator = step_operator
        self.container_registry = container_registry
        self.secrets_manager = secrets_manager
        self.model_deployer = model_deployer

    def __repr__(self) -> str:
        parts = ", ".join(f"{t.value}={c.name!r}" for t, c in self.components.items())
        return f"Stack(name={self.name!r}, {parts})"

    @property
    def components(self) -> dict[StackComponentType, StackComponent]:
        """The components that are set, by type (required ones first)."""
        slots: dict[StackComponentType, StackComponent | None] = {
            StackComponentType.ORCHESTRATOR: self.orchestrator,
            StackComponentType.METADATA_STORE: self.metadata_store,
            StackComponentType.ARTIFACT_STORE: self.artifact_store,
            StackComponentType.STEP_OPERATOR: self.step_operator,
            StackComponentType.CONTAINER_REGISTRY: self.container_registry,
            StackComponentType.SECRETS_MANAGER: self.secrets_manager,
            StackComponentType.MODEL_DEPLOYER: self.model_deployer,
        }
        return {kind: component for kind, component in slots.items() if component is not None}

    def validate(self) -> None:
        """Check that the required components are there and each sits in the slot of its type.

        Raises:
            StackError: naming the stack and the problem.
        """
        components = self.components
        missing = [_label(t) for t in REQUIRED_COMPONENT_TYPES if t not in components]
        if missing:
            raise StackError(
                f"Stack '{self.name}' has no {', '.join(missing)}; a stack needs an orchestrator, "
                "a metadata store and an artifact store."
            )
        for slot, component in components.items():
            if not isinstance(component, StackComponent):
                raise StackError(
                    f"Stack '{self.name}': the {_label(slot)} must be a StackComponent, "
                    f"got {type(component).__name__}."
                )
            if component.TYPE is not slot:
                raise StackError(
                    f"Stack '{self.name}': {_label(component.TYPE)} '{component.name}' cannot be "
                    f"used as the {_label(slot)}."
                )

    def to_record(self) -> dict[StackComponentType, str]:
        """Component names by type, as stored in a profile."""
        return {kind: component.name for kind, component in self.components.items()}

    @classmethod
    def from_components(
        cls, name: str, components: Mapping[StackComponentType, StackComponent]
    ) -> Stack:
        """Build and validate a stack from components by type."""
        missing = [_label(t) for t in REQUIRED_COMPONENT_TYPES if t not in components]
        if missing:
            raise StackError(
                f"Stack '{name}' has no {', '.join(missing)}; a stack needs an orchestrator, "
                "a metadata store and an artifact store."
            )
        slots = {
            kind.value: component
            for kind, component in components.items()
            if kind not in REQUIRED_COMPONENT_TYPES
        }
        stack = cls(
            name,
            orchestrator=components[StackComponentType.ORCHESTRATOR],  # type: ignore[arg-type]
            metadata_store=components[StackComponentType.METADATA_STORE],  # type: ignore[arg-type]
            artifact_store=components[StackComponentType.ARTIFACT_STORE],  # type: ignore[arg-type]
            **slots,
        )
        stack.validate()
        return stack

    @classmethod
    def from_profile(
        cls,
        profile: ProfileStore,
        stack_name: str,
        *,
        registry: FlavorRegistry | None = None,
    ) -> Stack:
        """Build the stack ``stack_name`` stored in ``profile``, validating every component.

        Raises:
            DoesNotExistError: if the stack does not exist ("did you mean").
            StackError: if a component's flavor is unknown or its stored config is invalid.
        """
        registry = registry if registry is not None else get_flavor_registry()
        record, stored_components = profile.get_stack_components(stack_name)
        components: dict[StackComponentType, StackComponent] = {}
        for kind, component_name in record.items():
            stored = stored_components[kind]
            try:
                components[kind] = registry.build_component(
                    kind, component_name, stored.flavor, stored.config
                )
            except StackError as error:
                raise StackError(
                    f"Stack '{stack_name}' of profile '{profile.name}' cannot be loaded "
                    f"(from {profile.stacks_file}): {error}"
                ) from error
        return cls.from_components(stack_name, components)

    # --- post-execution shortcuts ------------------------------------------------------------

    def get_pipelines(self) -> list[PipelineView]:
        """All pipelines recorded in this stack's metadata store."""
        return self.metadata_store.get_pipelines(self.artifact_store.open_store())

    def get_pipeline(self, name: str) -> PipelineView | None:
        """The pipeline called ``name`` in this stack's metadata store, or ``None``."""
        return self.metadata_store.get_pipeline(name, self.artifact_store.open_store())


def register_component(profile: ProfileStore, component: StackComponent) -> None:
    """Store a validated component in ``profile``.

    Raises:
        StackError: if a component of that type and name exists.
    """
    profile.register_component(component.TYPE, component.name, component.flavor, component.config)


def register_stack(profile: ProfileStore, stack: Stack, *, activate: bool = False) -> None:
    """Validate ``stack`` and store it in ``profile``, registering none of its components (they
    must already be registered under the same names).

    Raises:
        StackError: if the stack is invalid or its name is taken.
        DoesNotExistError: if one of its components is not registered.
    """
    stack.validate()
    profile.register_stack(stack.name, stack.to_record(), activate=activate)


def load_active_stack(repo_root: Path | None = None, *, config_dir: Path | None = None) -> Stack:
    """The active stack: ``$ZENML_AIRFLOW_STACK``/``PROFILE`` > repository pin > global config.

    Args:
        repo_root: the repository whose pins apply; ``None`` searches upward from the cwd.
        config_dir: the global config directory (default ``$ZENML_AIRFLOW_CONFIG_DIR`` or the
            per-user app dir).

    Creates the ``default`` profile and stack on first use.
    """
    root = repo_root if repo_root is not None else find_repository()
    context = resolve_active(root, config_dir=config_dir)
    return Stack.from_profile(context.profile, context.stack_name)
