"""Marker bases that let ``core`` recognise classes defined in higher layers.

``core`` validates a step's declared materializers and artifact-typed inputs when the step is
defined, but ``BaseMaterializer`` and ``BaseArtifact`` live in layers above it, which ``core`` may
not import (ADR 0001). They derive from these empty markers instead, so ``core`` checks
``issubclass`` against a class of its own - not a class *name*, which any unrelated class could
share.
"""

from __future__ import annotations


class MaterializerMarker:
    """Base of :class:`zenml_airflow.materializers.base_materializer.BaseMaterializer`."""

    __slots__ = ()


class ArtifactMarker:
    """Base of :class:`zenml_airflow.artifacts.base_artifact.BaseArtifact`."""

    __slots__ = ()


__all__ = ["ArtifactMarker", "MaterializerMarker"]
