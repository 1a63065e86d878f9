"""The integrations registry: the seed's 28 names, what each needs, and check_integrations, the
run-time check of ``@pipeline(required_integrations=[...])``."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from zenml_airflow.core import integrations as core
from zenml_airflow.core.integrations import (
    IntegrationInfo,
    UnknownIntegrationError,
    check_integrations,
)
from zenml_airflow.exceptions import IntegrationError
from zenml_airflow.integrations import constants
from zenml_airflow.integrations.integration import Integration
from zenml_airflow.integrations.registry import IntegrationRegistry, integration_registry
from zenml_airflow.integrations.sklearn import SklearnIntegration

# zenml/integrations/constants.py of ZenML 0.7.3
SEED_CONSTANTS = {
    "AIRFLOW": "airflow",
    "AWS": "aws",
    "AZURE": "azure",
    "AZUREML": "azureml",
    "DASH": "dash",
    "EVIDENTLY": "evidently",
    "FACETS": "facets",
    "FEAST": "feast",
    "GCP": "gcp",
    "GRAPHVIZ": "graphviz",
    "KUBEFLOW": "kubeflow",
    "MLFLOW": "mlflow",
    "PLOTLY": "plotly",
    "PYTORCH": "pytorch",
    "PYTORCH_L": "pytorch_lightning",
    "S3": "s3",
    "SAGEMAKER": "sagemaker",
    "SELDON": "seldon",
    "SKLEARN": "sklearn",
    "TENSORFLOW": "tensorflow",
    "VAULT": "vault",
    "WHYLOGS": "whylogs",
    "WANDB": "wandb",
    "VERTEX": "vertex",
    "NEURAL_PROPHET": "neural_prophet",
    "HUGGINGFACE": "huggingface",
    "XGBOOST": "xgboost",
    "LIGHTGBM": "lightgbm",
}
# Integrations the seed did not have: the libraries of issue 16 with no seed name.
NEW_CONSTANTS = {
    "POLARS": "polars",
    "PYARROW": "pyarrow",
    "SCIPY": "scipy",
    "PILLOW": "pillow",
    "MATPLOTLIB": "matplotlib",
}
ALL_CONSTANTS = {**SEED_CONSTANTS, **NEW_CONSTANTS}
MISSING_PACKAGE = "zenml-airflow-test-no-such-package"


@pytest.fixture
def temporary_integration(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Integrations registered by a test vanish afterwards; cached answers are forgotten."""
    monkeypatch.setattr(core, "_integrations", dict(core._integrations))
    core.clear_cache()
    yield
    core.clear_cache()


def add(name: str, *requirements: str, programs: dict[str, str] | None = None) -> None:
    core.register_integration(
        IntegrationInfo(
            name=name,
            requirements=requirements,
            supported=False,
            summary="test",
            system_requirements=programs or {},
        )
    )


def test_the_constants_are_the_seeds_28_and_the_new_libraries() -> None:
    public = {k: v for k, v in vars(constants).items() if k.isupper()}
    assert public == ALL_CONSTANTS


def test_every_seed_integration_has_a_record() -> None:
    assert core.integration_names() == sorted(ALL_CONSTANTS.values())
    for info in core.integrations().values():
        assert info.requirements and all(isinstance(r, str) for r in info.requirements)


def test_supported_integrations_are_the_ones_with_code_here() -> None:
    supported = {name for name, info in core.integrations().items() if info.supported}
    with_code = {"airflow", "aws", "gcp", "s3", "sklearn", "xgboost", "lightgbm"}
    assert supported == with_code | {"pytorch", "tensorflow"} | set(NEW_CONSTANTS.values())
    assert core.get_integration("sklearn").requirements == ("scikit-learn>=1.4", "skops>=0.10")
    assert "apache-airflow>=3.3,<4" in core.get_integration("airflow").requirements


def test_installed_integrations_pass_the_check() -> None:
    check_integrations(["sklearn", constants.SKLEARN], pipeline_name="p")
    check_integrations("sklearn", pipeline_name="p")  # a bare string is one name
    check_integrations([], pipeline_name="p")
    assert core.is_installed("sklearn")


def test_a_passed_check_is_answered_without_looking_at_installed_packages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check_integrations(["sklearn"], pipeline_name="p")

    def no_lookups(name: str) -> None:
        raise AssertionError(f"looked up {name}")

    monkeypatch.setattr(importlib.metadata, "distribution", no_lookups)
    check_integrations(["sklearn"], pipeline_name="p")  # cached for the process
    core.clear_cache()
    with pytest.raises(AssertionError, match="looked up"):
        check_integrations(["sklearn"], pipeline_name="p")


def test_an_unknown_integration_names_the_closest_one() -> None:
    with pytest.raises(
        UnknownIntegrationError,
        match=r"Pipeline 'train' requires unknown integration 'sklern'\. Did you mean 'sklearn'\?"
        r" Fix required_integrations=\[\.\.\.\]; known integrations: airflow, aws,",
    ) as info:
        check_integrations(["sklearn", "sklern"], pipeline_name="train")
    assert isinstance(info.value, IntegrationError) and isinstance(info.value, KeyError)


def test_missing_packages_are_named_with_the_exact_fix(temporary_integration: None) -> None:
    add("needs_things", f"{MISSING_PACKAGE}>=1", "scikit-learn>=999", "skops>=0.10")
    with pytest.raises(IntegrationError) as info:
        check_integrations(["sklearn", "needs_things"], pipeline_name="train")
    message = str(info.value)
    installed = importlib.metadata.version("scikit-learn")
    assert message == (
        "Pipeline 'train' requires integration 'needs_things', but this environment lacks: "
        f"needs_things: {MISSING_PACKAGE}>=1 (not installed), scikit-learn>=999 (version "
        f"{installed} installed). Install the packages with: pip install "
        f"'{MISSING_PACKAGE}>=1' 'scikit-learn>=999' 'skops>=0.10' "
        "(or: zenml-airflow integration install needs_things)."
    )
    assert not core.is_installed("needs_things")


def test_missing_programs_say_to_use_the_system_package_manager(
    temporary_integration: None,
) -> None:
    add("needs_program", "skops>=0.10", programs={"a tool": "zenml-airflow-no-such-program"})
    with pytest.raises(
        IntegrationError,
        match=r"lacks: needs_program: a tool \(program 'zenml-airflow-no-such-program' not found "
        r"on PATH\)\. Install the program 'zenml-airflow-no-such-program' with your system's "
        r"package manager\.$",
    ):
        check_integrations(["needs_program"], pipeline_name="p")


def test_markers_and_extras_are_understood(temporary_integration: None) -> None:
    add("old_python_only", "scikit-learn>=999; python_version < '3'")
    add("with_installed_extra", "skops[rich]>=0.10")  # rich is a dependency of zenml-airflow
    add("with_missing_extra", "fsspec[abfs]")  # adds adlfs, which the stack does not use
    add("not_a_requirement", "scikit-learn >= >=")
    check_integrations(["old_python_only", "with_installed_extra"], pipeline_name="p")
    assert core.missing_for("with_missing_extra") == [
        "fsspec[abfs] (extra [abfs] incomplete: adlfs not installed)"
    ]
    assert core.missing_for("not_a_requirement")[0].startswith(
        "scikit-learn >= >= (invalid requirement"
    )


def test_a_failed_check_is_not_cached(temporary_integration: None) -> None:
    add("later", f"{MISSING_PACKAGE}>=1")
    for _ in range(2):
        with pytest.raises(IntegrationError, match="not installed"):
            check_integrations(["later"], pipeline_name="p")
    add("later", "skops>=0.10")  # as if the package had been installed since
    check_integrations(["later"], pipeline_name="p")


def test_registering_needs_a_name(temporary_integration: None) -> None:
    with pytest.raises(IntegrationError, match="non-empty string name"):
        add("")


# --- the seed's surface: zenml_airflow.integrations.registry / .integration -----------------


def test_the_registry_lists_every_integration_as_a_seed_style_class() -> None:
    classes = integration_registry.integrations
    assert list(classes) == sorted(ALL_CONSTANTS.values())
    assert classes["sklearn"] is SklearnIntegration
    assert classes["aws"].__name__ == "AWSIntegration"
    assert classes["pytorch_lightning"].__name__ == "PytorchLightningIntegration"
    for name, cls in classes.items():
        assert issubclass(cls, Integration) and name == cls.NAME
        assert list(core.get_integration(name).requirements) == cls.REQUIREMENTS
    assert classes["graphviz"].SYSTEM_REQUIREMENTS == {"graphviz": "dot"}
    assert integration_registry.list_integration_names == sorted(ALL_CONSTANTS.values())


def test_each_packaged_integration_activates_exactly_the_registrys_lazy_entries() -> None:
    from zenml_airflow.materializers.default_materializer_registry import BUILT_IN_LAZY_ENTRIES

    classes = integration_registry.integrations
    declared = {
        library: module for cls in classes.values() for library, module in cls.MATERIALIZERS.items()
    }
    integration_modules = {
        library: module
        for library, module in BUILT_IN_LAZY_ENTRIES.items()
        if module.startswith("zenml_airflow.integrations.")
    }
    # activate() imports what a step's first value of the library would have imported
    assert declared == integration_modules
    assert classes["xgboost"].MATERIALIZERS == {
        "xgboost": "zenml_airflow.integrations.xgboost.materializers"
    }


def test_the_registry_cannot_be_replaced() -> None:
    with pytest.raises(IntegrationError, match="register_integration"):
        integration_registry.integrations = {}


def test_select_integration_requirements() -> None:
    assert integration_registry.select_integration_requirements("sklearn") == [
        "scikit-learn>=1.4",
        "skops>=0.10",
    ]
    every = integration_registry.select_integration_requirements()
    assert len(every) == len(set(every))
    assert {"scikit-learn>=1.4", "torch>=2.4", "boto3>=1.34"} <= set(every)
    with pytest.raises(
        KeyError, match=r"Unknown integration 'tensorflw'\. Did you mean 'tensorflow'"
    ):
        integration_registry.select_integration_requirements("tensorflw")


def test_is_installed(temporary_integration: None) -> None:
    assert integration_registry.is_installed("sklearn")
    add("absent", f"{MISSING_PACKAGE}>=1")
    assert not integration_registry.is_installed("absent")
    assert not integration_registry.is_installed()  # not every integration is installed
    with pytest.raises(KeyError, match="Did you mean 'sklearn'"):
        integration_registry.is_installed("sklearnn")


def test_a_user_defined_integration_is_checked_like_a_built_in(temporary_integration: None) -> None:
    class MyIntegration(Integration):
        """My tool."""

        NAME = "my_tool"
        REQUIREMENTS = [f"{MISSING_PACKAGE}>=2"]

    registry = IntegrationRegistry()
    registry.register_integration("my_tool", MyIntegration)
    assert registry.integrations["my_tool"] is MyIntegration
    assert MyIntegration.check_installation() is False
    assert not registry.is_installed("my_tool")
    with pytest.raises(IntegrationError, match=rf"pip install '{MISSING_PACKAGE}>=2'"):
        check_integrations(["my_tool"], pipeline_name="p")
    with pytest.raises(IntegrationError, match="not a subclass of"):
        registry.register_integration("bad", dict)  # type: ignore[arg-type]


def test_check_installation_of_the_sklearn_integration() -> None:
    assert SklearnIntegration.check_installation() is True
    assert SklearnIntegration.NAME == constants.SKLEARN


def test_activating_sklearn_registers_its_materializer() -> None:
    from sklearn.base import ClassifierMixin

    from zenml_airflow.materializers.default_materializer_registry import (
        default_materializer_registry,
    )

    integration_registry.activate_integrations()
    from zenml_airflow.integrations.sklearn.materializers import SklearnMaterializer

    assert default_materializer_registry.get(ClassifierMixin) is SklearnMaterializer


def test_the_seed_module_paths_import_nothing_heavy() -> None:
    code = (
        "import json, sys\n"
        "import zenml_airflow.core.integrations as core\n"
        "import zenml_airflow.integrations.constants, zenml_airflow.integrations.registry\n"
        "from zenml_airflow.integrations.sklearn import SklearnIntegration\n"
        "from zenml_airflow.integrations.pytorch import PytorchIntegration\n"
        "from zenml_airflow.integrations.tensorflow import TensorflowIntegration\n"
        "core.check_integrations(['sklearn'], pipeline_name='p')\n"
        "heavy = ('sklearn', 'numpy', 'scipy', 'skops', 'pandas', 'airflow', 'torch', "
        "'safetensors', 'tensorflow', 'keras', 'jax')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_the_cpu_only_xgboost_build_satisfies_the_xgboost_requirement() -> None:
    import importlib.metadata

    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("xgboost")  # the tests install xgboost-cpu only
    assert core.get_integration("xgboost").requirements == ("xgboost>=3.0",)
    check_integrations(["xgboost"], pipeline_name="p")
    assert core._requirement_problem("xgboost>=99").startswith("version ")
