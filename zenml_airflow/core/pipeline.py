"""Pipelines: the ``@pipeline`` decorator and ``BasePipeline``.

The decorated function receives step *instances* and wires them by calling them::

    @pipeline
    def training(importer, trainer):
        x, y = importer()
        trainer(x=x, y=y)

    p = training(importer=importer(), trainer=trainer(config=TrainerConfig(epochs=1)))
    p.run()

Wiring is checked when the pipeline is instantiated; every error names the steps involved.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, overload

import yaml

from zenml_airflow.core.schedule import Schedule
from zenml_airflow.core.step import BaseStep, StepOutput
from zenml_airflow.exceptions import (
    DuplicatedConfigurationError,
    PipelineConfigurationError,
    PipelineInterfaceError,
    did_you_mean,
)

PREVENT_EXECUTION_ENV = "ZENML_AIRFLOW_PREVENT_PIPELINE_EXECUTION"
_STEP_CONFIG_KEYS = ("source", "parameters", "materializers")
# Finds a class named in a config file by the seed's forms: ("Name", None) or ("Name", "file.py").
SourceResolver = Callable[[str, "str | None"], Any]
# The seed's BasePipeline.__init__ took these options next to the steps (its decorator passed
# them the same way); each maps to the class attribute holding the decorator's value.
_INSTANCE_OPTIONS = {
    "enable_cache": "ENABLE_CACHE",
    "required_integrations": "REQUIRED_INTEGRATIONS",
    "requirements_file": "REQUIREMENTS_FILE",
    "requirements": "REQUIREMENTS",
    "dockerignore_file": "DOCKERIGNORE_FILE",
    "secrets": "SECRETS",
}


@dataclass(frozen=True)
class PreventedRun:
    """A ``run()`` call skipped because ``ZENML_AIRFLOW_PREVENT_PIPELINE_EXECUTION`` was set."""

    pipeline: BasePipeline
    schedule: Schedule | None


# module name -> the run() calls its code made while runs were prevented, oldest first. Read by
# `zenml-airflow pipeline compile run.py` to find the pipeline a seed-style script runs
# (`mnist_pipeline(...).run()`) without it being assigned to a name.
_prevented_runs: dict[str, list[PreventedRun]] = {}


def prevented_runs_of(module_name: str, *, forget: bool = False) -> list[PreventedRun]:
    """The prevented ``run()`` calls of ``module_name``'s code; ``forget`` drops them (before the
    module is executed afresh)."""
    if forget:
        return _prevented_runs.pop(module_name, [])
    return list(_prevented_runs.get(module_name, ()))


@contextlib.contextmanager
def runs_prevented() -> Iterator[None]:
    """Import user code with ``run()`` disabled (restoring the environment afterwards)."""
    previous = os.environ.get(PREVENT_EXECUTION_ENV)
    os.environ[PREVENT_EXECUTION_ENV] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(PREVENT_EXECUTION_ENV, None)
        else:
            os.environ[PREVENT_EXECUTION_ENV] = previous


# Airflow's DagBag imports every DAG file as a module named like this (airflow/utils/file.py).
_DAGBAG_MODULE = re.compile(r"unusual_prefix_[0-9a-f]{40}_")

# A pipeline's name is its DAG id and a folder name in the artifact store: Airflow's DAG-id
# characters, at most Airflow's DAG-id length, and not '.'/'..' (or any dots-only name).
_PIPELINE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_PIPELINE_NAME_LENGTH = 250


def check_pipeline_name(name: object) -> str:
    """``name`` if it can name a pipeline (a DAG id and a folder name).

    Raises:
        PipelineInterfaceError: saying what is wrong with it and what is allowed.
    """
    if not isinstance(name, str) or not _PIPELINE_NAME.fullmatch(name) or not name.strip("."):
        raise PipelineInterfaceError(
            f"Invalid pipeline name {name!r}: use letters, digits, '_', '-' and '.' (not only "
            "dots); the name becomes the Airflow DAG id and a folder of the artifact store."
        )
    if len(name) > _PIPELINE_NAME_LENGTH:
        raise PipelineInterfaceError(
            f"Invalid pipeline name {name[:40]!r}... ({len(name)} characters): a pipeline name "
            f"may have at most {_PIPELINE_NAME_LENGTH} characters (Airflow's DAG id limit)."
        )
    return name


def dag_file_being_parsed() -> str | None:
    """The DAG file Airflow is importing right now (its module body is on the stack), else None.

    The seed's Airflow pattern is ``DAG = p.run()`` at the top of a file in the dags folder: when
    Airflow parses that file, ``run()`` must hand back the DAG rather than run anything. A DAG
    file's *module body* running is what marks a parse; a task callable defined in a DAG file runs
    in a function frame and does not count.
    """
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "<module>" and _DAGBAG_MODULE.match(
            str(frame.f_globals.get("__name__", ""))
        ):
            return frame.f_code.co_filename
        frame = frame.f_back  # type: ignore[assignment]
    return None


class BasePipeline:
    """A pipeline: subclass it and implement ``connect``, or decorate a function with ``@pipeline``."""

    NAME: ClassVar[str]
    ENABLE_CACHE: ClassVar[bool] = True
    # Integrations (zenml_airflow.integrations.constants) whose packages a run needs: checked
    # before a run starts and again in each Airflow task.
    REQUIRED_INTEGRATIONS: ClassVar[tuple[str, ...]] = ()
    STEP_PARAMETERS: ClassVar[tuple[str, ...]] = ()
    # Recorded for container-based step operators (requirements of the step images).
    REQUIREMENTS: ClassVar[tuple[str, ...]] = ()
    REQUIREMENTS_FILE: ClassVar[str | None] = None
    DOCKERIGNORE_FILE: ClassVar[str | None] = None
    SECRETS: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "connect" in cls.__dict__ and "STEP_PARAMETERS" not in cls.__dict__:
            params = list(inspect.signature(cls.__dict__["connect"]).parameters.values())[1:]
            for param in params:
                if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
                    raise PipelineInterfaceError(
                        f"Pipeline '{cls.__name__}' takes *{param.name}/**{param.name}; a pipeline "
                        "function must name each of its steps as a parameter."
                    )
            cls.STEP_PARAMETERS = tuple(p.name for p in params)
        if "NAME" not in cls.__dict__:
            cls.NAME = cls.__name__
        else:
            check_pipeline_name(cls.NAME)

    def connect(self, *args: BaseStep, **kwargs: BaseStep) -> None:
        raise NotImplementedError  # pragma: no cover - replaced by subclasses / the decorator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._apply_options(kwargs)
        self.steps: dict[str, BaseStep] = self._collect_steps(args, kwargs)
        self._connect()
        self.dag_filepath: str | None = None

    def _apply_options(self, kwargs: dict[str, Any]) -> None:
        """Take the seed's pipeline options out of ``kwargs`` (a step parameter of the same
        name stays a step) and set them on this instance."""
        for option, attribute in _INSTANCE_OPTIONS.items():
            if option in kwargs and option not in self.STEP_PARAMETERS:
                setattr(self, attribute, _option_value(self.name, option, kwargs.pop(option)))

    # --- building ------------------------------------------------------------------------------

    def _collect_steps(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, BaseStep]:
        params = list(self.STEP_PARAMETERS)
        if len(args) > len(params):
            raise PipelineInterfaceError(
                f"Pipeline '{self.name}' takes {len(params)} step(s) {params} but got {len(args)} "
                "positional argument(s)."
            )
        given: dict[str, Any] = dict(zip(params, args, strict=False))
        for key, value in kwargs.items():
            if key not in params:
                raise PipelineInterfaceError(
                    f"Pipeline '{self.name}' has no step named '{key}' (steps: {params})."
                    f"{did_you_mean(key, params)}"
                )
            if key in given:
                raise PipelineInterfaceError(f"Pipeline '{self.name}' got step '{key}' twice.")
            given[key] = value
        missing = [p for p in params if p not in given]
        if missing:
            raise PipelineInterfaceError(
                f"Pipeline '{self.name}' is missing the step(s) {missing}. Pass an instance for "
                f"each, e.g. {self.name}({missing[0]}=my_step())."
            )
        seen: dict[int, str] = {}
        steps: dict[str, BaseStep] = {}
        for key in params:
            value = given[key]
            if isinstance(value, type) and issubclass(value, BaseStep):
                raise PipelineInterfaceError(
                    f"Step '{key}' of pipeline '{self.name}' got the step class "
                    f"'{value.__name__}'; pass an instance: {value.__name__}()."
                )
            if not isinstance(value, BaseStep):
                raise PipelineInterfaceError(
                    f"Step '{key}' of pipeline '{self.name}' got a {type(value).__name__}, not a "
                    "step instance. Decorate the function with @step and pass step_function()."
                )
            if id(value) in seen:
                raise PipelineInterfaceError(
                    f"Pipeline '{self.name}' got the same step instance for '{seen[id(value)]}' "
                    f"and '{key}'. Create one instance per use."
                )
            if value.pipeline_parameter_name is not None or value._called:
                raise PipelineInterfaceError(
                    f"Step instance '{value.name}' passed as '{key}' already belongs to a pipeline. "
                    "Create a new instance for each pipeline."
                )
            seen[id(value)] = key
            value.pipeline_parameter_name = key
            steps[key] = value
        return steps

    def _connect(self) -> None:
        self.connect(**self.steps)
        for name, instance in self.steps.items():
            if not instance._called:
                raise PipelineInterfaceError(
                    f"Step '{name}' was passed to pipeline '{self.name}' but never called in its "
                    f"body. Call it, e.g. '{name}()', or leave it out of the pipeline."
                )
            for input_name, output in instance.input_wiring.items():
                if output.step is not self.steps.get(output.step.name):
                    raise PipelineInterfaceError(
                        f"Input '{input_name}' of step '{name}' comes from step "
                        f"'{output.step.name}', which is not a step of pipeline '{self.name}'. "
                        "Every input must be produced by a step of the same pipeline."
                    )

    # --- properties ----------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.NAME

    @property
    def enable_cache(self) -> bool:
        return self.ENABLE_CACHE

    @property
    def required_integrations(self) -> tuple[str, ...]:
        return self.REQUIRED_INTEGRATIONS

    @property
    def requirements_file(self) -> str | None:
        return self.REQUIREMENTS_FILE

    @property
    def dockerignore_file(self) -> str | None:
        return self.DOCKERIGNORE_FILE

    @property
    def secrets(self) -> tuple[str, ...]:
        return self.SECRETS

    def upstream(self, step_name: str) -> list[str]:
        """Names of the steps whose outputs ``step_name`` reads, in definition order."""
        wiring = self.steps[step_name].input_wiring
        producers = {output.step.name for output in wiring.values()}
        return [name for name in self.steps if name in producers]

    def input_sources(self, step_name: str) -> dict[str, StepOutput]:
        return dict(self.steps[step_name].input_wiring)

    # --- configuration files -------------------------------------------------------------------

    def with_config(
        self,
        config_file: str | os.PathLike[str],
        overwrite_step_parameters: bool = False,
        *,
        resolve: SourceResolver | None = None,
    ) -> BasePipeline:
        """Apply ``steps: {<step>: {parameters: {...}, materializers: {...}}}`` from a YAML file.

        A parameter set both in code and in the file raises ``DuplicatedConfigurationError`` unless
        ``overwrite_step_parameters=True``. Returns the pipeline, so calls chain.

        A step's ``source`` (which function or class it is) is for ``zenml-airflow pipeline run
        FILE -c CONFIG``, which builds the steps; here the steps are given, so it is checked and
        otherwise ignored, as the seed did. Materializers are ``package.module:ClassName``; the
        seed's bare names (``MyMaterializer`` or ``{name: MyMaterializer, file: m.py}``) need
        ``resolve``, which ``pipeline run`` passes.
        """
        path = Path(config_file)
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as error:
            raise PipelineConfigurationError(
                f"Cannot read pipeline config '{path}': {error}"
            ) from error
        except yaml.YAMLError as error:
            raise PipelineConfigurationError(f"'{path}' is not valid YAML: {error}") from error
        if not isinstance(document, dict):
            raise PipelineConfigurationError(f"'{path}' must be a mapping with a 'steps' key.")
        unknown_top = set(document) - {"steps", "name"}
        if unknown_top:
            raise PipelineConfigurationError(
                f"'{path}': unknown top-level key(s) {sorted(unknown_top)}; allowed: 'steps'."
            )
        steps = document.get("steps") or {}
        if not isinstance(steps, dict):
            raise PipelineConfigurationError(f"'{path}': 'steps' must be a mapping of step names.")
        for step_name, step_config in steps.items():
            self._apply_step_config(
                path, str(step_name), step_config, overwrite_step_parameters, resolve
            )
        return self

    def _apply_step_config(
        self,
        path: Path,
        step_name: str,
        step_config: Any,
        overwrite: bool,
        resolve: SourceResolver | None,
    ) -> None:
        where = f"'{path}', steps.{step_name}"
        if step_name not in self.steps:
            raise PipelineConfigurationError(
                f"{where}: pipeline '{self.name}' has no step named '{step_name}' (steps: "
                f"{list(self.steps)}).{did_you_mean(step_name, self.steps)}"
            )
        if not isinstance(step_config, dict):
            raise PipelineConfigurationError(f"{where} must be a mapping.")
        unknown = set(step_config) - set(_STEP_CONFIG_KEYS)
        if unknown:
            raise PipelineConfigurationError(
                f"{where}: unknown key(s) {sorted(unknown)}; allowed: {list(_STEP_CONFIG_KEYS)}."
            )
        instance = self.steps[step_name]
        if "source" in step_config:
            config_source(where, step_config["source"])  # checked; the step itself is given
        parameters = step_config.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise PipelineConfigurationError(f"{where}.parameters must be a mapping.")
        if parameters:
            config_class = instance.SIGNATURE.config_class
            if config_class is None:
                raise PipelineConfigurationError(
                    f"{where}: step '{step_name}' takes no BaseStepConfig, so it has no parameters."
                )
            fields = set(config_class.model_fields)
            set_in_code = instance.config.model_fields_set if instance.config is not None else set()
            for key in parameters:
                if key not in fields:
                    raise PipelineConfigurationError(
                        f"{where}.parameters: '{key}' is not a field of {config_class.__name__} "
                        f"(fields: {sorted(fields)}).{did_you_mean(key, fields)}"
                    )
                if key in set_in_code and not overwrite:
                    raise DuplicatedConfigurationError(
                        f"{where}.parameters: '{key}' is also set in code. Remove one, or pass "
                        "overwrite_step_parameters=True to let the file win."
                    )
            instance._config_overrides.update(parameters)
            instance.resolved_config()  # validate now, with the file and step named on error
        materializers = step_config.get("materializers") or {}
        if materializers:
            self._apply_materializers(where, instance, materializers, resolve)

    def _apply_materializers(
        self, where: str, instance: BaseStep, materializers: Any, resolve: SourceResolver | None
    ) -> None:
        if isinstance(materializers, dict):
            resolved: type | dict[str, type] = {
                str(output): _materializer_class(f"{where}.materializers.{output}", source, resolve)
                for output, source in materializers.items()
            }
        else:  # one class for every output (the seed's string form)
            resolved = _materializer_class(f"{where}.materializers", materializers, resolve)
        instance.with_return_materializers(resolved)

    # --- running -------------------------------------------------------------------------------

    def run(
        self,
        *,
        run_name: str | None = None,
        schedule: Schedule | None = None,
        enable_cache: bool | None = None,
        **additional_parameters: Any,
    ) -> Any:
        """Run the pipeline on the active stack's orchestrator.

        ``enable_cache=False`` disables caching for this run only. Does nothing when the
        environment variable ``ZENML_AIRFLOW_PREVENT_PIPELINE_EXECUTION`` is set (so a module-level
        ``p.run()`` does not run again when a worker imports the module).
        """
        if os.environ.get(PREVENT_EXECUTION_ENV):
            caller = str(sys._getframe(1).f_globals.get("__name__", ""))
            _prevented_runs.setdefault(caller, []).append(PreventedRun(self, schedule))
            return None
        if dag_file_being_parsed() is not None:
            # Airflow is parsing a DAG file that calls run() (the seed's `DAG = p.run()`): hand
            # back the DAG; never run, deploy or wait while Airflow parses.
            return self.to_airflow_dag(schedule=schedule, enable_cache=enable_cache)
        # The caller's file (inspect.stack() would read the source of every frame: ~0.4 ms).
        self.dag_filepath = os.path.abspath(sys._getframe(1).f_code.co_filename)
        from zenml_airflow.orchestrators.dispatch import run_pipeline

        return run_pipeline(
            self,
            run_name=run_name,
            schedule=schedule,
            enable_cache=enable_cache,
            runtime_configuration=additional_parameters,
        )

    def to_airflow_dag(
        self,
        *,
        schedule: Schedule | None = None,
        dag_id: str | None = None,
        stack_name: str | None = None,
        enable_cache: bool | None = None,
    ) -> Any:
        """This pipeline as an Airflow DAG, for a pipeline module placed in Airflow's dags folder.

        ``dag = training(importer=importer(), trainer=trainer()).to_airflow_dag(schedule=...)``.
        The tasks use the given (default: the active) stack's stores. ``p.run()`` returns the
        same when Airflow parses the file that calls it.
        """
        from zenml_airflow.runtime.dropin import pipeline_to_dag

        return pipeline_to_dag(
            self, schedule=schedule, dag_id=dag_id, stack_name=stack_name, enable_cache=enable_cache
        )

    def __repr__(self) -> str:
        return f"<pipeline '{self.name}' steps={list(self.steps)}>"


@overload
def pipeline(_func: Callable[..., None]) -> type[BasePipeline]: ...


@overload
def pipeline(
    *,
    name: str | None = None,
    enable_cache: bool = True,
    required_integrations: Any = (),
    requirements_file: str | None = None,
    requirements: str | list[str] | None = None,
    dockerignore_file: str | None = None,
    secrets: list[str] | None = None,
) -> Callable[[Callable[..., None]], type[BasePipeline]]: ...


def pipeline(
    _func: Callable[..., None] | None = None,
    *,
    name: str | None = None,
    enable_cache: bool = True,
    required_integrations: Any = (),
    requirements_file: str | None = None,
    requirements: str | list[str] | None = None,
    dockerignore_file: str | None = None,
    secrets: list[str] | None = None,
) -> type[BasePipeline] | Callable[[Callable[..., None]], type[BasePipeline]]:
    """Turn a function that wires steps into a pipeline class.

    Args:
        name: the pipeline's name (defaults to the function name); runs are grouped by it.
        enable_cache: ``False`` disables caching for every step of this pipeline.
        required_integrations: integration names (``zenml_airflow.integrations.constants``)
            whose packages must be installed where the pipeline runs; checked before a run and in
            each Airflow task, with what to install when missing.
        requirements, requirements_file, dockerignore_file, secrets: recorded for
            container-based step operators.

    The same options may also be passed when the pipeline is created, next to its steps, as the
    seed allowed: ``training(required_integrations=[SKLEARN], importer=importer(), ...)``.
    """

    def decorator(func: Callable[..., None]) -> type[BasePipeline]:
        # An empty name means the default, as in the seed.
        pipeline_name = check_pipeline_name(name or func.__name__)
        options = {
            option: _option_value(pipeline_name, option, value)
            for option, value in (
                ("enable_cache", enable_cache),
                ("required_integrations", required_integrations),
                ("requirements_file", requirements_file),
                ("requirements", requirements),
                ("dockerignore_file", dockerignore_file),
                ("secrets", secrets),
            )
        }
        params = list(inspect.signature(func).parameters.values())
        for param in params:
            if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
                raise PipelineInterfaceError(
                    f"Pipeline '{func.__name__}' takes *{param.name}/**{param.name}; a pipeline "
                    "function must name each of its steps as a parameter."
                )
        namespace = {
            "connect": lambda self, **steps: func(**steps),
            "STEP_PARAMETERS": tuple(p.name for p in params),
            "NAME": pipeline_name,
            **{_INSTANCE_OPTIONS[option]: value for option, value in options.items()},
            "__module__": func.__module__,
            "__qualname__": func.__qualname__,
            "__doc__": func.__doc__,
        }
        return type(func.__name__, (BasePipeline,), namespace)

    if _func is not None:
        return decorator(_func)
    return decorator


def _option_value(pipeline_name: str, option: str, value: Any) -> Any:
    """Check one pipeline option and bring it to the form stored on the class."""
    if option == "enable_cache":
        if not isinstance(value, bool):
            raise PipelineInterfaceError(
                f"Pipeline '{pipeline_name}': enable_cache must be True or False, got {value!r}."
            )
        return value
    if option in ("requirements_file", "dockerignore_file"):
        if value is not None and not isinstance(value, (str, os.PathLike)):
            raise PipelineInterfaceError(
                f"Pipeline '{pipeline_name}': {option} must be a file path, got {value!r}."
            )
        return None if value is None else os.fspath(value)
    # requirements, required_integrations, secrets: strings; a string of requirements is split
    # on white space as the seed did.
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split() if option == "requirements" else [value]
    elif isinstance(value, (set, frozenset)):
        value = sorted(value, key=str)  # a stable order: it is part of the compiled spec
    if not isinstance(value, (list, tuple, set, frozenset)) or not all(
        isinstance(item, str) for item in value
    ):
        raise PipelineInterfaceError(
            f"Pipeline '{pipeline_name}': {option} must be a list of strings, got {value!r}."
        )
    return tuple(item for item in value if item)


def config_source(where: str, source: Any) -> tuple[str, str | None]:
    """A config file's ``source`` as ``(name, file)``: ``"fn"`` (0.7) or ``{name: fn, file: f.py}``
    (0.8)."""
    if isinstance(source, str) and source:
        return source, None
    if isinstance(source, dict) and isinstance(source.get("name"), str) and source["name"]:
        unknown = set(source) - {"name", "file"}
        file = source.get("file")
        if not unknown and (file is None or isinstance(file, str)):
            return source["name"], file
    raise PipelineConfigurationError(
        f"{where}: a source is a name ('my_step') or a mapping {{name: my_step, file: steps.py}}, "
        f"got {source!r}."
    )


def _materializer_class(where: str, source: Any, resolve: SourceResolver | None) -> type:
    from zenml_airflow.utils.source_utils import import_object

    try:
        if isinstance(source, str) and ":" in source:
            return import_object(source)
        name, file = config_source(where, source)
        if resolve is None:
            raise PipelineConfigurationError(
                f"{where}: give the class as 'package.module:ClassName' (a bare name like "
                f"'{name}' is resolved only by `zenml-airflow pipeline run FILE -c CONFIG`)."
            )
        return resolve(name, file)
    except PipelineConfigurationError:
        raise
    except Exception as error:
        raise PipelineConfigurationError(f"{where}: {error}") from error
