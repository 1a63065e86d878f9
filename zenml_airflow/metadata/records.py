"""Plain, immutable records the metadata store hands to callers.

The store never returns ORM objects: they are bound to a session, lazy-load on attribute access
(hidden I/O) and go stale when the session closes. These frozen dataclasses are detached copies
taken inside the transaction that read them, so they are safe to pass across threads, to pickle
and to keep after the store is closed.

JSON columns (``parameters``, ``runtime_configuration``) arrive as plain dicts; treat them as
read-only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MetadataStoreError

_ARTIFACT_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class PipelineRecord:
    """A pipeline, identified by its unique name."""

    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run of a pipeline.

    ``status`` is derived from the run's step runs when the record is read, never stored: FAILED
    if the latest try of any step failed, COMPLETED once ``num_steps`` distinct steps completed
    (or were cached) in their latest try, RUNNING otherwise.
    """

    id: int
    pipeline_name: str
    name: str
    status: ExecutionStatus
    num_steps: int
    orchestrator: str
    orchestrator_run_id: str | None
    stack_name: str | None
    zenml_version: str
    git_sha: str | None
    runtime_configuration: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class StepRunRecord:
    """One try of one step inside a pipeline run.

    ``name`` is the step's name in the pipeline; ``entrypoint`` is ``"module:qualname"`` and
    ``entrypoint_name`` the function or class name. When ``status`` is CACHED,
    ``cached_from_step_run_id`` is the step run that really produced the outputs.
    """

    id: int
    run_id: int
    name: str
    try_number: int
    entrypoint: str
    entrypoint_name: str
    docstring: str | None
    status: ExecutionStatus
    parameters: dict[str, Any]
    cache_key: str | None
    source_hash: str
    step_operator: str | None
    cached_from_step_run_id: int | None
    error: str | None
    started_at: datetime
    finished_at: datetime | None
    #: The container image this try ran in (``repository@sha256:...``), for steps run by a
    #: container step operator; ``None`` otherwise.
    image: str | None = None

    @property
    def is_cached(self) -> bool:
        """Whether this step run reused the outputs of an earlier one."""
        return self.status is ExecutionStatus.CACHED


@dataclass(frozen=True, slots=True)
class ArtifactRecord:
    """A registered artifact: bytes at ``uri``, written by ``materializer``."""

    id: str
    uri: str
    artifact_type: str
    data_type: str
    materializer: str
    content_hash: str
    size_bytes: int | None
    producer_step_run_id: int
    created_at: datetime
    #: Facts the materializer recorded about the value (shape, schema, model class...); ``{}``
    #: when it recorded none.
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewArtifact:
    """An artifact whose bytes are completely written, to be registered by ``finish_step_run``.

    ``id`` is a 32-character lowercase uuid hex chosen by the caller (it is also the last part
    of the artifact's directory, so it must be known before the bytes are written). ``uri`` may
    be that of an artifact already registered with the same ``content_hash``: identical
    artifacts share one stored copy (ADR 0011).

    Example::

        NewArtifact(id=uuid.uuid4().hex, uri="/store/p/trainer/output/<id>",
                    artifact_type="ModelArtifact", data_type="builtins.dict",
                    materializer="zenml_airflow.materializers:BuiltInMaterializer",
                    content_hash="ab12...", size_bytes=1024)
    """

    id: str
    uri: str
    artifact_type: str
    data_type: str
    materializer: str
    content_hash: str
    size_bytes: int | None = None
    #: Facts about the value, JSON-serializable (``BaseMaterializer.extract_metadata``).
    metadata: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        # Validate here, at the edge, so a bad id fails before any transaction starts.
        if not isinstance(self.id, str) or not _ARTIFACT_ID.match(self.id):
            raise MetadataStoreError(
                f"Artifact id {self.id!r} (uri {self.uri!r}) is not a 32-character lowercase "
                "hex string; create it with uuid.uuid4().hex."
            )
        if not self.uri:
            raise MetadataStoreError(f"Artifact {self.id} has an empty uri; pass its location.")


@dataclass(frozen=True, slots=True)
class CacheHit:
    """A cache entry resolved to the step run that produced it and that run's outputs."""

    step_run: StepRunRecord
    outputs: dict[str, ArtifactRecord]


__all__ = [
    "ArtifactRecord",
    "CacheHit",
    "NewArtifact",
    "PipelineRecord",
    "RunRecord",
    "StepRunRecord",
]
