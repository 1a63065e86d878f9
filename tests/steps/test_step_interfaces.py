"""The seed's step interfaces: abstract roles that refuse to be used as steps, and that a
subclass turns into a step class by implementing ``entrypoint``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from zenml_airflow.core.step import BaseStep, BaseStepConfig
from zenml_airflow.exceptions import StepInterfaceError
from zenml_airflow.steps import step_interfaces
from zenml_airflow.steps.step_interfaces import (
    BaseAnalyzerConfig,
    BaseAnalyzerStep,
    BaseDatasourceConfig,
    BaseDatasourceStep,
    BaseDriftDetectionConfig,
    BaseDriftDetectionStep,
    BaseEvaluatorConfig,
    BaseEvaluatorStep,
    BasePreprocessorConfig,
    BasePreprocessorStep,
    BaseSplitStep,
    BaseSplitStepConfig,
    BaseTrainerConfig,
    BaseTrainerStep,
)

INTERFACES = [
    (BaseDatasourceStep, BaseDatasourceConfig, "base_datasource_step"),
    (BaseSplitStep, BaseSplitStepConfig, "base_split_step"),
    (BaseAnalyzerStep, BaseAnalyzerConfig, "base_analyzer_step"),
    (BasePreprocessorStep, BasePreprocessorConfig, "base_preprocessor_step"),
    (BaseTrainerStep, BaseTrainerConfig, "base_trainer_step"),
    (BaseEvaluatorStep, BaseEvaluatorConfig, "base_evaluator_step"),
    (BaseDriftDetectionStep, BaseDriftDetectionConfig, "base_drift_detection_step"),
]


class CountingConfig(BaseTrainerConfig):
    factor: int = 2


class CountingTrainer(BaseTrainerStep):
    """A trainer whose 'model' is a number."""

    def entrypoint(  # type: ignore[override]
        self, train_dataset: list, validation_dataset: list, config: CountingConfig
    ) -> int:
        return (len(train_dataset) + len(validation_dataset)) * config.factor


def test_the_package_exports_the_seed_names_from_the_seed_modules() -> None:
    assert sorted(step_interfaces.__all__) == sorted(
        name
        for interface, config, _ in INTERFACES
        for name in (interface.__name__, config.__name__)
    )
    for interface, config, module in INTERFACES:
        assert (
            interface.__module__
            == config.__module__
            == f"zenml_airflow.steps.step_interfaces.{module}"
        )
        assert issubclass(interface, BaseStep)
        assert issubclass(config, BaseStepConfig)


@pytest.mark.parametrize("interface", [i for i, _, _ in INTERFACES], ids=lambda i: i.__name__)
def test_an_interface_cannot_be_used_as_a_step(interface: type[BaseStep]) -> None:
    with pytest.raises(
        StepInterfaceError,
        match=rf"'{interface.__name__}' is an abstract step; subclass it and implement entrypoint",
    ):
        interface()


def test_a_subclass_without_entrypoint_is_refused_when_defined() -> None:
    with pytest.raises(StepInterfaceError, match=r"Lazy' must implement entrypoint"):

        class Lazy(BaseSplitStep):
            pass


def test_a_subclass_implementing_entrypoint_is_a_step_with_its_own_signature() -> None:
    trainer = CountingTrainer(CountingConfig(factor=3))
    assert isinstance(trainer, BaseTrainerStep) and isinstance(trainer, BaseStep)
    assert trainer.name == "CountingTrainer"
    assert trainer.SIGNATURE.inputs == {"train_dataset": list, "validation_dataset": list}
    assert trainer.SIGNATURE.config_class is CountingConfig
    assert trainer.SIGNATURE.context_arg is None  # the interface's context is not inherited
    assert (
        trainer.entrypoint(train_dataset=[1, 2], validation_dataset=[3], config=CountingConfig())
        == 6
    )
    # Workers import the step class by this path.
    assert CountingTrainer.entrypoint_path() == f"{__name__}:CountingTrainer"


def test_a_subclass_takes_only_its_own_config_type() -> None:
    with pytest.raises(StepInterfaceError, match=r"expects a config of type CountingConfig"):
        CountingTrainer(BaseTrainerConfig())


def test_importing_the_interfaces_and_pipelines_imports_no_heavy_library() -> None:
    code = (
        "import json, sys\n"
        "from zenml_airflow.steps import step_interfaces\n"
        "from zenml_airflow.pipelines.builtin_pipelines import TrainingPipeline\n"
        "print(json.dumps(sorted(m for m in ('numpy', 'pandas', 'sklearn', 'airflow') "
        "if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []
