"""Artifact I/O: how a Python value becomes a stored artifact, and how an artifact is read back.

The one place that joins an artifact store, the materializers and the metadata store's records:

* :class:`OutputWriter` allocates a fresh directory for each output of one step run, writes the
  value through its materializer (any failure but our own errors becomes a
  :class:`~zenml_airflow.exceptions.MaterializerError` naming the output, the step and the
  materializer), hashes and sizes what was written, shares the stored copy of an identical large
  artifact (ADR 0011), and removes everything it wrote if the step run fails before the artifacts
  are registered::

      with artifact_store, OutputWriter(artifact_store, metadata_store, pipeline_name="p",
                                        step_name="trainer", outputs=step.outputs,
                                        materializers=materializers) as writer:
          new = writer.write("output", value)          # a NewArtifact, ready to register
          store.finish_step_run(..., outputs={"output": new})

* :func:`read_artifact` reads a registered artifact with its (or a given) materializer, with the
  same error translation; the executor reads step inputs with it, ``ArtifactView.read`` past
  outputs.

It sits above the artifact store, the materializers and the metadata records (the only package
allowed to know all three) and below the executor and the post-execution views, which use it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from zenml_airflow.artifacts import BaseArtifact, artifact_type_by_name
from zenml_airflow.exceptions import MaterializerError, ZenMLAirflowError
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.default_materializer_registry import load_materializer
from zenml_airflow.metadata.records import ArtifactRecord, NewArtifact
from zenml_airflow.utils.source_utils import import_object, object_path

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.artifacts.store import ArtifactStore
    from zenml_airflow.core.spec import OutputSpec
    from zenml_airflow.metadata.store import SQLMetadataStore

logger = logging.getLogger(__name__)

#: Outputs of at least this many bytes share the stored copy of an identical artifact (ADR
#: 0011). Below it, the lookup and the removal of the fresh copy cost more than they save.
SHARE_MIN_BYTES = 64 * 1024


def _failed(
    action: str, materializer: type[BaseMaterializer], error: Exception
) -> MaterializerError:
    return MaterializerError(
        f"{action} with {materializer.__name__} failed: {type(error).__name__}: {error}"
    )


# --- reading ----------------------------------------------------------------------------------


def artifact_of(record: ArtifactRecord) -> BaseArtifact:
    """The artifact object (of its recorded artifact type) for a registered artifact."""
    return artifact_type_by_name(record.artifact_type)(
        uri=record.uri, materializer=record.materializer, datatype=record.data_type
    )


def read_artifact(
    record: ArtifactRecord,
    data_type: Any = None,
    *,
    materializer: type[BaseMaterializer] | None = None,
    what: str | None = None,
) -> Any:
    """The value stored in the artifact ``record``, read by its materializer.

    Call it with the artifact store registered (``with artifact_store:``) so that its scheme is
    routed.

    Args:
        record: the registered artifact.
        data_type: the type to read it as; ``None`` reads the type that was stored.
        materializer: the materializer class to read with instead of the recorded one.
        what: what is read, for the error message (default ``artifact '<id>'``), e.g.
            ``input 'data' of step 'trainer'``.

    Raises:
        MaterializerError: the materializer failed (any error of ours passes unchanged, any
            other is chained), saying what was read, from where and with which materializer.
    """
    cls = materializer or load_materializer(record.materializer)
    wanted = data_type if data_type is not None else import_object(record.data_type)
    try:
        return cls(artifact_of(record)).handle_input(wanted)
    except ZenMLAirflowError:
        raise
    except Exception as error:
        label = what if what is not None else f"artifact '{record.id}'"
        raise _failed(f"Reading {label} from {record.uri}", cls, error) from error


# --- artifact metadata ------------------------------------------------------------------------

#: Bounds of what an artifact's metadata keeps: it describes a value, it is not a second copy.
METADATA_MAX_KEYS = 50
METADATA_MAX_ITEMS = 100
METADATA_MAX_TEXT = 1000
METADATA_MAX_BYTES = 16 * 1024


def _jsonable(value: Any, depth: int = 0) -> Any:
    """``value`` as plain JSON data, shortened to the bounds above."""
    if value is None or isinstance(value, bool | int | str):
        return value[:METADATA_MAX_TEXT] if isinstance(value, str) else value
    if isinstance(value, float):
        # NaN and infinities are not JSON (PostgreSQL refuses them): keep them as text.
        return value if math.isfinite(value) else str(value)
    if type(value).__module__ == "numpy" and hasattr(value, "item"):  # a numpy scalar
        return _jsonable(value.item(), depth)
    if depth < 3 and isinstance(value, list | tuple):
        return [_jsonable(item, depth + 1) for item in list(value)[:METADATA_MAX_ITEMS]]
    if depth < 3 and isinstance(value, Mapping):
        items = list(value.items())[:METADATA_MAX_ITEMS]
        return {str(key)[:200]: _jsonable(item, depth + 1) for key, item in items}
    return str(value)[:METADATA_MAX_TEXT]


def clean_metadata(raw: Any, where: str) -> dict[str, Any]:
    """What a materializer's ``extract_metadata`` returned, as bounded JSON data.

    Anything else than a mapping, or more than :data:`METADATA_MAX_BYTES` of JSON, is dropped
    with a warning: metadata describes an artifact and must never cost the step its result.
    """
    if not raw:
        return {}
    if not isinstance(raw, Mapping):
        logger.warning(
            "Metadata of %s is a %s, not a dict; not recorded.", where, type(raw).__name__
        )
        return {}
    if len(raw) > METADATA_MAX_KEYS:
        logger.warning(
            "Metadata of %s has %d keys; keeping the first %d.", where, len(raw), METADATA_MAX_KEYS
        )
    cleaned = {
        str(key)[:200]: _jsonable(value) for key, value in list(raw.items())[:METADATA_MAX_KEYS]
    }
    size = len(json.dumps(cleaned))
    if size > METADATA_MAX_BYTES:
        logger.warning(
            "Metadata of %s is %d bytes of JSON (at most %d are kept); not recorded.",
            where, size, METADATA_MAX_BYTES,
        )  # fmt: skip
        return {}
    return cleaned


def _extract_metadata(materializer: BaseMaterializer, value: Any, where: str) -> dict[str, Any]:
    try:
        raw = materializer.extract_metadata(value)
    except Exception as error:  # noqa: BLE001 - a description must not fail the step
        logger.warning(
            "%s could not describe %s (%s: %s); its artifact has no metadata.",
            type(materializer).__name__, where, type(error).__name__, error,
        )  # fmt: skip
        return {}
    return clean_metadata(raw, where)


# --- writing ----------------------------------------------------------------------------------


class OutputWriter:
    """Writes the outputs of one step run into fresh artifact directories.

    Each output's directory is allocated when the writer is made (a step's ``StepContext`` can
    name it before the step returns), and created only when the output is written. Used as a
    context manager, the writer removes everything it wrote when the block raises, so nothing
    half-written or unregistered is left behind; call :meth:`discard` to do the same by hand.

    Args:
        artifact_store: where the outputs are written.
        metadata_store: asked for an identical registered artifact to share (ADR 0011).
        pipeline_name / step_name: the step's place in the store's layout and in error messages.
        outputs: the step's outputs by name (data type, materializer path, artifact type).
        materializers: the materializer class writing each output (the live ones).
    """

    def __init__(
        self,
        artifact_store: ArtifactStore,
        metadata_store: SQLMetadataStore,
        *,
        pipeline_name: str,
        step_name: str,
        outputs: Mapping[str, OutputSpec],
        materializers: Mapping[str, type[BaseMaterializer]],
    ) -> None:
        self._artifact_store = artifact_store
        self._metadata_store = metadata_store
        self._step_name = step_name
        self._outputs = outputs
        self._materializers = materializers
        self._ids: dict[str, str] = {}
        self._artifacts: dict[str, BaseArtifact] = {}
        for name, spec in outputs.items():
            artifact_id = uuid.uuid4().hex
            uri = artifact_store.artifact_uri(pipeline_name, step_name, name, artifact_id)
            self._ids[name] = artifact_id
            self._artifacts[name] = artifact_type_by_name(spec.artifact_type)(
                uri=uri, materializer=spec.materializer, datatype=spec.data_type
            )
        self._written: list[str] = []

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is not None:
            self.discard()

    @property
    def uris(self) -> dict[str, str]:
        """The directory allocated to each output."""
        return {name: artifact.uri for name, artifact in self._artifacts.items()}

    def artifact(self, output: str) -> BaseArtifact:
        """The artifact object of ``output`` (its allocated directory)."""
        return self._artifacts[output]

    def materializer(
        self, output: str, materializer_class: type[BaseMaterializer] | None = None
    ) -> BaseMaterializer:
        """A materializer bound to ``output``'s directory (``materializer_class``, else its own)."""
        cls = materializer_class or self._materializers[output]
        return cls(self._artifacts[output])

    def write(self, output: str, value: Any) -> NewArtifact:
        """Write ``value`` as ``output`` and return the artifact to register.

        Raises:
            MaterializerError: the materializer failed (errors of ours pass unchanged).
            ArtifactStoreError: the directory exists already or the store cannot be reached.
        """
        artifact = self._artifacts[output]
        materializer = self._materializers[output]
        store = self._artifact_store
        store.prepare(artifact.uri)
        self._written.append(artifact.uri)
        where = f"output '{output}' of step '{self._step_name}'"
        bound = materializer(artifact)
        try:
            bound.handle_return(value)
        except ZenMLAirflowError:
            raise
        except Exception as error:
            raise _failed(f"Writing {where}", materializer, error) from error
        new = NewArtifact(
            id=self._ids[output],
            uri=artifact.uri,
            artifact_type=type(artifact).__name__,
            data_type=object_path(type(value))
            if value is not None
            else self._outputs[output].data_type,
            materializer=object_path(materializer),
            content_hash=store.content_hash(artifact.uri),
            size_bytes=store.size(artifact.uri),
            metadata=_extract_metadata(bound, value, where),
        )
        return self._share_identical(new)

    def _share_identical(self, new: NewArtifact) -> NewArtifact:
        """``new`` stored as the identical artifact already in this store, if there is one.

        The fresh copy is removed before the artifact is registered: a crash in between leaves
        nothing behind, and a failed registration has nothing of this output to clean up.
        """
        if new.size_bytes is None or new.size_bytes < SHARE_MIN_BYTES:
            return new
        store = self._artifact_store
        twin = self._metadata_store.find_identical_artifact(
            content_hash=new.content_hash,
            materializer=new.materializer,
            data_type=new.data_type,
            artifact_type=new.artifact_type,
            under=store.path,
        )
        if twin is None or twin.uri == new.uri or not store.exists(twin.uri):
            return new
        store.discard(new.uri)
        self._written.remove(new.uri)
        logger.info("Output %s is identical to artifact %s; sharing its copy.", new.id, twin.id)
        return dataclasses.replace(new, uri=twin.uri)

    def discard(self) -> None:
        """Remove every directory written so far (best effort: failures are logged)."""
        written, self._written = self._written, []
        for uri in written:
            try:
                self._artifact_store.discard(uri)
            except Exception:  # best effort: the artifact is not registered either way
                logger.exception("Could not remove the partial artifact at %s", uri)


__all__ = ["SHARE_MIN_BYTES", "OutputWriter", "artifact_of", "clean_metadata", "read_artifact"]
