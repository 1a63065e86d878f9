"""Which materializer reads and writes which Python type.

Every :class:`~zenml_airflow.materializers.base_materializer.BaseMaterializer` subclass registers
itself here for each of its ``ASSOCIATED_TYPES`` (the seed's behaviour). The built-in
materializers for numpy, pandas and pydantic are registered *lazily*: the registry keeps a table
``library -> materializer module`` and imports a module only once its library is already in
``sys.modules``. A caller asking for ``numpy.ndarray`` holds such a value, so numpy is imported;
a caller asking for ``int`` does not pay for importing numpy or pandas. Materializers of
integrations that other packages add by entry point are lazy entries too, looked for once, when
a type has no materializer otherwise (:mod:`zenml_airflow.core.integration_plugins`).
"""

from __future__ import annotations

import importlib
import inspect
import logging
import sys
import threading
import types
import typing
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from zenml_airflow.exceptions import MaterializerError, MaterializerNotFoundError
from zenml_airflow.utils.source_utils import object_path, type_path

if TYPE_CHECKING:
    from zenml_airflow.materializers.base_materializer import BaseMaterializer

logger = logging.getLogger(__name__)

# Built-in lazy entries: top-level library -> module whose import registers its materializers.
# "builtins" is always imported, so the built-in-types materializer loads on the first lookup
# (it cannot be imported here: it imports base_materializer, which imports this module).
BUILT_IN_LAZY_ENTRIES: dict[str, str] = {
    "builtins": "zenml_airflow.materializers.built_in_materializer",
    "pydantic": "zenml_airflow.materializers.pydantic_materializer",
    "numpy": "zenml_airflow.materializers.numpy_materializer",
    "pandas": "zenml_airflow.materializers.pandas_materializer",
    "sklearn": "zenml_airflow.integrations.sklearn.materializers.sklearn_materializer",
    "polars": "zenml_airflow.integrations.polars.materializers.polars_materializer",
    "pyarrow": "zenml_airflow.integrations.pyarrow.materializers.pyarrow_materializer",
    "scipy": "zenml_airflow.integrations.scipy.materializers.sparse_materializer",
    "pathlib": "zenml_airflow.materializers.path_materializer",
    "PIL": "zenml_airflow.integrations.pillow.materializers.pillow_materializer",
    "matplotlib": "zenml_airflow.integrations.matplotlib.materializers.matplotlib_materializer",
    "xgboost": "zenml_airflow.integrations.xgboost.materializers",
    "lightgbm": "zenml_airflow.integrations.lightgbm.materializers",
    "torch": "zenml_airflow.integrations.pytorch.materializers",
    "keras": "zenml_airflow.integrations.tensorflow.materializers",
}


def as_class(data_type: Any) -> type[Any] | None:
    """The runtime class behind an annotation: ``list[int] -> list``, ``None -> NoneType``."""
    if data_type is None:
        return type(None)
    if inspect.isclass(data_type) and not isinstance(data_type, types.GenericAlias):
        return data_type
    origin = typing.get_origin(data_type)
    if inspect.isclass(origin):
        return origin
    return None


class MaterializerRegistry:
    """Maps Python types to materializer classes; lookups fall back along the MRO.

    Example::

        registry = MaterializerRegistry()
        registry.register(MyObj, MyMaterializer)
        registry.get(SubclassOfMyObj)  # -> MyMaterializer
    """

    def __init__(
        self,
        lazy_entries: dict[str, str] | None = None,
        plugin_entries: Callable[[], Iterable[tuple[str, str]]] | None = None,
    ) -> None:
        """``lazy_entries``: ``{library: module}`` registered lazily; ``plugin_entries``: more
        ``(library, module)`` pairs, asked for once, the first time a lookup finds nothing."""
        self._types: dict[type[Any], type[BaseMaterializer]] = {}
        # library -> modules still to import once the library is loaded
        self._lazy: dict[str, list[str]] = {}
        # Re-entrant: importing a lazy module registers materializers while we hold the lock.
        self._lock = threading.RLock()
        self._plugin_entries = plugin_entries
        for library, module in (lazy_entries or {}).items():
            self.register_lazy(library, module)

    def register(self, key: type[Any], materializer: type[BaseMaterializer]) -> None:
        """Register ``materializer`` for ``key``; if ``key`` already has one, keep it (and say so
        at debug level, as the seed did: importing a module twice must not warn)."""
        with self._lock:
            existing = self._types.get(key)
            if existing is None:
                self._types[key] = materializer
            elif existing is not materializer:
                logger.debug(
                    "Type '%s' already has materializer '%s'; ignoring '%s' (the first one "
                    "registered wins). Use .with_return_materializers(...) on the step to pick "
                    "'%s' for one output.",
                    type_path(key),
                    object_path(existing),
                    object_path(materializer),
                    materializer.__name__,
                )

    def register_and_overwrite_type(
        self, key: type[Any], materializer: type[BaseMaterializer]
    ) -> None:
        """Register ``materializer`` for ``key``, replacing any existing one (seed API)."""
        with self._lock:
            self._types[key] = materializer

    def register_lazy(self, library: str, module: str) -> None:
        """Import ``module`` (which registers materializers) once ``library`` is imported."""
        with self._lock:
            modules = self._lazy.setdefault(library, [])
            if module not in modules:
                modules.append(module)

    def _load_ready_lazy_entries(self) -> None:
        # Cheap when nothing is pending: one dict scan and a few sys.modules lookups.
        if not self._lazy:
            return
        with self._lock:
            ready = [library for library in self._lazy if library in sys.modules]
            for library in ready:
                for module in self._lazy.pop(library, []):
                    try:
                        importlib.import_module(module)
                    except Exception as error:  # a broken plugin must not break every lookup
                        logger.warning(
                            "Skipping materializers from '%s' (for '%s'): import failed: %s",
                            module,
                            library,
                            error,
                        )

    def _lookup(self, key: type[Any]) -> type[BaseMaterializer] | None:
        self._load_ready_lazy_entries()
        with self._lock:
            for candidate in key.__mro__:
                materializer = self._types.get(candidate)
                if materializer is not None:
                    return materializer
        return None

    def _find(self, key: type[Any]) -> type[BaseMaterializer] | None:
        materializer = self._lookup(key)
        if materializer is None and self._plugin_entries is not None:
            with self._lock:
                plugin_entries, self._plugin_entries = self._plugin_entries, None
            if plugin_entries is not None:
                for library, module in plugin_entries():
                    self.register_lazy(library, module)
                materializer = self._lookup(key)
        return materializer

    def is_registered(self, key: Any) -> bool:
        """Whether some materializer handles ``key`` or one of its base classes."""
        cls = as_class(key)
        return cls is not None and self._find(cls) is not None

    def get(self, key: Any) -> type[BaseMaterializer]:
        """The materializer for ``key``: its own, else the nearest base class's.

        Raises:
            MaterializerNotFoundError: if none is registered, with how to register one.
        """
        cls = as_class(key)
        if cls is None:
            raise MaterializerError(
                f"Cannot look up a materializer for {key!r}: it is not a class. Annotate step "
                "inputs and outputs with concrete types such as int, dict or numpy.ndarray."
            )
        materializer = self._find(cls)
        if materializer is None:
            raise MaterializerNotFoundError(
                f"No materializer is registered for type '{type_path(cls)}'. Register one by "
                "subclassing zenml_airflow.materializers.base_materializer.BaseMaterializer with "
                f"ASSOCIATED_TYPES = ({cls.__qualname__},), or pass one to the step with "
                ".with_return_materializers(...)"
            )
        return materializer

    def get_materializer_types(self) -> dict[type[Any], type[BaseMaterializer]]:
        """A snapshot of ``type -> materializer`` (lazy entries whose library is loaded included)."""
        self._load_ready_lazy_entries()
        with self._lock:
            return dict(self._types)

    # Seed-era names (``zenml.materializers.default_materializer_registry``).
    register_materializer_type = register
    get_single_materializer_type = get


def _plugin_materializer_entries() -> list[tuple[str, str]]:
    from zenml_airflow.core.integration_plugins import plugin_materializer_modules

    return plugin_materializer_modules()


default_materializer_registry = MaterializerRegistry(
    BUILT_IN_LAZY_ENTRIES, plugin_entries=_plugin_materializer_entries
)


def materializer_path(cls: type[Any]) -> str:
    """``"module:QualName"`` of a materializer class, as stored on an artifact."""
    return object_path(cls)


def load_materializer(path: str) -> type[BaseMaterializer]:
    """Import a materializer class from its ``"module:QualName"`` path.

    Raises:
        MaterializerError: if it cannot be imported or is not a materializer; the message says
            to pass the class itself (``read(materializer_class=...)``) instead.
    """
    from zenml_airflow.exceptions import ZenMLAirflowError
    from zenml_airflow.materializers.base_materializer import BaseMaterializer
    from zenml_airflow.utils.source_utils import import_object

    hint = (
        " If it was defined in a script or notebook that is not importable here, pass the class "
        "itself: .read(materializer_class=MyMaterializer)."
    )
    if "<locals>" in path:
        raise MaterializerError(
            f"Cannot import materializer '{path}': it was defined inside a function.{hint}"
        )
    try:
        obj = import_object(path)
    except ZenMLAirflowError as error:
        raise MaterializerError(f"Cannot import materializer '{path}': {error}{hint}") from error
    if not (inspect.isclass(obj) and issubclass(obj, BaseMaterializer)):
        raise MaterializerError(f"'{path}' is {obj!r}, not a BaseMaterializer subclass.{hint}")
    return obj


__all__ = [
    "BUILT_IN_LAZY_ENTRIES",
    "MaterializerRegistry",
    "as_class",
    "default_materializer_registry",
    "load_materializer",
    "materializer_path",
]
