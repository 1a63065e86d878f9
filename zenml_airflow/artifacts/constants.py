"""The seed's ``zenml.artifacts.constants``: the names of the two properties every artifact carries.

They are attribute names of :class:`~zenml_airflow.artifacts.BaseArtifact`:
``getattr(artifact, MATERIALIZER_PROPERTY_KEY)`` is the import path of the materializer that wrote
it, ``getattr(artifact, DATATYPE_PROPERTY_KEY)`` that of the type it holds.
"""

from __future__ import annotations

DATATYPE_PROPERTY_KEY = "datatype"
MATERIALIZER_PROPERTY_KEY = "materializer"

__all__ = ["DATATYPE_PROPERTY_KEY", "MATERIALIZER_PROPERTY_KEY"]
