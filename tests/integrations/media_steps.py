"""Steps and pipelines that pass Pillow images, matplotlib figures, folders (``pathlib.Path``)
and an opted-in pickle between steps (importable by module path, as the orchestrator needs)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from zenml_airflow.materializers.cloudpickle_materializer import CloudpickleMaterializer
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import step

CALLS: list[str] = []


def gradient_image() -> Image.Image:
    """An RGBA image whose every pixel differs from its neighbours."""
    y, x = np.mgrid[0:48, 0:64]
    pixels = np.stack([x * 4, y * 5, (x + y) % 256, 255 - x], axis=-1).astype(np.uint8)
    return Image.fromarray(pixels, "RGBA")


def line_figure() -> Figure:
    """A small figure with a line, a title and a legend (never managed by pyplot)."""
    figure = Figure(figsize=(3, 2), dpi=72)
    axes = figure.add_subplot()
    axes.plot([0, 1, 2, 3], [1, 3, 2, 4], label="loss")
    axes.set_title("training")
    axes.legend()
    return figure


def write_folder(root: Path) -> Path:
    """A folder with nested files, an empty folder and an executable script."""
    folder = root / "report"
    (folder / "pages" / "deep").mkdir(parents=True)
    (folder / "empty").mkdir()
    (folder / "index.html").write_text("<h1>report</h1>\n", encoding="utf-8")
    (folder / "pages" / "a.txt").write_text("first", encoding="utf-8")
    (folder / "pages" / "deep" / "b.bin").write_bytes(bytes(range(256)) * 10)
    script = folder / "run.sh"
    script.write_text("#!/bin/sh\necho hi\n", encoding="utf-8")
    script.chmod(0o755)
    return folder


def folder_listing(folder: Path) -> dict[str, str]:
    """``{relative path: contents (hex)}`` of every file, and ``{folder/: ""}`` of every folder."""
    listing: dict[str, str] = {}
    for entry in sorted(folder.rglob("*")):
        relative = entry.relative_to(folder).as_posix()
        listing[relative + ("/" if entry.is_dir() else "")] = (
            "" if entry.is_dir() else entry.read_bytes().hex()
        )
    return listing


class Opaque:
    """A type no materializer knows (only an opted-in pickle can store it)."""

    def __init__(self, weights: list[float]) -> None:
        self.weights = weights

    def total(self) -> float:
        return sum(self.weights)


@step
def make_image() -> Image.Image:
    CALLS.append("make_image")
    return gradient_image()


@step
def image_facts(image: Image.Image) -> dict:
    CALLS.append("image_facts")
    return {"mode": image.mode, "size": list(image.size), "sum": int(np.asarray(image).sum())}


@step
def make_figure() -> Figure:
    CALLS.append("make_figure")
    return line_figure()


@step
def figure_facts(figure: Figure) -> dict:
    CALLS.append("figure_facts")
    width, height = figure.get_size_inches() * figure.dpi
    return {
        "type": type(figure).__name__,
        "size": [round(width), round(height)],
        "images": len(figure.images),
        "axes": len(figure.axes),
    }


@step
def make_folder() -> Path:
    CALLS.append("make_folder")
    return write_folder(Path(tempfile.mkdtemp()))


@step
def list_folder(folder: Path) -> dict:
    CALLS.append("list_folder")
    return {
        "name": folder.name,
        "listing": folder_listing(folder),
        "executable": bool((folder / "run.sh").stat().st_mode & 0o100),
    }


@step
def make_opaque() -> Opaque:
    CALLS.append("make_opaque")
    return Opaque([1.5, 2.5])


@step
def use_opaque(value: Opaque) -> float:
    CALLS.append("use_opaque")
    return value.total()


@pipeline
def media_pipeline(make_image, image_facts, make_figure, figure_facts, make_folder, list_folder):
    image = make_image()
    image_facts(image=image)
    figure = make_figure()
    figure_facts(figure=figure)
    folder = make_folder()
    list_folder(folder=folder)


def build() -> media_pipeline:
    return media_pipeline(
        make_image=make_image(),
        image_facts=image_facts(),
        make_figure=make_figure(),
        figure_facts=figure_facts(),
        make_folder=make_folder(),
        list_folder=list_folder(),
    )


@pipeline
def pickle_pipeline(make_opaque, use_opaque):
    use_opaque(value=make_opaque())


def build_pickled() -> pickle_pipeline:
    return pickle_pipeline(
        make_opaque=make_opaque().with_return_materializers(CloudpickleMaterializer),
        use_opaque=use_opaque(),
    )


def build_not_opted_in() -> pickle_pipeline:
    return pickle_pipeline(make_opaque=make_opaque(), use_opaque=use_opaque())
