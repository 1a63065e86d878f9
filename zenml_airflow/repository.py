"""``Repository``: the user's entry point to stacks and to past runs (the seed's ``zenml.repository``).

    from zenml_airflow.repository import Repository

    pipeline = Repository().get_pipeline("training")
    accuracy = pipeline.runs[-1].get_step("evaluator").output.read()

A ``Repository`` is cheap to create and does no I/O until asked (the repository root is searched
for on first use); the active profile and stack are resolved on each access (environment >
``.zen/config.yaml`` pin > global config), so switching the active stack takes effect immediately.

Stack management follows the seed (0.7/0.8)::

    repo = Repository()
    repo.register_stack_component(LocalArtifactStoreComponent(name="archive", path="/data"))
    repo.register_stack(Stack("archival", orchestrator=..., metadata_store=..., artifact_store=...))
    repo.activate_stack("archival")

**Where activation lands** (docs/adr/0007-activation-scope-and-flavor-availability.md): inside a
repository, :meth:`activate_stack` and :meth:`activate_profile` pin the choice in the repository's
``.zen/config.yaml``; outside one they change the profile's active stack / the global active
profile. ``global_scope=True`` always changes the global setting and leaves the pin alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from zenml_airflow.config.active import ActiveContext, resolve_active, resolve_active_profile
from zenml_airflow.config.global_config import get_config_dir
from zenml_airflow.config.profile import ProfileManager, ProfileStore, StackRecord
from zenml_airflow.config.repository_config import (
    RepositoryConfig,
    find_repository,
    initialize_repository,
    is_repository_directory,
    repository_config_path,
)
from zenml_airflow.config.yaml_io import file_lock
from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import StackError
from zenml_airflow.stack.flavors import get_flavor_registry
from zenml_airflow.stack.stack import (
    Stack,
    load_active_stack,
    register_component,
    register_stack,
    update_stack,
)
from zenml_airflow.stack.stack_component import StackComponent

if TYPE_CHECKING:  # pragma: no cover - importing the views pulls in SQLAlchemy
    from zenml_airflow.post_execution import PipelineView

_UNSET: Any = object()


class Repository:
    """The repository containing ``root`` (default: searched upward from the working directory).

    Works outside a repository too: then only the global configuration applies.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self._root: Path | None = Path(root).resolve() if root is not None else _UNSET

    # --- repository folder ---------------------------------------------------------------------

    @staticmethod
    def initialize(root: str | Path | None = None) -> Repository:
        """Create ``.zen/`` in ``root`` (default: the working directory); the seed's ``zenml init``."""
        path = Path(root) if root is not None else Path.cwd()
        initialize_repository(path)
        return Repository(path)

    @staticmethod
    def find_repository(path: str | Path | None = None) -> Path | None:
        return find_repository(Path(path) if path is not None else None)

    @staticmethod
    def is_repository_directory(path: str | Path) -> bool:
        return is_repository_directory(Path(path))

    @property
    def root(self) -> Path | None:
        """The repository's root directory, or ``None`` when not inside one."""
        if self._root is _UNSET:
            self._root = find_repository()
        return self._root

    @property
    def config_directory(self) -> Path | None:
        """The ``.zen`` folder of this repository."""
        root = self.root
        return repository_config_path(root).parent if root is not None else None

    # --- active profile and stack --------------------------------------------------------------

    def active_context(self) -> ActiveContext:
        """The active profile and stack and where each choice came from (resolved now).

        Raises:
            DoesNotExistError: if the chosen profile or stack does not exist.
        """
        return resolve_active(self.root)

    @property
    def active_profile(self) -> ProfileStore:
        """The active profile (environment > repository pin > global config)."""
        profile, _ = resolve_active_profile(self.root)
        return profile

    @property
    def active_profile_name(self) -> str:
        return self.active_profile.name

    @property
    def active_stack_name(self) -> str:
        return self.active_context().stack_name

    @property
    def active_stack(self) -> Stack:
        """The stack ``p.run()`` uses now."""
        return load_active_stack(self.root)

    def activate_profile(self, name: str, *, global_scope: bool = False) -> None:
        """Make ``name`` the active profile.

        Inside a repository (and not ``global_scope``) the repository pins the profile and that
        profile's active stack, as the seed did; otherwise the global active profile changes.

        Raises:
            DoesNotExistError: if there is no such profile ("did you mean").
        """
        manager = ProfileManager(get_config_dir())
        profile = manager.get(name)
        root = self.root
        if root is None or global_scope:
            manager.set_active_profile(name)
            return
        path = repository_config_path(root)
        with file_lock(path):
            pins = RepositoryConfig.load(root)
            pins.active_profile_name = name
            pins.active_stack_name = profile.active_stack_name
            pins.save(root)

    def activate_stack(self, name: str, *, global_scope: bool = False) -> None:
        """Make ``name`` (a stack of the active profile) the active stack.

        Inside a repository (and not ``global_scope``) the choice is pinned in
        ``.zen/config.yaml``; otherwise it becomes the active profile's active stack.

        Raises:
            DoesNotExistError: if the active profile has no such stack ("did you mean").
        """
        profile = self.active_profile
        root = self.root
        if root is None or global_scope:
            profile.set_active_stack(name)
            return
        profile.get_stack(name)  # exists?
        path = repository_config_path(root)
        with file_lock(path):
            pins = RepositoryConfig.load(root)
            pins.active_stack_name = name
            pins.save(root)

    # --- stacks --------------------------------------------------------------------------------

    @property
    def stacks(self) -> list[Stack]:
        """Every stack of the active profile (built from its components), sorted by name."""
        profile = self.active_profile
        return [Stack.from_profile(profile, name) for name in profile.list_stacks()]

    @property
    def stack_configurations(self) -> dict[str, StackRecord]:
        """Every stack of the active profile as ``{name: {component type: component name}}``."""
        return self.active_profile.list_stacks()

    def get_stack(self, name: str) -> Stack:
        """A stack of the active profile by name."""
        return Stack.from_profile(self.active_profile, name)

    def register_stack(self, stack: Stack, *, activate: bool = False) -> None:
        """Validate ``stack`` and register it (and those of its components not registered yet)
        in the active profile; see :func:`zenml_airflow.stack.stack.register_stack`."""
        register_stack(self.active_profile, stack, activate=activate)

    def update_stack(self, name: str, stack: Stack) -> None:
        """Replace the components of stack ``name`` by those of ``stack`` (validated)."""
        update_stack(self.active_profile, name, stack)

    def deregister_stack(self, name: str) -> None:
        """Delete the stack ``name`` from the active profile (its components stay registered).

        Raises:
            StackError: if it is the active stack (by whatever means it is active).
            DoesNotExistError: if there is no such stack.
        """
        profile = self.active_profile
        profile.get_stack(name)
        try:
            context = self.active_context()
        except (StackError, KeyError):  # the active stack is broken: it cannot be this one
            context = None
        if (
            context is not None
            and context.stack_name == name
            and context.profile_name == profile.name
        ):
            how = {
                "environment": "set by $ZENML_AIRFLOW_STACK",
                "repository": f"pinned by {repository_config_path(self.root or Path())}",
                "profile": f"the active stack of profile '{profile.name}'",
            }[context.stack_source]
            raise StackError(
                f"Cannot delete stack '{name}': it is the active stack ({how}). Activate another "
                "stack first (`zenml-airflow stack set NAME`)."
            )
        profile.delete_stack(name)

    # --- stack components ----------------------------------------------------------------------

    def register_stack_component(self, component: StackComponent) -> None:
        """Register a validated component in the active profile.

        Raises:
            StackError: if a component of that type and name exists.
        """
        register_component(self.active_profile, component)

    def update_stack_component(
        self,
        name: str,
        component_type: StackComponentType,
        component: StackComponent,
    ) -> None:
        """Replace the config of the registered component ``name`` by ``component``'s.

        Every stack using it is validated again with the new config first; nothing changes if
        one of them would no longer work.

        Raises:
            DoesNotExistError: if there is no such component.
            StackError: if the flavor or name differs, or a stack using it would break.
        """
        profile = self.active_profile
        current = profile.get_component(component_type, name)
        if component.TYPE is not component_type:
            raise StackError(
                f"Cannot update {component_type.label} '{name}' with a {component.TYPE.label}."
            )
        if component.flavor != current.flavor:
            raise StackError(
                f"Cannot change the flavor of {component_type.label} '{name}' from "
                f"'{current.flavor}' to '{component.flavor}': register a new component instead."
            )
        if component.name != name:
            raise StackError(
                f"Cannot update {component_type.label} '{name}' with a component named "
                f"'{component.name}': renaming is not supported."
            )
        for stack_name in profile.stacks_using(component_type, name):
            stack = Stack.from_profile(profile, stack_name)
            setattr(stack, component_type.value, component)
            stack.validate()
        profile.update_component(component_type, name, component.config)

    def get_stack_components(self, component_type: StackComponentType) -> list[StackComponent]:
        """Every registered component of ``component_type`` in the active profile, by name."""
        registry = get_flavor_registry()
        return [
            registry.build_component(component_type, name, record.flavor, record.config)
            for name, record in self.active_profile.list_components(component_type).items()
        ]

    def get_stack_component(self, component_type: StackComponentType, name: str) -> StackComponent:
        """The registered component ``name`` of ``component_type``.

        Raises:
            DoesNotExistError: with "did you mean".
        """
        record = self.active_profile.get_component(component_type, name)
        return get_flavor_registry().build_component(
            component_type, name, record.flavor, record.config
        )

    def deregister_stack_component(self, component_type: StackComponentType, name: str) -> None:
        """Delete a registered component.

        Raises:
            StackError: if a stack uses it, naming the stack(s).
            DoesNotExistError: if there is no such component.
        """
        self.active_profile.delete_component(component_type, name)

    def get_flavor(
        self, name: str | StackComponentType, component_type: str | StackComponentType
    ) -> type[StackComponent]:
        """The component class of flavor ``name`` of ``component_type`` (the seed's argument
        order; ``get_flavor(component_type, name)`` is accepted as well).

        Raises:
            StackError: for an unknown flavor, listing the known ones.
        """
        if isinstance(name, StackComponentType) and not isinstance(
            component_type, StackComponentType
        ):
            name, component_type = component_type, name
        kind = StackComponentType(component_type)
        return get_flavor_registry().get_flavor(kind, str(name)).component_class

    # --- post-execution ------------------------------------------------------------------------

    def _stack(self, stack_name: str | None) -> Stack:
        return self.active_stack if stack_name is None else self.get_stack(stack_name)

    def get_pipelines(self, stack_name: str | None = None) -> list[PipelineView]:
        """Every pipeline recorded in the given (default: active) stack's metadata store."""
        return self._stack(stack_name).get_pipelines()

    def get_pipeline(
        self, pipeline_name: str, stack_name: str | None = None
    ) -> PipelineView | None:
        """The named pipeline, or ``None`` if the stack's metadata store has never seen it."""
        return self._stack(stack_name).get_pipeline(pipeline_name)

    def __repr__(self) -> str:
        root = self.root
        return f"Repository(root={str(root) if root else None!r})"
