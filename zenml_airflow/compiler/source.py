"""Loading the pipeline instance a ``SOURCE`` names: ``path/to/file.py:name`` or ``pkg.module:name``."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

from zenml_airflow.core.pipeline import PREVENT_EXECUTION_ENV, BasePipeline
from zenml_airflow.exceptions import PipelineConfigurationError, did_you_mean


def load_pipeline(source: str) -> BasePipeline:
    """Import the module and return the pipeline instance it names.

    The module is imported with ``ZENML_AIRFLOW_PREVENT_PIPELINE_EXECUTION`` set, so a top-level
    ``p.run()`` in it does not run the pipeline.
    """
    module_part, sep, name = source.rpartition(":")
    if not sep or not module_part or not name:
        raise PipelineConfigurationError(
            f"SOURCE {source!r} must be 'path/to/file.py:name' or 'package.module:name', naming a "
            "pipeline instance."
        )
    previous = os.environ.get(PREVENT_EXECUTION_ENV)
    os.environ[PREVENT_EXECUTION_ENV] = "1"
    try:
        module = _import(module_part, source)
    finally:
        if previous is None:
            os.environ.pop(PREVENT_EXECUTION_ENV, None)
        else:
            os.environ[PREVENT_EXECUTION_ENV] = previous
    if not hasattr(module, name):
        candidates = [k for k, v in vars(module).items() if isinstance(v, BasePipeline)]
        raise PipelineConfigurationError(
            f"{module_part} has no attribute '{name}'.{did_you_mean(name, candidates)} Pipeline "
            f"instances there: {candidates or 'none'}."
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
    return value


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
