"""Materializer for scikit-learn estimators: one ``model.skops`` file, never a pickle.

The seed pickled estimators, and loading a pickle runs whatever code the file names. skops
stores an estimator as a zip of JSON and ``.npy`` arrays and, when loading, builds only the types
it is told to trust. This materializer trusts (ADR 0014):

- everything skops trusts by default: scikit-learn's public estimators, numpy arrays, dtypes,
  ufuncs and random generators, scipy sparse matrices, Python's primitives and containers;
- scikit-learn's own internal data-holding classes that skops leaves out of its default list
  (tree storage such as ``sklearn.tree._tree.Tree``, gaussian-process kernels, optimizers, CV
  splitters, scorers, ``Bunch``...): classes *defined* in scikit-learn, outside its tests and
  vendored code, without a ``__del__``;
- numpy dtype and scalar classes and scipy sparse classes;
- scikit-learn's score functions (``sklearn.metrics``, ``sklearn.feature_selection``), which
  estimators such as ``SelectKBest`` hold as parameters;
- whatever a subclass lists in ``TRUSTED_TYPES``.

Anything else - a class or function from your own code, a lambda, ``operator`` or ``builtins``
functions - is refused with a :class:`~zenml_airflow.exceptions.MaterializerError` that names
the types, on writing (so the step that returns it fails) and on reading (so a file put into the
artifact store by other means is never built). Nothing named in a refused file is imported.

To store an estimator holding your own class, list what you trust in a subclass and give it to
the step::

    class MyModelMaterializer(SklearnMaterializer, register=False):
        TRUSTED_TYPES = ("my_package.features.MyTransformer",)

    trainer().with_return_materializers(MyModelMaterializer)
"""

from __future__ import annotations

import importlib
import inspect
import os
import threading
from typing import Any, ClassVar
from zipfile import ZIP_DEFLATED, BadZipFile

import numpy as np
import scipy.sparse
from sklearn.base import (
    BaseEstimator,
    BiclusterMixin,
    ClassifierMixin,
    ClusterMixin,
    DensityMixin,
    MetaEstimatorMixin,
    MultiOutputMixin,
    OutlierMixin,
    RegressorMixin,
    TransformerMixin,
)

from zenml_airflow.artifacts.base_artifact import ModelArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.utils.source_utils import type_path

try:
    import skops.io
except ModuleNotFoundError as missing:  # the registry shows this message when it skips us
    raise ModuleNotFoundError(
        "SklearnMaterializer stores estimators with skops, which is not installed. Install it "
        "with: pip install 'zenml-airflow[sklearn]' (or: zenml-airflow integration install "
        "sklearn)",
        name=missing.name,
    ) from missing

DEFAULT_FILENAME = "model.skops"

_TRUSTED_PACKAGES = ("sklearn", "numpy", "scipy")
# Module path parts whose code exists to test or vendor, not to hold a model's state.
_EXCLUDED_MODULE_PARTS = frozenset({"tests", "testing", "_testing", "_mocking", "externals"})
# Where scikit-learn keeps the functions estimators take as parameters (score_func=f_classif).
_SCORE_FUNCTION_MODULES = ("sklearn.metrics", "sklearn.feature_selection")

# type name -> why it is not trusted ("" when it is); the answer never changes in a process.
_decisions: dict[str, str] = {}
_decisions_lock = threading.Lock()


def _defines_finalizer(cls: type) -> bool:
    # A __del__ runs on garbage collection with whatever state the file gave the object.
    return any("__del__" in vars(klass) for klass in cls.__mro__ if klass is not object)


def _class_refusal(cls: type, package: str) -> str:
    if _defines_finalizer(cls):
        return "its class runs code when the object is discarded (__del__)"
    if package == "sklearn":
        return ""
    if package == "numpy":
        if issubclass(cls, np.dtype | np.generic):
            return ""
        return "only numpy dtype and scalar classes are trusted"
    if issubclass(cls, scipy.sparse.sparray | scipy.sparse.spmatrix):
        return ""
    return "only scipy sparse matrix classes are trusted"


def _refusal(name: str) -> str:
    """Why the type ``name`` (as skops reports it, ``module.Name``) is not trusted, or ``""``."""
    package = name.split(".", 1)[0]
    if package not in _TRUSTED_PACKAGES:
        return "not part of scikit-learn, numpy or scipy"
    module_name, _, attribute = name.rpartition(".")
    if _EXCLUDED_MODULE_PARTS & set(module_name.split(".")):
        return "from a test or vendored module"
    try:
        # Only modules of the three packages above are ever imported to decide.
        obj = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError):
        return "not importable here"
    if inspect.ismodule(obj):
        return "a module, not a type"
    defined_in = str(getattr(obj, "__module__", None) or "")
    if defined_in.split(".", 1)[0] != package:
        return f"defined in {defined_in or 'an unknown module'}, only re-exported by {module_name}"
    if inspect.isclass(obj):
        return _class_refusal(obj, package)
    if callable(obj):
        if package == "sklearn" and defined_in.startswith(_SCORE_FUNCTION_MODULES):
            return ""
        return "a function: code, not data"
    return "not a class"


def _decide(name: str) -> str:
    decision = _decisions.get(name)
    if decision is None:
        with _decisions_lock:
            decision = _refusal(name)
            _decisions[name] = decision
    return decision


class SklearnMaterializer(BaseMaterializer):
    """Reads and writes scikit-learn estimators as ``model.skops`` (skops, never pickle).

    Attributes:
        TRUSTED_TYPES: extra types (classes, or ``"module.Name"`` strings as skops reports them)
            that a subclass trusts to be built from its files, for estimators holding them.
    """

    ASSOCIATED_TYPES = (
        BaseEstimator,
        ClassifierMixin,
        ClusterMixin,
        BiclusterMixin,
        OutlierMixin,
        RegressorMixin,
        MetaEstimatorMixin,
        MultiOutputMixin,
        DensityMixin,
        TransformerMixin,
    )
    ASSOCIATED_ARTIFACT_TYPES = (ModelArtifact,)
    FILENAMES = (DEFAULT_FILENAME,)
    TRUSTED_TYPES: ClassVar[tuple[str | type, ...]] = ()

    @classmethod
    def _extra_trusted(cls) -> set[str]:
        return {t if isinstance(t, str) else type_path(t) for t in cls.TRUSTED_TYPES}

    @classmethod
    def _audit(cls, payload: bytes) -> tuple[list[str], dict[str, str]]:
        # (every type skops does not trust by default, {those we refuse: why})
        try:
            reported = skops.io.get_untrusted_types(data=payload)
        except (BadZipFile, KeyError, ValueError, TypeError) as error:
            raise MaterializerError(f"not a skops model file ({error})") from error
        extra = cls._extra_trusted()
        refused = {
            name: reason for name in reported if name not in extra and (reason := _decide(name))
        }
        return reported, refused

    @classmethod
    def untrusted_types(cls, payload: bytes) -> dict[str, str]:
        """``{type name: why}`` for the types in a skops ``payload`` this class will not build.

        Raises:
            MaterializerError: if ``payload`` is not a skops file.
        """
        return cls._audit(payload)[1]

    def _refuse(self, untrusted: dict[str, str], what: str) -> MaterializerError:
        listed = "; ".join(f"'{name}' ({reason})" for name, reason in sorted(untrusted.items()))
        names = ", ".join(repr(name) for name in sorted(untrusted))
        return MaterializerError(
            f"{type(self).__name__} {what} because it holds types that are not trusted to be "
            f"built from a file: {listed}. zenml-airflow stores estimators with skops and never "
            "pickles, so loading builds only trusted types and runs no code named in the file. "
            "If these types are yours and you trust them, subclass SklearnMaterializer with "
            f"TRUSTED_TYPES = ({names},) and pass it to the step with "
            ".with_return_materializers(...); or write a custom materializer for the object."
        )

    def handle_input(self, data_type: Any) -> Any:
        """Load the estimator, building only trusted types.

        Raises:
            MaterializerError: if the file is missing or not a skops file, or holds types that
                are not trusted (nothing in it is built or imported then).
        """
        super().handle_input(data_type)
        path = os.path.join(self.artifact.uri, DEFAULT_FILENAME)
        if not fileio.exists(path):
            raise self._missing_file(
                DEFAULT_FILENAME,
                " (artifacts written by ZenML 0.7 are pickles, which zenml-airflow does not load)",
            )
        with fileio.open(path, "rb") as handle:
            payload = handle.read()
        try:
            reported, untrusted = self._audit(payload)
        except MaterializerError as error:
            raise MaterializerError(f"Cannot read '{path}': {error}.") from error
        if untrusted:
            raise self._refuse(untrusted, f"refuses to load '{path}'")
        try:
            # Every reported type passed the checks above: trust exactly those.
            model = skops.io.loads(payload, trusted=reported)
        except Exception as error:  # skops raises many kinds for a damaged file
            raise MaterializerError(
                f"Cannot load the estimator in '{path}': {type(error).__name__}: {error}. The "
                "file may be damaged, or was written with a scikit-learn or skops version this "
                "environment cannot read; re-run the step that produced it."
            ) from error
        if not isinstance(model, self.ASSOCIATED_TYPES):
            raise MaterializerError(
                f"'{path}' holds a {type_path(type(model))}, not a scikit-learn estimator."
            )
        return model

    def handle_return(self, data: Any) -> None:
        """Write ``data`` as ``model.skops``.

        Raises:
            MaterializerError: if skops cannot store it, or it holds types that could not be
                loaded back without being trusted (e.g. a class or function from your code).
        """
        super().handle_return(data)
        try:
            payload = skops.io.dumps(data, compression=ZIP_DEFLATED)
        except Exception as error:  # skops: UnsupportedTypeException, TypeError, ...
            raise MaterializerError(
                f"SklearnMaterializer cannot store this {type_path(type(data))} with skops: "
                f"{type(error).__name__}: {error}. Write a custom materializer for it."
            ) from error
        untrusted = self.untrusted_types(payload)
        if untrusted:
            raise self._refuse(
                untrusted, f"will not store this {type_path(type(data))} (it could not be read)"
            )
        fileio.makedirs(self.artifact.uri)
        with fileio.open(os.path.join(self.artifact.uri, DEFAULT_FILENAME), "wb") as handle:
            handle.write(payload)

    def extract_metadata(self, data: Any) -> dict[str, Any]:
        """The estimator class, whether it is fitted, and its hyperparameters; once fitted, the
        number of features it was fitted on and of the classes a classifier knows."""
        from sklearn.exceptions import NotFittedError
        from sklearn.utils.validation import check_is_fitted

        try:
            check_is_fitted(data)
            fitted = True
        except (NotFittedError, TypeError):
            fitted = False
        params = data.get_params(deep=False) if hasattr(data, "get_params") else {}
        facts: dict[str, Any] = {"estimator": type_path(type(data)), "fitted": fitted}
        if fitted:
            n_features = getattr(data, "n_features_in_", None)
            if isinstance(n_features, int):
                facts["num_features"] = n_features
            classes = getattr(data, "classes_", None)
            if classes is not None and getattr(classes, "ndim", 1) == 1:
                facts["n_classes"] = len(classes)
        return {**facts, "params": params}


__all__ = ["DEFAULT_FILENAME", "SklearnMaterializer"]
