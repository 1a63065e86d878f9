"""A step's returned values are checked against its return annotation before anything is stored
(issue 14, bug 3): a wrong type fails the producing step, caches nothing, registers nothing."""

from __future__ import annotations

import collections.abc
import os
import typing
from pathlib import Path
from typing import Any, NewType, Optional, Union

import numpy as np
import pandas as pd
import pytest

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.exceptions import StepInterfaceError
from zenml_airflow.execution.output_types import check_output_types
from zenml_airflow.pipelines import pipeline
from zenml_airflow.post_execution import PipelineView
from zenml_airflow.repository import Repository
from zenml_airflow.steps import Output, step

CALLS: list[str] = []
UserId = NewType("UserId", int)
T = typing.TypeVar("T")


class Base:
    pass


class Child(Base):
    pass


@step
def produce() -> int:
    """Returns what ZENML_TEST_PRODUCE says: a str (the bug) or an int (the fix)."""
    CALLS.append("produce")
    raw = os.environ["ZENML_TEST_PRODUCE"]
    return raw if raw.startswith("text") else int(raw)  # type: ignore[return-value]


@step
def consume(value: int) -> int:
    CALLS.append("consume")
    return value + 1


@pipeline
def typed_pipeline(produce: Any, consume: Any) -> None:
    consume(value=produce())


@step
def pair() -> Output(count=int, label=str):  # type: ignore[valid-type]
    return 3, 4


@step
def nothing_for_int() -> int:
    return None  # type: ignore[return-value]


@pipeline
def one_step(only: Any) -> None:
    only()


@pytest.fixture(autouse=True)
def _reset(monkeypatch: pytest.MonkeyPatch) -> None:
    CALLS.clear()


def _pipeline(name: str) -> PipelineView:
    view = Repository().get_pipeline(name)
    assert view is not None, name
    return view


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_a_wrong_return_type_fails_the_producer_and_caches_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = Path(Repository().active_stack.artifact_store.path)
    before = _files(root)
    monkeypatch.setenv("ZENML_TEST_PRODUCE", "text-41")
    with pytest.raises(
        StepInterfaceError,
        match=r"Step 'produce' returned a 'str' for its output 'output', which is declared as 'int'",
    ):
        typed_pipeline(produce=produce(), consume=consume()).run(run_name="wrong")
    assert CALLS == ["produce"], "the consumer must never run"
    run = _pipeline("typed_pipeline").get_run("wrong")
    assert run.status is ExecutionStatus.FAILED
    assert run.get_step_names() == ["produce"]
    failed = run.get_step("produce")
    assert failed.status is ExecutionStatus.FAILED and failed.outputs == {}
    assert "declared as 'int'" in (failed.error or "")
    assert _files(root) == before, "nothing of the wrong value may be written"

    # The fixed step (same source, so the same cache key) must run: no cache entry was written.
    CALLS.clear()
    monkeypatch.setenv("ZENML_TEST_PRODUCE", "41")
    fixed = typed_pipeline(produce=produce(), consume=consume()).run(run_name="fixed")
    assert CALLS == ["produce", "consume"]
    assert fixed.status is ExecutionStatus.COMPLETED
    assert not fixed.get_step("produce").is_cached
    assert fixed.get_step("consume").output.read() == 42


def test_a_wrong_type_in_a_multi_output_step_names_that_output() -> None:
    with pytest.raises(
        StepInterfaceError,
        match=r"Step 'only' returned a 'int' for its output 'label', which is declared as 'str'",
    ):
        one_step(only=pair()).run()


def test_none_for_a_non_optional_output_is_refused() -> None:
    with pytest.raises(
        StepInterfaceError,
        match=r"Step 'only' returned None for its output 'output', which is declared as 'int'.*"
        r"Optional\[int\]",
    ):
        one_step(only=nothing_for_int()).run(run_name="none")
    step_view = _pipeline("one_step").get_run("none").get_step("only")
    assert step_view.status is ExecutionStatus.FAILED and step_view.outputs == {}


@pytest.mark.parametrize(
    ("annotation", "value"),
    [
        (int, 3),
        (int, True),  # isinstance semantics, as in the seed: bool is an int
        (float, np.float64(1.5)),  # numpy's float64 subclasses float
        (Base, Child()),
        (list[int], [1, 2]),
        (list[int], ["not checked item by item"]),
        (dict[str, int], {"a": 1}),
        (collections.abc.Sequence[int], (1, 2)),
        (Optional[int], None),  # noqa: UP045 - the typing form users write
        (Optional[int], 4),  # noqa: UP045
        (Union[int, str], "x"),  # noqa: UP007
        (int | None, None),
        (Any, object()),
        (object, "anything"),
        (None, None),
        (np.ndarray, np.zeros(2)),
        (pd.DataFrame, pd.DataFrame({"a": [1]})),
        (typing.Annotated[int, "meta"], 1),
        (UserId, UserId(5)),
        (T, "a TypeVar is not checked"),
        (typing.Literal["a"], "b"),
        ("int", "a string annotation is not checked"),
    ],
)
def test_accepted_values(annotation: Any, value: Any) -> None:
    check_output_types("s", {"out": annotation}, {"out": value})


@pytest.mark.parametrize(
    ("annotation", "value", "declared", "returned"),
    [
        (int, "1", "int", "str"),
        (float, 1, "float", "int"),
        (Child, Base(), "Child", "Base"),
        (list[int], (1,), "list[int]", "tuple"),
        (Optional[int], "1", "Optional[int]", "str"),  # noqa: UP045
        (int | str, 1.0, "int | str", "float"),
        (np.ndarray, [1, 2], "numpy.ndarray", "list"),
        (pd.DataFrame, {"a": [1]}, "DataFrame", "dict"),
        (UserId, "5", "UserId", "str"),
    ],
)
def test_refused_values(annotation: Any, value: Any, declared: str, returned: str) -> None:
    with pytest.raises(StepInterfaceError) as info:
        check_output_types("s", {"out": annotation}, {"out": value})
    message = str(info.value)
    assert "Step 's'" in message and "output 'out'" in message
    # Classes outside builtins are named with their module: the last part is the class.
    assert message.split("declared as '")[1].split("'")[0].endswith(declared), message
    assert message.split("returned a '")[1].split("'")[0].endswith(returned), message


def test_none_is_refused_for_a_class() -> None:
    with pytest.raises(StepInterfaceError, match=r"returned None for its output 'out'.*'str'"):
        check_output_types("s", {"out": str}, {"out": None})
