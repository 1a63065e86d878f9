"""Integrations that other packages add through the ``zenml_airflow.integrations`` entry points.

A package that brings materializers for its own library declares its integration the way flavor
plugins declare flavors (:mod:`zenml_airflow.stack.flavors`)::

    # the plugin's pyproject.toml
    [project.entry-points."zenml_airflow.integrations"]
    catboost = "zenml_catboost:CatboostIntegration"

    # zenml_catboost/__init__.py (importing it must not import catboost)
    class CatboostIntegration(Integration):
        NAME = "catboost"
        REQUIREMENTS = ["catboost>=1.2"]
        MATERIALIZERS = {"catboost": "zenml_catboost.materializers"}

Once found, a plugin integration is an integration like the built-in ones: ``required_integrations
=["catboost"]`` is checked against its requirements, ``zenml-airflow integration list`` shows it,
and its materializer module is imported as soon as a step holds a value of its library (the
registry's lazy entries: nothing imports ``catboost`` before a step does).

Discovery costs one scan of the installed distributions, so it happens at most once per process
and only when something asks for an integration or a materializer that the built-ins do not have:
``import zenml_airflow``, compiling and task start never pay for it. A broken plugin (import
error, wrong object, a name already taken) is skipped with a warning, never fatal; built-in names
win over plugins.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from types import MappingProxyType
from typing import Any

ENTRY_POINT_GROUP = "zenml_airflow.integrations"


@dataclass(frozen=True)
class PluginIntegration:
    """One integration found through an entry point.

    Attributes:
        name: the integration's name (its ``NAME``, equal to the entry point's name).
        integration_class: the seed-style ``Integration`` subclass the entry point names.
        requirements: its ``REQUIREMENTS``.
        system_requirements: its ``SYSTEM_REQUIREMENTS``.
        materializers: ``{top-level library: module that registers its materializers}``.
        summary: the first line of the class's docstring.
        source: where it came from, e.g. ``"zenml-catboost 0.3 (zenml_catboost:Catboost...)"``.
    """

    name: str
    integration_class: Any
    requirements: tuple[str, ...]
    system_requirements: Mapping[str, str]
    materializers: Mapping[str, str]
    summary: str
    source: str


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError(f"{what} must be a list of strings, got {value!r}")
    items = tuple(value)
    if not all(isinstance(item, str) and item for item in items):
        raise TypeError(f"{what} must be a list of non-empty strings, got {value!r}")
    return items


def _string_mapping(value: Any, what: str) -> Mapping[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(key, str) and key and isinstance(item, str) and item
        for key, item in value.items()
    ):
        raise TypeError(f"{what} must be a dict of non-empty strings, got {value!r}")
    return MappingProxyType(dict(value))


def _as_plugin(entry_point: EntryPoint, loaded: Any, source: str) -> PluginIntegration:
    """Check what an entry point loaded and describe it; ``TypeError``/``ValueError`` if wrong."""
    from zenml_airflow.core.integrations import requirement_name

    if not isinstance(loaded, type) or not callable(getattr(loaded, "activate", None)):
        raise TypeError(
            f"expected a subclass of zenml_airflow.integrations.integration.Integration, "
            f"got {loaded!r}"
        )
    name = getattr(loaded, "NAME", None)
    if name != entry_point.name:
        raise ValueError(
            f"its NAME {name!r} differs from the entry point's name {entry_point.name!r}; "
            "make them equal"
        )
    requirements = _strings(getattr(loaded, "REQUIREMENTS", []), "REQUIREMENTS")
    for requirement in requirements:
        requirement_name(requirement)  # raises IntegrationError for an invalid specifier
    summary = (loaded.__doc__ or "").strip().split("\n", 1)[0]
    return PluginIntegration(
        name=name,
        integration_class=loaded,
        requirements=requirements,
        system_requirements=_string_mapping(
            getattr(loaded, "SYSTEM_REQUIREMENTS", {}), "SYSTEM_REQUIREMENTS"
        ),
        materializers=_string_mapping(getattr(loaded, "MATERIALIZERS", {}), "MATERIALIZERS"),
        summary=summary or f"integration from {source}",
        source=source,
    )


def _source(entry_point: EntryPoint) -> str:
    distribution = getattr(entry_point, "dist", None)
    if distribution is None:
        return f"entry point {entry_point.name!r} ({entry_point.value})"
    return f"{distribution.name} {distribution.version} ({entry_point.value})"


def load_plugin_integrations(
    entry_points_: Iterable[EntryPoint] | None = None, taken: Iterable[str] = ()
) -> dict[str, PluginIntegration]:
    """Load the integrations of the ``zenml_airflow.integrations`` entry points, skipping (with a
    ``RuntimeWarning``) broken ones and names in ``taken`` (built-ins win)."""
    if entry_points_ is None:
        entry_points_ = entry_points(group=ENTRY_POINT_GROUP)
    seen = set(taken)
    loaded: dict[str, PluginIntegration] = {}
    for entry_point in entry_points_:
        source = _source(entry_point)
        if entry_point.name in seen:
            warnings.warn(
                f"Skipping integration plugin {source}: an integration named "
                f"{entry_point.name!r} already exists. Rename the entry point and its NAME.",
                RuntimeWarning,
                stacklevel=2,
            )
            continue
        try:
            plugin = _as_plugin(entry_point, entry_point.load(), source)
        except Exception as error:  # a broken plugin must not break zenml-airflow
            warnings.warn(
                f"Skipping integration plugin {source}: {type(error).__name__}: {error}",
                RuntimeWarning,
                stacklevel=2,
            )
            continue
        seen.add(plugin.name)
        loaded[plugin.name] = plugin
    return loaded


_plugins: Mapping[str, PluginIntegration] | None = None
_loading = False
_lock = threading.RLock()


def plugin_integrations() -> Mapping[str, PluginIntegration]:
    """The plugin integrations of this environment, found on the first call (then reused) and
    registered with :mod:`zenml_airflow.core.integrations` as supported integrations (an
    integration registered in this process under the same name keeps its place)."""
    global _plugins, _loading
    if _plugins is not None:
        return _plugins
    with _lock:
        if _loading:  # a plugin asked for the integrations while being imported
            return MappingProxyType({})
        if _plugins is None:
            from zenml_airflow.core import integrations as core

            _loading = True
            try:
                found = load_plugin_integrations(taken=core.BUILT_IN_INTEGRATIONS)
            finally:
                _loading = False
            for plugin in found.values():
                core.register_integration(
                    core.IntegrationInfo(
                        name=plugin.name,
                        requirements=plugin.requirements,
                        supported=True,
                        summary=plugin.summary,
                        system_requirements=plugin.system_requirements,
                        source=plugin.source,
                    ),
                    replace=False,
                )
            _plugins = MappingProxyType(found)
    return _plugins


def plugin_materializer_modules() -> list[tuple[str, str]]:
    """``(library, module)`` for every plugin's lazy materializer entries."""
    return [
        (library, module)
        for plugin in plugin_integrations().values()
        for library, module in plugin.materializers.items()
    ]


__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginIntegration",
    "load_plugin_integrations",
    "plugin_integrations",
    "plugin_materializer_modules",
]
