"""The PyTorch integration: tensors and modules round-trip through every kind of artifact store
as safetensors, identical values give identical bytes, a pipeline passes a trained module and is
cached on a rerun, and what cannot be stored or was changed after writing is refused without
running anything. Heavy: run by ``make test-heavy``."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from tests.integrations import torch_steps
from tests.integrations.store_artifacts import STORE_KINDS, artifact_on
from zenml_airflow.artifacts import ModelArtifact
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.model_files import MANIFEST_FILENAME, digest
from zenml_airflow.integrations.pytorch.materializers import PyTorchMaterializer, TensorMaterializer
from zenml_airflow.materializers.default_materializer_registry import (
    default_materializer_registry,
)
from zenml_airflow.repository import Repository

pytestmark = pytest.mark.heavy


def _artifact(tmp_path: Path) -> ModelArtifact:
    uri = tmp_path / uuid.uuid4().hex
    uri.mkdir()
    return ModelArtifact(uri=str(uri))


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_a_tensor_and_a_module_round_trip_on_every_store(kind: str, tmp_path: Path) -> None:
    tensor = torch.arange(12, dtype=torch.bfloat16).reshape(3, 4) / 7
    model = torch_steps.trained_net()
    x, _ = torch_steps.data(seed=1)
    with artifact_on(kind, tmp_path) as artifact:
        TensorMaterializer(artifact).handle_return(tensor)
        loaded_tensor = TensorMaterializer(artifact).handle_input(torch.Tensor)
    with artifact_on(kind, tmp_path) as artifact:
        PyTorchMaterializer(artifact).handle_return(model)
        loaded = PyTorchMaterializer(artifact).handle_input(nn.Module)
    assert loaded_tensor.dtype == torch.bfloat16 and torch.equal(loaded_tensor, tensor)
    assert type(loaded) is torch_steps.TinyNet and not loaded.training
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))
    assert loaded.tied.weight is loaded.head.weight  # the tie survives
    assert int(loaded.seen) == 60  # buffers too


@pytest.mark.parametrize(
    "dtype", [torch.float64, torch.float16, torch.int8, torch.bool, torch.uint16, torch.complex64]
)
def test_tensors_keep_dtype_shape_and_values(tmp_path: Path, dtype: torch.dtype) -> None:
    tensor = (torch.arange(24) % 5).to(dtype).reshape(2, 3, 4)[:, 1:, ::2]  # a strided view
    artifact = _artifact(tmp_path)
    TensorMaterializer(artifact).handle_return(tensor)
    loaded = TensorMaterializer(artifact).handle_input(torch.Tensor)
    assert loaded.dtype == dtype and loaded.shape == tensor.shape
    assert torch.equal(loaded, tensor)


def test_a_parameter_and_requires_grad_come_back(tmp_path: Path) -> None:
    artifact = _artifact(tmp_path)
    TensorMaterializer(artifact).handle_return(nn.Parameter(torch.ones(3)))
    loaded = TensorMaterializer(artifact).handle_input(torch.Tensor)
    assert isinstance(loaded, nn.Parameter) and loaded.requires_grad
    scalar = _artifact(tmp_path)
    TensorMaterializer(scalar).handle_return(torch.tensor(2.5))
    assert TensorMaterializer(scalar).handle_input(torch.Tensor).shape == ()


def test_the_same_values_give_the_same_bytes(tmp_path: Path) -> None:
    written = []
    for _ in range(2):
        artifact = _artifact(tmp_path)
        PyTorchMaterializer(artifact).handle_return(torch_steps.trained_net())
        written.append({p.name: p.read_bytes() for p in Path(artifact.uri).iterdir()})
    assert written[0] == written[1]
    assert set(written[0]) == {"model.safetensors", MANIFEST_FILENAME}


def test_the_manifest_records_class_arguments_ties_and_frozen_weights(tmp_path: Path) -> None:
    model = torch_steps.TinyNet(hidden=5).double()
    model.encoder.weight.requires_grad_(False)
    artifact = _artifact(tmp_path)
    PyTorchMaterializer(artifact).handle_return(model)
    manifest = json.loads((Path(artifact.uri) / MANIFEST_FILENAME).read_text())
    assert manifest["class"] == "tests.integrations.torch_steps:TinyNet"
    assert manifest["init_kwargs"] == {"features": 4, "hidden": 5, "classes": 3}
    assert manifest["aliases"] == {"tied.weight": "head.weight"}
    assert manifest["frozen"] == ["encoder.weight"]
    loaded = PyTorchMaterializer(artifact).handle_input(torch_steps.TinyNet)
    assert loaded.encoder.weight.dtype == torch.float64 and loaded.hidden == 5
    assert not loaded.encoder.weight.requires_grad and loaded.head.weight.requires_grad


def test_metadata_names_the_class_and_counts_parameters() -> None:
    model = torch_steps.TinyNet()
    model.encoder.requires_grad_(False)
    facts = PyTorchMaterializer.extract_metadata(None, model)  # type: ignore[arg-type]
    assert facts["model_class"] == "tests.integrations.torch_steps.TinyNet"
    assert facts["parameter_count"] == (4 * 8 + 8) + (8 * 3 + 3) + 3  # tied weight counted once
    assert facts["trainable_parameter_count"] == facts["parameter_count"] - 40
    assert facts["dtype"] == "float32" and facts["device"] == "cpu"
    tensor = TensorMaterializer.extract_metadata(None, torch.zeros(2, 3))  # type: ignore[arg-type]
    assert tensor == {
        "shape": [2, 3],
        "dtype": "float32",
        "device": "cpu",
        "numel": 6,
        "requires_grad": False,
    }


def _quantized() -> torch.Tensor:
    with warnings.catch_warnings():  # quantized tensors are deprecated, but still made
        warnings.simplefilter("ignore")
        return torch.quantize_per_tensor(torch.ones(2), 0.1, 0, torch.qint8)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: torch.eye(3).to_sparse(), r"layout is torch.sparse_coo \(sparse\); convert it"),
        (_quantized, r"it is quantized; store tensor.dequantize\(\)"),
        (lambda: torch.empty(2, device="meta"), "on the 'meta' device and has no values"),
    ],
)
def test_tensors_safetensors_cannot_hold_are_refused(
    tmp_path: Path, make: Callable[[], torch.Tensor], message: str
) -> None:
    with pytest.raises(MaterializerError, match=message):
        TensorMaterializer(_artifact(tmp_path)).handle_return(make())


class NeedsArguments(nn.Module):
    def __init__(self, size: int) -> None:  # `size` is not kept as an attribute
        super().__init__()
        self.layer = nn.Linear(size, 2)


class ForgetsAnArgument(nn.Module):
    def __init__(self, size: int = 2) -> None:
        super().__init__()
        self.layer = nn.Linear(size, 2)


def test_modules_that_cannot_be_rebuilt_are_refused_when_written(tmp_path: Path) -> None:
    with pytest.raises(MaterializerError, match=r"argument\(s\) size cannot be recorded"):
        PyTorchMaterializer(_artifact(tmp_path)).handle_return(NeedsArguments(3))
    with pytest.raises(MaterializerError, match=r"argument\(s\) \*args cannot be recorded"):
        PyTorchMaterializer(_artifact(tmp_path)).handle_return(nn.Sequential(nn.Linear(2, 2)))
    with pytest.raises(MaterializerError, match=r"builds a module whose weights differ.*layer"):
        PyTorchMaterializer(_artifact(tmp_path)).handle_return(ForgetsAnArgument(size=5))


def test_a_torch_layer_round_trips_with_its_arguments(tmp_path: Path) -> None:
    layer = nn.Linear(3, 2, bias=False)
    artifact = _artifact(tmp_path)
    PyTorchMaterializer(artifact).handle_return(layer)
    loaded = PyTorchMaterializer(artifact).handle_input(nn.Linear)
    assert loaded.bias is None and torch.equal(loaded.weight, layer.weight)


def _written(tmp_path: Path) -> ModelArtifact:
    artifact = _artifact(tmp_path)
    PyTorchMaterializer(artifact).handle_return(torch_steps.trained_net())
    return artifact


def _rewrite_manifest(artifact: ModelArtifact, **changes: Any) -> None:
    path = Path(artifact.uri) / MANIFEST_FILENAME
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def test_changed_weights_are_refused(tmp_path: Path) -> None:
    artifact = _written(tmp_path)
    path = Path(artifact.uri) / "model.safetensors"
    changed = bytearray(path.read_bytes())
    changed[-1] ^= 0xFF  # safetensors itself would load this silently
    path.write_bytes(bytes(changed))
    with pytest.raises(MaterializerError, match="digest differs from the manifest"):
        PyTorchMaterializer(artifact).handle_input(nn.Module)


class _Exploit:
    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, ("touch exploited",))


def test_a_pickle_in_place_of_the_weights_is_refused_without_running_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    payload = pickle.dumps(_Exploit())
    for materializer, artifact in (
        (PyTorchMaterializer, _written(tmp_path)),
        (TensorMaterializer, _artifact(tmp_path)),
    ):
        if materializer is TensorMaterializer:
            TensorMaterializer(artifact).handle_return(torch.ones(2))
        manifest = json.loads((Path(artifact.uri) / MANIFEST_FILENAME).read_text())
        (Path(artifact.uri) / manifest["file"]).write_bytes(payload)  # digest rewritten too
        _rewrite_manifest(artifact, blake3=digest(payload))
        with pytest.raises(MaterializerError, match="it is not a safetensors file"):
            materializer(artifact).handle_input(
                nn.Module if materializer is PyTorchMaterializer else torch.Tensor
            )
    assert not (tmp_path / "exploited").exists()


def test_a_manifest_naming_a_module_not_imported_is_refused_without_importing_it(
    tmp_path: Path,
) -> None:
    artifact = _written(tmp_path)
    _rewrite_manifest(artifact, **{"class": "this:Anything"})
    with pytest.raises(MaterializerError, match="module 'this' is not imported in this process"):
        PyTorchMaterializer(artifact).handle_input(nn.Module)
    assert "this" not in sys.modules  # importing it would print the Zen of Python
    _rewrite_manifest(artifact, **{"class": "os:system"})
    with pytest.raises(MaterializerError, match="os:system is not a torch.nn.Module class"):
        PyTorchMaterializer(artifact).handle_input(nn.Module)
    _rewrite_manifest(artifact, **{"class": "os.system()"})
    with pytest.raises(MaterializerError, match="it names no module class"):
        PyTorchMaterializer(artifact).handle_input(nn.Module)


def test_reading_as_another_class_and_wrong_arguments_are_refused(tmp_path: Path) -> None:
    artifact = _written(tmp_path)
    with pytest.raises(MaterializerError, match="holds a tests.integrations.torch_steps:TinyNet"):
        PyTorchMaterializer(artifact).handle_input(nn.Linear)
    _rewrite_manifest(artifact, init_kwargs={"hidden": 6})
    with pytest.raises(MaterializerError, match="size mismatch for encoder.weight"):
        PyTorchMaterializer(artifact).handle_input(nn.Module)
    _rewrite_manifest(artifact, init_kwargs={"bogus": 1})
    with pytest.raises(MaterializerError, match="its constructor failed"):
        PyTorchMaterializer(artifact).handle_input(nn.Module)


def test_the_registry_picks_the_torch_materializers() -> None:
    assert default_materializer_registry.get(torch_steps.TinyNet) is PyTorchMaterializer
    assert default_materializer_registry.get(nn.Parameter) is TensorMaterializer


def test_a_pipeline_passes_a_trained_module_and_a_rerun_is_cached() -> None:
    first = torch_steps.build().run(run_name="torch-a")
    torch_steps.build().run(run_name="torch-b")
    assert first.status is ExecutionStatus.COMPLETED
    pipeline = Repository().get_pipeline("torch_pipeline")
    assert pipeline is not None
    run_a, run_b = pipeline.get_run("torch-a"), pipeline.get_run("torch-b")
    assert run_b.get_step("trainer").is_cached
    assert run_a.get_step("evaluator").output.read() > 0.9
    trainer_a, trainer_b = run_a.get_step("trainer"), run_b.get_step("trainer")
    assert trainer_a.outputs["model"].uri == trainer_b.outputs["model"].uri
    assert isinstance(trainer_a.outputs["model"].read(), torch_steps.TinyNet)


def test_torch_is_not_imported_unless_a_step_uses_it() -> None:
    code = (
        "import sys\n"
        "import zenml_airflow\n"
        "from zenml_airflow.integrations.registry import integration_registry\n"
        "from zenml_airflow.integrations.pytorch import PytorchIntegration\n"
        "from zenml_airflow.integrations.tensorflow import TensorflowIntegration\n"
        "from zenml_airflow.materializers.default_materializer_registry import "
        "default_materializer_registry as r\n"
        "assert integration_registry.integrations['pytorch'] is PytorchIntegration\n"
        "assert integration_registry.integrations['tensorflow'] is TensorflowIntegration\n"
        "r.is_registered(int)\n"
        "heavy = ('torch', 'safetensors', 'tensorflow', 'keras', 'jax')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
