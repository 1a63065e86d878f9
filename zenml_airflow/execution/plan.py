"""Old home of the spec building, kept importable while its callers move (issue 15, item 2).

Building a spec is compile-time work and lives in :mod:`zenml_airflow.compiler.plan`; the code
hashes both sides need live in :mod:`zenml_airflow.execution.code_hashes`. Nothing new should
import this module.
"""

from __future__ import annotations

from typing import Any

# Temporary: executor.py imports live_code_hashes from here; it should import it from
# zenml_airflow.execution.code_hashes, after which these names go.
from zenml_airflow.execution.code_hashes import (
    live_code_hashes,
    materializer_hash,
    step_source_hash,
)

# Temporary: tests outside the compiler's suite import these from here. Resolved on first use -
# an upward import the layer contract allows only for this module (pyproject.toml) until they
# import zenml_airflow.compiler.plan.
_MOVED_TO_COMPILER = frozenset(
    {
        "LivePlan",
        "build_plan",
        "effective_step_cache",
        "resolve_output_materializer",
        "type_for_registry",
    }
)


def __getattr__(name: str) -> Any:
    if name in _MOVED_TO_COMPILER:
        from zenml_airflow.compiler import plan

        return getattr(plan, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["live_code_hashes", "materializer_hash", "step_source_hash"]
