"""Steps: the ``@step`` decorator, ``BaseStep``, ``BaseStepConfig`` and ``Output``.

``@step`` turns a typed function into a step *class* (as ZenML 0.7 did); instances of that class are
wired together inside a pipeline::

    from zenml_airflow.steps import step, BaseStepConfig, Output

    class TrainerConfig(BaseStepConfig):
        epochs: int = 1

    @step
    def trainer(config: TrainerConfig, x: list) -> Output(model=dict, loss=float):
        ...

    trainer_instance = trainer(config=TrainerConfig(epochs=3))

The signature is checked when the class is created, so mistakes surface at import time with the
function and parameter named.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, overload

from pydantic import BaseModel, ConfigDict, ValidationError

from zenml_airflow.core.context import StepContext
from zenml_airflow.core.markers import ArtifactMarker, MaterializerMarker
from zenml_airflow.exceptions import (
    MissingStepParameterError,
    StepInterfaceError,
    did_you_mean,
)

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.core.spec import ResourceSpec

SINGLE_RETURN_OUT_NAME = "output"


class BaseStepConfig(BaseModel):
    """Parameters of a step: a pydantic model whose values must be JSON-serializable.

    Values are stored in the metadata store and are part of the step's cache key.
    """

    model_config = ConfigDict(extra="forbid")


class Output:
    """Return annotation for a step with several named outputs: ``-> Output(a=int, b=str)``.

    The step returns a plain tuple in the declared order.
    """

    def __init__(self, **kwargs: Any) -> None:
        if not kwargs:
            raise StepInterfaceError(
                "Output() needs at least one named output, e.g. Output(a=int)."
            )
        self.outputs: dict[str, Any] = dict(kwargs)

    def items(self) -> Iterator[tuple[str, Any]]:
        yield from self.outputs.items()

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={_type_name(v)}" for k, v in self.outputs.items())
        return f"Output({inner})"


def _type_name(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__name__ if tp.__module__ == "builtins" else f"{tp.__module__}.{tp.__qualname__}"
    return repr(tp)


@dataclass(frozen=True)
class StepSignature:
    """What a step's entrypoint takes and returns, read once from its annotations."""

    inputs: dict[str, Any]  # input name -> annotation, in signature order
    outputs: dict[str, Any]  # output name -> annotation, in return order
    config_arg: str | None
    config_class: type[BaseStepConfig] | None
    context_arg: str | None
    single_output: bool  # True when the return annotation is one plain type (output "output")


def _resolve_annotation(
    func: Callable[..., Any], annotation: Any, where: str, localns: Mapping[str, Any] | None = None
) -> Any:
    """Evaluate a string annotation (``from __future__ import annotations``).

    Names are looked up in the function's globals and in the namespace where the step was
    defined (so types defined inside a function or test work too).
    """
    if not isinstance(annotation, str):
        return annotation
    try:
        return eval(annotation, func.__globals__, dict(localns or {}))  # noqa: S307 - the user's own code
    except Exception as error:  # NameError mostly: a type defined inside another function
        raise StepInterfaceError(
            f"Cannot resolve the annotation {annotation!r} of {where}: {error}. Define the type at "
            "module level, or do not use string annotations for it."
        ) from error


def _is_subclass(tp: Any, base: type) -> bool:
    return isinstance(tp, type) and issubclass(tp, base)


def parse_signature(
    func: Callable[..., Any],
    step_name: str,
    *,
    skip_self: bool = False,
    localns: Mapping[str, Any] | None = None,
) -> StepSignature:
    """Check a step entrypoint's signature and return its inputs, outputs, config and context.

    Raises:
        StepInterfaceError: naming the step and the offending parameter.
    """
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as error:
        raise StepInterfaceError(
            f"Step '{step_name}': cannot read the signature: {error}"
        ) from error
    params = list(signature.parameters.values())
    if skip_self and params:
        params = params[1:]

    inputs: dict[str, Any] = {}
    config_arg: str | None = None
    config_class: type[BaseStepConfig] | None = None
    context_arg: str | None = None
    for param in params:
        where = f"parameter '{param.name}' of step '{step_name}'"
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            raise StepInterfaceError(
                f"Step '{step_name}' takes *{param.name}: steps cannot take variable positional "
                "arguments. Declare each input as its own typed parameter."
            )
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            raise StepInterfaceError(
                f"Step '{step_name}' takes **{param.name}: steps cannot take variable keyword "
                "arguments. Declare each input as its own typed parameter, and parameters in a "
                "BaseStepConfig."
            )
        if param.annotation is inspect.Parameter.empty:
            raise StepInterfaceError(
                f"Missing type annotation for {where}. Every step parameter needs a type, e.g. "
                f"'{param.name}: int'."
            )
        annotation = _resolve_annotation(func, param.annotation, where, localns)
        if _is_subclass(annotation, BaseStepConfig):
            if config_arg is not None:
                raise StepInterfaceError(
                    f"Step '{step_name}' takes two configs ('{config_arg}' and '{param.name}'); a "
                    "step takes at most one BaseStepConfig. Merge their fields into one class."
                )
            config_arg, config_class = param.name, annotation
        elif _is_subclass(annotation, StepContext):
            if context_arg is not None:
                raise StepInterfaceError(
                    f"Step '{step_name}' takes two StepContext parameters ('{context_arg}' and "
                    f"'{param.name}'); a step takes at most one."
                )
            context_arg = param.name
        else:
            inputs[param.name] = annotation

    # No return annotation means no outputs, as in the seed: the same as '-> None'.
    returns = (
        None
        if signature.return_annotation is inspect.Signature.empty
        else _resolve_annotation(
            func, signature.return_annotation, f"the return of step '{step_name}'", localns
        )
    )
    outputs: dict[str, Any]
    single_output = False
    if returns is None or returns is type(None):
        outputs = {}
    elif isinstance(returns, Output):
        outputs = dict(returns.items())
    else:
        outputs = {SINGLE_RETURN_OUT_NAME: returns}
        single_output = True

    overlap = set(inputs) & set(outputs)
    if config_class is not None:
        overlap |= (set(inputs) | set(outputs)) & set(config_class.model_fields)
    if overlap:
        raise StepInterfaceError(
            f"Step '{step_name}': the names {sorted(overlap)} are used by more than one of inputs, "
            "outputs and config fields. Rename them so each name means one thing."
        )
    return StepSignature(inputs, outputs, config_arg, config_class, context_arg, single_output)


@dataclass(frozen=True)
class StepOutput:
    """A placeholder for one output of a step inside a pipeline definition."""

    step: BaseStep
    name: str
    annotation: Any

    def __repr__(self) -> str:
        return f"<output '{self.name}' of step '{self.step.name}'>"


class StepOutputs(tuple[StepOutput, ...]):
    """The outputs of a multi-output step call: unpack it, or index by position or name."""

    _names: tuple[str, ...]

    def __new__(cls, outputs: list[StepOutput]) -> StepOutputs:
        instance = super().__new__(cls, outputs)
        instance._names = tuple(o.name for o in outputs)
        return instance

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            if key not in self._names:
                raise KeyError(f"No output named '{key}'; outputs are {list(self._names)}.")
            return tuple.__getitem__(self, self._names.index(key))
        return tuple.__getitem__(self, key)

    def __getattr__(self, name: str) -> StepOutput:
        if name.startswith("_") or name not in self._names:
            raise AttributeError(name)
        return self[name]


MaterializerOverride = type | Mapping[str, type]
S = TypeVar("S", bound="BaseStep")


class BaseStep:
    """A step. Subclass it and implement ``entrypoint``, or decorate a function with ``@step``.

    Class-based steps (the seed's ``BaseStep`` API)::

        class Trainer(BaseStep):
            def entrypoint(self, config: TrainerConfig, x: list) -> float:
                ...
    """

    # Set on every concrete subclass by __init_subclass__ / the decorator.
    SIGNATURE: ClassVar[StepSignature]
    STEP_NAME: ClassVar[str]
    ENABLE_CACHE: ClassVar[bool | None] = None
    CUSTOM_STEP_OPERATOR: ClassVar[str | None] = None
    OUTPUT_ARTIFACT_TYPES: ClassVar[dict[str, type]] = {}
    RETRIES: ClassVar[int] = 0
    RETRY_DELAY_SECONDS: ClassVar[float | None] = None
    TIMEOUT_SECONDS: ClassVar[float | None] = None
    QUEUE: ClassVar[str | None] = None
    RESOURCES: ClassVar[ResourceSpec | None] = None
    FUNCTION: ClassVar[Callable[..., Any] | None] = None  # the decorated function, if any
    entrypoint: Callable[..., Any]  # the step's code: implemented by subclasses / the decorator

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("_abstract", False):
            return
        if "entrypoint" not in cls.__dict__ and not hasattr(cls, "SIGNATURE"):
            raise StepInterfaceError(
                f"Step class '{cls.__qualname__}' must implement entrypoint(self, ...)."
            )
        if "entrypoint" in cls.__dict__:
            function = cls.__dict__["entrypoint"]
            is_static = isinstance(function, staticmethod)
            raw = function.__func__ if is_static else function
            name = cls.__dict__.get("STEP_NAME", cls.__name__)
            cls.STEP_NAME = name
            cls.SIGNATURE = parse_signature(raw, name, skip_self=not is_static)
        if "OUTPUT_SPEC" in cls.__dict__:
            # The seed's class attribute for non-default artifact types of class-based steps.
            output_spec = dict(cls.__dict__["OUTPUT_SPEC"])
            _check_output_types(cls.STEP_NAME, output_spec, cls.SIGNATURE)
            cls.OUTPUT_ARTIFACT_TYPES = output_spec

    def __init__(self, *args: Any, config: BaseStepConfig | None = None, **kwargs: Any) -> None:
        if type(self).__dict__.get("_abstract", False) or not hasattr(self, "SIGNATURE"):
            raise StepInterfaceError(
                f"'{type(self).__qualname__}' is an abstract step; subclass it and implement "
                "entrypoint(self, ...), then create an instance of the subclass."
            )
        # ZenML allowed the config positionally or by its parameter name as well.
        if args:
            if len(args) > 1 or config is not None:
                raise StepInterfaceError(
                    f"Step '{self.STEP_NAME}' takes at most one positional argument, its config."
                )
            config = args[0]
        sig = self.SIGNATURE
        if sig.config_arg is not None and sig.config_arg in kwargs:
            if config is not None:
                raise StepInterfaceError(f"Step '{self.STEP_NAME}' got its config twice.")
            config = kwargs.pop(sig.config_arg)
        if kwargs:
            unknown = next(iter(kwargs))
            hint = did_you_mean(unknown, ["config"])
            raise StepInterfaceError(
                f"Step '{self.STEP_NAME}' got an unexpected keyword argument '{unknown}'. A step "
                f"instance takes only config=... ; inputs are passed when the pipeline calls it.{hint}"
            )
        if config is not None:
            if sig.config_class is None:
                raise StepInterfaceError(
                    f"Step '{self.STEP_NAME}' got a config, but its entrypoint takes no "
                    "BaseStepConfig parameter. Add one, e.g. 'config: MyConfig'."
                )
            if not isinstance(config, sig.config_class):
                raise StepInterfaceError(
                    f"Step '{self.STEP_NAME}' expects a config of type "
                    f"{sig.config_class.__name__}, got {type(config).__name__}."
                )
            check_json_parameters(self.STEP_NAME, config)
        self._config: BaseStepConfig | None = config
        self._config_overrides: dict[str, Any] = {}
        self._materializers: dict[str, type] = {}
        self.pipeline_parameter_name: str | None = None
        self._called = False
        self.input_wiring: dict[str, StepOutput] = {}
        self._outputs: list[StepOutput] = []

    # --- identity ------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The step's name in its pipeline (the pipeline parameter name), else its own name."""
        return self.pipeline_parameter_name or self.STEP_NAME

    @property
    def entrypoint_name(self) -> str:
        function = self.FUNCTION
        return function.__name__ if function is not None else type(self).__name__

    @property
    def docstring(self) -> str | None:
        function = self.FUNCTION
        doc = function.__doc__ if function is not None else type(self).__doc__
        return inspect.cleandoc(doc) if doc else None

    @classmethod
    def entrypoint_path(cls) -> str:
        """``module:qualname`` by which a worker process imports this step class."""
        return f"{cls.__module__}:{cls.__qualname__}"

    @classmethod
    def source_hash(cls) -> str:
        """sha256 of the code that decides what the step does (ADR 0015).

        The function for ``@step`` (the class, with its base classes, otherwise), every user
        module it can reach by imports from its own module, and the versions of the libraries
        those import; comments, docstrings and formatting do not count.
        """
        from zenml_airflow.utils.code_hash import code_hash  # only compiling needs it

        return code_hash(cls.FUNCTION if cls.FUNCTION is not None else cls)

    # --- configuration -------------------------------------------------------------------------

    @property
    def config(self) -> BaseStepConfig | None:
        return self._config

    def resolved_config(self) -> BaseStepConfig | None:
        """The config to run with: the given one, plus file overrides, else the defaults."""
        cls = self.SIGNATURE.config_class
        if cls is None:
            return None
        values = self._config.model_dump() if self._config is not None else {}
        values.update(self._config_overrides)
        try:
            config = cls(**values)
        except ValidationError as error:
            missing = [
                ".".join(str(p) for p in e["loc"]) for e in error.errors() if e["type"] == "missing"
            ]
            if missing:
                raise MissingStepParameterError(
                    f"Step '{self.name}' is missing the required parameter(s) {missing} of "
                    f"{cls.__name__}. Pass them with {self.STEP_NAME}(config={cls.__name__}(...)) "
                    "or in a config file under steps.<name>.parameters."
                ) from error
            raise StepInterfaceError(
                f"Invalid parameters for step '{self.name}' ({cls.__name__}): {error}"
            ) from error
        check_json_parameters(self.name, config)
        return config

    def parameters(self) -> dict[str, Any]:
        """The step's parameters as JSON-compatible values (stored, and part of the cache key)."""
        config = self.resolved_config()
        return config.model_dump(mode="json") if config is not None else {}

    def with_return_materializers(self: S, materializers: MaterializerOverride) -> S:
        """Use these materializers for the step's outputs instead of the registered ones.

        Pass one class (for a single-output step, or to use it for every output) or a mapping
        ``{output_name: MaterializerClass}``.
        """
        from_names = set(self.SIGNATURE.outputs)
        if isinstance(materializers, Mapping):
            for output, cls in materializers.items():
                if output not in from_names:
                    raise StepInterfaceError(
                        f"Step '{self.name}' has no output named '{output}' (outputs: "
                        f"{sorted(from_names)}).{did_you_mean(output, from_names)}"
                    )
                self._check_materializer(output, cls)
                self._materializers[output] = cls
        else:
            for output in from_names:
                self._check_materializer(output, materializers)
                self._materializers[output] = materializers
        return self

    def _check_materializer(self, output: str, cls: Any) -> None:
        if not (isinstance(cls, type) and issubclass(cls, MaterializerMarker)):
            raise StepInterfaceError(
                f"Materializer for output '{output}' of step '{self.name}' must be a "
                f"BaseMaterializer subclass, got {cls!r}."
            )

    @property
    def materializer_overrides(self) -> dict[str, type]:
        return dict(self._materializers)

    @property
    def enable_cache(self) -> bool | None:
        return self.ENABLE_CACHE

    @property
    def custom_step_operator(self) -> str | None:
        return self.CUSTOM_STEP_OPERATOR

    # --- wiring inside a pipeline --------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._called:
            raise StepInterfaceError(
                f"Step '{self.name}' has already been called in this pipeline. Each step instance "
                "can be called once; create another instance to use the step twice."
            )
        sig = self.SIGNATURE
        input_names = list(sig.inputs)
        if len(args) > len(input_names):
            raise StepInterfaceError(
                f"Step '{self.name}' takes {len(input_names)} input(s) {input_names} but got "
                f"{len(args)} positional argument(s)."
            )
        given: dict[str, Any] = dict(zip(input_names, args, strict=False))
        for key, value in kwargs.items():
            if key not in sig.inputs:
                hint = did_you_mean(key, input_names)
                extra = ""
                if key == sig.config_arg or key == sig.context_arg:
                    extra = " Configs are passed when creating the step, not when calling it."
                raise StepInterfaceError(
                    f"Step '{self.name}' has no input named '{key}' (inputs: {input_names}).{hint}{extra}"
                )
            if key in given:
                raise StepInterfaceError(f"Step '{self.name}' got input '{key}' twice.")
            given[key] = value
        missing = [name for name in input_names if name not in given]
        if missing:
            raise StepInterfaceError(
                f"Step '{self.name}' was called without the input(s) {missing}. Pass the output of "
                f"an upstream step for each, e.g. {self.name}({missing[0]}=other_step_output)."
            )
        for key, value in given.items():
            if isinstance(value, StepOutputs):
                raise StepInterfaceError(
                    f"Input '{key}' of step '{self.name}' got all outputs of step "
                    f"'{value[0].step.name}' ({list(value._names)}); pass one of them."
                )
            if not isinstance(value, StepOutput):
                raise StepInterfaceError(
                    f"Input '{key}' of step '{self.name}' got a {type(value).__name__} value, not "
                    "the output of another step. Inputs must come from upstream steps; pass "
                    "constants through the step's BaseStepConfig instead."
                )
            _check_types_compatible(value, self, key, sig.inputs[key])
        self._called = True
        self.input_wiring = given
        self._outputs = [StepOutput(self, name, tp) for name, tp in sig.outputs.items()]
        if not self._outputs:
            return None
        if sig.single_output or len(self._outputs) == 1:
            return self._outputs[0]
        return StepOutputs(self._outputs)

    def __repr__(self) -> str:
        return f"<step '{self.name}' ({self.entrypoint_path()})>"


def _check_types_compatible(
    output: StepOutput, step: BaseStep, input_name: str, expected: Any
) -> None:
    produced = output.annotation
    if not (isinstance(produced, type) and isinstance(expected, type)):
        return  # generics, Any, unions: checked when the data is read
    if expected is typing.Any or issubclass(produced, expected) or issubclass(expected, produced):
        return
    # An artifact-typed input ("skip materialization") accepts any producer type.
    if issubclass(expected, ArtifactMarker):
        return
    raise StepInterfaceError(
        f"Input '{input_name}' of step '{step.name}' expects {_type_name(expected)}, but "
        f"{output!r} is annotated {_type_name(produced)}."
    )


def check_json_parameters(step_name: str, config: BaseStepConfig) -> None:
    """Refuse config values that cannot be stored as JSON (the seed's rule)."""
    try:
        json.dumps(config.model_dump(mode="json"))
    except (TypeError, ValueError) as error:
        raise StepInterfaceError(
            f"The config of step '{step_name}' is not JSON-serializable: {error}. Step parameters "
            "are stored in the metadata store; pass data as step inputs instead."
        ) from error


@overload
def step(_func: Callable[..., Any]) -> type[BaseStep]: ...


@overload
def step(
    *,
    name: str | None = None,
    enable_cache: bool | None = None,
    output_types: dict[str, type] | None = None,
    custom_step_operator: str | None = None,
    retries: int = 0,
    retry_delay: float | timedelta | None = None,
    timeout: float | timedelta | None = None,
    queue: str | None = None,
    resources: Mapping[str, Any] | ResourceSpec | None = None,
) -> Callable[[Callable[..., Any]], type[BaseStep]]: ...


def step(
    _func: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    enable_cache: bool | None = None,
    output_types: dict[str, type] | None = None,
    custom_step_operator: str | None = None,
    retries: int = 0,
    retry_delay: float | timedelta | None = None,
    timeout: float | timedelta | None = None,
    queue: str | None = None,
    resources: Mapping[str, Any] | ResourceSpec | None = None,
) -> type[BaseStep] | Callable[[Callable[..., Any]], type[BaseStep]]:
    """Turn a typed function into a step class.

    Args:
        name: the step's name (defaults to the function name).
        enable_cache: ``False`` never caches this step; ``None`` (default) caches it unless it
            takes a ``StepContext``; ``True`` caches it even then.
        output_types: non-default artifact types per output, e.g. ``{"model": ModelArtifact}``.
        custom_step_operator: the name of the stack's step operator that runs this step.
        retries: how often an orchestrator that retries (Airflow) runs the step again after a
            failure; each try is recorded, and a failed try registers no artifact.
        retry_delay: seconds (or a ``timedelta``) between tries.
        timeout: seconds (or a ``timedelta``) after which a try is stopped and fails.
        queue: the Airflow queue of the step's task (e.g. ``"gpu"``: a CeleryExecutor worker
            started with ``--queues gpu``); ignored by the local orchestrator.
        resources: what one try needs, ``{"cpu": 2, "memory": "4Gi", "gpu": 1}`` (memory as
            ``"512Mi"``, ``"4Gi"``, ``"2G"``, ``"1500M"`` or a number of MiB); the Airflow task's
            ``resources``, and container limits under container step operators.
    """
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        raise StepInterfaceError(f"@step(retries=...) must be a non-negative int, got {retries!r}.")
    retry_delay_seconds = _seconds("retry_delay", retry_delay)
    timeout_seconds = _seconds("timeout", timeout)
    if queue is not None and (not isinstance(queue, str) or not _QUEUE_PATTERN.match(queue)):
        raise StepInterfaceError(
            f"@step(queue=...) must be an Airflow queue name (letters, digits, '_', '-', '.', at "
            f"most 256 characters), got {queue!r}."
        )

    def decorator(
        func: Callable[..., Any], localns: Mapping[str, Any] | None = None
    ) -> type[BaseStep]:
        if not callable(func) or isinstance(func, type):
            raise StepInterfaceError(f"@step decorates functions; got {func!r}.")
        if localns is None:
            localns = sys._getframe(1).f_locals  # where '@step(...)' was applied
        step_name = name or func.__name__
        resource_spec = _resources(step_name, resources)
        signature = parse_signature(func, step_name, localns=localns)
        _check_output_types(step_name, output_types or {}, signature)
        namespace = {
            "entrypoint": staticmethod(func),
            "SIGNATURE": signature,
            "STEP_NAME": step_name,
            "ENABLE_CACHE": enable_cache,
            "CUSTOM_STEP_OPERATOR": custom_step_operator,
            "OUTPUT_ARTIFACT_TYPES": dict(output_types or {}),
            "RETRIES": retries,
            "RETRY_DELAY_SECONDS": retry_delay_seconds,
            "TIMEOUT_SECONDS": timeout_seconds,
            "QUEUE": queue,
            "RESOURCES": resource_spec,
            "FUNCTION": staticmethod(func),
            "__module__": func.__module__,
            "__qualname__": func.__qualname__,
            "__doc__": func.__doc__,
            "_decorated": True,
        }
        return type(func.__name__, (_DecoratedStep,), namespace)

    if _func is not None:
        return decorator(_func, sys._getframe(1).f_locals)  # where '@step' was applied
    return decorator


def _check_output_types(
    step_name: str, output_types: Mapping[str, Any], signature: StepSignature
) -> None:
    for output in output_types:
        if output not in signature.outputs:
            raise StepInterfaceError(
                f"output_types of step '{step_name}' names '{output}', which is not an "
                f"output (outputs: {sorted(signature.outputs)})."
                f"{did_you_mean(output, signature.outputs)}"
            )


_MEMORY_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|Ti|K|M|G|T)?\s*$")
# In MiB: binary units (Kubernetes' "Mi", "Gi") and decimal ones ("M", "G").
_MEMORY_UNITS = {
    None: 1.0, "Ki": 1 / 1024, "Mi": 1.0, "Gi": 1024.0, "Ti": 1024.0**2,
    "K": 1000 / 1024**2, "M": 1000**2 / 1024**2, "G": 1000**3 / 1024**2, "T": 1000**4 / 1024**2,
}  # fmt: skip


def _resources(
    step_name: str, value: Mapping[str, Any] | ResourceSpec | None
) -> ResourceSpec | None:
    """``@step(resources=...)`` as a :class:`ResourceSpec` (memory in MiB), or a clear error."""
    # Imported here: defining steps does not need the spec's models otherwise.
    from zenml_airflow.core.spec import ResourceSpec

    if value is None or isinstance(value, ResourceSpec):
        return value
    where = f"@step(resources=...) of step '{step_name}'"
    if not isinstance(value, Mapping):
        raise StepInterfaceError(
            f"{where} must be a dict like {{'cpu': 2, 'memory': '4Gi', 'gpu': 1}}, got {value!r}."
        )
    unknown = sorted(set(value) - {"cpu", "memory", "gpu"})
    if unknown:
        raise StepInterfaceError(f"{where}: unknown keys {unknown}; use cpu, memory and gpu.")
    cpu, memory, gpu = value.get("cpu"), value.get("memory"), value.get("gpu")
    if cpu is not None and (
        isinstance(cpu, bool) or not isinstance(cpu, (int, float)) or not cpu > 0
    ):
        raise StepInterfaceError(f"{where}: cpu must be a positive number of cores, got {cpu!r}.")
    if gpu is not None and (isinstance(gpu, bool) or not isinstance(gpu, int) or gpu < 0):
        raise StepInterfaceError(f"{where}: gpu must be a whole number >= 0, got {gpu!r}.")
    memory_mb = None
    if memory is not None:
        match = _MEMORY_PATTERN.match(str(memory)) if not isinstance(memory, bool) else None
        amount = float(match.group(1)) * _MEMORY_UNITS[match.group(2)] if match else 0.0
        if amount < 1:
            raise StepInterfaceError(
                f"{where}: memory must be like '512Mi', '4Gi', '2G' or a number of MiB (at "
                f"least 1 MiB), got {memory!r}."
            )
        memory_mb = int(-(-amount // 1))  # rounded up: never less than asked
    return ResourceSpec(cpu=float(cpu) if cpu is not None else None, memory_mb=memory_mb, gpu=gpu)


_QUEUE_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,256}$")


def _seconds(option: str, value: float | timedelta | None) -> float | None:
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
        raise StepInterfaceError(
            f"@step({option}=...) must be a positive number of seconds or a timedelta, got {value!r}."
        )
    return float(seconds)


class _DecoratedStep(BaseStep):
    """Base of ``@step`` classes: the signature is parsed by the decorator, not here."""

    _abstract = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The decorator already parsed and stored SIGNATURE; skip BaseStep's class-based parsing.
        super(BaseStep, cls).__init_subclass__(**kwargs)
