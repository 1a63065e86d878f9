"""The flavor registry: which component classes exist, keyed by component type and flavor name.

Filled from the built-ins and the ``zenml_airflow.flavors`` entry-point group; read-only once built.
An entry point may name a :class:`Flavor`, a :class:`StackComponent` subclass, or a list of
either. A broken entry point (import error, wrong object, clash with an existing flavor) is
skipped with a warning, never fatal.

Example (a plugin's ``pyproject.toml``)::

    [project.entry-points."zenml_airflow.flavors"]
    my_store = "my_plugin.stores:MyArtifactStoreComponent"

and in code::

    flavor = get_flavor_registry().get(StackComponentType.ARTIFACT_STORE, "local")
    component = flavor.component_class.from_config("default", {"path": "/tmp/artifacts"})
"""

from __future__ import annotations

import functools
import inspect
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import StackError, did_you_mean
from zenml_airflow.stack.stack_component import StackComponent
from zenml_airflow.utils import source_utils

ENTRY_POINT_GROUP = "zenml_airflow.flavors"

FlavorKey = tuple[StackComponentType, str]


@dataclass(frozen=True)
class Flavor:
    """A flavor: the eager component (config) class and the lazily imported implementation."""

    component_class: type[StackComponent]
    implementation: str | None = None
    source: str = "built-in"

    @classmethod
    def from_component_class(
        cls, component_class: type[StackComponent], source: str = "built-in"
    ) -> Flavor:
        """The flavor a component class declares through ``TYPE``/``FLAVOR``/``IMPLEMENTATION``."""
        return cls(component_class, component_class.IMPLEMENTATION, source)

    @property
    def type(self) -> StackComponentType:
        """The component type."""
        return self.component_class.TYPE

    @property
    def name(self) -> str:
        """The flavor name, e.g. ``"local"``."""
        return self.component_class.FLAVOR

    @property
    def key(self) -> FlavorKey:
        """``(type, name)``."""
        return (self.type, self.name)

    def unavailable_reason(self) -> str | None:
        """Why a stack cannot use this flavor, or ``None`` when it can.

        A flavor is unavailable when its component class declares ``NOT_IMPLEMENTED``, when it
        needs an implementation and names none, or when its ``IMPLEMENTATION`` cannot be imported
        (which this method tries: call it at registration time, not on hot paths).
        """
        cls = self.component_class
        if cls.NOT_IMPLEMENTED is not None:
            return f"the {cls.describe()} is not implemented yet ({cls.NOT_IMPLEMENTED})"
        if self.implementation is None:
            if cls.IMPLEMENTATION_REQUIRED:
                return f"the {cls.describe()} names no implementation to run it"
            return None
        try:
            import_object(self.implementation)
        except StackError as error:
            return f"the implementation of the {cls.describe()} cannot be loaded: {error}"
        except Exception as error:  # a broken plugin module must give a reason, not a traceback
            return (
                f"the implementation of the {cls.describe()} ({self.implementation}) fails to "
                f"import: {type(error).__name__}: {error}"
            )
        return None

    def field_summaries(self) -> dict[str, dict[str, Any]]:
        """The flavor's config fields: ``{name: {"type", "required", "default"}}`` (for listings)."""
        summaries: dict[str, dict[str, Any]] = {}
        for name in self.component_class.config_fields():
            info = self.component_class.model_fields[name]
            annotation = info.annotation
            type_name = getattr(annotation, "__name__", None) or str(annotation)
            if "|" in str(annotation) or "Optional" in str(annotation):
                type_name = str(annotation).replace("typing.", "")
            required = info.is_required()
            summaries[name] = {
                "type": type_name,
                "required": required,
                "default": None if required else info.get_default(call_default_factory=True),
            }
        return summaries

    def load_implementation(self) -> Any:
        """Import and return the implementation object (``"module:Class"``).

        Raises:
            StackError: if the flavor has no implementation or it cannot be imported.
        """
        if self.implementation is None:
            raise StackError(f"The {self.component_class.describe()} has no implementation.")
        return import_object(self.implementation)


def import_object(spec: str) -> Any:
    """Import ``"package.module:Attribute"`` (a flavor's ``IMPLEMENTATION``).

    Raises:
        StackError: with the module or attribute that is missing.
    """
    return source_utils.import_object(spec, error=StackError)


class FlavorRegistry(Mapping[FlavorKey, Flavor]):
    """A read-only mapping ``(component type, flavor name) -> Flavor``.

    ``plugins``, when given, is called once with the keys already registered and returns more
    flavors. It runs only when a lookup misses or the registry is listed, so rebuilding a stack of
    built-in flavors (every Airflow task does) never scans the installed distributions' entry
    points. Built-ins win over plugins either way.
    """

    def __init__(
        self,
        flavors: Iterable[Flavor] = (),
        plugins: Callable[[list[FlavorKey]], Iterable[Flavor]] | None = None,
    ) -> None:
        self._flavors: dict[FlavorKey, Flavor] = {}
        for flavor in flavors:
            self._add(flavor)
        self._plugins = plugins
        self._plugins_lock = threading.Lock()

    def _add(self, flavor: Flavor) -> None:
        if flavor.key in self._flavors:
            raise StackError(
                f"Duplicate {flavor.component_class.describe()} "
                f"(from {flavor.source} and {self._flavors[flavor.key].source})."
            )
        self._flavors[flavor.key] = flavor

    def _all(self) -> dict[FlavorKey, Flavor]:
        """Every flavor, loading the plugins first if that has not happened yet.

        ``_plugins`` is cleared only once every plugin flavor is in, so a thread that asks while
        another is loading waits for the lock instead of seeing half of them.
        """
        if self._plugins is not None:
            with self._plugins_lock:
                load = self._plugins
                if load is not None:
                    for flavor in list(load(list(self._flavors))):
                        self._add(flavor)
                    self._plugins = None
        return self._flavors

    def __getitem__(self, key: FlavorKey) -> Flavor:
        flavor = self._flavors.get(key)
        return flavor if flavor is not None else self._all()[key]

    def __iter__(self) -> Iterator[FlavorKey]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def get_flavor(self, component_type: StackComponentType, name: str) -> Flavor:
        """The flavor ``name`` of ``component_type``.

        Raises:
            StackError: naming the known flavors, with "did you mean".
        """
        flavor = self.get((component_type, name))
        if flavor is None:
            known = self.flavor_names(component_type)
            raise StackError(
                f"Unknown {component_type.label} flavor '{name}'.{did_you_mean(name, known)} "
                f"Available flavors: {', '.join(known) or 'none'}."
            )
        return flavor

    def flavor_names(self, component_type: StackComponentType) -> list[str]:
        """Sorted flavor names of one component type."""
        return sorted(name for (kind, name) in self._all() if kind is component_type)

    def list_flavors(self, component_type: StackComponentType | None = None) -> list[Flavor]:
        """Flavors of one type (or all), sorted by type and name."""
        flavors = self._all()
        return [
            flavors[key]
            for key in sorted(flavors, key=lambda k: (k[0].value, k[1]))
            if component_type is None or key[0] is component_type
        ]

    def build_component(
        self, component_type: StackComponentType, name: str, flavor: str, config: dict[str, Any]
    ) -> StackComponent:
        """Validate ``config`` against the flavor and build the component.

        Raises:
            StackError: for an unknown flavor or an invalid config (naming allowed fields).
        """
        return self.get_flavor(component_type, flavor).component_class.from_config(name, config)


def builtin_flavors() -> list[Flavor]:
    """The flavors that ship with zenml-airflow."""
    from zenml_airflow.stack.components import BUILTIN_COMPONENT_CLASSES

    return [Flavor.from_component_class(cls) for cls in BUILTIN_COMPONENT_CLASSES]


def _as_flavors(obj: Any, source: str) -> list[Flavor]:
    items = obj if isinstance(obj, list | tuple) else [obj]
    flavors = []
    for item in items:
        if isinstance(item, Flavor):
            flavors.append(item)
        elif (
            isinstance(item, type)
            and issubclass(item, StackComponent)
            and hasattr(item, "TYPE")
            and hasattr(item, "FLAVOR")
        ):
            if inspect.isabstract(item):
                missing = ", ".join(sorted(item.__abstractmethods__))
                raise TypeError(
                    f"{item.__module__}.{item.__qualname__} is abstract: implement {missing}"
                )
            flavors.append(Flavor.from_component_class(item, source))
        else:
            raise TypeError(
                f"expected a Flavor or a StackComponent subclass with TYPE and FLAVOR, got {item!r}"
            )
    return flavors


def entry_point_flavors(
    entry_points_: Iterable[EntryPoint] | None = None,
    taken: Iterable[FlavorKey] = (),
) -> list[Flavor]:
    """Load the flavors of the ``zenml_airflow.flavors`` entry points, skipping broken ones.

    ``taken`` are keys already registered (built-ins win over plugins).
    """
    if entry_points_ is None:
        entry_points_ = entry_points(group=ENTRY_POINT_GROUP)
    seen = set(taken)
    loaded: list[Flavor] = []
    for entry_point in entry_points_:
        source = f"entry point {entry_point.name!r} ({entry_point.value})"
        try:
            flavors = _as_flavors(entry_point.load(), source)
        except Exception as error:  # a broken plugin must not break zenml-airflow
            warnings.warn(
                f"Skipping flavor plugin {source}: {type(error).__name__}: {error}",
                RuntimeWarning,
                stacklevel=2,
            )
            continue
        for flavor in flavors:
            if flavor.key in seen:
                warnings.warn(
                    f"Skipping {flavor.component_class.describe()} from {source}: "
                    "a flavor with that name is already registered.",
                    RuntimeWarning,
                    stacklevel=2,
                )
                continue
            seen.add(flavor.key)
            loaded.append(flavor)
    return loaded


@functools.cache
def get_flavor_registry() -> FlavorRegistry:
    """The registry of built-in and plugin flavors (built on first call, then reused; the
    plugins' entry points are loaded when a lookup first needs them)."""
    return FlavorRegistry(builtin_flavors(), plugins=lambda taken: entry_point_flavors(taken=taken))
