"""The seed's class-based step conventions: abstract bases, ``OUTPUT_SPEC``."""

from __future__ import annotations

import pytest

from zenml_airflow.artifacts import DataAnalysisArtifact
from zenml_airflow.compiler.plan import build_plan
from zenml_airflow.exceptions import StepInterfaceError
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import BaseStep, BaseStepConfig


class ScaleConfig(BaseStepConfig):
    factor: int = 2


class AbstractScaler(BaseStep):
    _abstract = True


class Scaler(BaseStep):
    OUTPUT_SPEC = {"output": DataAnalysisArtifact}

    def entrypoint(self, config: ScaleConfig) -> int:
        return 21 * config.factor


def test_an_abstract_step_cannot_be_instantiated() -> None:
    with pytest.raises(
        StepInterfaceError, match=r"'AbstractScaler' is an abstract step; subclass it"
    ):
        AbstractScaler()


def test_output_spec_gives_the_artifact_type_of_an_output() -> None:
    assert dict(Scaler.OUTPUT_ARTIFACT_TYPES) == {"output": DataAnalysisArtifact}

    @pipeline
    def scaling(scaler):
        scaler()

    spec = build_plan(scaling(scaler=Scaler(ScaleConfig(factor=3)))).spec
    assert spec.step("scaler").outputs["output"].artifact_type == "DataAnalysisArtifact"
    assert scaling(scaler=Scaler()).run().get_step("scaler").output.type == "DataAnalysisArtifact"


def test_output_spec_naming_no_output_is_refused() -> None:
    with pytest.raises(
        StepInterfaceError, match=r"output_types of step 'Bad' names 'model'.*outputs: \['output'\]"
    ):

        class Bad(BaseStep):
            OUTPUT_SPEC = {"model": DataAnalysisArtifact}

            def entrypoint(self) -> int:
                return 1
