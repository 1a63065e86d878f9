# A seed-era program with a custom materializer and a step without a return annotation.
import os
from typing import Type

from zenml.artifacts import DataArtifact
from zenml.io import fileio
from zenml.materializers.base_materializer import BaseMaterializer
from zenml.pipelines import pipeline
from zenml.repository import Repository
from zenml.steps import step


class MyObj:
    def __init__(self, name: str):
        self.name = name


class MyMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (MyObj,)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)

    def handle_input(self, data_type: Type[MyObj]) -> MyObj:
        """Read from artifact store"""
        super().handle_input(data_type)
        with fileio.open(os.path.join(self.artifact.uri, "data.txt"), "r") as f:
            name = f.read()
        return MyObj(name=name)

    def handle_return(self, my_obj: MyObj) -> None:
        """Write to artifact store"""
        super().handle_return(my_obj)
        with fileio.open(os.path.join(self.artifact.uri, "data.txt"), "w") as f:
            f.write(my_obj.name)


@step
def step1() -> MyObj:
    return MyObj("jk")


@step
def step2(my_obj: MyObj):
    print(f"The following object was passed to this step: `{my_obj.name}`")


@pipeline
def pipe(step1, step2):
    step2(step1())


if __name__ == "__main__":
    pipe(
        step1=step1().with_return_materializers(MyMaterializer), step2=step2()
    ).run()

    run = Repository().get_pipeline("pipe").runs[-1]
    obj = run.get_step("step1").output.read()
    print(f"read back: {type(obj).__name__}({obj.name})")
    print(f"step2 outputs: {run.get_step('step2').outputs}")
