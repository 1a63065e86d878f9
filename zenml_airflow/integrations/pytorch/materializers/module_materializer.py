"""Materializer for ``torch.nn.Module``: its weights in safetensors plus a JSON manifest that says
how to rebuild it, never a pickle (the seed ``torch.save``-d the whole module).

The artifact holds ``model.safetensors`` (the module's ``state_dict``: parameters and persistent
buffers) and ``zenml_model.json``: the module's class as ``module:qualname``, the keyword
arguments its constructor is called with, tied weights (stored once, see below), frozen
parameters, train/eval mode, the torch version and the weight file's BLAKE3 digest.

How a module is rebuilt: its class is looked up by the stored path, called with the stored
keyword arguments, and the weights are loaded with ``load_state_dict(strict=True)``. The
constructor arguments are recorded from the module itself: for every parameter of the class's
``__init__`` the module's attribute of the same name is recorded when it is plain data (numbers,
strings, booleans, None, lists and dicts of them) - the common ``self.hidden = hidden``
convention. A parameter without a default that has no such attribute is refused when writing,
as is a module that the recorded arguments do not rebuild with the same weights' names and
shapes (checked at write time on the ``meta`` device, which allocates nothing). So a class
constructible without arguments always works; ``nn.Sequential`` (its layers are positional
arguments) is refused: wrap it in a class of your own.

Safety: the weights are parsed by safetensors (a header plus raw bytes, no code) after their
BLAKE3 digest is checked against the manifest. The class named in the manifest is taken only from a
module that is already imported in the reading process (the step's own code imports it) or is
the step's input annotation, and must be a ``torch.nn.Module`` subclass of that annotation:
reading an artifact never imports a module named in a file.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections import Counter
from typing import Any

import torch
from torch import nn

from zenml_airflow.artifacts.base_artifact import ModelArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.integrations.model_files import (
    MANIFEST_FILENAME,
    jsonable,
    read_manifest,
    read_model,
    write_model,
)
from zenml_airflow.integrations.pytorch.materializers.tensor_materializer import (
    parse_tensors,
    tensors_payload,
    writable_tensor,
)
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.default_materializer_registry import as_class
from zenml_airflow.utils.source_utils import object_path, type_path

DEFAULT_FILENAME = "model.safetensors"
FORMAT = "torch.nn.Module/safetensors"
_CLASS_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def init_kwargs(module: nn.Module) -> dict[str, Any]:
    """The keyword arguments that rebuild ``module``'s class, read off its attributes.

    Raises:
        MaterializerError: a constructor parameter without a default has no attribute of the
            same name holding plain data, or the constructor takes ``*args``.
    """
    cls = type(module)
    try:
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    except (TypeError, ValueError):  # a constructor without a signature: call it bare
        return {}
    kwargs: dict[str, Any] = {}
    missing: list[str] = []
    for parameter in parameters:
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            continue
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            missing.append(f"*{parameter.name}")
            continue
        value = getattr(module, parameter.name, None) if hasattr(module, parameter.name) else ...
        if value is not ... and jsonable(value) and parameter.kind is not parameter.POSITIONAL_ONLY:
            kwargs[parameter.name] = value
        elif parameter.default is inspect.Parameter.empty:
            missing.append(parameter.name)
    if missing:
        raise MaterializerError(
            f"Cannot store this {type_path(cls)}: its constructor argument(s) "
            f"{', '.join(missing)} cannot be recorded. zenml-airflow stores a module as its "
            "weights plus its class and constructor arguments (never a pickle), and reads each "
            "argument from the module's attribute of the same name when it is plain data. Keep "
            "them as attributes (self.hidden = hidden), give them defaults, or wrap the module "
            "(e.g. an nn.Sequential) in a class constructible without arguments."
        )
    return kwargs


def _check_rebuilds(cls: type[nn.Module], kwargs: dict[str, Any], state: dict[str, Any]) -> None:
    """Raise unless ``cls(**kwargs)`` has the weights' names and shapes (built on ``meta``)."""
    what = f"{type_path(cls)}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
    try:
        with torch.device("meta"):
            probe = cls(**kwargs)
    except Exception as error:  # the user's constructor may raise anything
        raise MaterializerError(
            f"Cannot store this {type_path(cls)}: {what} fails ({type(error).__name__}: "
            f"{error}), so it could not be rebuilt when read. Make its constructor work with "
            "the arguments kept as attributes of the same name."
        ) from error
    expected = {name: tuple(value.shape) for name, value in probe.state_dict().items()}
    actual = {name: tuple(value.shape) for name, value in state.items()}
    if expected != actual:
        differing = sorted(set(expected) ^ set(actual)) or sorted(
            name for name in actual if expected[name] != actual[name]
        )
        raise MaterializerError(
            f"Cannot store this {type_path(cls)}: {what} builds a module whose weights differ "
            f"from this one's ({', '.join(differing[:5])}), so it could not be rebuilt when "
            "read. Keep every constructor argument as an attribute of the same name "
            "(self.hidden = hidden) so zenml-airflow can record it."
        )


def _dedupe(state: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """The tensors safetensors will write, and tied names -> the name stored for them.

    safetensors refuses tensors that share memory: a tied weight (the same tensor under two
    names) is written once, other tensors sharing memory (views) are copied.
    """
    kept: dict[str, torch.Tensor] = {}
    aliases: dict[str, str] = {}
    seen: dict[tuple[Any, ...], str] = {}
    storages: set[int] = set()
    for name in sorted(state):
        tensor = state[name]
        if tensor.numel() == 0:
            kept[name] = tensor.clone()
            continue
        pointer = tensor.untyped_storage().data_ptr()
        key = (pointer, tensor.storage_offset(), tuple(tensor.shape), tensor.stride(), tensor.dtype)
        if key in seen:
            aliases[name] = seen[key]
            continue
        seen[key] = name
        kept[name] = tensor.clone() if pointer in storages else tensor
        storages.add(pointer)
    return kept, aliases


def resolve_class(path: Any, data_type: Any, where: str) -> type[nn.Module]:
    """The module class stored as ``path``, taken from an already imported module only.

    Raises:
        MaterializerError: the path is malformed, its module is not imported in this process,
            or it is not an ``nn.Module`` subclass of ``data_type``.
    """
    wanted = as_class(data_type) or nn.Module
    if not isinstance(path, str) or not _CLASS_PATH.match(path):
        raise MaterializerError(
            f"Refusing to load '{where}': it names no module class ({path!r}); the artifact was "
            "not written by zenml-airflow. Re-run the step that produced it."
        )
    if path == object_path(wanted):
        return wanted
    module_name, _, qualname = path.partition(":")
    found: Any = sys.modules.get(module_name)
    if found is None:
        raise MaterializerError(
            f"Cannot load '{where}': it holds a {path}, and module {module_name!r} is not "
            "imported in this process. zenml-airflow never imports a module named in an "
            f"artifact: import {module_name} in the step's module (or annotate the input with "
            "the model's class) before reading it."
        )
    for part in qualname.split("."):
        found = getattr(found, part, None)
    if not (inspect.isclass(found) and issubclass(found, nn.Module)):
        raise MaterializerError(
            f"Refusing to load '{where}': {path} is not a torch.nn.Module class in this "
            "process; nothing was constructed."
        )
    if not issubclass(found, wanted):
        raise MaterializerError(
            f"'{where}' holds a {path}, not a {type_path(wanted)}: fix the step's input annotation."
        )
    return found


class PyTorchMaterializer(BaseMaterializer):
    """Reads and writes ``torch.nn.Module`` as safetensors weights plus a rebuild manifest."""

    ASSOCIATED_TYPES = (nn.Module,)
    ASSOCIATED_ARTIFACT_TYPES = (ModelArtifact,)
    FILENAMES = (DEFAULT_FILENAME, MANIFEST_FILENAME)

    def handle_input(self, data_type: Any) -> nn.Module:
        """Rebuild the module from its class and arguments and load its weights (on the CPU).

        Raises:
            MaterializerError: a file is missing or is not what was written, the class cannot
                be taken (see :func:`resolve_class`), or the weights do not fit the rebuilt
                module.
        """
        super().handle_input(data_type)
        manifest = read_manifest(self, FORMAT)
        where = f"{self.artifact.uri}/{MANIFEST_FILENAME}"
        kwargs, aliases = manifest.get("init_kwargs"), manifest.get("aliases")
        frozen = manifest.get("frozen")
        if not (
            isinstance(kwargs, dict) and isinstance(aliases, dict) and isinstance(frozen, list)
        ):
            raise MaterializerError(
                f"Refusing to load '{where}': it lacks the module's constructor arguments, tied "
                "weights or frozen parameters. Re-run the step that produced it."
            )
        cls = resolve_class(manifest.get("class"), data_type, where)
        payload = read_model(self, manifest)
        state = parse_tensors(payload, f"{self.artifact.uri}/{manifest['file']}")
        for alias, name in aliases.items():
            if name not in state:
                raise MaterializerError(
                    f"Refusing to load '{where}': {alias} is tied to a missing {name}."
                )
            state[alias] = state[name]
        try:
            module = cls(**kwargs)
        except Exception as error:  # the user's constructor may raise anything
            raise MaterializerError(
                f"Cannot rebuild the {manifest['class']} in '{self.artifact.uri}': its "
                f"constructor failed with {kwargs} ({type(error).__name__}: {error})."
            ) from error
        current = module.state_dict(keep_vars=True)
        for name, tensor in current.items():
            stored = state.get(name)
            if stored is not None and tensor.dtype != stored.dtype:
                tensor.data = torch.empty_like(tensor.data, dtype=stored.dtype)  # keep its dtype
        try:
            module.load_state_dict(state, strict=True)
        except RuntimeError as error:
            raise MaterializerError(
                f"Cannot load the weights in '{self.artifact.uri}' into a rebuilt "
                f"{manifest['class']}: {error}"
            ) from error
        parameters = dict(module.named_parameters(remove_duplicate=False))
        for name in frozen:
            if name in parameters:
                parameters[name].requires_grad_(False)
        module.train(bool(manifest.get("training", False)))
        return module

    def handle_return(self, data: nn.Module) -> None:
        """Write the weights as ``model.safetensors`` and the rebuild manifest.

        Raises:
            MaterializerError: the constructor arguments cannot be recorded or do not rebuild
                the module, or a weight is not a tensor safetensors can hold.
        """
        super().handle_return(data)
        cls = type(data)
        state: dict[str, torch.Tensor] = {}
        for name, value in data.state_dict().items():
            if not isinstance(value, torch.Tensor):
                raise MaterializerError(
                    f"Cannot store this {type_path(cls)}: its state entry {name!r} is a "
                    f"{type(value).__name__} (extra state), not a tensor; only tensors are "
                    "stored (never pickled)."
                )
            state[name] = writable_tensor(value, f"the weight {name!r} of this {type_path(cls)}")
        kwargs = init_kwargs(data)
        _check_rebuilds(cls, kwargs, state)
        tensors, aliases = _dedupe(state)
        manifest = {
            "format": FORMAT,
            "torch_version": torch.__version__,
            "class": object_path(cls),
            "init_kwargs": kwargs,
            "aliases": aliases,
            "frozen": sorted(
                name
                for name, p in data.named_parameters(remove_duplicate=False)
                if not p.requires_grad
            ),
            "training": data.training,
        }
        write_model(self.artifact.uri, DEFAULT_FILENAME, tensors_payload(tensors), manifest)

    def extract_metadata(self, data: nn.Module) -> dict[str, Any]:
        """Model class, parameter counts (all and trainable), dtype, device and mode."""
        parameters = list(data.parameters())
        dtypes = Counter(str(p.dtype).removeprefix("torch.") for p in parameters)
        devices = sorted({str(p.device) for p in parameters})
        facts: dict[str, Any] = {
            "model_class": type_path(type(data)),
            "parameter_count": sum(p.numel() for p in parameters),
            "trainable_parameter_count": sum(p.numel() for p in parameters if p.requires_grad),
            "training": data.training,
        }
        if dtypes:
            facts["dtype"] = dtypes.most_common(1)[0][0]
        if devices:
            facts["device"] = devices[0] if len(devices) == 1 else devices
        return facts


__all__ = ["DEFAULT_FILENAME", "PyTorchMaterializer", "init_kwargs", "resolve_class"]
