"""Stack component types and their built-in flavors: one module per component type.

Each module holds a component type's base class and its flavors (``orchestrator``,
``artifact_store``, ``metadata_store``, ``step_operator``, ``container_registry``,
``secrets_manager``, ``model_deployer``); checks several types share are in ``common``. Every
class stays importable from here (``from zenml_airflow.stack.components import ...``), the path
the rest of the package and the seed-era re-export packages use.

**Adding a built-in flavor** is one change: define the class in its component type's module.
:data:`BUILTIN_COMPONENT_CLASSES` (what :func:`~zenml_airflow.stack.flavors.builtin_flavors`
registers) is every class a module of :data:`COMPONENT_TYPE_MODULES` defines with its own
``FLAVOR``. Re-export it below only if users should import it from this path.

Built-in flavors that work now:

==================  ==========  ===================================================================
type                flavor      fields
==================  ==========  ===================================================================
orchestrator        local       (none) - runs in-process; ``zenml_airflow.orchestrators.local``
orchestrator        airflow     ``dags_folder``, ``airflow_home``, ``api_url``, ``username``,
                                ``password``, ``unpause_on_deploy``; ``zenml_airflow.orchestrators.airflow``
artifact store      local       ``path`` - a local directory
artifact store      s3          ``path`` (``s3://bucket/root``), ``key``, ``secret``, ``token``,
                                ``client_kwargs``, ``config_kwargs`` (s3fs)
artifact store      gcs         ``path`` (``gs://bucket/root``), ``project``, ``token``, ``endpoint_url``
metadata store      sqlite      ``uri`` - the path of a sqlite database file
metadata store      mysql       ``host``, ``port``, ``database``, ``username``, ``password``
metadata store      postgresql  ``host``, ``port``, ``database``, ``username``, ``password``
secrets manager     local       ``secrets_file``, ``key_file`` - a Fernet-encrypted file
secrets manager     aws         ``region_name``, ``endpoint_url``, ``secret_name_prefix``
secrets manager     airflow     ``variable_prefix``, ``connection_prefix``, ``api_url``, ...
container registry  default     ``uri`` (``HOST[:PORT][/PREFIX]``), ``username``, ``password``
                                (may be ``{{secret.key}}``), ``airflow_connection_id``
step operator       virtualenv  ``python`` or ``requirements``, ``system_site_packages``
step operator       docker      ``image`` or ``parent_image``, ``docker_url``
step operator       kubernetes  ``namespace``, ``image``, ``kubeconfig``/``kubernetes_context``/...
==================  ==========  ===================================================================

Flavors that later milestones implement exist as configs already (``NOT_IMPLEMENTED`` says which
milestone): the ``local`` model deployer. It can be registered as a component, but a stack using
it is refused at registration (:meth:`~zenml_airflow.stack.stack.Stack.validate`), never accepted and then failing at
run time.

Opening a store (``open_store()``) imports and constructs it on first call and caches it on the
component; nothing happens on construction or attribute access.
"""

from __future__ import annotations

from types import ModuleType

from zenml_airflow.stack.components import (
    artifact_store,
    container_registry,
    metadata_store,
    model_deployer,
    orchestrator,
    secrets_manager,
    step_operator,
)
from zenml_airflow.stack.components.artifact_store import (
    ArtifactStoreComponent,
    GCSArtifactStoreComponent,
    LocalArtifactStoreComponent,
    S3ArtifactStoreComponent,
)
from zenml_airflow.stack.components.container_registry import (
    ContainerRegistryComponent,
    DefaultContainerRegistryComponent,
)
from zenml_airflow.stack.components.metadata_store import (
    MetadataStoreComponent,
    MySQLMetadataStoreComponent,
    PostgreSQLMetadataStoreComponent,
    SQLiteMetadataStoreComponent,
)
from zenml_airflow.stack.components.model_deployer import (
    LocalModelDeployerComponent,
    ModelDeployerComponent,
)
from zenml_airflow.stack.components.orchestrator import (
    AirflowOrchestratorComponent,
    LocalOrchestratorComponent,
    OrchestratorComponent,
)
from zenml_airflow.stack.components.secrets_manager import (
    AirflowSecretsManagerComponent,
    AWSSecretsManagerComponent,
    LocalSecretsManagerComponent,
    SecretsManagerComponent,
)
from zenml_airflow.stack.components.step_operator import (
    DockerStepOperatorComponent,
    KubernetesStepOperatorComponent,
    StepOperatorComponent,
    VirtualenvStepOperatorComponent,
)
from zenml_airflow.stack.stack_component import StackComponent

#: One module per component type, in the order their flavors are listed.
COMPONENT_TYPE_MODULES: tuple[ModuleType, ...] = (
    orchestrator,
    artifact_store,
    metadata_store,
    step_operator,
    container_registry,
    secrets_manager,
    model_deployer,
)


def flavors_defined_in(module: ModuleType) -> tuple[type[StackComponent], ...]:
    """The flavor classes ``module`` defines, in definition order: its
    :class:`~zenml_airflow.stack.stack_component.StackComponent` subclasses that set ``FLAVOR``
    themselves (base classes set only ``TYPE``; imported classes belong to their own module)."""
    return tuple(
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, StackComponent)
        and obj.__module__ == module.__name__
        and "FLAVOR" in vars(obj)
    )


#: The flavors that ship with zenml-airflow (see :func:`~zenml_airflow.stack.flavors.builtin_flavors`).
BUILTIN_COMPONENT_CLASSES: tuple[type[StackComponent], ...] = tuple(
    cls for module in COMPONENT_TYPE_MODULES for cls in flavors_defined_in(module)
)

__all__ = [
    "AWSSecretsManagerComponent",
    "AirflowOrchestratorComponent",
    "AirflowSecretsManagerComponent",
    "ArtifactStoreComponent",
    "BUILTIN_COMPONENT_CLASSES",
    "COMPONENT_TYPE_MODULES",
    "ContainerRegistryComponent",
    "DefaultContainerRegistryComponent",
    "DockerStepOperatorComponent",
    "GCSArtifactStoreComponent",
    "KubernetesStepOperatorComponent",
    "LocalArtifactStoreComponent",
    "LocalModelDeployerComponent",
    "LocalOrchestratorComponent",
    "LocalSecretsManagerComponent",
    "MetadataStoreComponent",
    "ModelDeployerComponent",
    "MySQLMetadataStoreComponent",
    "OrchestratorComponent",
    "PostgreSQLMetadataStoreComponent",
    "S3ArtifactStoreComponent",
    "SQLiteMetadataStoreComponent",
    "SecretsManagerComponent",
    "StepOperatorComponent",
    "VirtualenvStepOperatorComponent",
    "flavors_defined_in",
]
