"""Materializer for ``torch.Tensor``: safetensors, never a pickle.

The artifact holds ``tensor.safetensors`` (one tensor named ``tensor``: its dtype, shape and raw
little-endian bytes) and ``zenml_model.json`` (the format, the torch version, the file's BLAKE3
digest, whether it was an ``nn.Parameter`` and needed gradients, and the device it lived on; see
:mod:`zenml_airflow.integrations.model_files`). safetensors is a header of JSON plus raw bytes:
reading it runs nothing named in the file, and the same tensor always gives the same bytes.

Refused on writing, with a message that says how to convert: sparse and other non-strided
layouts (``.to_dense()``), quantized tensors (``.dequantize()``), nested tensors, tensors on the
``meta`` device (they have no values) and tensor subclasses other than ``nn.Parameter``. Values
are always read back onto the CPU; move them with ``.to(device)`` in the step.
"""

from __future__ import annotations

from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from zenml_airflow.artifacts.base_artifact import DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.model_files import (
    MANIFEST_FILENAME,
    read_manifest,
    read_model,
    write_model,
)
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.default_materializer_registry import as_class

DEFAULT_FILENAME = "tensor.safetensors"
FORMAT = "torch.Tensor/safetensors"
TENSOR_KEY = "tensor"


def writable_tensor(tensor: torch.Tensor, what: str) -> torch.Tensor:
    """``tensor`` detached, on the CPU, contiguous, with conjugate/negative views resolved: what
    safetensors can write.

    Raises:
        MaterializerError: the tensor is sparse, quantized, nested, on the meta device or a
            tensor subclass, none of which safetensors can hold.
    """
    problem = ""
    if type(tensor) not in (torch.Tensor, torch.nn.Parameter):
        problem = (
            f"it is a {type(tensor).__module__}.{type(tensor).__qualname__}, a tensor subclass; "
            "convert it to a plain torch.Tensor first"
        )
    elif tensor.is_nested:
        problem = "it is a nested tensor; return its components (tensor.unbind()) instead"
    elif tensor.layout != torch.strided:
        problem = f"its layout is {tensor.layout} (sparse); convert it with tensor.to_dense()"
    elif tensor.is_quantized:
        problem = "it is quantized; store tensor.dequantize() (and the quantization parameters)"
    elif tensor.is_meta:
        problem = "it is on the 'meta' device and has no values"
    if problem:
        raise MaterializerError(
            f"Cannot store {what}: {problem}. zenml-airflow stores tensors with safetensors "
            "(dense, strided tensors of any dtype) and never pickles."
        )
    return tensor.detach().resolve_conj().resolve_neg().to("cpu").contiguous()


def parse_tensors(payload: bytes, where: str) -> dict[str, torch.Tensor]:
    """The tensors of the safetensors file ``payload`` (read from ``where``), on the CPU.

    Raises:
        MaterializerError: it is not a safetensors file (e.g. a pickle or a zip put in its place).
    """
    try:
        return load_safetensors(payload)
    except (SafetensorError, ValueError, RuntimeError) as error:
        raise MaterializerError(
            f"Refusing to load '{where}': it is not a safetensors file ({error}; it starts with "
            f"{payload[:8]!r}). Nothing in it was loaded or run. Re-run the step that produced it."
        ) from error


def tensors_payload(tensors: dict[str, torch.Tensor]) -> bytes:
    """``tensors`` as safetensors bytes. No safetensors metadata is written (ours lives in the
    manifest), so the same tensors always give the same bytes."""
    return bytes(save_safetensors(tensors))


class TensorMaterializer(BaseMaterializer):
    """Reads and writes ``torch.Tensor`` (and ``nn.Parameter``) as safetensors plus a manifest."""

    ASSOCIATED_TYPES = (torch.Tensor,)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)
    FILENAMES = (DEFAULT_FILENAME, MANIFEST_FILENAME)

    def handle_input(self, data_type: Any) -> torch.Tensor:
        """Load the tensor onto the CPU, with its dtype, shape and ``requires_grad``.

        Raises:
            MaterializerError: a file is missing, the tensor file is not the one written
                (digest) or not a safetensors file holding one tensor.
        """
        super().handle_input(data_type)
        manifest = read_manifest(self, FORMAT)
        payload = read_model(self, manifest)
        where = f"{self.artifact.uri}/{manifest['file']}"
        tensors = parse_tensors(payload, where)
        if set(tensors) != {TENSOR_KEY}:
            raise MaterializerError(
                f"Refusing to load '{where}': it holds the tensors {sorted(tensors)}, not the one "
                f"tensor {TENSOR_KEY!r} TensorMaterializer writes. Re-run the step that produced it."
            )
        tensor = tensors[TENSOR_KEY]
        wanted = as_class(data_type)
        if manifest.get("parameter") or (
            wanted is not None and issubclass(wanted, torch.nn.Parameter)
        ):
            return torch.nn.Parameter(tensor, requires_grad=bool(manifest.get("requires_grad")))
        if manifest.get("requires_grad") and (tensor.is_floating_point() or tensor.is_complex()):
            tensor.requires_grad_(True)
        return tensor

    def handle_return(self, data: torch.Tensor) -> None:
        """Write ``data`` as ``tensor.safetensors`` and its manifest.

        Raises:
            MaterializerError: ``data`` is sparse, quantized, nested, on the meta device or a
                tensor subclass (see :func:`writable_tensor`).
        """
        super().handle_return(data)
        tensor = writable_tensor(data, f"this {tuple(data.shape)} tensor")
        manifest = {
            "format": FORMAT,
            "torch_version": torch.__version__,
            "parameter": isinstance(data, torch.nn.Parameter),
            "requires_grad": bool(data.requires_grad),
            "device": str(data.device),
        }
        write_model(
            self.artifact.uri, DEFAULT_FILENAME, tensors_payload({TENSOR_KEY: tensor}), manifest
        )

    def extract_metadata(self, data: torch.Tensor) -> dict[str, Any]:
        """Shape, dtype, device, number of elements and ``requires_grad``."""
        return {
            "shape": list(data.shape),
            "dtype": str(data.dtype).removeprefix("torch."),
            "device": str(data.device),
            "numel": int(data.numel()),
            "requires_grad": bool(data.requires_grad),
        }


__all__ = [
    "DEFAULT_FILENAME",
    "TensorMaterializer",
    "parse_tensors",
    "tensors_payload",
    "writable_tensor",
]
