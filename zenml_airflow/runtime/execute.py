"""What a step task does when Airflow runs it (imported only inside the running task).

1. Make the user's code importable (the spec's source roots) and stop module-level ``p.run()``.
2. Rebuild the stack from the spec's snapshot - never from whatever profile the worker has - and
   resolve its secret references now, registering every value with Airflow's secrets masker (as
   every value a step later reads through ``context.stack.secrets_manager``) so logs show ``***``;
   all the task's output passes that masker before it leaves the process (runtime/redaction.py).
3. Open (or join) the pipeline run keyed by (dag_id, run_id); apply trigger-time parameters.
4. Run the step through the shared executor with try number, logical date and data interval;
   a step with ``custom_step_operator`` is cache-checked here and only on a miss launched by the
   stack's step operator (no interpreter or container on a hit; ADR 0018).
5. Attach each output artifact to its Airflow Asset event; return a small reference as XCom.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import zenml_airflow
from zenml_airflow.core.context import RunInfo
from zenml_airflow.core.integrations import check_integrations
from zenml_airflow.core.spec import CONF_ENABLE_CACHE, CONF_RUN_NAME, PipelineSpec, StepSpec
from zenml_airflow.exceptions import StepInterfaceError, ZenMLAirflowError
from zenml_airflow.execution.entrypoint import add_source_roots
from zenml_airflow.execution.executor import StepExecutor
from zenml_airflow.runtime.redaction import redacted_output
from zenml_airflow.runtime.task import asset_name, asset_uri, param_key
from zenml_airflow.stack.snapshot import stack_from_snapshot

logger = logging.getLogger(__name__)


def mask_secret_value(value: Any) -> None:
    """Register ``value`` with Airflow's secrets masker, in this task process and its supervisor
    (which writes the task log), so it appears as ``***`` in task logs."""
    if value is None or isinstance(value, bool):
        return
    from airflow.sdk.log import mask_secret

    mask_secret(value if isinstance(value, str | dict | list) else str(value))


def _redact_text(text: str) -> str:
    """``text`` with every value registered with Airflow's secrets masker replaced by ``***``."""
    from airflow.sdk.log import redact

    return str(redact(text))


def apply_trigger_params(spec: PipelineSpec, step: StepSpec, params: Mapping[str, Any]) -> StepSpec:
    """The step with the values of its trigger-form parameters (``<step>.<field>``) applied."""
    if not step.parameters:
        return step
    values = dict(step.parameters)
    changed = False
    for field, compiled in step.parameters.items():
        key = param_key(step.name, field)
        if key in params and params[key] != compiled:
            values[field] = params[key]
            changed = True
    if not changed:
        return step
    return step.model_copy(update={"parameters": values})


def _validate_parameters(step: StepSpec, executor: StepExecutor) -> None:
    try:
        step_class = executor.step_class(step)
    except ZenMLAirflowError:
        if step.step_operator:  # its code may import packages only the step operator has;
            return  # the launched side builds (and so validates) the config
        raise
    config_class = step_class.SIGNATURE.config_class
    if config_class is None:
        return
    try:
        config_class(**step.parameters)
    except Exception as error:
        raise StepInterfaceError(
            f"Trigger parameters for step '{step.name}' are invalid for {config_class.__name__}: "
            f"{error}"
        ) from error


def bundle_checkout(spec: PipelineSpec, context: Mapping[str, Any] | None) -> str | None:
    """Where this run's checkout of the spec's git DAG bundle is (ADR 0019): the task's
    ``ti.bundle_instance.path``, else the directory of the DAG file being run (deployed into the
    bundle directory); None without a bundle."""
    if spec.bundle is None or context is None:
        return None
    instance = getattr(context.get("ti"), "bundle_instance", None)
    path = getattr(instance, "path", None)
    if path is not None:
        return str(path)
    fileloc = getattr(context.get("dag"), "fileloc", None)
    return os.path.dirname(fileloc) if fileloc else None


def bundle_version(context: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The name and version (commit SHA) of the DAG bundle this task runs from, if versioned."""
    instance = getattr(context.get("ti"), "bundle_instance", None)
    return getattr(instance, "name", None), getattr(instance, "version", None)


def prepare_imports(spec: PipelineSpec, context: Mapping[str, Any] | None = None) -> None:
    """Put the spec's source roots on ``sys.path``; those in its git DAG bundle as they are in
    this run's checkout of the bundle, never the compiling machine's paths."""
    checkout = bundle_checkout(spec, context)
    mapping = {spec.bundle.root: checkout} if spec.bundle is not None and checkout else None
    add_source_roots(spec.source_roots, mapping)


def execute_step_task(
    spec: PipelineSpec, step_name: str, context: Mapping[str, Any]
) -> dict[str, Any]:
    """Run ``step_name`` of ``spec`` for the Airflow task described by ``context``.

    Everything the task prints or logs meanwhile passes Airflow's secrets masker in this process
    (:mod:`zenml_airflow.runtime.redaction`): Airflow masks only the task log, while e.g. the
    LocalExecutor also copies the task's raw output into the scheduler's log.
    """
    with redacted_output():
        return _execute_step_task(spec, step_name, context)


def _execute_step_task(
    spec: PipelineSpec, step_name: str, context: Mapping[str, Any]
) -> dict[str, Any]:
    if spec.required_integrations:  # before anything is recorded: the worker lacks packages
        check_integrations(spec.required_integrations, pipeline_name=spec.name)
    prepare_imports(spec, context)
    ti = context["ti"]
    dag_id, run_id = ti.dag_id, context["run_id"]
    dag_run = context.get("dag_run")
    conf = dict(getattr(dag_run, "conf", None) or {})
    stack = stack_from_snapshot(spec.stack)
    resolved = stack.resolve_secrets(on_value=mask_secret_value)
    if resolved:
        logger.info("Resolved %d secret reference(s) of stack '%s'", resolved, stack.name)
    # Before the run is recorded: a step operator the stack lacks fails the task at once.
    compiled = spec.step(step_name)
    launcher = None
    if compiled.step_operator:  # imported only by tasks that launch (task start stays cheap)
        from zenml_airflow.step_operators.launching import step_launchers

        launcher = step_launchers(stack, spec.model_copy(update={"steps": [compiled]}))[step_name]
    store = stack.metadata_store.open_store()
    bundle, version = bundle_version(context) if spec.bundle is not None else (None, None)
    runtime_configuration: dict[str, Any] = {"dag_id": dag_id, "run_id": run_id, "conf": conf}
    if version is not None:
        runtime_configuration["dag_bundle"] = {"name": bundle, "version": version}
    run = store.get_or_create_run(
        spec.name,
        str(conf.get(CONF_RUN_NAME) or f"{dag_id}-{run_id}"),
        orchestrator_run_id=f"{dag_id}/{run_id}",
        num_steps=len(spec.steps),
        orchestrator="airflow",
        stack_name=stack.name,
        zenml_version=zenml_airflow.__version__,
        git_sha=version,  # the commit of the bundle this run's code came from
        runtime_configuration=runtime_configuration,
    )
    executor = StepExecutor(stack, redact=_redact_text)
    step = apply_trigger_params(spec, spec.step(step_name), context.get("params") or {})
    if conf.get(CONF_ENABLE_CACHE) is False:
        step = step.model_copy(update={"enable_cache": False})
    _validate_parameters(step, executor)
    run_info = RunInfo(
        pipeline_name=spec.name,
        run_name=run.name,
        run_id=run.id,
        orchestrator="airflow",
        airflow_dag_id=dag_id,
        airflow_run_id=run_id,
        logical_date=context.get("logical_date"),
        data_interval_start=context.get("data_interval_start"),
        data_interval_end=context.get("data_interval_end"),
        try_number=int(getattr(ti, "try_number", 1) or 1),
    )
    result = executor.execute(
        spec, step, run, run_info, try_number=run_info.try_number, launcher=launcher
    )

    outlet_events = context.get("outlet_events")
    if outlet_events is not None:
        for output, artifact in result.outputs.items():
            from airflow.sdk import Asset

            asset = Asset(
                name=asset_name(spec.name, step.name, output),
                uri=asset_uri(spec.name, step.name, output),
            )
            outlet_events[asset].extra.update(
                {
                    "artifact_uri": artifact.uri,
                    "artifact_id": artifact.id,
                    "data_type": artifact.data_type,
                    "content_hash": artifact.content_hash,
                    "run": run.name,
                    "cached": result.status.value == "cached",
                }
            )
    logger.info(
        "Step '%s' %s; outputs: %s",
        step.name,
        result.status.value,
        {name: a.uri for name, a in result.outputs.items()},
    )
    return {
        "run": run.name,
        "step_run_id": result.step_run_id,
        "status": result.status.value,
        "outputs": {name: a.uri for name, a in result.outputs.items()},
    }
