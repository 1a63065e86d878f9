"""A custom materializer written exactly as the ZenML 0.7 docs show, with ``zenml.`` replaced by
``zenml_airflow.``: it must register itself and round-trip through an artifact store."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from zenml_airflow.artifacts import ArtifactStore, DataArtifact
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.default_materializer_registry import (
    default_materializer_registry,
    load_materializer,
    materializer_path,
)


class MyObj:
    def __init__(self, name: str):
        self.name = name


class MyMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (MyObj,)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)

    def handle_input(self, data_type: type[MyObj]) -> MyObj:
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


def test_seed_style_materializer_registers_itself() -> None:
    assert default_materializer_registry.get(MyObj) is MyMaterializer


def test_seed_style_materializer_round_trips_on_each_store(tmp_path: Path) -> None:
    for root in (str(tmp_path / "store"), f"memory://custom-{uuid.uuid4().hex}"):
        store = ArtifactStore(root)
        uri = store.artifact_uri("pipe", "step", "output", uuid.uuid4().hex)
        with store:
            store.prepare(uri)
            artifact = DataArtifact(uri=uri, materializer=materializer_path(MyMaterializer))
            MyMaterializer(artifact).handle_return(MyObj("zenml ✓"))
            assert fileio.listdir(uri) == ["data.txt"]
            # As the post-execution API reads it: by the materializer path stored on the artifact.
            reader = load_materializer(artifact.materializer or "")
            restored = reader(artifact).handle_input(MyObj)
            store.discard(uri)
        assert isinstance(restored, MyObj) and restored.name == "zenml ✓"
