from __future__ import annotations

from typing import Any

from zenml_airflow.execution.cache_key import compute_cache_key

BASE: dict[str, Any] = dict(
    pipeline_name="p",
    step_name="s",
    source_hash="src",
    parameters={"a": 1, "b": [1, 2]},
    materializer_hashes={"output": "m1"},
    input_content_hashes={"x": "h1", "y": "h2"},
    step_operator=None,
)


def test_same_inputs_give_the_same_key_regardless_of_mapping_order() -> None:
    reordered = dict(
        BASE, parameters={"b": [1, 2], "a": 1}, input_content_hashes={"y": "h2", "x": "h1"}
    )
    assert compute_cache_key(**BASE) == compute_cache_key(**reordered)
    assert len(compute_cache_key(**BASE)) == 64


def test_every_component_changes_the_key() -> None:
    key = compute_cache_key(**BASE)
    changes = {
        "pipeline_name": "q",
        "step_name": "t",
        "source_hash": "src2",
        "parameters": {"a": 2, "b": [1, 2]},
        "materializer_hashes": {"output": "m2"},
        "input_content_hashes": {"x": "h1", "y": "other"},
        "step_operator": "docker",
    }
    for field, value in changes.items():
        assert compute_cache_key(**dict(BASE, **{field: value})) != key, field


def test_input_names_matter_not_just_hashes() -> None:
    swapped = dict(BASE, input_content_hashes={"x": "h2", "y": "h1"})
    assert compute_cache_key(**swapped) != compute_cache_key(**BASE)
