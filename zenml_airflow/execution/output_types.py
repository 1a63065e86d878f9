"""Checks a step's returned values against its return annotation before anything is stored.

A value of the wrong type must fail the step that produced it: stored and cached, it would be
blamed on the consumer, and every cache hit would hand the wrong value on again. The check is
``isinstance`` against what the annotation names, as in the seed (so subclasses pass, and
``bool`` passes as ``int``):

* ``Any`` and ``object`` accept everything; so does anything that is not a class at runtime
  (a ``TypeVar``, a ``Literal``, a string annotation, a non-runtime protocol);
* a generic alias is checked against its origin only (``list[int]`` -> ``list``): the items are
  not walked, a step may return a million of them;
* a union (``int | str``, ``Optional[int]``) accepts a value that any member accepts;
* ``None`` is accepted only where the annotation allows it (``Optional``, ``None``, ``Any``).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

from zenml_airflow.exceptions import StepInterfaceError


def _accepts(annotation: Any, value: Any) -> bool:
    """Whether ``value`` is acceptable for ``annotation`` (see the module docstring)."""
    if annotation is typing.Any or annotation is object:
        return True
    if annotation is None or annotation is type(None):
        return value is None
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _accepts(typing.get_args(annotation)[0], value)
    if origin is typing.Union or origin is types.UnionType:
        return any(_accepts(member, value) for member in typing.get_args(annotation))
    if origin is not None:
        # list[int], dict[str, int], collections.abc.Sequence[int], type[X]: the container.
        return _accepts(origin, value) if isinstance(origin, type) else True
    supertype = getattr(annotation, "__supertype__", None)  # typing.NewType
    if supertype is not None:
        return _accepts(supertype, value)
    if not isinstance(annotation, type):
        return True  # TypeVar, Literal, a string: nothing to check against at runtime
    try:
        return isinstance(value, annotation)
    except TypeError:  # a Protocol that is not runtime_checkable, and similar
        return True


def type_name(annotation: Any) -> str:
    """A short readable name for an annotation or a type: ``int``, ``list[int]``,
    ``numpy.ndarray``, ``int | None``."""
    if annotation is None or annotation is type(None):
        return "None"
    if isinstance(annotation, type) and typing.get_origin(annotation) is None:
        module = annotation.__module__
        return (
            annotation.__qualname__
            if module == "builtins"
            else f"{module}.{annotation.__qualname__}"
        )
    return repr(annotation).replace("typing.", "")


def check_output_types(
    step_name: str, annotations: Mapping[str, Any], values: Mapping[str, Any]
) -> None:
    """Raise if any returned value does not match its output's annotation.

    Raises:
        StepInterfaceError: naming the step, the output, the declared and the returned type.
    """
    for output, value in values.items():
        annotation = annotations.get(output, typing.Any)
        if _accepts(annotation, value):
            continue
        declared = type_name(annotation)
        if value is None:
            raise StepInterfaceError(
                f"Step '{step_name}' returned None for its output '{output}', which is declared "
                f"as '{declared}'. Return a {declared}, or declare the output as "
                f"'Optional[{declared}]' if None is a valid result. Nothing was stored or cached."
            )
        raise StepInterfaceError(
            f"Step '{step_name}' returned a '{type_name(type(value))}' for its output "
            f"'{output}', which is declared as '{declared}'. Return a {declared} (or a "
            "subclass), or change the step's return annotation. Nothing was stored or cached."
        )
