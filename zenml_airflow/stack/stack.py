"""A stack: the orchestrator, metadata store and artifact store (plus optional components) a
pipeline runs on.

Example::

    stack = load_active_stack()            # env > repository pin > global config
    stack.artifact_store.path
    stack.metadata_store.open_store()      # opened only now
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zenml_airflow.config.active import resolve_active
from zenml_airflow.config.profile import ComponentRecord, ProfileStore, SameComponent
from zenml_airflow.config.repository_config import find_repository
from zenml_airflow.config.yaml_io import format_validation_error
from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import ConfigError, StackError
from zenml_airflow.secrets.errors import SecretDoesNotExistError, SecretsManagerError
from zenml_airflow.secrets.references import SecretReference
from zenml_airflow.stack.components import (
    ArtifactStoreComponent,
    MetadataStoreComponent,
    OrchestratorComponent,
    SecretsManagerComponent,
)
from zenml_airflow.stack.flavors import Flavor, FlavorRegistry, get_flavor_registry
from zenml_airflow.stack.stack_component import StackComponent

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.post_execution import PipelineView

EXPORT_VERSION = 1

REQUIRED_COMPONENT_TYPES: tuple[StackComponentType, ...] = (
    StackComponentType.ORCHESTRATOR,
    StackComponentType.METADATA_STORE,
    StackComponentType.ARTIFACT_STORE,
)


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
        self._resolved: dict[tuple[str, str], Any] = {}
        for component in self.components.values():
            if isinstance(component, StackComponent):
                component._secret_resolver = self._resolve_reference

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

    def validate(self, *, structural_only: bool = False) -> None:
        """Check that this stack can run pipelines.

        Always: the required components are there and each sits in the slot of its type. Unless
        ``structural_only``: every component's flavor is available (implemented, and its
        ``IMPLEMENTATION`` importable) and no component refuses the combination
        (:meth:`StackComponent.check_in_stack`). Registration and ``p.run()`` do the full check;
        loading a stored stack (to describe or read from it) only the structural one.

        Raises:
            StackError: naming the stack and every problem found, each with its reason.
        """
        components = self.components
        missing = [t.label for t in REQUIRED_COMPONENT_TYPES if t not in components]
        if missing:
            raise StackError(
                f"Stack '{self.name}' has no {', '.join(missing)}; a stack needs an orchestrator, "
                "a metadata store and an artifact store."
            )
        for slot, component in components.items():
            if not isinstance(component, StackComponent):
                raise StackError(
                    f"Stack '{self.name}': the {slot.label} must be a StackComponent, "
                    f"got {type(component).__name__}."
                )
            if component.TYPE is not slot:
                raise StackError(
                    f"Stack '{self.name}': {component.TYPE.label} '{component.name}' cannot be "
                    f"used as the {slot.label}."
                )
        if structural_only:
            return
        problems: list[str] = []
        for component in components.values():
            reason = Flavor.from_component_class(type(component)).unavailable_reason()
            if reason is not None:
                problems.append(f"{component.TYPE.label} '{component.name}': {reason}")
        for component in components.values():
            problems.extend(component.check_in_stack(self))
        if self.secrets_manager is None:
            for (kind, field), reference in self.secret_references().items():
                problems.append(
                    f"{kind.label} '{components[kind].name}' references secret "
                    f"'{reference.secret}' in field '{field}', but the stack has no secrets "
                    "manager to resolve it (add one with -x)"
                )
        if problems:
            listed = "; ".join(problem.rstrip(". ") for problem in problems)
            end = "" if listed.endswith(("?", "!")) else "."
            raise StackError(
                f"Stack '{self.name}' cannot be used: {listed}{end} Choose other components for it."
            )

    # --- secrets -------------------------------------------------------------------------------

    def _resolve_reference(
        self, component: StackComponent, field: str, reference: SecretReference
    ) -> Any:
        key = (reference.secret, reference.key)
        if key in self._resolved:
            return self._resolved[key]
        where = f"{component.TYPE.label.capitalize()} '{component.name}', field '{field}'"
        manager = self.secrets_manager
        if not isinstance(manager, SecretsManagerComponent):
            raise StackError(
                f"{where}: references secret '{reference.secret}' ({reference}), but stack "
                f"'{self.name}' has no secrets manager. Add one: zenml-airflow stack update "
                f"{self.name} -x <secrets manager>."
            )
        try:
            secret = manager.get_secret(reference.secret)
        except SecretDoesNotExistError as error:
            raise StackError(
                f"{where}: secret '{reference.secret}' does not exist in secrets manager "
                f"'{manager.name}'. Register it: zenml-airflow secret register "
                f"{reference.secret} --{reference.key}=... ({error})"
            ) from None
        except SecretsManagerError as error:
            raise StackError(
                f"{where}: secret '{reference.secret}' cannot be read from secrets manager "
                f"'{manager.name}': {error}"
            ) from None
        content = secret.content
        if reference.key not in content:
            raise StackError(
                f"{where}: secret '{reference.secret}' in secrets manager '{manager.name}' has no "
                f"key '{reference.key}' (its keys: {', '.join(sorted(content)) or 'none'})."
            )
        value = content[reference.key]
        self._resolved[key] = value
        return value

    def secret_references(self) -> dict[tuple[StackComponentType, str], SecretReference]:
        """Every secret reference in the components' configs, by (component type, field)."""
        return {
            (kind, field): reference
            for kind, component in self.components.items()
            for field, reference in component.secret_references().items()
        }

    def resolve_secrets(self, on_value: Callable[[Any], None] | None = None) -> int:
        """Resolve every secret reference now (e.g. at task start, to fail before any work) and
        pass each value, and every value read through the secrets manager from now on, to
        ``on_value`` (the Airflow task registers them with Airflow's secrets masker).

        Returns:
            The number of references resolved.

        Raises:
            StackError: naming the component, field and secret of the first that fails.
        """
        if on_value is not None and isinstance(self.secrets_manager, SecretsManagerComponent):
            self.secrets_manager.set_value_hook(on_value)
        references = self.secret_references()
        for (kind, field), _ in references.items():
            value = self.components[kind].resolve(field)
            if on_value is not None:
                on_value(value)
        return len(references)

    def notes(self) -> list[str]:
        """Conditions under which this stack works (e.g. Airflow must run on this machine)."""
        return [note for c in self.components.values() for note in c.stack_notes(self)]

    def to_record(self) -> dict[StackComponentType, str]:
        """Component names by type, as stored in a profile."""
        return {kind: component.name for kind, component in self.components.items()}

    @classmethod
    def from_components(
        cls, name: str, components: Mapping[StackComponentType, StackComponent]
    ) -> Stack:
        """Build and validate a stack from components by type."""
        missing = [t.label for t in REQUIRED_COMPONENT_TYPES if t not in components]
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
        stack.validate(structural_only=True)
        return stack

    @classmethod
    def from_component_names(
        cls,
        profile: ProfileStore,
        name: str,
        component_names: Mapping[StackComponentType, str],
        *,
        registry: FlavorRegistry | None = None,
    ) -> Stack:
        """Build a (not yet registered) stack from components registered in ``profile``.

        Only the structural check is done; call :meth:`validate` (or :func:`register_stack`) for
        the full one.

        Raises:
            DoesNotExistError: naming a missing component, with "did you mean".
            StackError: if a stored component config is invalid or a required type is missing.
        """
        registry = registry if registry is not None else get_flavor_registry()
        data = profile.load()
        components: dict[StackComponentType, StackComponent] = {}
        for kind, component_name in component_names.items():
            record = profile.find_component(data, kind, component_name)
            components[kind] = registry.build_component(
                kind, component_name, record.flavor, record.config
            )
        return cls.from_components(name, components)

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

    def to_export(self) -> dict[str, Any]:
        """This stack as a self-contained, JSON-compatible dict: its name and, per component type,
        the component's name, flavor and config (what ``stack export`` writes)."""
        return {
            "version": EXPORT_VERSION,
            "name": self.name,
            "components": {
                kind.value: {"name": c.name, "flavor": c.flavor, "config": c.config}
                for kind, c in self.components.items()
            },
        }

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


def _same_component(registry: FlavorRegistry, kind: StackComponentType) -> SameComponent:
    # Compare what the records mean, not their spelling: both go through the flavor's validation
    # (so a relative path and its absolute form, or an omitted default, count as identical).
    def same(existing: ComponentRecord, new: ComponentRecord) -> bool:
        if existing.flavor != new.flavor:
            return False
        try:
            cls = registry.get_flavor(kind, new.flavor).component_class
            return (
                cls.from_config("x", existing.config).config
                == cls.from_config("x", new.config).config
            )
        except StackError:
            return existing.config == new.config

    return same


def _records(stack: Stack) -> dict[StackComponentType, tuple[str, ComponentRecord]]:
    return {
        kind: (c.name, ComponentRecord(flavor=c.flavor, config=c.config))
        for kind, c in stack.components.items()
    }


def register_stack(
    profile: ProfileStore,
    stack: Stack,
    *,
    activate: bool = False,
    registry: FlavorRegistry | None = None,
) -> None:
    """Validate ``stack`` fully and store it in ``profile`` (the seed's ``register_stack``).

    Components not registered yet are registered with it; a component registered under the same
    type and name must be identical (same flavor and config), otherwise the registration is
    refused. Everything happens in one locked write of the profile.

    Raises:
        StackError: if the stack is invalid (with every reason), its name is taken, or a
            component of the same name but a different config exists.
    """
    registry = registry if registry is not None else get_flavor_registry()
    stack.validate()
    profile.put_stack(
        stack.name,
        _records(stack),
        create=True,
        activate=activate,
        same_component=lambda kind: _same_component(registry, kind),
    )


def update_stack(
    profile: ProfileStore,
    name: str,
    stack: Stack,
    *,
    registry: FlavorRegistry | None = None,
) -> None:
    """Replace the components of the registered stack ``name`` by those of ``stack`` (validated
    fully; new components are registered, existing ones must be identical).

    Raises:
        DoesNotExistError: if there is no stack ``name``.
        StackError: as :func:`register_stack`, or if ``stack.name`` differs from ``name``.
    """
    if stack.name != name:
        raise StackError(
            f"Cannot update stack '{name}' with a stack named '{stack.name}': renaming is not "
            "supported. Register a new stack and delete the old one."
        )
    registry = registry if registry is not None else get_flavor_registry()
    stack.validate()
    profile.put_stack(
        name,
        _records(stack),
        create=False,
        same_component=lambda kind: _same_component(registry, kind),
    )


class _ExportedComponent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    flavor: str
    config: dict[str, Any] = Field(default_factory=dict)


class _ExportedStack(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = EXPORT_VERSION
    name: str
    components: dict[StackComponentType, _ExportedComponent]


def stack_from_export(
    data: Any,
    *,
    name: str | None = None,
    source: str = "the stack file",
    registry: FlavorRegistry | None = None,
) -> Stack:
    """Rebuild a stack from :meth:`Stack.to_export` output, validating every component config.

    ``name`` renames the stack (the components keep their names).

    Raises:
        ConfigError: if ``data`` does not have the export shape or is of a newer version.
        StackError: if a flavor is unknown or a config invalid.
    """
    registry = registry if registry is not None else get_flavor_registry()
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source} must contain a mapping with 'name' and 'components', "
            f"found {type(data).__name__}."
        )
    try:
        exported = _ExportedStack.model_validate(data)
    except ValidationError as error:
        raise ConfigError(
            f"{source} is not a stack export: {format_validation_error(error)}."
        ) from error
    if exported.version > EXPORT_VERSION:
        raise ConfigError(
            f"{source} has stack export version {exported.version}; this zenml-airflow reads up "
            f"to version {EXPORT_VERSION}. Upgrade zenml-airflow."
        )
    components = {
        kind: registry.build_component(kind, c.name, c.flavor, c.config)
        for kind, c in exported.components.items()
    }
    return Stack.from_components(name or exported.name, components)


def import_stack(
    profile: ProfileStore,
    data: Any,
    *,
    name: str | None = None,
    activate: bool = False,
    source: str = "the stack file",
    registry: FlavorRegistry | None = None,
) -> tuple[Stack, list[tuple[StackComponentType, str]]]:
    """Register the stack described by ``data`` (from :meth:`Stack.to_export`) in ``profile``.

    Components are registered under their exported names unless a component of that name is
    already registered with the same flavor and config (then it is shared). A different component
    of the same name, or another stack of the same name, is refused; pass ``name`` to import the
    stack under another name. Importing the very same stack again changes nothing.

    Returns:
        The stack and the components that were newly registered.
    """
    registry = registry if registry is not None else get_flavor_registry()
    stack = stack_from_export(data, name=name, source=source, registry=registry)
    stack.validate()
    try:
        added = profile.put_stack(
            stack.name,
            _records(stack),
            create=True,
            activate=activate,
            same_component=lambda kind: _same_component(registry, kind),
            identical_ok=True,
        )
    except StackError as error:
        if name is None and "stack named" in str(error):
            raise StackError(f"{error} Import it under another name with --name.") from error
        raise
    return stack, added


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
