"""The integrations of ZenML 0.7 and what each needs installed (the seed's ``zenml.integrations``).

A pipeline names the integrations it needs, ``@pipeline(required_integrations=[SKLEARN])``, and
:func:`check_integrations` refuses to run it when one is unknown or its packages are missing,
naming the exact ``pip install`` that fixes it. Every one of the seed's 28 integration names is
known here, and the libraries added since (polars, pyarrow, scipy, pillow, matplotlib), with
requirement specifiers for today's libraries (the seed pinned 2022 versions that no longer
install next to Airflow 3). ``supported`` says whether zenml-airflow has code for the
integration (materializers, steps, stack flavors); for the others we only know what to install,
so a step can still use the library, but nothing here reads or writes its objects.

This module is pure Python and cheap to import: it runs on every ``p.run()`` and in every Airflow
task of a pipeline that declares integrations. The check costs a few metadata look-ups the first
time a process asks, then a dictionary look-up.

Example::

    check_integrations(["sklearn"], pipeline_name="train")  # raises IntegrationError if missing
"""

from __future__ import annotations

import re
import shlex
import shutil
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from zenml_airflow.exceptions import IntegrationError, did_you_mean

INSTALL_COMMAND = "zenml-airflow integration install"


class UnknownIntegrationError(IntegrationError, KeyError):
    """An integration name that is not in the registry.

    Also a ``KeyError``, which is what the seed's ``integration_registry`` raised for it.
    """

    def __str__(self) -> str:  # KeyError quotes its message; we want it verbatim.
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class IntegrationInfo:
    """One integration: its name, the pip requirements it needs and what zenml-airflow does with it.

    Attributes:
        name: the seed's name, e.g. ``"sklearn"`` (``zenml.integrations.constants.SKLEARN``).
        requirements: pip requirement specifiers, e.g. ``("scikit-learn>=1.4", "skops>=0.10")``.
        supported: whether zenml-airflow has code for it; ``False`` means we only know what to
            install.
        summary: what it provides in zenml-airflow, or what the seed used it for.
        system_requirements: programs that must be on ``PATH``: ``{what: command}``, as the
            seed's ``SYSTEM_REQUIREMENTS`` (e.g. ``{"graphviz": "dot"}``).
        source: who provides it: ``"zenml-airflow"``, or the plugin distribution and entry
            point (:mod:`zenml_airflow.core.integration_plugins`).
    """

    name: str
    requirements: tuple[str, ...]
    supported: bool
    summary: str
    system_requirements: Mapping[str, str] = field(default_factory=dict, hash=False)
    source: str = "zenml-airflow"


def _info(
    name: str,
    requirements: Sequence[str],
    summary: str,
    *,
    supported: bool = False,
    system_requirements: Mapping[str, str] | None = None,
) -> IntegrationInfo:
    return IntegrationInfo(
        name=name,
        requirements=tuple(requirements),
        supported=supported,
        summary=summary,
        system_requirements=MappingProxyType(dict(system_requirements or {})),
    )


_ONLY_REQUIREMENTS = "no zenml-airflow code yet; "

# The seed's 28 names (zenml/integrations/constants.py), with requirements for today's stack.
BUILT_IN_INTEGRATIONS: Mapping[str, IntegrationInfo] = MappingProxyType(
    {
        info.name: info
        for info in (
            _info(
                "airflow",
                ["apache-airflow>=3.3,<4", "apache-airflow-providers-standard>=1.0"],
                "the airflow orchestrator: pipelines run as Airflow 3 DAGs",
                supported=True,
            ),
            _info(
                "aws",
                ["boto3>=1.34"],
                "the aws secrets manager (AWS Secrets Manager)",
                supported=True,
            ),
            _info(
                "azure", ["adlfs>=2024.2"], _ONLY_REQUIREMENTS + "seed: Azure Blob artifact store"
            ),
            _info(
                "azureml", ["azure-ai-ml>=1.12"], _ONLY_REQUIREMENTS + "seed: AzureML step operator"
            ),
            _info(
                "dash",
                ["dash>=2.0", "dash-cytoscape>=0.3", "dash-bootstrap-components>=1.0"],
                _ONLY_REQUIREMENTS + "seed: pipeline run visualizer",
            ),
            _info(
                "evidently", ["evidently>=0.4"], _ONLY_REQUIREMENTS + "seed: drift detection steps"
            ),
            _info(
                "facets",
                ["facets-overview>=1.1", "IPython"],
                _ONLY_REQUIREMENTS + "seed: statistics visualizer",
            ),
            _info("feast", ["feast[redis]>=0.40"], _ONLY_REQUIREMENTS + "seed: feature store"),
            _info(
                "gcp",
                ["gcsfs>=2024.2"],
                "the gcs artifact store (Google Cloud Storage)",
                supported=True,
            ),
            _info(
                "graphviz",
                ["graphviz>=0.20"],
                _ONLY_REQUIREMENTS + "seed: pipeline graph visualizer",
                system_requirements={"graphviz": "dot"},
            ),
            _info(
                "huggingface",
                ["transformers>=4.40", "datasets>=2.19"],
                _ONLY_REQUIREMENTS + "seed: model, tokenizer and dataset materializers",
            ),
            _info("kubeflow", ["kfp>=2.7"], _ONLY_REQUIREMENTS + "seed: Kubeflow orchestrator"),
            _info(
                "lightgbm",
                ["lightgbm>=4.0"],
                "Booster and scikit-learn wrappers stored in LightGBM's text format (no pickle)",
                supported=True,
            ),
            _info(
                "matplotlib",
                ["matplotlib>=3.8"],
                "matplotlib figures stored as PNG and SVG (read back as an image)",
                supported=True,
            ),
            _info(
                "mlflow",
                ["mlflow>=2.12", "mlserver>=1.3", "mlserver-mlflow>=1.3"],
                _ONLY_REQUIREMENTS + "seed: experiment tracker and model deployer",
            ),
            _info(
                "neural_prophet",
                ["neuralprophet>=0.8"],
                _ONLY_REQUIREMENTS + "seed: NeuralProphet materializer",
            ),
            _info(
                "pillow",
                ["Pillow>=10"],
                "PIL images stored as lossless PNG",
                supported=True,
            ),
            _info("plotly", ["plotly>=5.4"], _ONLY_REQUIREMENTS + "seed: lineage visualizer"),
            _info(
                "polars",
                ["polars>=1.0"],
                "polars DataFrame, LazyFrame (collected) and Series stored as parquet",
                supported=True,
            ),
            _info(
                "pyarrow",
                ["pyarrow>=15"],
                "pyarrow Table and RecordBatch stored as parquet, schema and metadata kept",
                supported=True,
            ),
            _info(
                "pytorch",
                ["torch>=2.4", "safetensors>=0.4"],
                "torch tensors and nn.Module weights stored with safetensors (no pickle)",
                supported=True,
            ),
            _info(
                "pytorch_lightning",
                ["pytorch-lightning>=2.2"],
                _ONLY_REQUIREMENTS + "seed: Trainer materializer",
            ),
            _info(
                "s3",
                ["s3fs>=2024.2"],
                "the s3 artifact store (S3 and S3-compatible stores)",
                supported=True,
            ),
            _info(
                "sagemaker",
                ["sagemaker>=2.200"],
                _ONLY_REQUIREMENTS + "seed: SageMaker step operator",
            ),
            _info(
                "scipy",
                ["scipy>=1.11"],
                "scipy sparse matrices and arrays stored as .npy components (no pickle)",
                supported=True,
            ),
            _info(
                "seldon",
                ["kubernetes>=29"],
                _ONLY_REQUIREMENTS + "seed: Seldon Core model deployer",
            ),
            _info(
                "sklearn",
                ["scikit-learn>=1.4", "skops>=0.10"],
                "estimators stored with skops (no pickle), standard steps, digits helpers",
                supported=True,
            ),
            _info(
                "tensorflow",
                ["tensorflow>=2.16"],
                "Keras 3 models (tf.keras) stored in the native .keras format, loaded in safe mode",
                supported=True,
            ),
            _info("vault", ["hvac>=2.1"], _ONLY_REQUIREMENTS + "seed: HashiCorp Vault secrets"),
            _info("whylogs", ["whylogs>=1.3"], _ONLY_REQUIREMENTS + "seed: data profiling steps"),
            _info(
                "wandb",
                ["wandb>=0.16", "Pillow>=10"],
                _ONLY_REQUIREMENTS + "seed: Weights & Biases experiment tracker",
            ),
            _info(
                "vertex",
                ["google-cloud-aiplatform>=1.50"],
                _ONLY_REQUIREMENTS + "seed: Vertex AI step operator",
            ),
            _info(
                "xgboost",
                ["xgboost>=3.0"],
                "Booster and scikit-learn wrappers stored in XGBoost's UBJSON format (no pickle)",
                supported=True,
            ),
        )
    }
)

# Built-ins plus what register_integration() added in this process.
_integrations: dict[str, IntegrationInfo] = dict(BUILT_IN_INTEGRATIONS)
# requirement string -> why it is not satisfied ("" when it is); filled on first check.
_requirement_status: dict[str, str] = {}
# integration names found complete in this process: the hot path is one set look-up.
_satisfied: set[str] = set()
_lock = threading.Lock()


def _find_plugins() -> None:
    """Register the integrations that installed packages add by entry point (looked for once per
    process, and only by the calls that need every name)."""
    from zenml_airflow.core.integration_plugins import plugin_integrations

    plugin_integrations()


def integrations() -> Mapping[str, IntegrationInfo]:
    """Every known integration by name, plugins included (a read-only view, sorted by name)."""
    _find_plugins()
    return MappingProxyType(dict(sorted(_integrations.items())))


def integration_names() -> list[str]:
    """The known integration names, plugins included, sorted."""
    _find_plugins()
    return sorted(_integrations)


def get_integration(name: str) -> IntegrationInfo:
    """The integration called ``name``.

    Raises:
        UnknownIntegrationError: if there is none, with the closest name and the known ones.
    """
    info = _integrations.get(name) if isinstance(name, str) else None
    if info is None:
        _find_plugins()
        info = _integrations.get(name) if isinstance(name, str) else None
    if info is None:
        raise UnknownIntegrationError(
            f"Unknown integration {name!r}.{did_you_mean(str(name), _integrations)} "
            f"Known integrations: {', '.join(integration_names())}."
        )
    return info


def register_integration(info: IntegrationInfo, *, replace: bool = True) -> None:
    """Add an integration for this process, e.g. a user-defined seed-style ``Integration``
    subclass; an existing one of that name is replaced unless ``replace`` is false. Only the
    process that registers it knows it."""
    if not isinstance(info.name, str) or not info.name:
        raise IntegrationError(f"An integration needs a non-empty string name; got {info.name!r}.")
    with _lock:
        if not replace and info.name in _integrations:
            return
        _integrations[info.name] = info
        _satisfied.discard(info.name)


# name[extras] followed by plain version specifiers: what our own records use. Anything else
# (markers, URLs) goes through packaging's full parser.
_SIMPLE_REQUIREMENT = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*"
    r"(?:\[(?P<extras>[^\]]*)\])?\s*(?P<spec>(?:[<>=!~]=?|===)[^;@]*)?\s*$"
)


#: Distributions that install the same importable package as the one a requirement names, and
#: satisfy it too (e.g. the CPU-only build of XGBoost, which zenml-airflow's tests use).
_SAME_MODULE_DISTRIBUTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"xgboost": ("xgboost-cpu",), "tensorflow": ("tensorflow-cpu",)}
)


def requirement_name(requirement: str) -> str:
    """The distribution a requirement names: ``"feast[redis]>=0.40"`` -> ``"feast"``.

    Raises:
        IntegrationError: if ``requirement`` is not a valid requirement.
    """
    match = _SIMPLE_REQUIREMENT.match(requirement)
    if match is not None:
        return match["name"]
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(requirement).name
    except InvalidRequirement as error:
        raise IntegrationError(f"Invalid requirement {requirement!r}: {error}") from error


def _requirement_problem(requirement: str) -> str:
    """Why ``requirement`` is not satisfied in this environment, or ``""`` when it is."""
    import importlib.metadata

    match = _SIMPLE_REQUIREMENT.match(requirement)
    if match is not None:
        name = match["name"]
        extras = [e.strip() for e in (match["extras"] or "").split(",") if e.strip()]
        spec = (match["spec"] or "").strip()
    else:
        from packaging.requirements import InvalidRequirement, Requirement

        try:
            parsed = Requirement(requirement)
        except InvalidRequirement as error:
            return f"invalid requirement ({error})"
        if parsed.marker is not None and not parsed.marker.evaluate():
            return ""  # not meant for this Python or platform
        name, extras, spec = parsed.name, sorted(parsed.extras), str(parsed.specifier)
    distribution = None
    for candidate in (name, *_SAME_MODULE_DISTRIBUTIONS.get(name.lower(), ())):
        try:
            distribution = importlib.metadata.distribution(candidate)
            break
        except importlib.metadata.PackageNotFoundError:
            continue
    if distribution is None:
        return "not installed"
    version = distribution.version
    if spec:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            specifier = SpecifierSet(spec)
        except InvalidSpecifier as error:
            return f"invalid requirement ({error})"
        # Pre-releases count: whoever installed one chose it. A version that is not PEP 440
        # satisfies no specifier.
        if not specifier.contains(version, prereleases=True):
            return f"version {version} installed"
    for extra in extras:
        problem = _extra_problem(distribution, extra)
        if problem:
            return problem
    return ""


def _extra_problem(distribution: object, extra: str) -> str:
    """Whether the packages that ``name[extra]`` adds are installed (one level deep)."""
    from packaging.requirements import InvalidRequirement, Requirement

    for text in getattr(distribution, "requires", None) or ():
        try:
            dependency = Requirement(text)
        except InvalidRequirement:
            continue
        marker = dependency.marker
        if marker is None or "extra" not in str(marker):
            continue
        if not marker.evaluate({"extra": extra}):
            continue
        problem = _requirement_problem(str(dependency).split(";", 1)[0])
        if problem:
            return f"extra [{extra}] incomplete: {dependency.name} {problem}"
    return ""


def _status(requirement: str) -> str:
    status = _requirement_status.get(requirement)
    if status is None:
        status = _requirement_problem(requirement)
        _requirement_status[requirement] = status
    return status


def missing_requirements(
    requirements: Iterable[str], system_requirements: Mapping[str, str] | None = None
) -> list[str]:
    """What is missing among ``requirements`` and ``system_requirements``, one line each, e.g.
    ``"skops>=0.10 (not installed)"``; empty when everything is there."""
    missing = [
        f"{requirement} ({problem})"
        for requirement in requirements
        if (problem := _status(requirement))
    ]
    for what, command in (system_requirements or {}).items():
        if shutil.which(command) is None:
            missing.append(f"{what} (program '{command}' not found on PATH)")
    return missing


def missing_for(name: str) -> list[str]:
    """What integration ``name`` lacks (see :func:`missing_requirements`).

    Raises:
        UnknownIntegrationError: if ``name`` is not a known integration.
    """
    info = get_integration(name)
    return missing_requirements(info.requirements, info.system_requirements)


def is_installed(name: str) -> bool:
    """Whether every requirement of integration ``name`` is installed.

    Raises:
        UnknownIntegrationError: if ``name`` is not a known integration.
    """
    if name in _satisfied:
        return True
    if missing_for(name):
        return False
    _satisfied.add(name)
    return True


def pip_install_command(requirements: Iterable[str]) -> str:
    """``pip install 'a>=1' 'b'``, quoted for a POSIX shell."""
    return shlex.join(["pip", "install", *requirements])


def check_integrations(names: Iterable[str], *, pipeline_name: str) -> None:
    """Refuse to run pipeline ``pipeline_name`` unless every integration in ``names`` is known
    and installed. Results are kept for the life of the process: once an integration is found
    complete, checking it again is a set look-up.

    Raises:
        UnknownIntegrationError: a name is not an integration (with the closest match).
        IntegrationError: some requirements are missing; the message names each one, why, and
            the ``pip install`` and ``zenml-airflow integration install`` commands that fix it.
    """
    if isinstance(names, str):  # "sklearn" would otherwise be checked letter by letter
        names = [names]
    wanted = list(dict.fromkeys(names))
    if all(name in _satisfied for name in wanted):
        return
    if any(name not in _integrations for name in wanted):
        _find_plugins()
    unknown = [name for name in wanted if name not in _integrations]
    if unknown:
        known = ", ".join(integration_names())
        hints = "".join(did_you_mean(str(name), _integrations) for name in unknown)
        raise UnknownIntegrationError(
            f"Pipeline '{pipeline_name}' requires unknown integration"
            f"{'s' if len(unknown) > 1 else ''} {', '.join(repr(n) for n in unknown)}."
            f"{hints} Fix required_integrations=[...]; known integrations: {known}."
        )
    incomplete: dict[str, list[str]] = {}
    for name in wanted:
        if not is_installed(name):
            incomplete[name] = missing_for(name)
    if not incomplete:
        return
    details = "; ".join(f"{name}: {', '.join(lines)}" for name, lines in incomplete.items())
    fixes = []
    packages_missing = [
        name for name in incomplete if any(_status(r) for r in _integrations[name].requirements)
    ]
    if packages_missing:
        requirements = dict.fromkeys(
            r for name in packages_missing for r in _integrations[name].requirements
        )
        fixes.append(
            f"Install the packages with: {pip_install_command(requirements)} "
            f"(or: {INSTALL_COMMAND} {' '.join(packages_missing)})."
        )
    programs = [
        command
        for name in incomplete
        for command in _integrations[name].system_requirements.values()
        if shutil.which(command) is None
    ]
    if programs:
        fixes.append(
            f"Install the program{'s' if len(programs) > 1 else ''} "
            f"{', '.join(repr(p) for p in programs)} with your system's package manager."
        )
    raise IntegrationError(
        f"Pipeline '{pipeline_name}' requires integration"
        f"{'s' if len(incomplete) > 1 else ''} {', '.join(repr(n) for n in incomplete)}, "
        f"but this environment lacks: {details}. {' '.join(fixes)}"
    )


def clear_cache() -> None:
    """Forget what was found installed (after ``pip install`` or ``uninstall`` in this process)."""
    with _lock:
        _requirement_status.clear()
        _satisfied.clear()
    import importlib

    importlib.invalidate_caches()  # new dist-info folders must be seen by importlib.metadata


__all__ = [
    "BUILT_IN_INTEGRATIONS",
    "INSTALL_COMMAND",
    "IntegrationInfo",
    "UnknownIntegrationError",
    "check_integrations",
    "clear_cache",
    "get_integration",
    "integration_names",
    "integrations",
    "is_installed",
    "missing_for",
    "missing_requirements",
    "pip_install_command",
    "register_integration",
    "requirement_name",
]
