"""Materializer for Pillow images (``PIL.Image.Image``): one lossless ``image.png`` file.

PNG is lossless, so an image reads back with the same mode, size, pixels and, for palette
images, palette and transparency. PNG holds only some of Pillow's modes: ``1``, ``L``, ``LA``,
``P``, ``RGB``, ``RGBA`` and ``I;16``. Every other mode (``CMYK``, ``YCbCr``, ``LAB``, ``HSV``,
``F``, ``I``, ``I;16B``, ``PA``, ``RGBX``...) is refused with a message saying which conversion
to make (``image.convert("RGB")``, ...): converting silently would change the pixels. After
encoding, the PNG is decoded again and compared with the image, so nothing lossy is ever stored
(a ``P`` image without a palette, for instance, is refused).

The bytes are deterministic: only the pixel data, the palette and the transparency are written,
never a time, text, EXIF, ICC profile or DPI chunk (``image.info`` is not stored), so the same
image always gives the same file and identical images share one stored copy (ADR 0011).

Reading decodes only PNG (``PIL.Image.open(..., formats=["PNG"])``) with Pillow's
decompression-bomb limit; a file that is not a PNG is refused. The image comes back fully
loaded, as a plain ``PIL.Image.Image``, with nothing left open.
"""

from __future__ import annotations

import io
import os
from typing import Any

from PIL import Image

from zenml_airflow.artifacts.base_artifact import DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer

DEFAULT_FILENAME = "image.png"
#: The modes a PNG file holds exactly.
PNG_MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "I;16")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# What to convert an image of a mode PNG cannot hold to, for the error message.
_CONVERSIONS = {
    "PA": 'image.convert("RGBA")',
    "La": 'image.convert("LA")',
    "RGBa": 'image.convert("RGBA")',
    "RGBX": 'image.convert("RGB")',
    "CMYK": 'image.convert("RGB")',
    "YCbCr": 'image.convert("RGB")',
    "LAB": 'image.convert("RGB")',
    "HSV": 'image.convert("RGB")',
    "I;16B": 'image.convert("I;16")',
    "I;16L": 'image.convert("I;16")',
    "I;16N": 'image.convert("I;16")',
}


def _conversion_hint(mode: str) -> str:
    hint = _CONVERSIONS.get(mode)
    if hint is not None:
        return f"Convert it first, e.g. {hint}, if that loses nothing you need"
    return (
        'Convert it first (image.convert("RGB"), "L", or "I;16" for 16-bit values), if that '
        "loses nothing you need"
    )


def _same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return (
        a.mode == b.mode
        and a.size == b.size
        and a.getpalette() == b.getpalette()
        and a.info.get("transparency") == b.info.get("transparency")
        and a.tobytes() == b.tobytes()
    )


def decode_png(payload: bytes, where: str) -> Image.Image:
    """The image in the PNG ``payload``, loaded, as a plain ``PIL.Image.Image``.

    Raises:
        MaterializerError: ``payload`` is not a PNG Pillow can decode (``where`` names the file).
    """
    if not payload.startswith(PNG_SIGNATURE):
        raise MaterializerError(
            f"Cannot read '{where}': it is not a PNG file (it does not start with the PNG "
            "signature). It was not written by zenml-airflow, or was changed since."
        )
    try:
        with Image.open(io.BytesIO(payload), formats=["PNG"]) as opened:
            opened.load()
            return opened.copy()  # a plain Image, detached from the decoder
    except Image.DecompressionBombError as error:
        raise MaterializerError(
            f"Refusing to read '{where}': {error} Raise PIL.Image.MAX_IMAGE_PIXELS if you "
            "trust this artifact."
        ) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise MaterializerError(
            f"Cannot read '{where}': the PNG is damaged ({type(error).__name__}: {error}). "
            "Re-run the step that produced it."
        ) from error


class PillowMaterializer(BaseMaterializer):
    """Reads and writes ``PIL.Image.Image`` as a lossless, deterministic ``image.png``."""

    ASSOCIATED_TYPES = (Image.Image,)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)
    FILENAMES = (DEFAULT_FILENAME,)

    def handle_input(self, data_type: Any) -> Image.Image:
        """Read the image back: same mode, size, pixels, palette and transparency.

        Raises:
            MaterializerError: the file is missing, not a PNG, damaged, or too large to decode
                safely.
        """
        super().handle_input(data_type)
        path = os.path.join(self.artifact.uri, DEFAULT_FILENAME)
        if not fileio.exists(path):
            raise self._missing_file(DEFAULT_FILENAME)
        with fileio.open(path, "rb") as handle:
            payload = handle.read()
        return decode_png(payload, path)

    def handle_return(self, data: Image.Image) -> None:
        """Write ``data`` as ``image.png``.

        Raises:
            MaterializerError: its mode cannot be stored in PNG exactly (with the conversion to
                make), or the encoded PNG would not read back identical.
        """
        super().handle_return(data)
        mode = data.mode
        if mode not in PNG_MODES:
            raise MaterializerError(
                f"PillowMaterializer cannot store an image of mode '{mode}': PNG holds only the "
                f"modes {', '.join(PNG_MODES)}, and zenml-airflow does not change pixels "
                f"silently. {_conversion_hint(mode)}."
            )
        options: dict[str, Any] = {
            # Nothing but pixels, palette and transparency: deterministic bytes.
            "icc_profile": None,
            "exif": None,
            "optimize": False,
            "compress_level": 6,
        }
        if "transparency" in data.info:
            options["transparency"] = data.info["transparency"]
        buffer = io.BytesIO()
        try:
            data.save(buffer, format="PNG", **options)
        except (OSError, ValueError, TypeError) as error:
            raise MaterializerError(
                f"PillowMaterializer could not encode this {mode} image of size {data.size} as "
                f"PNG: {type(error).__name__}: {error}"
            ) from error
        payload = buffer.getvalue()
        if not _same_pixels(decode_png(payload, "the encoded image"), data):
            raise MaterializerError(
                f"PillowMaterializer cannot store this {mode} image of size {data.size} "
                "exactly: the PNG it encodes to reads back different (e.g. a palette image "
                'without a palette). Convert it first, e.g. image.convert("RGB").'
            )
        fileio.makedirs(self.artifact.uri)
        with fileio.open(os.path.join(self.artifact.uri, DEFAULT_FILENAME), "wb") as handle:
            handle.write(payload)

    def extract_metadata(self, data: Image.Image) -> dict[str, Any]:
        """Width, height and mode."""
        return {"width": data.width, "height": data.height, "mode": data.mode}


__all__ = ["DEFAULT_FILENAME", "PNG_MODES", "PillowMaterializer", "decode_png"]
