"""Model summary cards, built from the facts a model materializer recorded - never from the model.

A model artifact (scikit-learn, XGBoost, LightGBM, PyTorch, Keras...) is not loaded to preview
it: loading runs the model library's deserializer inside Airflow's api-server, and for some
formats that is how untrusted code gets in. Instead the card shows what the materializer's
``extract_metadata`` recorded when the step stored the model (``ArtifactRecord.metadata``): the
model class, whether it is fitted, its parameter count, features, classes, trees or rounds,
objective, any other facts, and its hyperparameters; plus the names and sizes of its stored
files. Everything is bounded: at most :data:`MAX_CARD_ROWS` rows per table, each value cut to
:data:`MAX_VALUE_CHARS` characters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from typing import Any

from zenml_airflow.visualizers.files import ArtifactFiles
from zenml_airflow.visualizers.previews import Preview, refused

#: Rows of each table of a card (facts, hyperparameters, files).
MAX_CARD_ROWS = 100
#: Characters of one value (or key) shown.
MAX_VALUE_CHARS = 200

#: The materializers that store models, by ``module:Class``; models of other integrations are
#: recognised by the facts they record (:data:`CLASS_KEYS`).
MODEL_MATERIALIZERS = frozenset(
    f"zenml_airflow.integrations.{path}"
    for path in (
        "sklearn.materializers.sklearn_materializer:SklearnMaterializer",
        "xgboost.materializers.xgboost_booster_materializer:XgboostBoosterMaterializer",
        "xgboost.materializers.xgboost_sklearn_materializer:XgboostSklearnMaterializer",
        "lightgbm.materializers.lightgbm_booster_materializer:LightGBMBoosterMaterializer",
        "lightgbm.materializers.lightgbm_sklearn_materializer:LightGBMSklearnMaterializer",
        "pytorch.materializers.module_materializer:PyTorchMaterializer",
        "tensorflow.materializers.keras_materializer:KerasMaterializer",
    )
)
#: PyTorch's tensor materializer and the files of a PyTorch module: their safetensors headers
#: (JSON: each tensor's dtype and shape) are read, bounded, never the values.
TENSOR_MATERIALIZER = (
    "zenml_airflow.integrations.pytorch.materializers.tensor_materializer:TensorMaterializer"
)
SAFETENSORS_FILES = {
    TENSOR_MATERIALIZER: "tensor.safetensors",
    "zenml_airflow.integrations.pytorch.materializers.module_materializer:PyTorchMaterializer": (
        "model.safetensors"
    ),
}
#: The manifest the model materializers write beside the model (model_files.MANIFEST_FILENAME),
#: read (at most MAX_MANIFEST_BYTES) for the constructor arguments or parameters it records.
MANIFEST_FILENAME = "zenml_model.json"
MAX_MANIFEST_BYTES = 64 * 1024
#: Largest safetensors header read (the format itself allows 100 MB).
MAX_SAFETENSORS_HEADER = 1024 * 1024
#: The metadata keys that name the model's class (``estimator`` is scikit-learn's).
CLASS_KEYS = ("model_class", "estimator")
#: Facts shown first, in this order, with these labels; other keys follow as recorded.
KNOWN_FACTS = {
    "fitted": "fitted",
    "built": "built",
    "parameter_count": "parameters",
    "trainable_parameter_count": "trainable parameters",
    "layers": "layers",
    "input_shape": "input shape",
    "output_shape": "output shape",
    "num_features": "features",
    "n_features_in": "features",
    "n_classes": "classes",
    "num_boosted_rounds": "boosted rounds",
    "num_trees": "trees",
    "current_iteration": "iterations",
    "best_iteration": "best iteration",
    "objective": "objective",
    "dtype": "dtype",
    "device": "device",
    "training": "training mode",
}
#: Keys holding hyperparameters (a mapping of name to value).
PARAM_KEYS = ("params", "hyperparameters", "config")


def is_model(materializer: str, metadata: Mapping[str, Any]) -> bool:
    """Whether ``materializer`` stores models (a known one, or its metadata names a model class)."""
    return materializer in MODEL_MATERIALIZERS or any(
        isinstance(metadata.get(key), str) for key in CLASS_KEYS
    )


def _cut(text: str) -> str:
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."


def _text(value: Any) -> str:
    """A fact as text (at most :data:`MAX_VALUE_CHARS` characters)."""
    return _cut(_full_text(value))


def _full_text(value: Any) -> str:
    """A fact as text: numbers with thousands separators, containers as compact JSON."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str):
        return value
    try:
        # Cut before dumping too: a (tampered) huge value is never turned into huge text.
        return json.dumps(_shortened(value), separators=(", ", ": "), default=str)
    except (TypeError, ValueError):
        return str(value)


def _shortened(value: Any, depth: int = 0) -> Any:
    if depth > 3:
        return "..."
    if isinstance(value, Mapping):
        return {str(k): _shortened(v, depth + 1) for k, v in list(value.items())[:MAX_CARD_ROWS]}
    if isinstance(value, list | tuple):
        return [_shortened(v, depth + 1) for v in list(value)[:MAX_CARD_ROWS]]
    if isinstance(value, str):
        return value[:MAX_VALUE_CHARS]
    return value


def _rows(pairs: list[tuple[str, str]], header: tuple[str, str], total: int) -> str:
    body = "".join(
        f"<tr><td>{escape(_cut(k))}</td><td><code>{escape(_cut(v))}</code></td></tr>"
        for k, v in pairs
    )
    table = (
        '<div class="zen-scroll"><table class="zen-table"><thead><tr>'
        f"<th>{escape(header[0])}</th><th>{escape(header[1])}</th></tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )
    if total > len(pairs):
        table += f'<p class="zen-note">First {len(pairs)} of {total:,}.</p>'
    return table


def model_preview(files: ArtifactFiles, materializer: str, metadata: Mapping[str, Any]) -> Preview:
    """A summary card of the model in ``files`` from ``metadata`` alone (the model is not
    loaded): class, facts, hyperparameters and stored files, each table bounded."""
    writer = materializer.rpartition(":")[2] or materializer
    named = next((metadata[key] for key in CLASS_KEYS if isinstance(metadata.get(key), str)), None)
    model_class = _cut(named) if named is not None else None
    raw_facts: list[tuple[str, Any]] = []
    for key, label in KNOWN_FACTS.items():
        if key in metadata and label not in (f[0] for f in raw_facts):
            raw_facts.append((label, metadata[key]))
    params: Mapping[str, Any] = {}
    for key, value in metadata.items():
        if key in CLASS_KEYS or key in KNOWN_FACTS:
            continue
        if key in PARAM_KEYS and isinstance(value, Mapping) and not params:
            params = value
            continue
        raw_facts.append((str(key), value))
    # Only the rows shown are turned into text.
    facts = [(_cut(label), _text(value)) for label, value in raw_facts[:MAX_CARD_ROWS]]
    fact_total = len(raw_facts)
    if not params:
        params = _manifest_params(files)
    param_items = list(params.items())
    param_rows = [(_cut(str(k)), _text(v)) for k, v in param_items[:MAX_CARD_ROWS]]
    weights = _weights_rows(files, SAFETENSORS_FILES.get(materializer))
    listing = files.list()
    file_rows = [(f.name, f"{f.size:,} bytes") for f in listing[:MAX_CARD_ROWS]]
    stored = sum(f.size for f in listing)
    title = escape(model_class) if model_class else "a model"
    parameter_count = metadata.get("parameter_count")
    summary: dict[str, Any] = {
        "model_class": model_class,
        "facts": {label: value for label, value in facts},
        "hyperparameters": len(param_items),
        "files": len(listing),
        "bytes": stored,
    }
    if isinstance(parameter_count, int):
        summary["parameter_count"] = parameter_count
    html = (
        f'<div class="zen-model"><h4>Model: <code>{title}</code></h4>'
        f'<p class="zen-note">The model is not loaded to show this: these facts were recorded by '
        f"{escape(writer)} when the step stored it. Read it in Python with "
        "<code>artifact.read()</code>.</p>"
    )
    if facts:
        html += _rows(facts, ("fact", "value"), fact_total)
    elif not metadata:
        html += '<p class="zen-note">No facts were recorded for this model.</p>'
    if param_rows:
        html += "<h4>Hyperparameters</h4>" + _rows(param_rows, ("name", "value"), len(param_items))
    if weights is not None:
        rows, total = weights
        html += f"<h4>Weights ({total:,} tensors)</h4>" + _rows(
            rows, ("tensor", "dtype, shape"), total
        )
        summary["tensors"] = total
    if file_rows:
        html += f"<h4>Stored files ({stored:,} bytes)</h4>" + _rows(
            file_rows, ("file", "size"), len(listing)
        )
    return Preview("model", html + "</div>", summary=summary)


def _manifest_params(files: ArtifactFiles) -> Mapping[str, Any]:
    """The parameters (``params``) or constructor arguments (``init_kwargs``, PyTorch) recorded
    in the model's manifest, or ``{}`` when there is none, it is too large or not JSON."""
    try:
        size = files.size(MANIFEST_FILENAME)
        if size is None or size > MAX_MANIFEST_BYTES:
            return {}
        manifest = json.loads(files.read(MANIFEST_FILENAME, MAX_MANIFEST_BYTES))
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, Mapping):
        return {}
    for key in ("init_kwargs", "params"):
        if isinstance(manifest.get(key), Mapping):
            return dict(manifest[key])
    return {}


# --- safetensors headers (PyTorch) ----------------------------------------------------------------


def safetensors_header(files: ArtifactFiles, name: str) -> dict[str, Any]:
    """The JSON header of the safetensors file ``name``: ``{tensor: {dtype, shape, data_offsets}}``
    (and ``__metadata__``). Reads 8 bytes and the header, at most :data:`MAX_SAFETENSORS_HEADER`.

    Raises:
        ValueError: the file is not safetensors, or its header is over the limit.
    """
    with files.open(name) as handle:
        prefix = handle.read(8)
        if len(prefix) < 8:
            raise ValueError(f"{name} is not a safetensors file (shorter than 8 bytes)")
        length = int.from_bytes(prefix, "little")
        if length > MAX_SAFETENSORS_HEADER:
            raise ValueError(
                f"the header of {name} is {length:,} bytes, over the "
                f"{MAX_SAFETENSORS_HEADER:,}-byte limit for previews"
            )
        header = json.loads(handle.read(length))
    if not isinstance(header, dict):
        raise ValueError(f"{name} is not a safetensors file (its header is not a JSON object)")
    return header


def _tensors(header: Mapping[str, Any]) -> list[tuple[str, str, list[int]]]:
    """``(name, dtype, shape)`` of each tensor in a safetensors header, in file order."""
    found = []
    for key, entry in header.items():
        if key == "__metadata__" or not isinstance(entry, Mapping):
            continue
        shape = entry.get("shape")
        dims = [d for d in shape if isinstance(d, int)] if isinstance(shape, list) else []
        found.append((str(key), str(entry.get("dtype", "?")), dims))
    return found


def _weights_rows(
    files: ArtifactFiles, name: str | None
) -> tuple[list[tuple[str, str]], int] | None:
    """Rows ``(tensor, "dtype, shape")`` of the first tensors of a PyTorch module's weights, and
    how many there are; None without a safetensors file (or one that cannot be read)."""
    if name is None or files.size(name) is None:
        return None
    try:
        tensors = _tensors(safetensors_header(files, name))
    except (ValueError, OSError):
        return None  # the card still shows the recorded facts
    rows = [(t, f"{d}, {' × '.join(map(str, s)) or 'scalar'}") for t, d, s in tensors]
    return rows[:MAX_CARD_ROWS], len(rows)


def tensor_preview(files: ArtifactFiles, metadata: Mapping[str, Any]) -> Preview:
    """A stored ``torch.Tensor``: dtype, shape, elements and bytes from its safetensors header,
    device and ``requires_grad`` from the recorded metadata (the values are not read)."""
    name = SAFETENSORS_FILES[TENSOR_MATERIALIZER]
    if files.size(name) is None:
        return refused(f"No {name} in this artifact; it was not written by TensorMaterializer.")
    tensors = _tensors(safetensors_header(files, name))
    if len(tensors) != 1:
        return refused(
            f"Not previewed: {name} holds {len(tensors)} tensors, not the one TensorMaterializer "
            "writes; it was changed since."
        )
    _, dtype, shape = tensors[0]
    elements = 1
    for dim in shape:
        elements *= dim
    summary: dict[str, Any] = {"dtype": dtype, "shape": shape, "elements": elements}
    pairs = [
        ("dtype", dtype),
        ("shape", " × ".join(f"{d:,}" for d in shape) or "scalar"),
        ("elements", f"{elements:,}"),
        (name, f"{files.size(name):,} bytes"),
    ]
    for key in ("device", "requires_grad"):
        if key in metadata:
            summary[key] = metadata[key]
            pairs.append((key, _text(metadata[key])))
    body = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in pairs)
    note = '<p class="zen-note">The values are not read: download the file below.</p>'
    return Preview("tensor", f'<dl class="zen-props">{body}</dl>{note}', summary=summary)
