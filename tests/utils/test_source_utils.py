"""``import_object``: the one way to import an object by its ``module:qualname`` path."""

from __future__ import annotations

from collections import OrderedDict

import pytest

from zenml_airflow.exceptions import StackError, ZenMLAirflowError
from zenml_airflow.utils.source_utils import import_object


def test_imports_colon_and_dotted_paths_and_nested_qualnames() -> None:
    assert import_object("collections:OrderedDict") is OrderedDict
    assert import_object("collections.OrderedDict") is OrderedDict
    assert import_object("collections:OrderedDict.fromkeys") == OrderedDict.fromkeys


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("nocolon", r"Invalid import path 'nocolon': expected 'package.module:Name'"),
        (
            "no_such_module_xyz:X",
            r"Cannot import 'no_such_module_xyz' \(needed for 'no_such_module_xyz:X'\)",
        ),
        ("collections:Nope", r"Module 'collections' has no attribute 'Nope'"),
    ],
)
def test_errors_say_what_is_missing(path: str, message: str) -> None:
    with pytest.raises(ZenMLAirflowError, match=message) as info:
        import_object(path)
    assert type(info.value) is ZenMLAirflowError


def test_the_caller_chooses_the_error_class() -> None:
    with pytest.raises(StackError, match="has no attribute 'Nope'"):
        import_object("collections:Nope", error=StackError)
