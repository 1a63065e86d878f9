"""PillowMaterializer: PIL images round-trip as lossless, deterministic PNG on every store; modes
PNG cannot hold and files that are not PNGs are refused; PIL is imported only when used."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.integrations import media_steps
from tests.integrations.store_artifacts import STORE_KINDS, artifact_on
from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.pillow import PillowIntegration
from zenml_airflow.integrations.pillow.materializers.pillow_materializer import (
    DEFAULT_FILENAME,
    PNG_MODES,
    PillowMaterializer,
)
from zenml_airflow.io import fileio
from zenml_airflow.materializers.default_materializer_registry import (
    default_materializer_registry,
)
from zenml_airflow.repository import Repository


def _image(mode: str, size: tuple[int, int] = (7, 5)) -> Image.Image:
    """An image of ``mode`` whose raw bytes are random (all pixel values used)."""
    raw_length = len(Image.new(mode, size).tobytes())
    raw = np.random.default_rng(7).integers(0, 256, raw_length, dtype=np.uint8).tobytes()
    image = Image.frombytes(mode, size, raw)
    if mode == "P":
        image.putpalette(np.random.default_rng(8).integers(0, 256, 768).tolist())
    return image


def _write(artifact: DataArtifact, image: Image.Image) -> bytes:
    PillowMaterializer(artifact).handle_return(image)
    with fileio.open(os.path.join(artifact.uri, DEFAULT_FILENAME), "rb") as handle:
        return handle.read()


def _assert_identical(read: Image.Image, original: Image.Image) -> None:
    assert type(read) is Image.Image
    assert read.mode == original.mode and read.size == original.size
    assert read.tobytes() == original.tobytes()
    assert read.getpalette() == original.getpalette()


@pytest.mark.parametrize("mode", PNG_MODES)
def test_every_png_mode_round_trips_exactly(mode: str, tmp_path: Path) -> None:
    original = _image(mode)
    with artifact_on("local", tmp_path) as artifact:
        _write(artifact, original)
        read = PillowMaterializer(artifact).handle_input(Image.Image)
    _assert_identical(read, original)
    assert read == original  # PIL's own equality: mode, size, info, palette, pixels


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_round_trip_on_each_store(kind: str, tmp_path: Path) -> None:
    original = media_steps.gradient_image()
    with artifact_on(kind, tmp_path) as artifact:
        payload = _write(artifact, original)
        read = PillowMaterializer(artifact).handle_input(Image.Image)
    assert payload.startswith(b"\x89PNG")
    _assert_identical(read, original)


def test_palette_transparency_is_kept(tmp_path: Path) -> None:
    original = Image.frombytes("P", (4, 4), bytes(i % 3 for i in range(16)))
    original.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0])
    original.info["transparency"] = 1
    with artifact_on("local", tmp_path) as artifact:
        _write(artifact, original)
        read = PillowMaterializer(artifact).handle_input(Image.Image)
    _assert_identical(read, original)
    assert read.info["transparency"] == 1


def test_bytes_are_deterministic_and_carry_no_metadata(tmp_path: Path) -> None:
    plain = media_steps.gradient_image()
    decorated = plain.copy()
    decorated.info.update(
        {"icc_profile": b"\0" * 128, "dpi": (300, 300), "comment": "hi", "Software": "x"}
    )
    with artifact_on("local", tmp_path / "a") as first, artifact_on("local", tmp_path / "b") as b:
        assert _write(first, plain) == _write(b, decorated)
    chunks = []
    payload = _write_to_new(tmp_path / "c", decorated)
    offset = 8
    while offset < len(payload):
        length = int.from_bytes(payload[offset : offset + 4], "big")
        chunks.append(payload[offset + 4 : offset + 8])
        offset += 12 + length
    assert chunks == [b"IHDR", b"IDAT", b"IEND"]


def _write_to_new(root: Path, image: Image.Image) -> bytes:
    with artifact_on("local", root) as artifact:
        return _write(artifact, image)


@pytest.mark.parametrize(
    ("mode", "hint"),
    [
        ("CMYK", 'image.convert("RGB")'),
        ("F", '"I;16" for 16-bit values'),
        ("I", '"I;16" for 16-bit values'),
        ("I;16B", 'image.convert("I;16")'),
        ("PA", 'image.convert("RGBA")'),
    ],
)
def test_modes_png_cannot_hold_are_refused_with_the_conversion(
    mode: str, hint: str, tmp_path: Path
) -> None:
    with artifact_on("local", tmp_path) as artifact:
        with pytest.raises(
            MaterializerError, match=rf"cannot store an image of mode '{mode}'.*PNG holds only"
        ) as error:
            PillowMaterializer(artifact).handle_return(_image(mode))
        assert hint in str(error.value)
        assert not fileio.exists(os.path.join(artifact.uri, DEFAULT_FILENAME))


def test_an_image_whose_png_would_differ_is_refused(tmp_path: Path) -> None:
    # A palette image without a palette: PNG would store a reduced default palette.
    no_palette = Image.frombytes("P", (4, 4), bytes(range(0, 256, 16)))
    assert not no_palette.getpalette()
    with (
        artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match="reads back different"),
    ):
        PillowMaterializer(artifact).handle_return(no_palette)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"GIF89a not a png", "not a PNG file"),
        (b"\xff\xd8\xff\xe0 a jpeg", "not a PNG file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDRtruncated", "the PNG is damaged"),
    ],
)
def test_foreign_or_damaged_files_are_refused(payload: bytes, message: str, tmp_path: Path) -> None:
    with artifact_on("local", tmp_path) as artifact:
        with fileio.open(os.path.join(artifact.uri, DEFAULT_FILENAME), "wb") as handle:
            handle.write(payload)
        with pytest.raises(MaterializerError, match=message):
            PillowMaterializer(artifact).handle_input(Image.Image)


def test_a_real_jpeg_renamed_to_png_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    media_steps.gradient_image().convert("RGB").save(buffer, format="JPEG")
    with artifact_on("local", tmp_path) as artifact:
        with fileio.open(os.path.join(artifact.uri, DEFAULT_FILENAME), "wb") as handle:
            handle.write(buffer.getvalue())
        with pytest.raises(MaterializerError, match="not a PNG file"):
            PillowMaterializer(artifact).handle_input(Image.Image)


def test_a_missing_file_names_the_materializer(tmp_path: Path) -> None:
    with (
        artifact_on("local", tmp_path) as artifact,
        pytest.raises(MaterializerError, match="has no image.png.*PillowMaterializer"),
    ):
        PillowMaterializer(artifact).handle_input(Image.Image)


def test_the_registry_chooses_it_for_images() -> None:
    assert default_materializer_registry.get(Image.Image) is PillowMaterializer
    assert default_materializer_registry.get(type(media_steps.gradient_image())) is (
        PillowMaterializer
    )
    assert PillowIntegration.NAME == "pillow" and PillowIntegration.check_installation()


def test_a_pipeline_passes_an_image_and_a_rerun_is_cached() -> None:
    media_steps.CALLS.clear()
    assert media_steps.build().run(run_name="img-1").status is ExecutionStatus.COMPLETED
    media_steps.CALLS.clear()
    assert media_steps.build().run(run_name="img-2").status is ExecutionStatus.COMPLETED
    assert media_steps.CALLS == []
    pipeline = Repository().get_pipeline("media_pipeline")
    assert pipeline is not None
    first, second = pipeline.get_run("img-1"), pipeline.get_run("img-2")
    assert second.get_step("make_image").is_cached
    original = media_steps.gradient_image()
    facts = first.get_step("image_facts").output.read()
    assert facts == {"mode": "RGBA", "size": [64, 48], "sum": int(np.asarray(original).sum())}
    _assert_identical(second.get_step("make_image").output.read(), original)


def test_pil_is_not_imported_unless_used() -> None:
    code = (
        "import sys\n"
        "import zenml_airflow\n"
        "from zenml_airflow.materializers.default_materializer_registry import "
        "default_materializer_registry as r\n"
        "import zenml_airflow.integrations.pillow\n"
        "r.get(int)\n"
        "assert 'PIL' not in sys.modules, 'PIL imported without being used'\n"
        "from PIL import Image\n"
        "assert 'zenml_airflow.integrations.pillow.materializers.pillow_materializer' "
        "not in sys.modules\n"
        "print(r.get(Image.Image).__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "PillowMaterializer"
