"""The secrets manager contract, against the local and aws (moto server over HTTP) managers.

The airflow manager runs the same contract inside a real Airflow task
(tests/airflow/test_secrets_e2e.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.secrets.secrets_pipeline import CONTRACT


@pytest.mark.parametrize(
    "check", CONTRACT, ids=[c.__name__.removeprefix("check_") for c in CONTRACT]
)
def test_contract(manager: Any, check: Callable[[Any], None]) -> None:
    check(manager)


def test_secrets_manager_component_delegates_to_its_implementation(manager: Any) -> None:
    from zenml_airflow.secrets import BaseSecretsManager

    implementation = manager.open_manager()
    assert isinstance(implementation, BaseSecretsManager)
    assert manager.open_manager() is implementation, "built once, then cached"


def test_every_value_read_goes_through_the_value_hook(manager: Any) -> None:
    from zenml_airflow.secrets import build_secret

    seen: list[Any] = []
    manager.register_secret(build_secret("hooked", None, {"a": "value-one", "b": "value-two"}))
    manager.set_value_hook(seen.append)
    manager.get_secret("hooked")
    assert sorted(seen) == ["value-one", "value-two"]
    manager.delete_all_secrets(force=True)
