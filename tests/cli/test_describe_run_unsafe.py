"""``pipeline describe-run`` names a pickled output as unsafe to load, and shows each artifact's
recorded metadata in its JSON (issue 16)."""

from __future__ import annotations

from cli_helpers import ok, ok_json

from zenml_airflow.materializers.cloudpickle_materializer import CloudpickleMaterializer
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import Output, step


class Opaque:
    def __init__(self, value: int) -> None:
        self.value = value


@step
def make() -> Output(opaque=Opaque, size=int):
    return Opaque(3), 3


@pipeline
def pickled(make):
    make()


def test_a_pickled_output_is_marked_unsafe_and_a_safe_one_is_not() -> None:
    pickled(make=make().with_return_materializers({"opaque": CloudpickleMaterializer})).run(
        run_name="pickled-run"
    )
    text = ok("pipeline", "describe-run", "pickled-run")
    opaque_line = next(line for line in text.splitlines() if line.strip().startswith("opaque:"))
    size_line = next(line for line in text.splitlines() if line.strip().startswith("size:"))
    assert "pickle: UNSAFE to load" in opaque_line and "UNSAFE" not in size_line
    outputs = ok_json("pipeline", "describe-run", "pickled-run")["steps"][0]["outputs"]
    assert (
        outputs["opaque"]["unsafe_to_load"] is True and outputs["size"]["unsafe_to_load"] is False
    )
    assert outputs["size"]["metadata"] == {"type": "int"}
