from __future__ import annotations

import datetime as dt

import pydantic
import pytest

from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.materializers import PydanticMaterializer
from zenml_airflow.materializers.default_materializer_registry import default_materializer_registry


class Metrics(pydantic.BaseModel):
    accuracy: float
    labels: list[str]
    when: dt.datetime
    extra: dict[str, int] = {}


class Report(pydantic.BaseModel):
    name: str
    metrics: Metrics


class Other(pydantic.BaseModel):
    count: int


def test_nested_model_round_trip(artifact: DataArtifact) -> None:
    report = Report(
        name="ünïcode",
        metrics=Metrics(
            accuracy=0.9, labels=["a"], when=dt.datetime(2022, 1, 2, tzinfo=dt.UTC), extra={"k": 1}
        ),
    )
    PydanticMaterializer(artifact).handle_return(report)
    result = PydanticMaterializer(artifact).handle_input(Report)
    assert type(result) is Report
    assert result == report


def test_wrong_model_is_a_clear_error(artifact: DataArtifact) -> None:
    PydanticMaterializer(artifact).handle_return(Other(count=1))
    with pytest.raises(MaterializerError, match="does not validate as .*Report"):
        PydanticMaterializer(artifact).handle_input(Report)


def test_any_model_resolves_to_the_pydantic_materializer() -> None:
    assert default_materializer_registry.get(Report) is PydanticMaterializer
