"""Artifact types: a typed handle on one directory of the artifact store.

An artifact is what a step output becomes once written: a directory (``uri``) holding files that
one materializer wrote, plus the import path of that materializer and of the Python type it
wrote, so the value can be read back later in another process. The subclasses only label *what
kind* of data lives there, exactly as in ZenML 0.7 (``DataArtifact``, ``ModelArtifact``, ...).

Annotating a step input with one of these classes skips materialization: the step receives the
artifact itself and can read the files under ``artifact.uri`` directly.
"""

from __future__ import annotations

from typing import Any, ClassVar

from zenml_airflow.core.markers import ArtifactMarker
from zenml_airflow.exceptions import ArtifactStoreError, did_you_mean

# TYPE_NAME -> class. Filled by ``BaseArtifact.__init_subclass__`` so a user-defined artifact
# type (allowed in the seed) can be found by the name stored in the metadata store.
_ARTIFACT_TYPES: dict[str, type[BaseArtifact]] = {}


class BaseArtifact(ArtifactMarker):
    """A directory in the artifact store plus how to read it back.

    Args:
        uri: the artifact's directory (any fsspec URI or a local path).
        materializer: ``"module:QualName"`` of the materializer that wrote it.
        datatype: ``"module.QualName"`` of the Python type that was written.

    Example::

        artifact = DataArtifact(uri="/tmp/store/p/s/output/1")
        NumpyMaterializer(artifact).handle_return(np.arange(3))
    """

    TYPE_NAME: ClassVar[str] = "BaseArtifact"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Each subclass carries its own name unless it sets one explicitly.
        if "TYPE_NAME" not in cls.__dict__:
            cls.TYPE_NAME = cls.__name__
        _ARTIFACT_TYPES.setdefault(cls.TYPE_NAME, cls)

    def __init__(
        self, uri: str = "", materializer: str | None = None, datatype: str | None = None
    ) -> None:
        # ``uri`` defaults to "" because seed code built ``DataArtifact()`` and set ``.uri`` after.
        self.uri = uri
        self.materializer = materializer
        self.datatype = datatype

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable description, inverse of :meth:`from_dict`."""
        return {
            "type": self.TYPE_NAME,
            "uri": self.uri,
            "materializer": self.materializer,
            "datatype": self.datatype,
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> BaseArtifact:
        """Rebuild an artifact (of the right subclass) from :meth:`to_dict` output."""
        cls = artifact_type_by_name(str(data.get("type", BaseArtifact.TYPE_NAME)))
        return cls(
            uri=str(data["uri"]),
            materializer=data.get("materializer"),
            datatype=data.get("datatype"),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseArtifact):
            return NotImplemented
        return type(self) is type(other) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((type(self), self.uri, self.materializer, self.datatype))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(uri={self.uri!r}, materializer={self.materializer!r}, "
            f"datatype={self.datatype!r})"
        )


_ARTIFACT_TYPES[BaseArtifact.TYPE_NAME] = BaseArtifact


class DataArtifact(BaseArtifact):
    """Data of any kind: the default artifact type of a step output."""


class DataAnalysisArtifact(BaseArtifact):
    """The result of analysing data (reports, metrics)."""


class ModelArtifact(BaseArtifact):
    """A trained model."""


class SchemaArtifact(BaseArtifact):
    """A data schema."""


class StatisticsArtifact(BaseArtifact):
    """Statistics computed over data."""


class ServiceArtifact(BaseArtifact):
    """The description of a long-running service (e.g. a model deployment)."""


def artifact_type_by_name(name: str) -> type[BaseArtifact]:
    """Return the artifact class whose ``TYPE_NAME`` is ``name``.

    Raises:
        ArtifactStoreError: if no artifact type has that name.
    """
    try:
        return _ARTIFACT_TYPES[name]
    except KeyError:
        known = sorted(_ARTIFACT_TYPES)
        raise ArtifactStoreError(
            f"Unknown artifact type '{name}'.{did_you_mean(name, known)} "
            f"Known types: {', '.join(known)}. A custom artifact type must be imported "
            "(subclass of BaseArtifact) before it can be looked up by name."
        ) from None
