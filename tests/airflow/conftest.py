"""The real local Airflow these tests use is the session fixture ``local_airflow`` of
``tests/conftest.py`` (shared with the UI plugin's browser test, so one Airflow serves both).

``from tests.airflow.conftest import local_airflow, free_port`` keeps working; the names are
resolved lazily so pytest does not register the fixture here a second time.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name in ("local_airflow", "free_port"):
        import tests.conftest

        return getattr(tests.conftest, name)
    raise AttributeError(name)
