from __future__ import annotations

import pytest

from zenml_airflow.core.graph import topological_order
from zenml_airflow.exceptions import PipelineInterfaceError


def test_order_respects_dependencies_and_keeps_definition_order_for_ties() -> None:
    nodes = ["load", "b", "a", "join"]
    upstream = {"b": ["load"], "a": ["load"], "join": ["a", "b"]}
    assert topological_order(nodes, upstream) == ["load", "b", "a", "join"]


def test_a_later_defined_dependency_moves_ahead() -> None:
    assert topological_order(["x", "y"], {"x": ["y"]}) == ["y", "x"]


def test_cycle_is_reported_with_its_steps() -> None:
    with pytest.raises(
        PipelineInterfaceError, match=r"cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)"
    ):
        topological_order(["a", "b", "c", "d"], {"a": ["c"], "b": ["a"], "c": ["b"], "d": []})


def test_unknown_dependency_is_reported() -> None:
    with pytest.raises(PipelineInterfaceError, match=r"depends on 'ghost'"):
        topological_order(["a"], {"a": ["ghost"]})
