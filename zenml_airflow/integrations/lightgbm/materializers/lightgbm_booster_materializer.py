"""Materializer for ``lightgbm.Booster``: LightGBM's own text model format, never a pickle.

The artifact holds ``model.txt`` (``Booster.model_to_string()`` with every iteration: trees,
parameters, feature names, pandas categories as JSON) and ``zenml_model.json`` (the format, the
LightGBM version, ``best_iteration`` and ``best_score``, and the model file's BLAKE3 digest, see
:mod:`zenml_airflow.integrations.model_files`). Reading checks the digest, then lets LightGBM
parse the text: a parser of data, which runs no code named in the file. The seed wrote the same
``model.txt`` (without the manifest).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import lightgbm as lgb

from zenml_airflow.artifacts.base_artifact import ModelArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.model_files import (
    MANIFEST_FILENAME,
    read_manifest,
    read_model,
    write_model,
)
from zenml_airflow.materializers.base_materializer import BaseMaterializer

DEFAULT_FILENAME = "model.txt"
FORMAT = "lightgbm.Booster/text"


def scores(value: Any) -> dict[str, dict[str, Any]]:
    """``{data set: {metric: value or [values]}}`` (LightGBM's best_score / evals_result) as
    plain JSON data; anything that is not a number is left out."""
    if not isinstance(value, Mapping):
        return {}
    plain: dict[str, dict[str, Any]] = {}
    for data_name, metrics in value.items():
        if not isinstance(metrics, Mapping):
            continue
        plain[str(data_name)] = {}
        for metric, number in metrics.items():
            if isinstance(number, list | tuple):
                plain[str(data_name)][str(metric)] = [float(n) for n in number]
            elif isinstance(number, int | float) and math.isfinite(float(number)):
                plain[str(data_name)][str(metric)] = float(number)
    return plain


def booster_payload(booster: lgb.Booster) -> bytes:
    """Every iteration of ``booster`` as LightGBM model text: the same model, the same bytes."""
    try:
        return booster.model_to_string(num_iteration=-1).encode("utf-8")
    except lgb.basic.LightGBMError as error:
        raise MaterializerError(f"LightGBM cannot save this Booster: {error}") from error


def load_booster(payload: bytes, where: str) -> lgb.Booster:
    """A Booster parsed from LightGBM model text ``payload`` (read from ``where``).

    Raises:
        MaterializerError: LightGBM cannot parse it (not a LightGBM model, or damaged).
    """
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if not text.startswith("tree\n"):  # every LightGBM model text starts with this line
        raise MaterializerError(
            f"Refusing to load '{where}': it is not a LightGBM text model (it starts with "
            f"{payload[:8]!r}); nothing in it was loaded. Re-run the step that produced it."
        )
    try:
        return lgb.Booster(model_str=text)
    except (lgb.basic.LightGBMError, ValueError) as error:
        raise MaterializerError(
            f"Cannot load the LightGBM model in '{where}': {error}. The file is damaged or was "
            f"written by a LightGBM this one ({lgb.__version__}) cannot read; re-run the step "
            "that produced it."
        ) from error


def booster_facts(booster: lgb.Booster) -> dict[str, Any]:
    """Trees, iterations, features and objective of ``booster``, for the artifact's metadata."""
    facts: dict[str, Any] = {
        "num_trees": booster.num_trees(),
        "current_iteration": booster.current_iteration(),
        "num_features": booster.num_feature(),
    }
    objective = (booster.params or {}).get("objective")
    if isinstance(objective, str):
        facts["objective"] = objective
    if booster.best_iteration > 0:
        facts["best_iteration"] = booster.best_iteration
    return facts


class LightGBMBoosterMaterializer(BaseMaterializer):
    """Reads and writes ``lightgbm.Booster`` as ``model.txt`` plus a manifest."""

    ASSOCIATED_TYPES = (lgb.Booster,)
    ASSOCIATED_ARTIFACT_TYPES = (ModelArtifact,)
    FILENAMES = (DEFAULT_FILENAME, MANIFEST_FILENAME)

    def handle_input(self, data_type: Any) -> lgb.Booster:
        """Load the Booster, with its ``best_iteration`` and ``best_score``.

        Raises:
            MaterializerError: a file is missing, the model file is not the one written (digest)
                or LightGBM cannot parse it.
        """
        super().handle_input(data_type)
        manifest = read_manifest(self, FORMAT)
        payload = read_model(self, manifest)
        booster = load_booster(payload, f"{self.artifact.uri}/{manifest['file']}")
        best_iteration = manifest.get("best_iteration")
        booster.best_iteration = best_iteration if isinstance(best_iteration, int) else -1
        booster.best_score = scores(manifest.get("best_score"))
        return booster

    def handle_return(self, data: lgb.Booster) -> None:
        """Write ``data`` as ``model.txt`` and its manifest."""
        super().handle_return(data)
        manifest = {
            "format": FORMAT,
            "lightgbm_version": lgb.__version__,
            "best_iteration": int(data.best_iteration),
            "best_score": scores(data.best_score),
        }
        write_model(self.artifact.uri, DEFAULT_FILENAME, booster_payload(data), manifest)

    def extract_metadata(self, data: lgb.Booster) -> dict[str, Any]:
        """Model class, trees, iterations, number of features and objective."""
        return {"model_class": "lightgbm.Booster", **booster_facts(data)}


__all__ = [
    "DEFAULT_FILENAME",
    "LightGBMBoosterMaterializer",
    "booster_payload",
    "load_booster",
    "scores",
]
