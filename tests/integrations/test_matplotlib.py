"""MatplotlibMaterializer: a figure is stored as deterministic PNG and SVG on every store; it
reads back as a new Figure showing the PNG (or as a PIL image); damaged or foreign files are
refused; matplotlib is imported only when used, and pyplot never."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from tests.integrations import media_steps
from tests.integrations.store_artifacts import STORE_KINDS, artifact_on
from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.matplotlib import MatplotlibIntegration
from zenml_airflow.integrations.matplotlib.materializers.matplotlib_materializer import (
    PNG_FILENAME,
    SVG_FILENAME,
    MatplotlibMaterializer,
    render,
)
from zenml_airflow.io import fileio
from zenml_airflow.materializers.default_materializer_registry import (
    default_materializer_registry,
)
from zenml_airflow.repository import Repository

REPO = Path(__file__).resolve().parents[2]


def _files(artifact: DataArtifact) -> dict[str, bytes]:
    files = {}
    for name in (PNG_FILENAME, SVG_FILENAME):
        with fileio.open(os.path.join(artifact.uri, name), "rb") as handle:
            files[name] = handle.read()
    return files


def _pixels(figure: Figure) -> np.ndarray:
    png, _ = render(figure)
    return np.asarray(Image.open(io.BytesIO(png), formats=["PNG"]))


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_a_figure_round_trips_as_an_image_on_each_store(kind: str, tmp_path: Path) -> None:
    original = media_steps.line_figure()
    with artifact_on(kind, tmp_path) as artifact:
        MatplotlibMaterializer(artifact).handle_return(original)
        files = _files(artifact)
        figure = MatplotlibMaterializer(artifact).handle_input(Figure)
        image = MatplotlibMaterializer(artifact).handle_input(Image.Image)
    assert files[PNG_FILENAME].startswith(b"\x89PNG")
    assert b"<svg" in files[SVG_FILENAME]
    stored = np.asarray(Image.open(io.BytesIO(files[PNG_FILENAME])))
    # As a PIL image: exactly the stored pixels, at the figure's pixel size (3x2 in at 72 dpi).
    assert type(image) is Image.Image and image.size == (216, 144) and image.mode == "RGBA"
    np.testing.assert_array_equal(np.asarray(image), stored)
    # As a Figure: a new figure of the same pixel size that draws exactly the stored pixels.
    assert type(figure) is Figure and figure.axes == [] and len(figure.images) == 1
    assert figure.dpi == 72
    np.testing.assert_array_equal(_pixels(figure), stored)


def test_png_and_svg_are_deterministic(tmp_path: Path) -> None:
    with artifact_on("local", tmp_path / "a") as first, artifact_on("local", tmp_path / "b") as b:
        MatplotlibMaterializer(first).handle_return(media_steps.line_figure())
        MatplotlibMaterializer(b).handle_return(media_steps.line_figure())
        one, two = _files(first), _files(b)
    assert one == two
    svg = one[SVG_FILENAME].decode()
    assert "<dc:date>" not in svg and matplotlib.__version__ not in svg
    assert matplotlib.__version__.encode() not in one[PNG_FILENAME]
    # Without our settings matplotlib's SVG ids differ between two saves of the same figure.
    plain = []
    for _ in range(2):
        buffer = io.BytesIO()
        media_steps.line_figure().savefig(buffer, format="svg")
        plain.append(buffer.getvalue())
    assert plain[0] != plain[1]


def test_saving_does_not_switch_the_backend_or_import_pyplot(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from tests.integrations.media_steps import line_figure\n"
        "from zenml_airflow.integrations.matplotlib.materializers.matplotlib_materializer "
        "import render\n"
        "png, svg = render(line_figure())\n"
        "assert png and svg\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "", "DISPLAY": "", "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_reading_as_another_type_is_refused(tmp_path: Path) -> None:
    class MyFigure(Figure):
        pass

    with artifact_on("local", tmp_path) as artifact:
        MatplotlibMaterializer(artifact).handle_return(media_steps.line_figure())
        with pytest.raises(MaterializerError, match="annotate the input with"):
            MatplotlibMaterializer(artifact).handle_input(MyFigure)
        with pytest.raises(MaterializerError, match="cannot read type '(builtins.)?str'"):
            MatplotlibMaterializer(artifact).handle_input(str)


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        (PNG_FILENAME, b"<svg>not a png</svg>", "not a PNG file"),
        (PNG_FILENAME, b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", "the PNG is damaged"),
    ],
)
def test_damaged_or_foreign_files_are_refused(
    name: str, payload: bytes, message: str, tmp_path: Path
) -> None:
    with artifact_on("local", tmp_path) as artifact:
        MatplotlibMaterializer(artifact).handle_return(media_steps.line_figure())
        with fileio.open(os.path.join(artifact.uri, name), "wb") as handle:
            handle.write(payload)
        with pytest.raises(MaterializerError, match=message):
            MatplotlibMaterializer(artifact).handle_input(Figure)


@pytest.mark.parametrize("missing", [PNG_FILENAME, SVG_FILENAME])
def test_a_missing_file_is_refused(missing: str, tmp_path: Path) -> None:
    with artifact_on("local", tmp_path) as artifact:
        MatplotlibMaterializer(artifact).handle_return(media_steps.line_figure())
        fileio.remove(os.path.join(artifact.uri, missing))
        with pytest.raises(MaterializerError, match=rf"has no {missing}.*MatplotlibMaterializer"):
            MatplotlibMaterializer(artifact).handle_input(Figure)


def test_a_figure_that_fails_to_draw_is_refused(tmp_path: Path) -> None:
    figure = media_steps.line_figure()
    figure.text(0.5, 0.5, r"$\frac{$")  # invalid mathtext: fails only when drawn
    with (
        artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match="could not render this"),
    ):
        MatplotlibMaterializer(artifact).handle_return(figure)


def test_the_registry_chooses_it_for_figures() -> None:
    assert default_materializer_registry.get(Figure) is MatplotlibMaterializer
    assert MatplotlibIntegration.NAME == "matplotlib"
    assert MatplotlibIntegration.check_installation()


def test_a_pipeline_passes_a_figure_and_a_rerun_is_cached() -> None:
    media_steps.CALLS.clear()
    assert media_steps.build().run(run_name="fig-1").status is ExecutionStatus.COMPLETED
    media_steps.CALLS.clear()
    assert media_steps.build().run(run_name="fig-2").status is ExecutionStatus.COMPLETED
    assert media_steps.CALLS == []
    pipeline = Repository().get_pipeline("media_pipeline")
    assert pipeline is not None
    first, second = pipeline.get_run("fig-1"), pipeline.get_run("fig-2")
    assert second.get_step("make_figure").is_cached
    # The downstream step annotated Figure received a Figure showing the image.
    assert first.get_step("figure_facts").output.read() == {
        "type": "Figure",
        "size": [216, 144],
        "images": 1,
        "axes": 0,
    }
    stored = second.get_step("make_figure").output
    image = stored.read(output_data_type=Image.Image)
    np.testing.assert_array_equal(np.asarray(image), _pixels(media_steps.line_figure()))
    assert type(stored.read()) is Figure


def test_matplotlib_is_not_imported_unless_used() -> None:
    code = (
        "import sys\n"
        "import zenml_airflow\n"
        "from zenml_airflow.materializers.default_materializer_registry import "
        "default_materializer_registry as r\n"
        "import zenml_airflow.integrations.matplotlib\n"
        "r.get(int)\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported without being used'\n"
        "from matplotlib.figure import Figure\n"
        "print(r.get(Figure).__name__)\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "MatplotlibMaterializer"
