"""Materializer for XGBoost's scikit-learn wrappers (``XGBClassifier``, ``XGBRegressor``,
``XGBRanker``, ``XGBRFClassifier``, ``XGBRFRegressor``, ``XGBModel``), never pickled.

The artifact holds ``model.ubj``, byte for byte what the wrapper's own ``save_model`` writes (the
booster plus the wrapper's fitted state, such as ``n_classes_``, in XGBoost's UBJSON format), and
``zenml_model.json``: the wrapper class, its ``get_params()`` as JSON, the XGBoost version and
the model file's BLAKE3 digest (see :mod:`zenml_airflow.integrations.model_files`). Reading
builds the wrapper class from a fixed list of XGBoost classes - never from a class path found in
the file - with the stored parameters, then loads the model file into it. An unfitted wrapper
is stored as its parameters only.

Refused on writing, with a message that says why: parameters that are code or objects (a
custom objective or metric function, callbacks, a ``RandomState``), and subclasses of the
wrappers (rebuilding them would mean importing a class named in the file).
"""

from __future__ import annotations

import json
import numbers
import os
import tempfile
from typing import Any

import xgboost as xgb

from zenml_airflow.artifacts.base_artifact import ModelArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.model_files import (
    MANIFEST_FILENAME,
    check_params,
    read_manifest,
    read_model,
    rebuild_wrapper,
    write_model,
)
from zenml_airflow.integrations.xgboost.materializers.xgboost_booster_materializer import (
    booster_facts,
    check_model_bytes,
    load_error,
)
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.utils.source_utils import type_path

DEFAULT_FILENAME = "model.ubj"
FORMAT = "xgboost.sklearn/ubj"

# Every wrapper class this materializer builds, by the name stored in the manifest. The
# subclasses are listed too: each precedes sklearn's ClassifierMixin/RegressorMixin in its MRO,
# so registering them keeps the scikit-learn materializer from being picked for them.
WRAPPERS: dict[str, type[xgb.XGBModel]] = {
    f"{cls.__module__}.{cls.__qualname__}": cls
    for cls in (
        xgb.XGBModel,
        xgb.XGBClassifier,
        xgb.XGBRegressor,
        xgb.XGBRanker,
        xgb.XGBRFClassifier,
        xgb.XGBRFRegressor,
    )
}


def wrapper_payload(model: xgb.XGBModel) -> bytes | bytearray:
    """The bytes fitted ``model``'s own ``save_model`` writes to a ``.ubj`` file, made in memory.

    ``save_model`` marks the booster with the wrapper's estimator type (which ``load_model``
    checks), saves it, and removes the mark; this does the same around ``save_raw("ubj")``, the
    serializer ``save_model`` uses for a ``.ubj`` name. No file is written and read back for
    the manifest's digest, and none is staged for an object store. An XGBoost without the
    wrapper's ``_get_type`` gets its ``save_model`` through a temporary file instead
    (:func:`saved_through_file`); the tests check both give ``save_model``'s bytes.

    Raises:
        MaterializerError: XGBoost cannot save the model.
    """
    get_type = getattr(model, "_get_type", None)
    if get_type is None:
        return saved_through_file(model)
    booster = model.get_booster()
    try:
        booster.set_attr(scikit_learn=json.dumps({"_estimator_type": get_type()}))
        try:
            # (a bytearray, written and hashed as it is: copying it to bytes costs 10-20 us)
            return booster.save_raw(raw_format="ubj")
        finally:
            booster.set_attr(scikit_learn=None)
    except xgb.core.XGBoostError as error:
        raise MaterializerError(
            f"XGBoost cannot save this {type(model).__name__}: {str(error).strip().splitlines()[0]}"
        ) from error


def saved_through_file(model: xgb.XGBModel) -> bytes:
    """What fitted ``model``'s own ``save_model`` writes, read back from a temporary file."""
    with tempfile.TemporaryDirectory(prefix="zenml-airflow-xgboost-") as folder:
        path = os.path.join(folder, DEFAULT_FILENAME)
        model.save_model(path)
        with open(path, "rb") as handle:
            return handle.read()


# The keys of a default-built wrapper's get_params() by class: the constructor arguments of every
# class XGBoost's get_params walks (sklearn finds them with inspect.signature on each call).
_PARAM_NAMES: dict[type[xgb.XGBModel], tuple[str, ...]] = {}


def _param_names(cls: type[xgb.XGBModel]) -> tuple[str, ...]:
    names = _PARAM_NAMES.get(cls)
    if names is None:
        names = _PARAM_NAMES[cls] = tuple(cls().get_params(deep=False))
    return names


def wrapper_params(model: xgb.XGBModel) -> dict[str, Any]:
    """``model.get_params(deep=False)`` without inspecting the constructors again on each call.

    What ``get_params`` does, from names found once per class: each parameter is the attribute
    of its name, then the extra keyword arguments XGBoost keeps in ``model.kwargs``. A random
    state object (XGBoost turns it into a drawn int) takes the real ``get_params``. The tests
    compare this with ``get_params`` for every wrapper class.
    """
    params = {name: getattr(model, name, None) for name in _param_names(type(model))}
    extra = getattr(model, "kwargs", None)
    if isinstance(extra, dict):
        params.update(extra)
    seed = params.get("random_state")
    if seed is not None and not isinstance(seed, numbers.Integral):
        return model.get_params(deep=False)
    return params


def _is_fitted(model: xgb.XGBModel) -> bool:
    return bool(model.__sklearn_is_fitted__())


class XgboostSklearnMaterializer(BaseMaterializer):
    """Reads and writes XGBoost's scikit-learn wrappers as ``model.ubj`` plus a manifest."""

    ASSOCIATED_TYPES = tuple(WRAPPERS.values())
    ASSOCIATED_ARTIFACT_TYPES = (ModelArtifact,)
    FILENAMES = (DEFAULT_FILENAME, MANIFEST_FILENAME)

    # The value handle_return last wrote, with its get_params() and whether it was fitted.
    _written: tuple[xgb.XGBModel, dict[str, Any], bool] | None = None

    def handle_input(self, data_type: Any) -> xgb.XGBModel:
        """Rebuild the wrapper with its parameters and load its fitted model.

        Raises:
            MaterializerError: a file is missing, the manifest names a class this materializer
                does not build or one that is not ``data_type``, the model file is not the one
                written (digest), or XGBoost cannot parse it.
        """
        super().handle_input(data_type)
        manifest = read_manifest(self, FORMAT)
        model = rebuild_wrapper(
            self, manifest, WRAPPERS, data_type, library="XGBoost", version=xgb.__version__
        )
        class_name = type(model).__name__
        if not manifest.get("fitted"):
            return model
        payload = read_model(self, manifest)
        path = f"{self.artifact.uri}/{manifest['file']}"
        check_model_bytes(payload, path)
        try:  # the wrapper's own loader: one parse, which also restores its fitted state
            model.load_model(bytearray(payload))
        except xgb.core.XGBoostError as error:
            raise load_error(error, path) from error
        except (ValueError, TypeError, KeyError) as error:
            raise MaterializerError(
                f"Cannot load the {class_name} in '{path}': {type(error).__name__}: {error}"
            ) from error
        return model

    def handle_return(self, data: xgb.XGBModel) -> None:
        """Write ``data`` as ``model.ubj`` (when fitted) and its manifest.

        Raises:
            MaterializerError: ``data`` is a subclass of a wrapper, or has a parameter that is
                not plain data (a custom objective, metric or callback).
        """
        super().handle_return(data)
        class_name = f"{type(data).__module__}.{type(data).__qualname__}"
        if class_name not in WRAPPERS:
            raise MaterializerError(
                f"XgboostSklearnMaterializer will not store a {type_path(type(data))}: it "
                "rebuilds only XGBoost's own wrapper classes, never a class named in the file. "
                "Return an instance of the XGBoost class it extends, or its Booster "
                "(model.get_booster()), or write a materializer for your class."
            )
        self._written = None
        raw_params = wrapper_params(data)
        params = check_params(raw_params, f"{type(data).__name__}")
        fitted = _is_fitted(data)
        manifest = {
            "format": FORMAT,
            "xgboost_version": xgb.__version__,
            "class": class_name,
            "params": params,
            "fitted": fitted,
        }
        payload = wrapper_payload(data) if fitted else b""
        write_model(self.artifact.uri, DEFAULT_FILENAME, payload, manifest)
        # extract_metadata of this same value reuses them instead of asking XGBoost again
        self._written = (data, raw_params, fitted)

    def extract_metadata(self, data: xgb.XGBModel) -> dict[str, Any]:
        """Model class, the parameters that are set, and the fitted model's shape."""
        if self._written is not None and self._written[0] is data:
            _, params, fitted = self._written
        else:
            params, fitted = wrapper_params(data), _is_fitted(data)
        facts: dict[str, Any] = {
            "model_class": type_path(type(data)),
            "params": {k: v for k, v in params.items() if v is not None},
            "fitted": fitted,
        }
        if facts["fitted"]:
            facts.update(booster_facts(data.get_booster()))
            if hasattr(data, "n_classes_"):
                facts["n_classes"] = int(data.n_classes_)
        return facts


__all__ = [
    "DEFAULT_FILENAME",
    "WRAPPERS",
    "XgboostSklearnMaterializer",
    "saved_through_file",
    "wrapper_params",
    "wrapper_payload",
]
