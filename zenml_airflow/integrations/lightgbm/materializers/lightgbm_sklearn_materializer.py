"""Materializer for LightGBM's scikit-learn wrappers (``LGBMClassifier``, ``LGBMRegressor``,
``LGBMRanker``, ``LGBMModel``), never pickled.

LightGBM has no official way to load a wrapper from a model file, so this materializer stores
what a fitted wrapper is made of, each part as data:

- ``model.txt``: the fitted booster in LightGBM's text format (every iteration);
- ``zenml_model.json``: the wrapper class, its ``get_params()``, and the fitted state the
  wrapper keeps next to the booster - the objective it trained with, the number of features,
  whether it was fitted with feature names, ``best_iteration_``, ``best_score_``,
  ``evals_result_``, the classes a classifier saw (``classes_``, any of numbers, strings or
  booleans) and a ranker's ``eval_at`` - plus the LightGBM version and the model file's BLAKE3
  digest.

Reading builds the class from a fixed list of LightGBM classes (never from a class path found in
the file) with the stored parameters and sets that state back, so the wrapper predicts (and
``predict_proba``\\ s) exactly as the one that was written. That state lives in LightGBM's
private attributes; the tests check the round trip against the pinned LightGBM.

Refused on writing, with a message that says why: parameters that are code or objects (a custom
objective or metric function, a ``RandomState``), subclasses of the wrappers, and classes that
are not plain numbers, strings or booleans.
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.preprocessing import LabelEncoder

from zenml_airflow.artifacts.base_artifact import ModelArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.lightgbm.materializers.lightgbm_booster_materializer import (
    booster_facts,
    booster_payload,
    load_booster,
    scores,
)
from zenml_airflow.integrations.model_files import (
    MANIFEST_FILENAME,
    check_params,
    read_manifest,
    read_model,
    rebuild_wrapper,
    write_model,
)
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.utils.source_utils import type_path

DEFAULT_FILENAME = "model.txt"
FORMAT = "lightgbm.sklearn/text"

# Every wrapper class this materializer builds, by the name stored in the manifest. The
# subclasses precede sklearn's ClassifierMixin/RegressorMixin in their MRO: registering them
# keeps the scikit-learn materializer from being picked for them.
WRAPPERS: dict[str, type[lgb.LGBMModel]] = {
    f"{cls.__module__}.{cls.__qualname__}": cls
    for cls in (lgb.LGBMModel, lgb.LGBMClassifier, lgb.LGBMRegressor, lgb.LGBMRanker)
}
# numpy dtype kinds that classes_ may have: bool, integers, floats, unicode strings, and
# object arrays holding only strings.
_CLASS_KINDS = frozenset("biufUO")


def _classes_record(classes: Any, where: str) -> dict[str, Any]:
    array = np.asarray(classes)
    plain = array.tolist()
    if (
        array.ndim != 1
        or array.dtype.kind not in _CLASS_KINDS
        or (array.dtype.kind == "O" and not all(isinstance(c, str) for c in plain))
    ):
        raise MaterializerError(
            f"Cannot store this {where}: its classes_ ({array.dtype}) are not plain numbers, "
            "strings or booleans, which is what can be stored without pickling. Encode the "
            "labels (e.g. as strings) before fitting."
        )
    return {"dtype": array.dtype.str if array.dtype.kind != "O" else "O", "values": plain}


def _classes_array(record: Any, where: str) -> np.ndarray:
    try:
        dtype = np.dtype(record["dtype"])
        values = record["values"]
        if dtype.kind not in _CLASS_KINDS or not isinstance(values, list):
            raise TypeError(f"dtype {dtype}")
        if dtype.kind == "O" and not all(isinstance(v, str) for v in values):
            raise TypeError("object classes that are not strings")
        return np.asarray(values, dtype=dtype)
    except (KeyError, TypeError, ValueError) as error:
        raise MaterializerError(
            f"Refusing to load '{where}': its classes are not a list of plain values ({error})."
        ) from error


def _int(state: dict[str, Any], key: str, default: int = -1) -> int:
    value = state.get(key, default)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


class LightGBMSklearnMaterializer(BaseMaterializer):
    """Reads and writes LightGBM's scikit-learn wrappers as ``model.txt`` plus a manifest."""

    ASSOCIATED_TYPES = tuple(WRAPPERS.values())
    ASSOCIATED_ARTIFACT_TYPES = (ModelArtifact,)
    FILENAMES = (DEFAULT_FILENAME, MANIFEST_FILENAME)

    def handle_input(self, data_type: Any) -> lgb.LGBMModel:
        """Rebuild the wrapper with its parameters, booster and fitted state.

        Raises:
            MaterializerError: a file is missing, the manifest names a class this materializer
                does not build or one that is not ``data_type``, the model file is not the one
                written (digest), or LightGBM cannot parse it.
        """
        super().handle_input(data_type)
        manifest = read_manifest(self, FORMAT)
        where = f"{self.artifact.uri}/{MANIFEST_FILENAME}"
        model = rebuild_wrapper(
            self,
            manifest,
            WRAPPERS,
            data_type,
            library="LightGBM",
            version=lgb.__version__,
            requires=("params", "state"),
        )
        state = manifest["state"]
        if not manifest.get("fitted"):
            return model
        booster = load_booster(
            read_model(self, manifest), f"{self.artifact.uri}/{manifest['file']}"
        )
        self._restore(model, booster, state, where)
        return model

    @staticmethod
    def _restore(
        model: lgb.LGBMModel, booster: lgb.Booster, state: dict[str, Any], where: str
    ) -> None:
        # The attributes LGBMModel.fit sets (lightgbm/sklearn.py), from the stored state.
        booster.best_iteration = _int(state, "best_iteration")
        booster.best_score = scores(state.get("best_score"))
        objective = state.get("objective")
        model._Booster = booster
        model._objective = objective if isinstance(objective, str) else None
        model._n_features = booster.num_feature()
        model._n_features_in = _int(state, "n_features_in", booster.num_feature())
        model._fitted_with_feature_names = bool(state.get("fitted_with_feature_names"))
        model._best_iteration = booster.best_iteration
        model._best_score = booster.best_score
        model._evals_result = scores(state.get("evals_result"))
        if isinstance(model, lgb.LGBMClassifier):
            classes = _classes_array(state.get("classes"), where)
            encoder = LabelEncoder()
            encoder.classes_ = classes
            model._le = encoder
            model._classes = classes
            model._n_classes = len(classes)
            model._class_map = dict(zip(classes, range(len(classes)), strict=True))
        if isinstance(model, lgb.LGBMRanker) and isinstance(state.get("eval_at"), list):
            model._eval_at = tuple(int(k) for k in state["eval_at"])
        model.fitted_ = True

    def handle_return(self, data: lgb.LGBMModel) -> None:
        """Write ``data``'s booster as ``model.txt`` (when fitted) and its manifest.

        Raises:
            MaterializerError: ``data`` is a subclass of a wrapper, has a parameter that is not
                plain data (a custom objective or metric), or classes that are not plain values.
        """
        super().handle_return(data)
        class_name = f"{type(data).__module__}.{type(data).__qualname__}"
        if class_name not in WRAPPERS:
            raise MaterializerError(
                f"LightGBMSklearnMaterializer will not store a {type_path(type(data))}: it "
                "rebuilds only LightGBM's own wrapper classes, never a class named in the file. "
                "Return an instance of the LightGBM class it extends, or its Booster "
                "(model.booster_), or write a materializer for your class."
            )
        params = check_params(data.get_params(deep=False), type(data).__name__)
        fitted = bool(data.__sklearn_is_fitted__())
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "lightgbm_version": lgb.__version__,
            "class": class_name,
            "params": params,
            "fitted": fitted,
            "state": self._state(data) if fitted else {},
        }
        payload = booster_payload(data.booster_) if fitted else b""
        write_model(self.artifact.uri, DEFAULT_FILENAME, payload, manifest)

    @staticmethod
    def _state(data: lgb.LGBMModel) -> dict[str, Any]:
        objective = data._objective
        if objective is not None and not isinstance(objective, str):
            raise MaterializerError(
                f"Cannot store this {type(data).__name__}: it was trained with a custom "
                f"objective ({type(objective).__name__}), which is code and cannot be stored "
                "without pickling. Train with a built-in objective, or return model.booster_."
            )
        state: dict[str, Any] = {
            "objective": objective,
            "n_features_in": int(data._n_features_in),
            "fitted_with_feature_names": bool(data._fitted_with_feature_names),
            "best_iteration": int(data._best_iteration),
            "best_score": scores(data._best_score),
            "evals_result": scores(data._evals_result),
        }
        if isinstance(data, lgb.LGBMClassifier):
            state["classes"] = _classes_record(data.classes_, type(data).__name__)
        if isinstance(data, lgb.LGBMRanker):
            state["eval_at"] = [int(k) for k in data._eval_at]
        return state

    def extract_metadata(self, data: lgb.LGBMModel) -> dict[str, Any]:
        """Model class, the parameters that are set, and the fitted model's shape."""
        fitted = bool(data.__sklearn_is_fitted__())
        facts: dict[str, Any] = {
            "model_class": type_path(type(data)),
            "params": {k: v for k, v in data.get_params(deep=False).items() if v is not None},
            "fitted": fitted,
        }
        if fitted:
            facts.update(booster_facts(data.booster_))
            if isinstance(data, lgb.LGBMClassifier):
                facts["n_classes"] = int(data.n_classes_)
        return facts


__all__ = ["DEFAULT_FILENAME", "WRAPPERS", "LightGBMSklearnMaterializer"]
