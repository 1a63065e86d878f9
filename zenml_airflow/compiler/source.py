"""Loading the pipeline instance a ``SOURCE`` names: ``path/to/file.py[:name]`` or ``pkg.module[:name]``."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from zenml_airflow.core.pipeline import (
    BasePipeline,
    PreventedRun,
    prevented_runs_of,
    runs_prevented,
)
from zenml_airflow.core.step import BaseStep
from zenml_airflow.exceptions import PipelineConfigurationError, did_you_mean


def load_pipeline(source: str) -> BasePipeline:
    """Import the module and return the pipeline instance ``source`` names (see :func:`load_source`)."""
    return load_source(source).pipeline


def load_source(source: str) -> PreventedRun:
    """Import the module of ``source`` and return its pipeline instance, and the schedule the
    module's own ``run()`` call passed, if it made one.

    ``source`` is ``path/to/file.py:name`` or ``package.module:name``; without ``:name`` it is the
    pipeline the module runs (a seed-style script ending in ``p.run()``), else its only pipeline
    instance. The module is imported with ``ZENML_AIRFLOW_PREVENT_PIPELINE_EXECUTION`` set, so a
    top-level ``p.run()`` in it does not run the pipeline.
    """
    module_part, sep, name = source.rpartition(":")
    if not sep:
        module_part, name = source, ""
    if not module_part or (sep and not name):
        raise PipelineConfigurationError(
            f"SOURCE {source!r} must be 'path/to/file.py[:name]' or 'package.module[:name]', naming "
            "a pipeline instance or a module that runs one."
        )
    with runs_prevented():
        module = _import(module_part, source)
    calls = prevented_runs_of(module.__name__)
    instances = {k: v for k, v in vars(module).items() if isinstance(v, BasePipeline)}
    if not name:
        return _the_pipeline_of(module_part, calls, instances)
    if not hasattr(module, name):
        raise PipelineConfigurationError(
            f"{module_part} has no attribute '{name}'.{did_you_mean(name, instances)} Pipeline "
            f"instances there: {list(instances) or 'none'}."
        )
    value = getattr(module, name)
    if isinstance(value, type) and issubclass(value, BasePipeline):
        raise PipelineConfigurationError(
            f"'{name}' in {module_part} is a pipeline class; SOURCE must name an instance, e.g. "
            f"'p = {name}(step_a=step_a(), ...)' and then '{module_part}:p'."
        )
    if not isinstance(value, BasePipeline):
        raise PipelineConfigurationError(
            f"'{name}' in {module_part} is a {type(value).__name__}, not a pipeline instance."
        )
    schedules = [call.schedule for call in calls if call.pipeline is value]
    return PreventedRun(value, schedules[-1] if schedules else None)


def _the_pipeline_of(
    module_part: str, calls: list[PreventedRun], instances: dict[str, BasePipeline]
) -> PreventedRun:
    run_pipelines = {id(call.pipeline): call for call in calls}  # the last call of each
    if len(run_pipelines) == 1:
        return next(iter(run_pipelines.values()))
    if len(run_pipelines) > 1:
        names = [call.pipeline.name for call in run_pipelines.values()]
        raise PipelineConfigurationError(
            f"{module_part} runs {len(names)} pipelines ({names}); name the instance to use, "
            f"e.g. '{module_part}:p' for 'p = ...'."
        )
    if len(instances) == 1:
        return PreventedRun(next(iter(instances.values())), None)
    raise PipelineConfigurationError(
        f"{module_part} "
        + (
            f"holds {len(instances)} pipeline instances ({list(instances)}); name one, e.g. "
            f"'{module_part}:{next(iter(instances))}'."
            if instances
            else "neither runs a pipeline nor holds a pipeline instance. Create one, e.g. "
            "'p = my_pipeline(step_a=step_a(), ...)', and name it: "
            f"'{module_part}:p'."
        )
    )


def _import(module_part: str, source: str):  # type: ignore[no-untyped-def]
    if module_part.endswith(".py") or os.sep in module_part or "/" in module_part:
        path = Path(module_part).resolve()
        if not path.is_file():
            raise PipelineConfigurationError(f"SOURCE {source!r}: no such file {path}.")
        module_name = path.stem
        if module_name in sys.stdlib_module_names or not module_name.isidentifier():
            raise PipelineConfigurationError(
                f"SOURCE {source!r}: the file name '{path.name}' cannot be a module name of its own "
                "(it is not an identifier, or it shadows the standard library module "
                f"'{module_name}'). Rename the file."
            )
        directory = str(path.parent)
        if directory not in sys.path:
            sys.path.insert(0, directory)
        existing = sys.modules.get(module_name)
        if existing is not None and Path(getattr(existing, "__file__", "") or "").resolve() == path:
            return existing
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise PipelineConfigurationError(f"SOURCE {source!r}: cannot import {path}.")
        module = importlib.util.module_from_spec(spec)
        prevented_runs_of(module_name, forget=True)  # a fresh module: only its own calls count
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            sys.modules.pop(module_name, None)
            raise PipelineConfigurationError(
                f"Importing {path} failed: {type(error).__name__}: {error}"
            ) from error
        return module
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(module_part)
    except ImportError as error:
        raise PipelineConfigurationError(
            f"SOURCE {source!r}: cannot import module '{module_part}': {error}"
        ) from error


def pipeline_from_config(python_file: str, config_path: str) -> BasePipeline:
    """Build the pipeline a seed-style YAML config describes from the classes in ``python_file``.

    The config (``zenml-airflow pipeline run FILE -c CONFIG``, the seed's ``zenml pipeline run``)::

        name: my_pipeline             # the pipeline function or class in FILE
        steps:
          trainer:                    # the pipeline's parameter for the step
            source: trainer           # the step in FILE; or {name: trainer, file: steps.py}
            parameters: {epochs: 3}
            materializers: MyMaterializer   # or {output: MyMaterializer}, {output: {name:, file:}}

    Parameters in the file win over the steps' defaults. Names are looked up in ``python_file``,
    or in the ``file`` a source names (relative to ``python_file``'s folder).
    """
    from zenml_airflow.core.pipeline import config_source

    path = Path(config_path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PipelineConfigurationError(
            f"Cannot read pipeline config '{path}': {error}"
        ) from error
    except yaml.YAMLError as error:
        raise PipelineConfigurationError(f"'{path}' is not valid YAML: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("name"), str):
        raise PipelineConfigurationError(
            f"'{path}' must be a mapping with 'name' (the pipeline in {python_file}) and 'steps'."
        )
    steps_config = document.get("steps")
    if not isinstance(steps_config, dict) or not steps_config:
        raise PipelineConfigurationError(
            f"'{path}': 'steps' must map each step of the pipeline to its source."
        )
    folder = Path(python_file).resolve().parent
    with runs_prevented():
        module = _import(python_file, python_file)

    def resolve(name: str, file: str | None) -> Any:
        where = module
        if file is not None:
            with runs_prevented():
                where = _import(str(folder / file), file)
        if not hasattr(where, name):
            raise PipelineConfigurationError(
                f"{getattr(where, '__file__', python_file)} has no '{name}'."
                f"{did_you_mean(name, [k for k in vars(where) if not k.startswith('_')])}"
            )
        return getattr(where, name)

    pipeline_class = resolve(document["name"], None)
    if not (isinstance(pipeline_class, type) and issubclass(pipeline_class, BasePipeline)):
        kind = (
            "a pipeline instance"
            if isinstance(pipeline_class, BasePipeline)
            else f"a {type(pipeline_class).__name__}"
        )
        raise PipelineConfigurationError(
            f"'{path}': name '{document['name']}' in {python_file} is {kind}; name the pipeline "
            "itself (a @pipeline function or a BasePipeline subclass)."
        )
    steps: dict[str, Any] = {}
    for step_name, step_config in steps_config.items():
        where = f"'{path}', steps.{step_name}"
        if not isinstance(step_config, dict) or "source" not in step_config:
            raise PipelineConfigurationError(f"{where} must be a mapping with a 'source'.")
        step_class = resolve(*config_source(f"{where}.source", step_config["source"]))
        if not (isinstance(step_class, type) and issubclass(step_class, BaseStep)):
            raise PipelineConfigurationError(
                f"{where}.source: {step_class!r} is not a step (decorate it with @step)."
            )
        steps[str(step_name)] = step_class()
    return pipeline_class(**steps).with_config(
        path, overwrite_step_parameters=True, resolve=resolve
    )
