"""Materializer for pydantic models: ``data.json`` from ``model_dump_json``, read back with the
asked-for class's ``model_validate_json``.
"""

from __future__ import annotations

import os
from typing import Any, cast

from pydantic import BaseModel, ValidationError

from zenml_airflow.artifacts.base_artifact import DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.default_materializer_registry import as_class
from zenml_airflow.utils.source_utils import type_path

DEFAULT_FILENAME = "data.json"


class PydanticMaterializer(BaseMaterializer):
    """Reads and writes ``pydantic.BaseModel`` instances as JSON."""

    ASSOCIATED_TYPES = (BaseModel,)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)
    FILENAMES = (DEFAULT_FILENAME,)

    def handle_input(self, data_type: Any) -> BaseModel:
        """Validate the stored JSON as ``data_type``."""
        super().handle_input(data_type)
        # super() has checked that this is a BaseModel subclass.
        model = cast(type[BaseModel], as_class(data_type))
        path = os.path.join(self.artifact.uri, DEFAULT_FILENAME)
        with fileio.open(path, "r") as handle:
            text = handle.read()
        try:
            return model.model_validate_json(text)
        except ValidationError as error:
            raise MaterializerError(
                f"Artifact '{self.artifact.uri}' does not validate as {type_path(model)}: "
                f"{error}. Annotate the step input with the model the upstream step returned."
            ) from error

    def handle_return(self, data: BaseModel) -> None:
        """Write ``data.model_dump_json()`` to ``data.json``."""
        super().handle_return(data)
        fileio.makedirs(self.artifact.uri)
        with fileio.open(os.path.join(self.artifact.uri, DEFAULT_FILENAME), "w") as handle:
            handle.write(data.model_dump_json())

    def extract_metadata(self, data: BaseModel) -> dict[str, Any]:
        """The model class and its field names."""
        return {"model": type_path(type(data)), "fields": list(type(data).model_fields)}
