"""Materializer for matplotlib figures: ``figure.png`` and ``figure.svg``, written the same way
every time.

A :class:`matplotlib.figure.Figure` is drawing instructions tied to live Python objects (axes,
artists, callbacks); the only safe, portable record of it is what it draws. Writing stores the
figure rendered twice, at the figure's own DPI:

- ``figure.png`` (Agg renderer), without the ``Software`` text chunk that would name the
  matplotlib version;
- ``figure.svg`` (text as paths), without the ``Date`` and ``Creator`` metadata, and with a fixed
  ``svg.hashsalt`` so the ids inside the file do not change from one save to the next.

Rendering does not switch pyplot's backend and never opens a window (the PNG is drawn with the
Agg backend, the SVG with matplotlib's SVG backend); nothing is pickled.

**Reading cannot give back the original figure** (its axes and data are not stored):

- a step input annotated ``Figure`` (the only annotation a ``Figure`` output can feed), and
  ``artifact.read()``, get a *new* ``matplotlib.figure.Figure``, not managed by pyplot (so no
  window), of the stored pixel size, showing the stored PNG with ``figimage``. It has no axes
  (``figure.axes == []``): it can be saved, shown or embedded, not re-plotted. Saving it at its
  own DPI (``figure.savefig(path)``) reproduces the stored pixels;
- ``artifact.read(output_data_type=PIL.Image.Image)`` gets the stored PNG as a Pillow image
  (mode ``RGBA``), to compare or process the pixels.

The SVG is for people (downloads and previews), and is not read back.
"""

from __future__ import annotations

import io
import os
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from zenml_airflow.artifacts.base_artifact import DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.pillow.materializers.pillow_materializer import decode_png
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.utils.source_utils import type_path

PNG_FILENAME = "figure.png"
SVG_FILENAME = "figure.svg"
#: Fixed salt for the ids matplotlib puts in SVG files (random by default).
SVG_HASH_SALT = "zenml-airflow"
_DEFAULT_DPI = 100


def render(figure: Figure) -> tuple[bytes, bytes]:
    """``(png, svg)`` bytes of ``figure``, identical for identical figures."""
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASH_SALT, "svg.fonttype": "path"}):
        png = io.BytesIO()
        figure.savefig(png, format="png", dpi="figure", metadata={"Software": None}, backend="agg")
        svg = io.BytesIO()
        figure.savefig(svg, format="svg", dpi="figure", metadata={"Date": None, "Creator": None})
    return png.getvalue(), svg.getvalue()


def figure_of(image: Image.Image) -> Figure:
    """A new figure (not managed by pyplot) of ``image``'s pixel size showing ``image``."""
    dpi_info = image.info.get("dpi")
    dpi = round(float(dpi_info[0])) if dpi_info and float(dpi_info[0]) > 0 else _DEFAULT_DPI
    width, height = image.size
    figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    figure.figimage(np.asarray(image), origin="upper")
    return figure


class MatplotlibMaterializer(BaseMaterializer):
    """Stores a ``matplotlib.figure.Figure`` as deterministic PNG and SVG; reads the PNG back
    as a new ``Figure`` showing it, or as a ``PIL.Image.Image`` (see the module documentation)."""

    ASSOCIATED_TYPES = (Figure,)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)
    FILENAMES = (PNG_FILENAME, SVG_FILENAME)

    def _image(self) -> Image.Image:
        png_path = os.path.join(self.artifact.uri, PNG_FILENAME)
        for name in self.FILENAMES:
            if not fileio.exists(os.path.join(self.artifact.uri, name)):
                raise self._missing_file(name)
        with fileio.open(png_path, "rb") as handle:
            payload = handle.read()
        return decode_png(payload, png_path)

    def handle_input(self, data_type: Any) -> Figure | Image.Image:
        """The stored figure as an image: a new ``Figure`` showing the PNG, or the PNG as a
        ``PIL.Image.Image`` when ``data_type`` is (a subclass of) ``PIL.Image.Image``.

        Raises:
            MaterializerError: a file is missing, or the PNG is not a PNG or is damaged; or
                ``data_type`` is neither a ``Figure`` nor a Pillow image.
        """
        if isinstance(data_type, type) and issubclass(data_type, Image.Image):
            return self._image()
        super().handle_input(data_type)
        if data_type is not Figure:
            raise MaterializerError(
                f"MatplotlibMaterializer reads a stored figure back as a plain "
                f"matplotlib.figure.Figure showing its image, not as {type_path(data_type)}: "
                "annotate the input with matplotlib.figure.Figure or PIL.Image.Image."
            )
        return figure_of(self._image())

    def handle_return(self, data: Figure) -> None:
        """Render ``data`` to ``figure.png`` and ``figure.svg``.

        Raises:
            MaterializerError: the figure cannot be rendered (the message says why).
        """
        super().handle_return(data)
        try:
            png, svg = render(data)
        except Exception as error:  # an artist that fails to draw: say which figure, and why
            raise MaterializerError(
                f"MatplotlibMaterializer could not render this {type_path(type(data))}: "
                f"{type(error).__name__}: {error}"
            ) from error
        fileio.makedirs(self.artifact.uri)
        for name, payload in ((PNG_FILENAME, png), (SVG_FILENAME, svg)):
            with fileio.open(os.path.join(self.artifact.uri, name), "wb") as handle:
                handle.write(payload)

    def extract_metadata(self, data: Figure) -> dict[str, Any]:
        """Size in inches, dpi and number of axes."""
        width, height = data.get_size_inches()
        return {
            "width_in": float(width),
            "height_in": float(height),
            "dpi": float(data.dpi),
            "axes": len(data.axes),
        }


__all__ = ["PNG_FILENAME", "SVG_FILENAME", "MatplotlibMaterializer", "figure_of", "render"]
