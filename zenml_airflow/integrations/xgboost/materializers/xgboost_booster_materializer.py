"""Materializer for ``xgboost.Booster``: XGBoost's own UBJSON model format, never a pickle.

The artifact holds ``model.ubj`` (``Booster.save_raw("ubj")``: the trees, the learner
configuration, feature names and types, and attributes such as ``best_iteration``) and
``zenml_model.json`` (the format, the XGBoost version and the model file's BLAKE3 digest, see
:mod:`zenml_airflow.integrations.model_files`). Reading checks the digest, then lets XGBoost
parse the file: a parser of data, which runs no code named in the file. The seed wrote
``model.json`` with the same content in XGBoost's JSON form.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import xgboost as xgb

from zenml_airflow.artifacts.base_artifact import ModelArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.model_files import (
    MANIFEST_FILENAME,
    read_manifest,
    read_model,
    write_model,
)
from zenml_airflow.materializers.base_materializer import BaseMaterializer

DEFAULT_FILENAME = "model.ubj"
FORMAT = "xgboost.Booster/ubj"


def check_model_bytes(payload: bytes, where: str) -> None:
    """Refuse ``payload`` (read from ``where``) unless it looks like a UBJSON/JSON model, before
    XGBoost parses anything.

    Raises:
        MaterializerError: it does not start like a UBJSON/JSON object (e.g. a pickle).
    """
    if not payload.startswith((b"{", b"[")):  # UBJSON and JSON models are objects
        raise MaterializerError(
            f"Refusing to load '{where}': it is not an XGBoost UBJSON/JSON model (it starts with "
            f"{payload[:8]!r}); nothing in it was loaded. Re-run the step that produced it."
        )


def load_error(error: Exception, where: str) -> MaterializerError:
    """The error for an XGBoost parse ``error`` of the model in ``where``."""
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return MaterializerError(
        f"Cannot load the XGBoost model in '{where}': {first_line}. The file is damaged or "
        f"was written by an XGBoost newer than this one ({xgb.__version__}); re-run the "
        "step that produced it."
    )


def load_booster(payload: bytes, where: str) -> xgb.Booster:
    """A Booster parsed from UBJSON/JSON ``payload`` (read from ``where``).

    Raises:
        MaterializerError: XGBoost cannot parse it (not an XGBoost model, or damaged).
    """
    check_model_bytes(payload, where)
    try:
        return xgb.Booster(model_file=bytearray(payload))
    except xgb.core.XGBoostError as error:
        raise load_error(error, where) from error


def booster_payload(booster: xgb.Booster) -> bytes:
    """The booster in UBJSON: the same model gives the same bytes."""
    try:
        return bytes(booster.save_raw(raw_format="ubj"))
    except xgb.core.XGBoostError as error:
        raise MaterializerError(
            f"XGBoost cannot save this Booster: {str(error).strip().splitlines()[0]}"
        ) from error


def booster_facts(booster: xgb.Booster) -> dict[str, Any]:
    """Rounds, features and objective of ``booster``, for the artifact's metadata."""
    facts: dict[str, Any] = {
        "num_boosted_rounds": booster.num_boosted_rounds(),
        "num_features": booster.num_features(),
    }
    # a config without an objective is still a model
    with contextlib.suppress(KeyError, TypeError, ValueError):
        facts["objective"] = json.loads(booster.save_config())["learner"]["objective"]["name"]
    return facts


class XgboostBoosterMaterializer(BaseMaterializer):
    """Reads and writes ``xgboost.Booster`` as ``model.ubj`` plus a manifest."""

    ASSOCIATED_TYPES = (xgb.Booster,)
    ASSOCIATED_ARTIFACT_TYPES = (ModelArtifact,)
    FILENAMES = (DEFAULT_FILENAME, MANIFEST_FILENAME)

    def handle_input(self, data_type: Any) -> xgb.Booster:
        """Load the Booster.

        Raises:
            MaterializerError: a file is missing, the model file is not the one written (digest)
                or XGBoost cannot parse it.
        """
        super().handle_input(data_type)
        manifest = read_manifest(self, FORMAT)
        payload = read_model(self, manifest)
        return load_booster(payload, f"{self.artifact.uri}/{manifest['file']}")

    def handle_return(self, data: xgb.Booster) -> None:
        """Write ``data`` as ``model.ubj`` and its manifest."""
        super().handle_return(data)
        manifest = {"format": FORMAT, "xgboost_version": xgb.__version__}
        write_model(self.artifact.uri, DEFAULT_FILENAME, booster_payload(data), manifest)

    def extract_metadata(self, data: xgb.Booster) -> dict[str, Any]:
        """Model class, boosted rounds, number of features and objective."""
        return {"model_class": "xgboost.Booster", **booster_facts(data)}


__all__ = [
    "DEFAULT_FILENAME",
    "XgboostBoosterMaterializer",
    "booster_payload",
    "check_model_bytes",
    "load_booster",
    "load_error",
]
