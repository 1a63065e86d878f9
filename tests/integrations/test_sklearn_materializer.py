"""SklearnMaterializer: estimators round-trip through skops, never pickle, and a file holding a
type that is not trusted is refused before anything in it is built or imported."""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
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
from sklearn.cluster import KMeans
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.feature_selection import SelectKBest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from tests.integrations import untrusted_estimator as user_code
from zenml_airflow.artifacts import ModelArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.sklearn.helpers.digits import get_digits, get_digits_model
from zenml_airflow.integrations.sklearn.materializers.sklearn_materializer import (
    DEFAULT_FILENAME,
    SklearnMaterializer,
)
from zenml_airflow.io import fileio
from zenml_airflow.materializers.default_materializer_registry import (
    default_materializer_registry,
)

SEED_TYPES = (
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


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return get_digits()


def round_trip(model: Any, artifact: ModelArtifact, data_type: type = BaseEstimator) -> Any:
    SklearnMaterializer(artifact).handle_return(model)
    return SklearnMaterializer(artifact).handle_input(data_type)


def test_registered_lazily_for_the_seeds_ten_sklearn_types() -> None:
    assert SklearnMaterializer.ASSOCIATED_TYPES == SEED_TYPES
    assert (ModelArtifact,) == SklearnMaterializer.ASSOCIATED_ARTIFACT_TYPES
    for seed_type in SEED_TYPES:
        assert default_materializer_registry.get(seed_type) is SklearnMaterializer
    # concrete estimators find it through their base classes
    assert default_materializer_registry.get(LogisticRegression) is SklearnMaterializer
    assert default_materializer_registry.get(Pipeline) is SklearnMaterializer


def test_logistic_regression_round_trips_with_equal_predictions(
    model_artifact: ModelArtifact, digits: tuple[np.ndarray, ...]
) -> None:
    X_train, X_test, y_train, _ = digits
    model = LogisticRegression(max_iter=2000).fit(X_train, y_train)
    loaded = round_trip(model, model_artifact, ClassifierMixin)
    assert type(loaded) is LogisticRegression and loaded is not model
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))
    np.testing.assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))
    np.testing.assert_array_equal(loaded.coef_, model.coef_)


def test_pipeline_with_scaler_round_trips(
    model_artifact: ModelArtifact, digits: tuple[np.ndarray, ...]
) -> None:
    X_train, X_test, y_train, _ = digits
    model = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=2000))]).fit(
        X_train, y_train
    )
    loaded = round_trip(model, model_artifact)
    assert [name for name, _ in loaded.steps] == ["scale", "clf"]
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))
    np.testing.assert_array_equal(
        loaded.named_steps["scale"].mean_, model.named_steps["scale"].mean_
    )


def test_kmeans_round_trips(model_artifact: ModelArtifact, digits: tuple[np.ndarray, ...]) -> None:
    X_train, X_test, _, _ = digits
    model = KMeans(n_clusters=10, n_init=2, random_state=0).fit(X_train)
    loaded = round_trip(model, model_artifact, ClusterMixin)
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))
    np.testing.assert_array_equal(loaded.cluster_centers_, model.cluster_centers_)


def test_tree_ensembles_round_trip(
    model_artifact: ModelArtifact, digits: tuple[np.ndarray, ...]
) -> None:
    """Tree storage (sklearn.tree._tree.Tree) is outside skops' default trust list; it is
    scikit-learn's own data class, which this materializer trusts."""
    X_train, X_test, y_train, _ = digits
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(X_train, y_train)
    loaded = round_trip(forest, model_artifact, ClassifierMixin)
    np.testing.assert_array_equal(loaded.predict_proba(X_test), forest.predict_proba(X_test))


@pytest.mark.filterwarnings("ignore:Features .* are constant", "ignore:invalid value encountered")
def test_histogram_boosting_and_score_functions_round_trip(
    tmp_path: Path, digits: tuple[np.ndarray, ...]
) -> None:
    X_train, X_test, y_train, _ = digits
    for index, model in enumerate(
        [
            HistGradientBoostingClassifier(max_iter=3, random_state=0).fit(X_train, y_train),
            # holds the function sklearn.feature_selection.f_classif as a parameter
            Pipeline(
                [("select", SelectKBest(k=20)), ("clf", LogisticRegression(max_iter=2000))]
            ).fit(X_train, y_train),
        ]
    ):
        artifact = ModelArtifact(uri=str(tmp_path / str(index)))
        loaded = round_trip(model, artifact)
        np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))


def test_the_seeds_digits_model_round_trips(
    model_artifact: ModelArtifact, digits: tuple[np.ndarray, ...]
) -> None:
    X_train, X_test, y_train, y_test = digits
    model = get_digits_model().fit(X_train, y_train)
    loaded = round_trip(model, model_artifact, ClassifierMixin)
    assert loaded.score(X_test, y_test) == model.score(X_test, y_test) > 0.9


def test_the_file_is_a_skops_archive_of_json_and_npy_without_pickle(
    local_model_artifact: ModelArtifact, digits: tuple[np.ndarray, ...]
) -> None:
    X_train, _, y_train, _ = digits
    model = RandomForestClassifier(n_estimators=2, random_state=0).fit(X_train, y_train)
    SklearnMaterializer(local_model_artifact).handle_return(model)
    path = Path(local_model_artifact.uri) / DEFAULT_FILENAME
    assert sorted(p.name for p in Path(local_model_artifact.uri).iterdir()) == [DEFAULT_FILENAME]
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert "schema.json" in names
        assert all(name.endswith((".json", ".npy")) for name in names), names
        for name in names:
            if name.endswith(".npy"):
                header = archive.read(name)[:128]
                assert b"'O'" not in header and b"|O" not in header  # no object arrays


def test_a_lambda_inside_an_estimator_is_refused_when_written(
    local_model_artifact: ModelArtifact, digits: tuple[np.ndarray, ...]
) -> None:
    X_train, _, _, _ = digits
    model = FunctionTransformer(lambda X: X * 2).fit(X_train)
    with pytest.raises(
        MaterializerError, match=r"will not store this .*FunctionTransformer"
    ) as info:
        SklearnMaterializer(local_model_artifact).handle_return(model)
    message = str(info.value)
    assert "<lambda>" in message and "not part of scikit-learn, numpy or scipy" in message
    assert "TRUSTED_TYPES" in message and "with_return_materializers" in message
    assert not (Path(local_model_artifact.uri) / DEFAULT_FILENAME).exists()


def test_a_numpy_function_inside_an_estimator_is_refused(
    local_model_artifact: ModelArtifact, digits: tuple[np.ndarray, ...]
) -> None:
    model = FunctionTransformer(np.mean).fit(digits[0])
    with pytest.raises(MaterializerError, match=r"'numpy\.mean' \(a function: code, not data\)"):
        SklearnMaterializer(local_model_artifact).handle_return(model)


def test_a_user_class_is_refused_on_load_without_building_or_importing_it(
    local_model_artifact: ModelArtifact,
    digits: tuple[np.ndarray, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    X_train, X_test, y_train, _ = digits
    model = Pipeline(
        [("shift", user_code.ShiftTransformer(0.5)), ("clf", LogisticRegression(max_iter=2000))]
    ).fit(X_train, y_train)
    # Written by a materializer that trusts the class (or put into the store by other means).
    user_code.TrustingMaterializer(local_model_artifact).handle_return(model)
    user_code.CALLS.clear()
    monkeypatch.delitem(sys.modules, user_code.__name__)

    with pytest.raises(
        MaterializerError,
        match=r"refuses to load .*'tests\.integrations\.untrusted_estimator\.ShiftTransformer' "
        r"\(not part of scikit-learn, numpy or scipy\).*TRUSTED_TYPES",
    ):
        SklearnMaterializer(local_model_artifact).handle_input(BaseEstimator)
    assert user_code.CALLS == []  # nothing from the file was built
    assert user_code.__name__ not in sys.modules  # and its module was not even imported


def test_a_subclass_that_trusts_the_user_class_loads_it(
    local_model_artifact: ModelArtifact, digits: tuple[np.ndarray, ...]
) -> None:
    X_train, X_test, y_train, _ = digits
    model = Pipeline(
        [("shift", user_code.ShiftTransformer(0.5)), ("clf", LogisticRegression(max_iter=2000))]
    ).fit(X_train, y_train)
    user_code.TrustingMaterializer(local_model_artifact).handle_return(model)
    user_code.CALLS.clear()
    loaded = user_code.TrustingMaterializer(local_model_artifact).handle_input(BaseEstimator)
    assert user_code.CALLS == ["ShiftTransformer.__setstate__"]
    assert loaded.named_steps["shift"].shift == 0.5
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))


def test_a_missing_file_says_what_happened(local_model_artifact: ModelArtifact) -> None:
    with pytest.raises(MaterializerError, match=r"has no model\.skops: .*pickles"):
        SklearnMaterializer(local_model_artifact).handle_input(ClassifierMixin)


def test_a_file_that_is_not_a_skops_archive_is_refused(local_model_artifact: ModelArtifact) -> None:
    import pickle

    with fileio.open(f"{local_model_artifact.uri}/{DEFAULT_FILENAME}", "wb") as handle:
        handle.write(pickle.dumps(LogisticRegression()))
    with pytest.raises(MaterializerError, match=r"Cannot read .*not a skops model file"):
        SklearnMaterializer(local_model_artifact).handle_input(ClassifierMixin)


def test_reading_as_a_type_it_does_not_handle_is_refused(
    local_model_artifact: ModelArtifact,
) -> None:
    SklearnMaterializer(local_model_artifact).handle_return(LogisticRegression())
    with pytest.raises(MaterializerError, match=r"cannot read type 'int'"):
        SklearnMaterializer(local_model_artifact).handle_input(int)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("builtins.eval", "not part of scikit-learn, numpy or scipy"),
        ("operator.call", "not part of scikit-learn, numpy or scipy"),
        ("numpy.load", "a function: code, not data"),
        ("sklearn.base.clone", "a function: code, not data"),
        ("numpy.lib._datasource.DataSource", r"runs code when the object is discarded"),
        ("sklearn.utils._testing.TempMemmap", "from a test or vendored module"),
        ("sklearn.utils.fixes.np", "a module, not a type"),
        ("sklearn.no_such_module.Thing", "not importable here"),
        ("scipy.stats._continuous_distns.norm_gen", "only scipy sparse matrix classes"),
    ],
)
def test_the_trust_policy_refuses(name: str, reason: str) -> None:
    from zenml_airflow.integrations.sklearn.materializers.sklearn_materializer import _refusal

    assert re.search(reason, _refusal(name)), _refusal(name)


@pytest.mark.parametrize(
    "name",
    [
        "sklearn.tree._tree.Tree",
        "sklearn.gaussian_process.kernels.RBF",
        "sklearn.feature_selection._univariate_selection.f_classif",
        "numpy.dtype",
        "numpy.float64",
        "scipy.sparse._csr.csr_matrix",
    ],
)
def test_the_trust_policy_trusts_sklearns_own_data_types(name: str) -> None:
    from zenml_airflow.integrations.sklearn.materializers.sklearn_materializer import _refusal

    assert _refusal(name) == ""


def test_without_skops_the_import_says_what_to_install() -> None:
    import subprocess

    code = (
        "import importlib.abc, sys\n"
        "class NoSkops(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'skops' or name.startswith('skops.'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, NoSkops())\n"
        "import zenml_airflow.integrations.sklearn.materializers.sklearn_materializer\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert (
        "ModuleNotFoundError: SklearnMaterializer stores estimators with skops, which is not "
        "installed. Install it with: pip install 'zenml-airflow[sklearn]' (or: zenml-airflow "
        "integration install sklearn)"
    ) in result.stderr


def test_an_estimator_finds_the_materializer_through_the_built_in_lazy_entry() -> None:
    """In a fresh interpreter nothing imports the integration module: the registry's built-in
    entry for sklearn must load it on the first lookup."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from zenml_airflow.materializers.default_materializer_registry import default_materializer_registry as r\n"
        "assert 'zenml_airflow.integrations.sklearn.materializers.sklearn_materializer' not in sys.modules\n"
        "print(r.get(LogisticRegression).__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "SklearnMaterializer"
