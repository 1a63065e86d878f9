"""The base class of every materializer (the seed's ``zenml.materializers.base_materializer``).

A materializer writes a Python value into an artifact directory (``handle_return``) and reads it
back (``handle_input``). Subclasses register themselves for their ``ASSOCIATED_TYPES`` when the
class is defined, exactly as ZenML 0.7's metaclass did, but through ``__init_subclass__``::

    import os
    from zenml_airflow.artifacts import DataArtifact
    from zenml_airflow.io import fileio
    from zenml_airflow.materializers.base_materializer import BaseMaterializer

    class MyMaterializer(BaseMaterializer):
        ASSOCIATED_TYPES = (MyObj,)
        ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)

        def handle_input(self, data_type):
            super().handle_input(data_type)
            with fileio.open(os.path.join(self.artifact.uri, "data.txt"), "r") as f:
                return MyObj(name=f.read())

        def handle_return(self, my_obj):
            super().handle_return(my_obj)
            with fileio.open(os.path.join(self.artifact.uri, "data.txt"), "w") as f:
                f.write(my_obj.name)

Define a subclass with ``register=False`` (``class M(BaseMaterializer, register=False)``) to keep
it out of the default registry, e.g. for one step's ``with_return_materializers(...)``.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

from zenml_airflow.artifacts.base_artifact import BaseArtifact, DataArtifact
from zenml_airflow.core.markers import MaterializerMarker
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.materializers.default_materializer_registry import (
    as_class,
    default_materializer_registry,
)
from zenml_airflow.utils.source_utils import type_path


class BaseMaterializer(MaterializerMarker):
    """Reads and writes values of ``ASSOCIATED_TYPES`` in ``self.artifact.uri``.

    Attributes:
        ASSOCIATED_TYPES: the Python types this materializer handles (non-empty tuple of classes).
        ASSOCIATED_ARTIFACT_TYPES: the artifact types it produces; the first is used for outputs.
            Defaults to ``(DataArtifact,)``.
        FILENAMES: the files it may write in the artifact directory (names relative to it), the
            main one first. Code that looks at an artifact's files without reading it through
            the materializer (the visualizers' previews) finds them here. Empty when the
            materializer does not say.
    """

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = ()
    ASSOCIATED_ARTIFACT_TYPES: ClassVar[tuple[type[BaseArtifact], ...]] = ()
    FILENAMES: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, register: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._validate_class()
        if register:
            for associated_type in cls.ASSOCIATED_TYPES:
                default_materializer_registry.register(associated_type, cls)

    @classmethod
    def _validate_class(cls) -> None:
        name = f"{cls.__module__}.{cls.__qualname__}"
        types_ = cls.ASSOCIATED_TYPES
        # Seed code sometimes wrote a list; accept it, but nothing that is not a sequence.
        if isinstance(types_, list):
            types_ = tuple(types_)
        if not isinstance(types_, tuple) or not types_:
            raise MaterializerError(
                f"Invalid materializer class '{name}': ASSOCIATED_TYPES must be a non-empty "
                f"tuple of the classes it handles, e.g. ASSOCIATED_TYPES = (MyType,); got "
                f"{cls.ASSOCIATED_TYPES!r}."
            )
        for associated_type in types_:
            if not inspect.isclass(associated_type):
                raise MaterializerError(
                    f"Invalid materializer class '{name}': ASSOCIATED_TYPES entry "
                    f"{associated_type!r} is not a class."
                )
        cls.ASSOCIATED_TYPES = types_

        artifact_types = cls.ASSOCIATED_ARTIFACT_TYPES
        if isinstance(artifact_types, list):
            artifact_types = tuple(artifact_types)
        if not isinstance(artifact_types, tuple):
            raise MaterializerError(
                f"Invalid materializer class '{name}': ASSOCIATED_ARTIFACT_TYPES must be a tuple "
                f"of artifact classes, e.g. (DataArtifact,); got {artifact_types!r}."
            )
        for artifact_type in artifact_types:
            if not (inspect.isclass(artifact_type) and issubclass(artifact_type, BaseArtifact)):
                raise MaterializerError(
                    f"Invalid materializer class '{name}': ASSOCIATED_ARTIFACT_TYPES entry "
                    f"{artifact_type!r} is not a subclass of "
                    "zenml_airflow.artifacts.BaseArtifact (e.g. DataArtifact, ModelArtifact)."
                )
        cls.ASSOCIATED_ARTIFACT_TYPES = artifact_types or (DataArtifact,)

    def __init__(self, artifact: BaseArtifact) -> None:
        self.artifact = artifact

    def _check_type(self, data_type: Any, action: str) -> None:
        cls = as_class(data_type)
        if cls is None or not issubclass(cls, self.ASSOCIATED_TYPES):
            handled = ", ".join(type_path(t) for t in self.ASSOCIATED_TYPES)
            shown = type_path(cls) if cls is not None else repr(data_type)
            raise MaterializerError(
                f"{type(self).__name__} cannot {action} type '{shown}': it handles only "
                f"({handled}). Use a materializer registered for '{shown}' or add it to "
                f"{type(self).__name__}.ASSOCIATED_TYPES."
            )

    def _missing_file(self, name: str, why: str = "") -> MaterializerError:
        """The error for an artifact without its file ``name``, naming the materializer class
        that declares the file in ``FILENAMES`` (a subclass's artifact is its base's format);
        ``why`` is added after the class name."""
        declared_by = next(
            (k for k in type(self).__mro__ if name in k.__dict__.get("FILENAMES", ())), type(self)
        )
        return MaterializerError(
            f"Artifact '{self.artifact.uri}' has no {name}: it was not written by "
            f"{declared_by.__name__}{why}, or its write did not finish."
        )

    def handle_input(self, data_type: Any) -> Any:
        """Read the artifact as ``data_type``. The base implementation only checks the type.

        Raises:
            MaterializerError: if ``data_type`` is not one of ``ASSOCIATED_TYPES`` (or a subclass).
        """
        self._check_type(data_type, "read")
        return None

    def handle_return(self, data: Any) -> None:
        """Write ``data`` into the artifact. The base implementation only checks the type.

        Raises:
            MaterializerError: if ``type(data)`` is not one of ``ASSOCIATED_TYPES`` (or a subclass).
        """
        self._check_type(type(data), "write")

    def extract_metadata(self, data: Any) -> dict[str, Any]:
        """A few facts about ``data`` to record with its artifact (after ``handle_return``).

        Subclasses return what helps a reader without loading the value: shape and dtype, rows
        and schema, model class and hyperparameters, image size. Values should be JSON scalars,
        or short lists/dicts of them; the artifact writer keeps what it can store and drops the
        rest with a warning (``artifact_io.clean_metadata``), and a failure here never fails the
        step. The base implementation records nothing.
        """
        return {}
