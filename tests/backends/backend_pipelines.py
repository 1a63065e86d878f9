"""Steps, materializers and pipelines the object-store tests run (importable by module path, so
a separate process can read their artifacts back)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import BaseStepConfig, step

CALLS: list[str] = []
# What FragileMaterializer saw while its file was still open (an object is visible only when
# complete on object stores).
SEEN_WHILE_WRITING: list[bool] = []


class Note:
    """A type only a custom materializer knows."""

    def __init__(self, title: str, lines: list[str]) -> None:
        self.title = title
        self.lines = lines


class NoteMaterializer(BaseMaterializer):
    """A seed-style custom materializer: several files and a sub-directory, all through fileio."""

    ASSOCIATED_TYPES = (Note,)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)

    def handle_return(self, data: Note) -> None:
        super().handle_return(data)
        fileio.makedirs(os.path.join(self.artifact.uri, "lines"))
        with fileio.open(os.path.join(self.artifact.uri, "títle.txt"), "w") as handle:
            handle.write(data.title)
        for number, line in enumerate(data.lines):
            with fileio.open(
                os.path.join(self.artifact.uri, "lines", f"{number:03d}.txt"), "w"
            ) as handle:
                handle.write(line)

    def handle_input(self, data_type: type) -> Note:
        super().handle_input(data_type)
        with fileio.open(os.path.join(self.artifact.uri, "títle.txt"), "r") as handle:
            title = handle.read()
        folder = os.path.join(self.artifact.uri, "lines")
        lines = []
        for name in fileio.listdir(folder):
            with fileio.open(os.path.join(folder, name), "r") as handle:
                lines.append(handle.read())
        return Note(title, lines)


class ArrayConfig(BaseStepConfig):
    megabytes: float = 0.01


@step
def make_array(config: ArrayConfig) -> np.ndarray:
    CALLS.append("make_array")
    array = np.arange(int(config.megabytes * 1024 * 1024) // 8, dtype=np.int64)
    marker = os.environ.get("ZENML_TEST_WRITE_STARTS")
    if marker:  # tells the fault test that the output is about to be written
        Path(marker).write_text("writing")
    return array


@step
def make_note() -> Note:
    CALLS.append("make_note")
    return Note("Grüße", ["first line", "zweite Zeile", "🎉"])


@step
def summarize(array: np.ndarray, note: Note) -> int:
    CALLS.append("summarize")
    return int(array.sum()) + len(note.lines)


@pipeline
def object_store_pipeline(make_array, make_note, summarize):
    summarize(array=make_array(), note=make_note())


def build(megabytes: float = 0.01) -> object_store_pipeline:
    return object_store_pipeline(
        make_array=make_array(config=ArrayConfig(megabytes=megabytes)),
        make_note=make_note(),
        summarize=summarize(),
    )


@pipeline
def array_only(make_array):
    make_array()


class FragileMaterializer(BaseMaterializer, register=False):
    """Streams 6 MiB (more than one S3 upload part) and then fails, with the file still open."""

    ASSOCIATED_TYPES = (int,)

    def handle_input(self, data_type: type) -> int:
        raise AssertionError("never read")

    def handle_return(self, data: int) -> None:
        path = os.path.join(self.artifact.uri, "part.bin")
        with fileio.open(path, "wb") as handle:
            for _ in range(6):
                handle.write(b"x" * 1024 * 1024)
            handle.flush()
            SEEN_WHILE_WRITING.append(fileio.exists(path))
            raise OSError("the disk is full (simulated)")


@step
def one() -> int:
    return 1


@pipeline
def fragile_pipeline(one):
    one()
