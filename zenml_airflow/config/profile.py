"""Profiles: independent sets of stack components and stacks in the global config directory.

A profile is the directory ``<config dir>/profiles/<name>/`` holding ``stacks.yaml``::

    version: 1
    active_stack: default
    components:
      orchestrator:
        default: {flavor: local, config: {}}
      metadata_store:
        default: {flavor: sqlite, config: {uri: <profile dir>/stores/metadata.db}}
      artifact_store:
        default: {flavor: local, config: {path: <profile dir>/stores/artifacts}}
    stacks:
      default: {orchestrator: default, metadata_store: default, artifact_store: default}

This layer stores components as plain records (flavor + config dict). Validating a config against
its flavor is the stack layer's job (:mod:`zenml_airflow.stack`), which sits above this one.

Two classes:

* :class:`ProfileManager` - the collection of profiles in one config directory (create, list,
  delete, activate).
* :class:`ProfileStore` - the components and stacks of one profile.

Example::

    manager = ProfileManager(config_dir)
    profile = manager.ensure_default()
    profile.get_stack("default")  # {orchestrator: 'default', metadata_store: ..., ...}
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from zenml_airflow.config.global_config import (
    CONFIG_FILE_NAME,
    DEFAULT_PROFILE_NAME,
    GlobalConfig,
)
from zenml_airflow.config.yaml_io import file_lock, load_model, os_error_reason, save_model
from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import (
    ConfigError,
    DoesNotExistError,
    StackComponentExistsError,
    StackError,
    StackExistsError,
    did_you_mean,
)

STACKS_FILE_NAME = "stacks.yaml"
DEFAULT_STACK_NAME = "default"
DEFAULT_COMPONENT_NAME = "default"
PROFILE_FILE_VERSION = 1

_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
#: Names become file and folder names, DAG tags and table values: long enough for any real
#: name, short enough for every file system and column.
MAX_NAME_LENGTH = 100

T = TypeVar("T")


def validate_name(kind: str, name: str) -> str:
    """Check that ``name`` is usable as a profile, stack or component name (and a directory name).

    Raises:
        ConfigError: naming the offending value and the allowed characters.
    """
    if len(name) > MAX_NAME_LENGTH:
        raise ConfigError(
            f"Invalid {kind} name {name[:40]!r}... ({len(name)} characters): names may have at "
            f"most {MAX_NAME_LENGTH} characters. Choose a shorter name."
        )
    if not _NAME_PATTERN.fullmatch(name):
        raise ConfigError(
            f"Invalid {kind} name {name!r}: use letters, digits, '_', '-' and '.', "
            "starting with a letter or digit."
        )
    return name


def _a(noun: str) -> str:
    return f"{'An' if noun[:1] in 'aeiou' else 'A'} {noun}"


class ComponentRecord(BaseModel):
    """A stored stack component: its flavor and its (flavor-specific) configuration."""

    model_config = ConfigDict(extra="forbid")

    flavor: str
    config: dict[str, Any] = Field(default_factory=dict)


StackRecord = dict[StackComponentType, str]
"""A stored stack: component type -> component name."""

SameComponent = Callable[[ComponentRecord, ComponentRecord], bool]
"""Decides whether an existing component record and a new one describe the same component."""


def _equal_records(existing: ComponentRecord, new: ComponentRecord) -> bool:
    return existing == new


class ProfileData(BaseModel):
    """The shape of a profile's ``stacks.yaml``."""

    model_config = ConfigDict(extra="forbid")

    version: int = PROFILE_FILE_VERSION
    active_stack: str | None = None
    components: dict[StackComponentType, dict[str, ComponentRecord]] = Field(default_factory=dict)
    stacks: dict[str, StackRecord] = Field(default_factory=dict)


def default_profile_data(profile_dir: Path) -> ProfileData:
    """The content of a new profile: a ``default`` stack of ``default`` components, stored inside
    the profile directory (local orchestrator, sqlite metadata store, local artifact store)."""
    stores = profile_dir / "stores"
    return ProfileData(
        active_stack=DEFAULT_STACK_NAME,
        components={
            StackComponentType.ORCHESTRATOR: {
                DEFAULT_COMPONENT_NAME: ComponentRecord(flavor="local")
            },
            StackComponentType.METADATA_STORE: {
                DEFAULT_COMPONENT_NAME: ComponentRecord(
                    flavor="sqlite", config={"uri": str(stores / "metadata.db")}
                )
            },
            StackComponentType.ARTIFACT_STORE: {
                DEFAULT_COMPONENT_NAME: ComponentRecord(
                    flavor="local", config={"path": str(stores / "artifacts")}
                )
            },
        },
        stacks={
            DEFAULT_STACK_NAME: {
                StackComponentType.ORCHESTRATOR: DEFAULT_COMPONENT_NAME,
                StackComponentType.METADATA_STORE: DEFAULT_COMPONENT_NAME,
                StackComponentType.ARTIFACT_STORE: DEFAULT_COMPONENT_NAME,
            }
        },
    )


class ProfileStore:
    """The components and stacks of one profile, stored in ``<profile dir>/stacks.yaml``.

    Constructing one does no I/O. Every read goes to the file (so other processes' changes are
    seen); every change is a locked read-modify-write with an atomic replace.
    """

    def __init__(self, config_dir: Path, name: str) -> None:
        self.config_dir = config_dir
        self.name = name

    def __repr__(self) -> str:
        return f"ProfileStore(config_dir={str(self.config_dir)!r}, name={self.name!r})"

    @property
    def path(self) -> Path:
        """The profile directory."""
        return self.config_dir / "profiles" / self.name

    @property
    def stacks_file(self) -> Path:
        """The ``stacks.yaml`` holding this profile's components and stacks."""
        return self.path / STACKS_FILE_NAME

    def exists(self) -> bool:
        """Whether this profile has been created."""
        return self.stacks_file.is_file()

    # --- file access ---------------------------------------------------------------------

    def load(self) -> ProfileData:
        """Read and validate ``stacks.yaml``.

        Raises:
            DoesNotExistError: if the profile has not been created.
            ConfigError: if the file is corrupt or has the wrong shape.
        """
        try:
            data = load_model(self.stacks_file, ProfileData)
        except FileNotFoundError:
            raise DoesNotExistError(
                f"Profile '{self.name}' does not exist (no {self.stacks_file}). "
                f"Create it with `zenml-airflow profile create {self.name}`."
            ) from None
        self._check_consistency(data)
        return data

    def _modify(self, change: Callable[[ProfileData], T]) -> T:
        if not self.exists():
            self.load()  # raises the clean DoesNotExistError before a lock file is created
        with file_lock(self.stacks_file):
            data = self.load()
            result = change(data)
            save_model(self.stacks_file, data)
        return result

    def _check_consistency(self, data: ProfileData) -> None:
        # A hand-edited file can reference things that are not there; say so instead of failing
        # later with a KeyError somewhere far away.
        for stack_name, record in data.stacks.items():
            for component_type, component_name in record.items():
                if component_name not in data.components.get(component_type, {}):
                    raise ConfigError(
                        f"Config file {self.stacks_file} is invalid: stack '{stack_name}' uses "
                        f"{component_type.label} '{component_name}', which is not registered "
                        f"under components.{component_type.value}. Fix the file by hand."
                    )
        if data.active_stack is not None and data.active_stack not in data.stacks:
            raise ConfigError(
                f"Config file {self.stacks_file} is invalid: active_stack "
                f"'{data.active_stack}' is not one of the stacks "
                f"({', '.join(sorted(data.stacks)) or 'none'}). Fix the file by hand."
            )

    # --- components ------------------------------------------------------------------------

    def list_components(self, component_type: StackComponentType) -> dict[str, ComponentRecord]:
        """All components of one type, by name (sorted)."""
        components = self.load().components.get(component_type, {})
        return dict(sorted(components.items()))

    def get_component(self, component_type: StackComponentType, name: str) -> ComponentRecord:
        """One component's record.

        Raises:
            DoesNotExistError: with a "did you mean" suggestion.
        """
        components = self.load().components.get(component_type, {})
        return self._find_component(components, component_type, name)

    def find_component(
        self, data: ProfileData, component_type: StackComponentType, name: str
    ) -> ComponentRecord:
        """One component's record in already loaded ``data`` (for consistent multi-reads).

        Raises:
            DoesNotExistError: with a "did you mean" suggestion.
        """
        return self._find_component(data.components.get(component_type, {}), component_type, name)

    def stacks_using(self, component_type: StackComponentType, name: str) -> list[str]:
        """The stacks that use the component ``name`` of ``component_type``, sorted."""
        return sorted(
            stack
            for stack, record in self.load().stacks.items()
            if record.get(component_type) == name
        )

    def _find_component(
        self,
        components: Mapping[str, ComponentRecord],
        component_type: StackComponentType,
        name: str,
    ) -> ComponentRecord:
        if name not in components:
            available = ", ".join(sorted(components)) or "none"
            raise DoesNotExistError(
                f"No {component_type.label} named '{name}' in profile '{self.name}'."
                f"{did_you_mean(name, components)} Registered: {available}."
            )
        return components[name]

    def register_component(
        self,
        component_type: StackComponentType,
        name: str,
        flavor: str,
        config: Mapping[str, Any] | None = None,
    ) -> ComponentRecord:
        """Store a new component (the caller has validated ``config`` against the flavor).

        Raises:
            StackError: if a component of this type and name already exists.
        """
        validate_name(component_type.label, name)
        record = ComponentRecord(flavor=flavor, config=dict(config or {}))

        def change(data: ProfileData) -> ComponentRecord:
            components = data.components.setdefault(component_type, {})
            if name in components:
                raise StackComponentExistsError(
                    f"{_a(component_type.label)} named '{name}' already exists in profile "
                    f"'{self.name}'. Choose another name or update the existing one."
                )
            components[name] = record
            return record

        return self._modify(change)

    def update_component(
        self,
        component_type: StackComponentType,
        name: str,
        config: Mapping[str, Any],
    ) -> ComponentRecord:
        """Replace the config of an existing component (the caller has validated it)."""

        def change(data: ProfileData) -> ComponentRecord:
            components = data.components.get(component_type, {})
            current = self._find_component(components, component_type, name)
            updated = ComponentRecord(flavor=current.flavor, config=dict(config))
            components[name] = updated
            return updated

        return self._modify(change)

    def delete_component(self, component_type: StackComponentType, name: str) -> None:
        """Remove a component.

        Raises:
            DoesNotExistError: if there is no such component.
            StackError: if a stack uses it, naming the stack.
        """

        def change(data: ProfileData) -> None:
            components = data.components.get(component_type, {})
            self._find_component(components, component_type, name)
            users = sorted(s for s, rec in data.stacks.items() if rec.get(component_type) == name)
            if users:
                raise StackError(
                    f"Cannot delete {component_type.label} '{name}': it is used by stack(s) "
                    f"{', '.join(repr(u) for u in users)}. Delete or update those stacks first."
                )
            del components[name]

        self._modify(change)

    # --- stacks ----------------------------------------------------------------------------

    def list_stacks(self) -> dict[str, StackRecord]:
        """All stacks, by name (sorted)."""
        return dict(sorted(self.load().stacks.items()))

    def get_stack(self, name: str) -> StackRecord:
        """One stack's component names by type.

        Raises:
            DoesNotExistError: with a "did you mean" suggestion.
        """
        return dict(self._find_stack(self.load(), name))

    def get_stack_components(
        self, name: str
    ) -> tuple[StackRecord, dict[StackComponentType, ComponentRecord]]:
        """A stack and the records of its components, from one consistent read of the file.

        Raises:
            DoesNotExistError: with a "did you mean" suggestion.
        """
        data = self.load()
        record = self._find_stack(data, name)
        components = {kind: data.components[kind][component] for kind, component in record.items()}
        return dict(record), components

    def _find_stack(self, data: ProfileData, name: str) -> StackRecord:
        if name not in data.stacks:
            available = ", ".join(sorted(data.stacks)) or "none"
            raise DoesNotExistError(
                f"No stack named '{name}' in profile '{self.name}'."
                f"{did_you_mean(name, data.stacks)} Registered: {available}."
            )
        return data.stacks[name]

    def register_stack(
        self,
        name: str,
        components: Mapping[StackComponentType, str],
        *,
        activate: bool = False,
    ) -> StackRecord:
        """Store a new stack made of already registered components.

        Raises:
            StackError: if the name is taken.
            DoesNotExistError: if a component does not exist (with "did you mean").
        """
        validate_name("stack", name)
        record: StackRecord = dict(components)

        def change(data: ProfileData) -> StackRecord:
            if name in data.stacks:
                raise StackExistsError(
                    f"A stack named '{name}' already exists in profile '{self.name}'. "
                    "Choose another name or update the existing stack."
                )
            self._check_components_exist(data, record)
            data.stacks[name] = record
            if activate:
                data.active_stack = name
            return dict(record)

        return self._modify(change)

    def put_stack(
        self,
        name: str,
        components: Mapping[StackComponentType, tuple[str, ComponentRecord]],
        *,
        create: bool,
        activate: bool = False,
        same_component: Callable[[StackComponentType], SameComponent] | None = None,
        identical_ok: bool = False,
    ) -> list[tuple[StackComponentType, str]]:
        """Store a stack together with its components, in one locked write.

        ``components`` maps each type to the component's name and record. A component that is not
        registered yet is registered; one registered under the same name must be the same
        (``same_component(type)(existing, new)``, default: equal records), otherwise nothing is
        written. ``create`` registers a new stack (refusing a taken name); otherwise the existing
        stack ``name`` is replaced. With ``identical_ok``, creating a stack that already exists
        with the same components (by name and content) is not an error and changes nothing.

        Returns:
            The components that were newly registered.

        Raises:
            StackError: if the stack name is taken (``create``) or a component clashes.
            DoesNotExistError: if the stack does not exist (not ``create``).
        """
        validate_name("stack", name)
        for kind, (component_name, _) in components.items():
            validate_name(kind.label, component_name)

        new_record = {kind: component_name for kind, (component_name, _) in components.items()}

        def change(data: ProfileData) -> list[tuple[StackComponentType, str]]:
            if (
                create
                and name in data.stacks
                and not (identical_ok and data.stacks[name] == new_record)
            ):
                raise StackExistsError(
                    f"A stack named '{name}' already exists in profile '{self.name}'. "
                    "Choose another name or update the existing stack."
                )
            if not create:
                self._find_stack(data, name)
            added: list[tuple[StackComponentType, str]] = []
            for kind, (component_name, record) in components.items():
                registered = data.components.setdefault(kind, {})
                existing = registered.get(component_name)
                if existing is None:
                    registered[component_name] = record
                    added.append((kind, component_name))
                    continue
                same = same_component(kind) if same_component is not None else _equal_records
                if not same(existing, record):
                    raise StackComponentExistsError(
                        f"{_a(kind.label)} named '{component_name}' already exists in profile "
                        f"'{self.name}' with a different configuration (registered: flavor "
                        f"'{existing.flavor}' {existing.config}; new: flavor '{record.flavor}' "
                        f"{record.config}). Rename one of them, or update the registered one "
                        f"(`zenml-airflow {kind.cli_name} update {component_name} ...`)."
                    )
            data.stacks[name] = dict(new_record)
            if activate:
                data.active_stack = name
            return added

        return self._modify(change)

    def delete_stack(self, name: str) -> None:
        """Remove a stack (its components stay registered).

        Raises:
            StackError: if it is this profile's active stack.
        """

        def change(data: ProfileData) -> None:
            self._find_stack(data, name)
            if data.active_stack == name:
                raise StackError(
                    f"Cannot delete stack '{name}': it is the active stack of profile "
                    f"'{self.name}'. Activate another stack first (`zenml-airflow stack set`)."
                )
            del data.stacks[name]

        self._modify(change)

    def _check_components_exist(self, data: ProfileData, record: StackRecord) -> None:
        for component_type, component_name in record.items():
            self._find_component(
                data.components.get(component_type, {}), component_type, component_name
            )

    @property
    def active_stack_name(self) -> str | None:
        """The profile's active stack, or ``None`` if none is set."""
        return self.load().active_stack

    def set_active_stack(self, name: str) -> None:
        """Make ``name`` the profile's active stack.

        Raises:
            DoesNotExistError: with a "did you mean" suggestion.
        """

        def change(data: ProfileData) -> None:
            self._find_stack(data, name)
            data.active_stack = name

        self._modify(change)


class ProfileManager:
    """The profiles of one global config directory.

    Constructing one does no I/O; the ``default`` profile is created by :meth:`ensure_default`
    (called on first use by :func:`zenml_airflow.config.resolve_active`), never at import.
    """

    def __init__(self, config_dir: Path) -> None:
        self.config_dir = config_dir

    def __repr__(self) -> str:
        return f"ProfileManager(config_dir={str(self.config_dir)!r})"

    @property
    def profiles_dir(self) -> Path:
        """The directory holding one sub-directory per profile."""
        return self.config_dir / "profiles"

    def store(self, name: str) -> ProfileStore:
        """A :class:`ProfileStore` for ``name`` without checking that it exists (no I/O)."""
        return ProfileStore(self.config_dir, name)

    def exists(self, name: str) -> bool:
        """Whether a profile named ``name`` has been created."""
        return self.store(name).exists()

    def list_profiles(self) -> list[str]:
        """Names of all created profiles, sorted."""
        if not self.profiles_dir.is_dir():
            return []
        return sorted(
            entry.name
            for entry in self.profiles_dir.iterdir()
            if (entry / STACKS_FILE_NAME).is_file()
        )

    def get(self, name: str) -> ProfileStore:
        """An existing profile.

        Raises:
            DoesNotExistError: with a "did you mean" suggestion.
        """
        if not self.exists(name):
            profiles = self.list_profiles()
            raise DoesNotExistError(
                f"Profile '{name}' does not exist.{did_you_mean(name, profiles)} "
                f"Profiles: {', '.join(profiles) or 'none'}. "
                f"Create it with `zenml-airflow profile create {name}`."
            )
        return self.store(name)

    def create(self, name: str) -> ProfileStore:
        """Create a profile with its own ``default`` stack and components.

        Raises:
            ConfigError: if the name is not valid.
            StackError: if the profile already exists.
        """
        validate_name("profile", name)
        profile = self.store(name)
        with file_lock(profile.stacks_file):
            if profile.exists():
                raise StackError(f"Profile '{name}' already exists in {self.config_dir}.")
            self._initialise(profile)
        return profile

    def ensure_default(self) -> ProfileStore:
        """Create the global config file and the ``default`` profile if they do not exist yet."""
        GlobalConfig.ensure(self.config_dir)
        profile = self.store(DEFAULT_PROFILE_NAME)
        if profile.exists():
            return profile
        with file_lock(profile.stacks_file):
            if not profile.exists():  # another process may have won the race
                self._initialise(profile)
        return profile

    @staticmethod
    def _initialise(profile: ProfileStore) -> None:
        data = default_profile_data(profile.path)
        stores = profile.path / "stores" / "artifacts"
        try:
            stores.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(
                f"Cannot create the default stores of profile '{profile.name}' in {stores}: "
                f"{os_error_reason(error)}. Check that {profile.path.parent} is writable."
            ) from error
        save_model(profile.stacks_file, data)

    def delete(self, name: str) -> None:
        """Delete a profile directory, with its default stores.

        Raises:
            DoesNotExistError: if there is no such profile.
            StackError: if it is the globally active profile.
        """
        profile = self.get(name)
        if self.active_profile_name == name:
            raise StackError(
                f"Cannot delete profile '{name}': it is the active profile. Activate another "
                "profile first (`zenml-airflow profile set NAME`)."
            )
        shutil.rmtree(profile.path)

    @property
    def active_profile_name(self) -> str:
        """The globally active profile (from ``config.yaml``; env and repository pins aside)."""
        return GlobalConfig.load(self.config_dir).active_profile

    def set_active_profile(self, name: str) -> None:
        """Make ``name`` the globally active profile.

        Raises:
            DoesNotExistError: with a "did you mean" suggestion.
        """
        self.get(name)
        with file_lock(self.config_dir / CONFIG_FILE_NAME):
            config = GlobalConfig.load(self.config_dir)
            config.active_profile = name
            config.save()
