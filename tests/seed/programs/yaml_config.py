# A seed-era program meant for `zenml pipeline run yaml_config.py -c yaml_config.yaml`: the YAML
# file names the pipeline, the function behind each step, its parameters and materializers.
import os
from typing import Type

from zenml.artifacts import DataArtifact
from zenml.io import fileio
from zenml.materializers.base_materializer import BaseMaterializer
from zenml.pipelines import pipeline
from zenml.steps import BaseStepConfig, step


class Greeting:
    def __init__(self, text: str):
        self.text = text


class GreetingMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (Greeting,)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)

    def handle_input(self, data_type: Type[Greeting]) -> Greeting:
        super().handle_input(data_type)
        with fileio.open(os.path.join(self.artifact.uri, "greeting.txt"), "r") as f:
            return Greeting(f.read())

    def handle_return(self, greeting: Greeting) -> None:
        super().handle_return(greeting)
        with fileio.open(os.path.join(self.artifact.uri, "greeting.txt"), "w") as f:
            f.write(greeting.text)


class GreeterConfig(BaseStepConfig):
    name: str = "world"
    times: int = 1


@step
def greet(config: GreeterConfig) -> Greeting:
    return Greeting(" ".join([f"hello {config.name}"] * config.times))


@step
def shout(greeting: Greeting) -> str:
    return greeting.text.upper()


@pipeline
def greeting_pipeline(greeter, shouter):
    shouter(greeting=greeter())
