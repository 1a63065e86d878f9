"""Compile a pipeline into one static, readable Airflow DAG file.

The file holds the pipeline spec as a Python literal and one call into ``zenml_airflow.runtime``.
Parsing it imports ``airflow.sdk``, the standard provider's ``PythonOperator`` and that small runtime
module - never the user's code, numpy, pandas or the metadata store. Compiling the same pipeline
twice gives the same bytes; the file is written atomically so Airflow never parses half of it.

    from zenml_airflow.compiler import compile_pipeline
    path = compile_pipeline(training(importer=importer(), trainer=trainer()), "dags/")
"""

from __future__ import annotations

import os
import pprint
import re
import shlex
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import zenml_airflow
from zenml_airflow.compiler.image import (
    ImagePolicy,
    needs_pipeline_image,
    pipeline_image,
)
from zenml_airflow.compiler.plan import LivePlan, build_plan
from zenml_airflow.compiler.schedule import to_schedule_spec
from zenml_airflow.core.pipeline import BasePipeline
from zenml_airflow.core.schedule import Schedule
from zenml_airflow.core.spec import PipelineSpec
from zenml_airflow.core.spec_format import SPEC_VARIABLE, spec_checksum, spec_literal
from zenml_airflow.exceptions import PipelineConfigurationError
from zenml_airflow.logger import get_logger
from zenml_airflow.secrets.references import plain_secrets, plain_secrets_advice
from zenml_airflow.stack.components.step_operator import check_step_operator_names
from zenml_airflow.stack.snapshot import snapshot_stack

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.stack.stack import Stack

DAG_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,250}$")


def _library_paths() -> set[Path]:
    paths = {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    return {Path(p).resolve() for p in paths}


def _module_root(module_name: str) -> Path | None:
    """The sys.path entry from which ``module_name`` was imported, unless it is an installed library."""
    if module_name.split(".")[0] == "zenml_airflow":
        return None  # installed wherever the DAG runs (its runtime is imported by the DAG file)
    module = sys.modules.get(module_name)
    file = getattr(module, "__file__", None)
    if not file:
        return None
    path = Path(file).resolve()
    depth = module_name.count(".") + (1 if path.name == "__init__.py" else 0)
    root = path.parents[depth]
    libraries = _library_paths()
    if any(root == lib or lib in root.parents for lib in libraries):
        return None
    return root


def _importable(path: str) -> tuple[str, Path | None]:
    """Make a ``module:qualname`` importable from a fresh process; return it and its source root.

    Code defined in a script (``__main__``) is addressed by the script's file name, imported from the
    script's directory (its top-level ``p.run()`` is a no-op there, see ADR 0008).
    """
    module_name, _, qualname = path.partition(":")
    if module_name == "__main__":
        main_file = getattr(sys.modules["__main__"], "__file__", None)
        if not main_file:
            raise PipelineConfigurationError(
                f"'{qualname}' is defined in an interactive session; move it into a module file so "
                "Airflow workers can import it."
            )
        main_path = Path(main_file).resolve()
        return f"{main_path.stem}:{qualname}", main_path.parent
    return path, _module_root(module_name)


def make_portable(spec: PipelineSpec) -> PipelineSpec:
    """Rewrite import paths so worker processes can import every step and materializer."""
    roots: list[str] = list(spec.source_roots)

    def portable(path: str) -> str:
        new_path, root = _importable(path)
        if root is not None and str(root) not in roots:
            roots.append(str(root))
        return new_path

    steps = []
    for step in spec.steps:
        outputs = {
            name: output.model_copy(update={"materializer": portable(output.materializer)})
            for name, output in step.outputs.items()
        }
        steps.append(
            step.model_copy(update={"entrypoint": portable(step.entrypoint), "outputs": outputs})
        )
    return spec.model_copy(update={"steps": steps, "source_roots": roots})


logger = get_logger(__name__)


def stack_plain_secrets(stack: Stack) -> list[str]:
    """The plain-text secret values of ``stack``'s components (a compiled spec embeds them)."""
    return plain_secrets(stack.components.values())


def plain_secrets_warning(stack: Stack, found: list[str]) -> str:
    return plain_secrets_advice(
        found,
        f"Stack '{stack.name}' is compiled into the DAG file (readable by whoever can read the dags folder) and",
    )


def check_dag_id(dag_id: str) -> str:
    if not DAG_ID_PATTERN.match(dag_id):
        raise PipelineConfigurationError(
            f"DAG id {dag_id!r} is not valid for Airflow: use letters, digits, '_', '-' and '.' only "
            "(at most 250 characters)."
        )
    return dag_id


def build_spec(
    pipeline: BasePipeline,
    *,
    stack: Stack,
    schedule: Schedule | None = None,
    dag_id: str | None = None,
    source: str | None = None,
    enable_cache: bool | None = None,
    images: ImagePolicy = "build",
) -> tuple[PipelineSpec, LivePlan]:
    """The complete, portable spec a DAG file embeds (and the live plan it came from).

    Warns when the stack has plain-text secret values: the spec carries them into the DAG file.
    When a step runs in the stack's docker/kubernetes step operator without a fixed image, the
    pipeline image is built (``images="build"``) or required to exist (``"require"``, for
    ``--no-build``), pushed, and recorded in the spec; ``"skip"`` records none (a DAG built
    while Airflow parses a file must not build images).
    """
    found = stack_plain_secrets(stack)
    if found:
        logger.warning(plain_secrets_warning(stack, found))
    plan = build_plan(pipeline, enable_cache=enable_cache)
    # A task would fail on it at run time; say so at compile time (ADR 0018).
    check_step_operator_names(
        stack,
        {step.name: step.step_operator for step in plan.spec.steps if step.step_operator},
        pipeline_name=pipeline.name,
    )
    spec = make_portable(plan.spec).model_copy(
        update={
            "dag_id": check_dag_id(dag_id if dag_id is not None else pipeline.name),
            "source": source,
            "stack": snapshot_stack(stack),
            "schedule": to_schedule_spec(schedule) if schedule is not None else None,
            "zenml_version": zenml_airflow.__version__,
        }
    )
    if images != "skip" and needs_pipeline_image(spec, stack):
        spec = spec.model_copy(update={"image": pipeline_image(spec, stack, policy=images)})
    # Round trip now, so a spec that cannot cross the process boundary fails here, not in Airflow.
    PipelineSpec.from_json(spec.to_json())
    return spec, plan


def recompile_command(spec: PipelineSpec, verb: str = "compile") -> str:
    """The ``zenml-airflow pipeline compile|deploy`` command that writes this spec's file again."""
    assert spec.source is not None
    words = ["zenml-airflow", "pipeline", verb, spec.source]
    if spec.dag_id is not None and spec.dag_id != spec.name:
        words += ["--dag-id", spec.dag_id]
    schedule = spec.schedule
    if schedule is not None:
        if schedule.cron_expression is not None:
            words += ["--cron", schedule.cron_expression]
        if schedule.interval_seconds is not None:
            words += ["--interval-seconds", f"{schedule.interval_seconds:g}"]
        for flag, value in (
            ("--start-time", schedule.start_time),
            ("--end-time", schedule.end_time),
        ):
            if value is not None:
                words += [flag, value]
        if schedule.catchup:
            words.append("--catchup")
        if schedule.timezone != "UTC":
            words += ["--timezone", schedule.timezone]
    return shlex.join(words)


def render_dag_file(spec: PipelineSpec, *, recompile: str = "compile") -> str:
    """The DAG file's text: deterministic for a given spec.

    ``recompile`` is the CLI verb the header tells a reader to run again: ``deploy`` for files
    written into a dags folder by ``p.run()`` or ``pipeline deploy``.
    """
    data = spec.model_dump(mode="json")
    literal = pprint.pformat(data, indent=1, width=100, sort_dicts=True)
    if spec.source:
        origin = [
            f"# Generated by zenml-airflow {spec.zenml_version} from {spec.source}; do not edit - recompile:",
            f"#     {recompile_command(spec, recompile)}",
        ]
    else:
        origin = [
            f"# Generated by zenml-airflow {spec.zenml_version} with compile_pipeline() from Python; do not",
            "# edit - recompile the same way.",
        ]
    header = [
        f"# Airflow DAG '{spec.dag_id}' for the zenml-airflow pipeline '{spec.name}'.",
        *origin,
        "# Parsing this file imports only airflow.sdk and zenml_airflow.runtime; the steps' code is",
        "# imported by each task when it runs. The checksum seals SPEC: an edited SPEC is validated",
        "# in full on every parse (slower, and refused if invalid).",
    ]
    return "\n".join(
        [
            *header,
            "from zenml_airflow.runtime import build_dag",
            "",
            f"{SPEC_VARIABLE} = {literal}",
            "",
            # The seal: while the literal is what this compiler validated, parsing trusts it.
            f'dag = build_dag({SPEC_VARIABLE}, checksum="{spec_checksum(data)}")',
            "",
        ]
    )


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temporary name starts with '.' and does not end in '.py': Airflow never parses it.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def compile_pipeline(
    pipeline_instance: BasePipeline,
    output_dir: str | os.PathLike[str],
    *,
    schedule: Schedule | None = None,
    dag_id: str | None = None,
    stack: Stack | None = None,
    source: str | None = None,
    enable_cache: bool | None = None,
    images: ImagePolicy = "build",
) -> Path:
    """Write ``<dag_id>.py`` for ``pipeline_instance`` into ``output_dir`` and return its path.

    Args:
        schedule: when Airflow runs it (default: only when triggered).
        dag_id: the DAG's id (default: the pipeline's name).
        stack: whose artifact store, metadata store and secrets manager the tasks use (default:
            the active stack).
        source: a description of where the pipeline came from, for the file's header.
        images: build (default), require or skip the pipeline image (see :func:`build_spec`).
    """
    if stack is None:
        from zenml_airflow.repository import Repository

        stack = Repository().active_stack
    spec, _ = build_spec(
        pipeline_instance,
        stack=stack,
        schedule=schedule,
        dag_id=dag_id,
        source=source,
        enable_cache=enable_cache,
        images=images,
    )
    assert spec.dag_id is not None
    path = Path(output_dir).resolve() / f"{spec.dag_id}.py"
    write_atomically(path, render_dag_file(spec))
    return path


def spec_from_dag_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read the embedded spec back from a compiled DAG file without importing Airflow."""
    spec = spec_literal(Path(path).read_text(encoding="utf-8"))
    if spec is None:
        raise PipelineConfigurationError(
            f"{path} is not a zenml-airflow DAG file (no {SPEC_VARIABLE} literal)."
        )
    return spec
