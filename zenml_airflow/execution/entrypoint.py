"""The step entrypoint: runs the body of one started step run, in whatever process a step operator
starts (another interpreter, a container, a pod). Needs no Airflow.

Usage::

    python -m zenml_airflow.execution.entrypoint --launch FILE [--result FILE] [--map-root OLD=NEW]
    python -m zenml_airflow.execution.entrypoint --launch-json TEXT ...

``FILE``/``TEXT`` is a :class:`~zenml_airflow.execution.launch.StepLaunch` document (the compiled
spec, the effective step spec, the run and step run ids, the try number, the cache key and input
artifact ids resolved by the orchestrator side). The entrypoint rebuilds the stack from the
spec's snapshot, runs the body through the same step executor and finishes the step run. Its
result is written to ``--result`` (if given) and printed as the last stdout line, prefixed with
:data:`~zenml_airflow.execution.launch.RESULT_PREFIX`. Exit status 0 on success, 1 when the step
failed (the result carries the error and its traceback), 2 for a bad command line.

Source roots in the spec are absolute paths of the compiling machine (ADR 0008). ``--map-root
OLD=NEW`` (repeatable) or ``ZENML_AIRFLOW_SOURCE_ROOT_MAP="OLD=NEW[;OLD=NEW...]"`` rewrites a
root's prefix, for code mounted elsewhere (e.g. in a container).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from zenml_airflow.execution.launch import RESULT_PREFIX

#: Environment variable with ``OLD=NEW`` source root rewrites separated by ``;``.
SOURCE_ROOT_MAP_ENV = "ZENML_AIRFLOW_SOURCE_ROOT_MAP"


def parse_root_map(entries: Sequence[str]) -> dict[str, str]:
    """``["OLD=NEW", ...]`` as a mapping (empty entries are skipped).

    Raises:
        ValueError: an entry without ``=`` or with an empty side.
    """
    mapping: dict[str, str] = {}
    for entry in entries:
        if not entry.strip():
            continue
        old, sep, new = entry.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise ValueError(
                f"Source root mapping {entry!r} is not OLD=NEW (e.g. /home/me/project=/app)."
            )
        mapping[old.strip().rstrip("/") or "/"] = new.strip().rstrip("/") or "/"
    return mapping


def map_root(root: str, mapping: Mapping[str, str]) -> str:
    """``root`` with its longest mapped prefix rewritten (whole path components only)."""
    for old in sorted(mapping, key=len, reverse=True):
        if root == old:
            return mapping[old]
        prefix = old if old.endswith("/") else old + "/"
        if root.startswith(prefix):
            return mapping[old].rstrip("/") + "/" + root[len(prefix) :]
    return root


def add_source_roots(roots: Sequence[str], mapping: Mapping[str, str] | None = None) -> list[str]:
    """Put the (mapped) source roots first on ``sys.path`` and stop module-level ``p.run()``
    in the user's modules (ADR 0008). Returns the roots as put on the path."""
    from zenml_airflow.core.pipeline import PREVENT_EXECUTION_ENV

    os.environ[PREVENT_EXECUTION_ENV] = "1"
    mapped = [map_root(root, mapping or {}) for root in roots]
    for root in reversed(mapped):
        if root not in sys.path:
            sys.path.insert(0, root)
    return mapped


def run_launch(launch_text: str, root_map: Mapping[str, str]) -> dict[str, Any]:
    """Run the launch document's step body; return the result (raises on failure)."""
    from zenml_airflow.core.integrations import check_integrations
    from zenml_airflow.execution.executor import StepExecutor
    from zenml_airflow.execution.launch import StepLaunch
    from zenml_airflow.stack.snapshot import stack_from_snapshot

    launch = StepLaunch.from_json(launch_text)
    spec = launch.spec
    if spec.required_integrations:
        check_integrations(spec.required_integrations, pipeline_name=spec.name)
    add_source_roots(spec.source_roots, root_map)
    stack = stack_from_snapshot(spec.stack)
    stack.resolve_secrets()
    result = StepExecutor(stack).execute_started(launch)
    return {
        "status": result.status.value,
        "step": result.step_name,
        "step_run_id": result.step_run_id,
        "outputs": {name: record.uri for name, record in result.outputs.items()},
    }


def _failure(error: BaseException) -> dict[str, Any]:
    from zenml_airflow.exceptions import ZenMLAirflowError

    message = (
        str(error) if isinstance(error, ZenMLAirflowError) else f"{type(error).__name__}: {error}"
    )
    return {
        "status": "failed",
        "error": message,
        "error_type": type(error).__name__,
        "traceback": "".join(traceback.format_exception(error)),
    }


def main(argv: Sequence[str] | None = None) -> int:
    import argparse  # only the launched process parses a command line

    parser = argparse.ArgumentParser(
        prog="python -m zenml_airflow.execution.entrypoint",
        description="Run the body of one started zenml-airflow step run (no Airflow needed).",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--launch", type=Path, help="a step launch document (JSON file)")
    source.add_argument("--launch-json", help="a step launch document as text")
    parser.add_argument("--result", type=Path, help="write the result JSON to this file")
    parser.add_argument(
        "--map-root",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help=f"rewrite a source root prefix (also {SOURCE_ROOT_MAP_ENV}, ';'-separated)",
    )
    args = parser.parse_args(argv)
    try:
        root_map = parse_root_map(
            [*os.environ.get(SOURCE_ROOT_MAP_ENV, "").split(";"), *args.map_root]
        )
    except ValueError as error:
        parser.error(str(error))
    try:
        text = args.launch_json if args.launch is None else args.launch.read_text("utf-8")
        result = run_launch(text, root_map)
        code = 0
    except Exception as error:
        result = _failure(error)
        code = 1
    line = json.dumps(result, sort_keys=True)
    if args.result is not None:
        # Written whole, then renamed: the waiting side never reads half a result.
        partial = args.result.with_name(args.result.name + ".partial")
        partial.write_text(line, encoding="utf-8")
        partial.replace(args.result)
    sys.stdout.flush()
    print(RESULT_PREFIX + line, flush=True)
    return code


if __name__ == "__main__":  # pragma: no cover - exercised in subprocesses by the tests
    sys.exit(main())
