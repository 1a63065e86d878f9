"""The seed's ``zenml.integrations.registry``: ``integration_registry``, every integration by name.

It is a view over :mod:`zenml_airflow.core.integrations` (where ``@pipeline(required_integrations=
...)`` is checked), with the seed's surface: ``integrations``, ``list_integration_names``,
``select_integration_requirements``, ``is_installed``, ``register_integration`` and
``activate_integrations``. Nothing is imported or checked until it is asked for. Integrations
that other packages add by entry point (:mod:`zenml_airflow.core.integration_plugins`) are
listed with the built-in ones, as their own ``Integration`` classes.

Example::

    from zenml_airflow.integrations.registry import integration_registry

    integration_registry.select_integration_requirements("sklearn")
    # ['scikit-learn>=1.4', 'skops>=0.10']
"""

from __future__ import annotations

import importlib
import logging
import threading
from typing import Any

from zenml_airflow.core import integrations as core
from zenml_airflow.core.integration_plugins import plugin_integrations
from zenml_airflow.exceptions import IntegrationError
from zenml_airflow.integrations.integration import Integration
from zenml_airflow.materializers.default_materializer_registry import (
    default_materializer_registry,
)

logger = logging.getLogger(__name__)

# The seed's class names (zenml/integrations/<name>/__init__.py).
_CLASS_NAMES: dict[str, str] = {
    "airflow": "AirflowIntegration",
    "aws": "AWSIntegration",
    "azure": "AzureIntegration",
    "azureml": "AzureMLIntegration",
    "dash": "DashIntegration",
    "evidently": "EvidentlyIntegration",
    "facets": "FacetsIntegration",
    "feast": "FeastIntegration",
    "gcp": "GcpIntegration",
    "graphviz": "GraphvizIntegration",
    "huggingface": "HuggingfaceIntegration",
    "kubeflow": "KubeflowIntegration",
    "lightgbm": "LightGBMIntegration",
    "mlflow": "MlflowIntegration",
    "neural_prophet": "NeuralProphetIntegration",
    "plotly": "PlotlyIntegration",
    "pytorch": "PytorchIntegration",
    "pytorch_lightning": "PytorchLightningIntegration",
    "s3": "S3Integration",
    "sagemaker": "SagemakerIntegration",
    "seldon": "SeldonIntegration",
    "sklearn": "SklearnIntegration",
    "tensorflow": "TensorflowIntegration",
    "vault": "VaultIntegration",
    "wandb": "WandbIntegration",
    "whylogs": "WhylogsIntegration",
    "vertex": "VertexIntegration",
    "xgboost": "XgboostIntegration",
}


# Integrations with a package of their own here: name -> its Integration class (importing the
# package is cheap: it does not import the library).
_PACKAGED: dict[str, str] = {
    "lightgbm": "LightGBMIntegration",
    "matplotlib": "MatplotlibIntegration",
    "pillow": "PillowIntegration",
    "polars": "PolarsIntegration",
    "pyarrow": "PyarrowIntegration",
    "pytorch": "PytorchIntegration",
    "scipy": "ScipyIntegration",
    "sklearn": "SklearnIntegration",
    "tensorflow": "TensorflowIntegration",
    "xgboost": "XgboostIntegration",
}


def _integration_class(info: core.IntegrationInfo) -> type[Integration]:
    plugin = plugin_integrations().get(info.name)
    if plugin is not None and plugin.source == info.source:
        plugin_class: type[Integration] = plugin.integration_class
        return plugin_class
    if info.name in _PACKAGED:
        module = importlib.import_module(f"zenml_airflow.integrations.{info.name}")
        integration: type[Integration] = getattr(module, _PACKAGED[info.name])
        return integration
    class_name = _CLASS_NAMES.get(info.name, "".join(p.title() for p in info.name.split("_")))
    attributes: dict[str, Any] = {
        "__doc__": info.summary,
        "__module__": __name__,
        "NAME": info.name,
        "REQUIREMENTS": list(info.requirements),
        "SYSTEM_REQUIREMENTS": dict(info.system_requirements),
    }
    return type(class_name, (Integration,), attributes)


class IntegrationRegistry:
    """Every integration zenml-airflow knows, as seed-style :class:`Integration` classes."""

    def __init__(self) -> None:
        self._integrations: dict[str, type[Integration]] = {}
        self._lock = threading.Lock()

    @property
    def integrations(self) -> dict[str, type[Integration]]:
        """``{name: Integration subclass}`` for every known integration, sorted by name."""
        with self._lock:
            for name, info in core.integrations().items():
                if name not in self._integrations:
                    self._integrations[name] = _integration_class(info)
            return dict(sorted(self._integrations.items()))

    @integrations.setter
    def integrations(self, value: Any) -> None:
        raise IntegrationError(
            "integration_registry.integrations cannot be replaced. Add an integration with "
            "integration_registry.register_integration(NAME, IntegrationClass)."
        )

    def register_integration(self, key: str, type_: type[Integration]) -> None:
        """Register ``type_`` (an :class:`Integration` subclass) as integration ``key`` in this
        process, so ``required_integrations=[key]`` is checked against its ``REQUIREMENTS``."""
        if not (isinstance(type_, type) and issubclass(type_, Integration)):
            raise IntegrationError(
                f"Cannot register {type_!r} as integration {key!r}: it is not a subclass of "
                "zenml_airflow.integrations.integration.Integration."
            )
        info = type_.info()
        if info.name != key:
            info = core.IntegrationInfo(
                name=key,
                requirements=info.requirements,
                supported=info.supported,
                summary=info.summary,
                system_requirements=info.system_requirements,
            )
        with self._lock:
            core.register_integration(info)
            self._integrations[key] = type_
        for library, module in type_.MATERIALIZERS.items():
            default_materializer_registry.register_lazy(library, module)

    @property
    def list_integration_names(self) -> list[str]:
        """The names of all known integrations, sorted (a property, as in the seed)."""
        return core.integration_names()

    def select_integration_requirements(self, integration_name: str | None = None) -> list[str]:
        """The pip requirements of one integration, or of all of them (each once) for ``None``.

        Raises:
            UnknownIntegrationError: (a ``KeyError``) for an unknown name, with the closest one.
        """
        if integration_name:
            return list(core.get_integration(integration_name).requirements)
        return list(
            dict.fromkeys(
                requirement
                for info in core.integrations().values()
                for requirement in info.requirements
            )
        )

    def is_installed(self, integration_name: str | None = None) -> bool:
        """Whether one integration (or, for ``None``, every integration) is fully installed.

        Raises:
            UnknownIntegrationError: (a ``KeyError``) for an unknown name, with the closest one.
        """
        if integration_name:
            return core.is_installed(integration_name)
        return all(core.is_installed(name) for name in core.integration_names())

    def activate_integrations(self) -> None:
        """Activate every installed integration (import its materializers), as the seed did on
        ``p.run()``. An integration whose import fails is skipped with a warning."""
        for name, integration in self.integrations.items():
            if not integration.check_installation():
                logger.debug("Integration '%s' is not installed; not activated.", name)
                continue
            try:
                integration.activate()
            except Exception as error:  # one broken library must not stop the others
                logger.warning("Could not activate integration '%s': %s", name, error)


integration_registry = IntegrationRegistry()

__all__ = ["IntegrationRegistry", "integration_registry"]
