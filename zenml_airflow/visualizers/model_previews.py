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
from zenml_airflow.visualizers.previews import Preview

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
    )
)
#: The metadata keys that name the model's class (``estimator`` is scikit-learn's).
CLASS_KEYS = ("model_class", "estimator")
#: Facts shown first, in this order, with these labels; other keys follow as recorded.
KNOWN_FACTS = {
    "fitted": "fitted",
    "parameter_count": "parameters",
    "trainable_parameter_count": "trainable parameters",
    "num_features": "features",
    "n_features_in": "features",
    "n_classes": "classes",
    "num_boosted_rounds": "boosted rounds",
    "num_trees": "trees",
    "current_iteration": "iterations",
    "best_iteration": "best iteration",
    "objective": "objective",
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
    param_items = list(params.items())
    param_rows = [(_cut(str(k)), _text(v)) for k, v in param_items[:MAX_CARD_ROWS]]
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
    if file_rows:
        html += f"<h4>Stored files ({stored:,} bytes)</h4>" + _rows(
            file_rows, ("file", "size"), len(listing)
        )
    return Preview("model", html + "</div>", summary=summary)
