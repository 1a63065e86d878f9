"""The seed's module paths and public names under ``zenml_airflow.`` (issue 13, items 5 and 8).

``SEED_MODULES`` lists every module of ZenML 0.7.3's ``src/zenml`` outside ``integrations/``,
``cli/``, ``zen_service/`` and ``zen_stores/`` (and those last two packages themselves), with the
public names it defines (its ``__all__`` for a package; module loggers and type variables left out).
Each path is in exactly one table:

* ``PROVIDED``: imports as ``zenml_airflow.<path>``. Every seed name of it is either mapped onto
  our object (``"module:attribute"``: the seed path gives that very object) or listed in
  ``MISSING_NAMES`` with the reason it is absent.
* ``ELSEWHERE``: the standard steps and pipelines (issue 13 item 6); they must import and define
  the seed's names, their behaviour is tested in tests/steps and tests/pipelines.
* ``NOT_PROVIDED``: no counterpart yet, with the reason; importing it fails with
  ``ModuleNotFoundError``.

When a module or name is added, move it between the tables: the tests fail until the tables say
what is true.
"""

from __future__ import annotations

import importlib
import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

# Defined by the seed-path module itself (a name, a constant, an adapter or an exception class
# of the seed's); its behaviour is tested below, by name.
SELF = "self"

# --- every seed module and its public names (generated from the seed's source tree) ------------

SEED_MODULES: dict[str, list[str]] = {
    "": ["ROOT_DIR"],
    "artifact_stores": ["BaseArtifactStore", "LocalArtifactStore"],
    "artifact_stores.base_artifact_store": ["BaseArtifactStore", "PathType"],
    "artifact_stores.local_artifact_store": ["LocalArtifactStore", "PathType"],
    "artifacts": [
        "DataAnalysisArtifact",
        "DataArtifact",
        "ModelArtifact",
        "SchemaArtifact",
        "ServiceArtifact",
        "StatisticsArtifact",
    ],
    "artifacts.base_artifact": ["BaseArtifact", "DATATYPE_PROPERTY", "MATERIALIZER_PROPERTY"],
    "artifacts.constants": ["DATATYPE_PROPERTY_KEY", "MATERIALIZER_PROPERTY_KEY"],
    "artifacts.data_analysis_artifact": ["DataAnalysisArtifact"],
    "artifacts.data_artifact": ["DataArtifact"],
    "artifacts.model_artifact": ["ModelArtifact"],
    "artifacts.schema_artifact": ["SchemaArtifact"],
    "artifacts.service_artifact": ["ServiceArtifact"],
    "artifacts.statistics_artifact": ["StatisticsArtifact"],
    "artifacts.type_registry": ["ArtifactTypeRegistry", "type_registry"],
    "config": [],
    "config.base_config": ["BaseConfiguration"],
    "config.config_keys": ["ConfigKeys", "PipelineConfigurationKeys", "StepConfigurationKeys"],
    "config.global_config": [
        "CONFIG_ENV_VAR_PREFIX",
        "GlobalConfigMetaClass",
        "GlobalConfiguration",
        "LEGACY_CONFIG_FILE_NAME",
    ],
    "config.profile_config": [
        "DEFAULT_PROFILE_NAME",
        "ProfileConfiguration",
        "get_default_store_type",
    ],
    "console": ["console", "zenml_custom_theme"],
    "constants": [
        "ABSL_LOGGING_VERBOSITY",
        "APP_NAME",
        "AWS_ENTRYPOINT",
        "COMPARISON_NOTEBOOK",
        "CONFIG_VERSION",
        "DEFAULT_SERVICE_START_STOP_TIMEOUT",
        "ENABLE_RICH_TRACEBACK",
        "ENV_ABSL_LOGGING_VERBOSITY",
        "ENV_ZENML_CONFIG_PATH",
        "ENV_ZENML_DEBUG",
        "ENV_ZENML_DEFAULT_STORE_TYPE",
        "ENV_ZENML_ENABLE_RICH_TRACEBACK",
        "ENV_ZENML_LOGGING_VERBOSITY",
        "ENV_ZENML_PREVENT_PIPELINE_EXECUTION",
        "ENV_ZENML_PROFILE_CONFIGURATION",
        "ENV_ZENML_PROFILE_NAME",
        "ENV_ZENML_REPOSITORY_PATH",
        "EVALUATION_NOTEBOOK",
        "GCP_ENTRYPOINT",
        "GIT_REPO_URL",
        "IS_DEBUG_ENV",
        "IS_EMPTY",
        "K8S_ENTRYPOINT",
        "LOCAL_SECRETS_FILENAME",
        "LOCAL_STORES_DIRECTORY_NAME",
        "MANDATORY_COMPONENT_PROPERTIES",
        "PREPROCESSING_FN",
        "PROJECTS",
        "REMOTE_FS_PREFIX",
        "REPOSITORY_DIRECTORY_NAME",
        "ROLES",
        "ROLE_ASSIGNMENTS",
        "SEGMENT_KEY_DEV",
        "SEGMENT_KEY_PROD",
        "SHOULD_PREVENT_PIPELINE_EXECUTION",
        "STACKS",
        "STACK_COMPONENTS",
        "STACK_CONFIGURATIONS",
        "TEAMS",
        "TRAINER_FN",
        "USERS",
        "USER_MAIN_MODULE",
        "VALID_OPERATING_SYSTEMS",
        "ZENML_BASE_IMAGE_NAME",
        "ZENML_DATAFLOW_IMAGE_NAME",
        "ZENML_LOGGING_VERBOSITY",
        "ZENML_REGISTRY",
        "ZENML_SCHEMA_NAME",
        "ZENML_TRAINER_IMAGE_NAME",
        "ZEN_SERVICE_ENTRYPOINT",
        "ZEN_SERVICE_IP",
        "handle_bool_env_var",
        "handle_int_env_var",
    ],
    "container_registries": ["BaseContainerRegistry"],
    "container_registries.base_container_registry": ["BaseContainerRegistry"],
    "enums": [
        "ExecutionStatus",
        "LoggingLevels",
        "MetadataContextTypes",
        "StackComponentType",
        "StoreType",
    ],
    "environment": ["BaseEnvironmentComponent", "Environment", "EnvironmentComponentMeta"],
    "exceptions": [
        "AlreadyExistsException",
        "ArtifactInterfaceError",
        "ArtifactStoreInterfaceError",
        "DoesNotExistException",
        "DuplicateRunNameError",
        "EntityExistsError",
        "ForbiddenRepositoryAccessError",
        "GitException",
        "GitNotFoundError",
        "InitializationException",
        "IntegrationError",
        "MaterializerInterfaceError",
        "MissingStepParameterError",
        "PipelineConfigurationError",
        "PipelineInterfaceError",
        "PipelineNotSucceededException",
        "ProvisioningError",
        "StackComponentExistsError",
        "StackComponentInterfaceError",
        "StackExistsError",
        "StackValidationError",
        "StepContextError",
        "StepInterfaceError",
        "ZenMLBaseException",
    ],
    "experiment_trackers": ["BaseExperimentTracker"],
    "experiment_trackers.base_experiment_tracker": ["BaseExperimentTracker"],
    "feature_stores": ["BaseFeatureStore"],
    "feature_stores.base_feature_store": ["BaseFeatureStore"],
    "io": [],
    "io.fileio": [
        "copy",
        "exists",
        "glob",
        "isdir",
        "listdir",
        "makedirs",
        "mkdir",
        "open",
        "remove",
        "rename",
        "rmtree",
        "stat",
        "walk",
    ],
    "io.utils": [
        "convert_to_str",
        "copy_dir",
        "create_dir_if_not_exists",
        "create_dir_recursive_if_not_exists",
        "create_file_if_not_exists",
        "find_files",
        "get_global_config_directory",
        "get_grandparent",
        "get_parent",
        "is_remote",
        "is_root",
        "read_file_contents_as_string",
        "resolve_relative_path",
        "write_file_contents_as_string",
    ],
    "logger": [
        "CustomFormatter",
        "LOG_FILE",
        "get_console_handler",
        "get_file_handler",
        "get_logger",
        "get_logging_level",
        "init_logging",
        "set_root_verbosity",
    ],
    "materializers": [
        "BuiltInMaterializer",
        "NumpyMaterializer",
        "PandasMaterializer",
        "ServiceMaterializer",
    ],
    "materializers.base_materializer": ["BaseMaterializer", "BaseMaterializerMeta"],
    "materializers.beam_materializer": ["BeamMaterializer"],
    "materializers.built_in_materializer": ["BuiltInMaterializer", "DEFAULT_FILENAME"],
    "materializers.default_materializer_registry": [
        "MaterializerRegistry",
        "default_materializer_registry",
    ],
    "materializers.numpy_materializer": [
        "DATA_FILENAME",
        "DATA_VAR",
        "NumpyMaterializer",
        "SHAPE_FILENAME",
    ],
    "materializers.pandas_materializer": [
        "COMPRESSION_TYPE",
        "DEFAULT_FILENAME",
        "PandasMaterializer",
    ],
    "materializers.service_materializer": ["SERVICE_CONFIG_FILENAME", "ServiceMaterializer"],
    "metadata_stores": ["BaseMetadataStore", "MySQLMetadataStore", "SQLiteMetadataStore"],
    "metadata_stores.base_metadata_store": ["BaseMetadataStore"],
    "metadata_stores.mysql_metadata_store": ["MySQLMetadataStore"],
    "metadata_stores.sqlite_metadata_store": ["SQLiteMetadataStore"],
    "model_deployers": ["BaseModelDeployer"],
    "model_deployers.base_model_deployer": [
        "BaseModelDeployer",
        "DEFAULT_DEPLOYMENT_START_STOP_TIMEOUT",
    ],
    "orchestrators": ["BaseOrchestrator", "LocalOrchestrator"],
    "orchestrators.base_orchestrator": ["BaseOrchestrator"],
    "orchestrators.context_utils": [
        "add_context_to_node",
        "add_runtime_configuration_to_node",
        "serialize_pydantic_object",
    ],
    "orchestrators.local": [],
    "orchestrators.local.local_orchestrator": ["LocalOrchestrator"],
    "orchestrators.utils": [
        "create_tfx_pipeline",
        "execute_step",
        "get_cache_status",
        "get_step_for_node",
    ],
    "pipelines": ["BasePipeline", "Schedule", "pipeline"],
    "pipelines.base_pipeline": [
        "BasePipeline",
        "BasePipelineMeta",
        "INSTANCE_CONFIGURATION",
        "PARAM_DOCKERIGNORE_FILE",
        "PARAM_ENABLE_CACHE",
        "PARAM_REQUIREMENTS_FILE",
        "PARAM_REQUIRED_INTEGRATIONS",
        "PARAM_SECRETS",
        "PIPELINE_INNER_FUNC_NAME",
    ],
    "pipelines.builtin_pipelines": [],
    "pipelines.builtin_pipelines.training_pipeline": ["TrainingPipeline"],
    "pipelines.pipeline_decorator": ["pipeline"],
    "pipelines.schedule": ["Schedule"],
    "post_execution": ["ArtifactView", "PipelineRunView", "PipelineView", "StepView"],
    "post_execution.artifact": ["ArtifactView"],
    "post_execution.pipeline": ["PipelineView"],
    "post_execution.pipeline_run": ["PipelineRunView"],
    "post_execution.step": ["StepView"],
    "repository": [
        "LegacyRepositoryConfig",
        "Repository",
        "RepositoryConfiguration",
        "RepositoryMetaClass",
    ],
    "runtime_configuration": ["RUN_NAME_OPTION_KEY", "RuntimeConfiguration", "SCHEDULE_OPTION_KEY"],
    "secret": [
        "ARBITRARY_SECRET_SCHEMA_TYPE",
        "ArbitrarySecretSchema",
        "BaseSecretSchema",
        "SecretSchemaClassRegistry",
        "register_secret_schema_class",
    ],
    "secret.arbitrary_secret_schema": ["ARBITRARY_SECRET_SCHEMA_TYPE", "ArbitrarySecretSchema"],
    "secret.base_secret": ["BaseSecretSchema"],
    "secret.secret_schema_class_registry": [
        "SecretSchemaClassRegistry",
        "register_secret_schema_class",
    ],
    "secrets_managers": ["BaseSecretsManager", "LocalSecretsManager"],
    "secrets_managers.base_secrets_manager": ["BaseSecretsManager"],
    "secrets_managers.local": [],
    "secrets_managers.local.local_secrets_manager": ["LocalSecretsManager"],
    "services": [
        "BaseService",
        "BaseServiceEndpoint",
        "BaseServiceEndpointHealthMonitor",
        "HTTPEndpointHealthMonitor",
        "HTTPEndpointHealthMonitorConfig",
        "LocalDaemonService",
        "LocalDaemonServiceConfig",
        "LocalDaemonServiceEndpoint",
        "LocalDaemonServiceEndpointConfig",
        "LocalDaemonServiceEndpointStatus",
        "LocalDaemonServiceStatus",
        "ServiceConfig",
        "ServiceEndpointConfig",
        "ServiceEndpointHealthMonitorConfig",
        "ServiceEndpointProtocol",
        "ServiceEndpointStatus",
        "ServiceRegistry",
        "ServiceState",
        "ServiceStatus",
        "ServiceType",
        "TCPEndpointHealthMonitor",
        "TCPEndpointHealthMonitorConfig",
        "load_last_service_from_step",
    ],
    "services.local": [],
    "services.local.local_daemon_entrypoint": ["run"],
    "services.local.local_service": [
        "LocalDaemonService",
        "LocalDaemonServiceConfig",
        "LocalDaemonServiceStatus",
        "SERVICE_DAEMON_CONFIG_FILE_NAME",
        "SERVICE_DAEMON_LOG_FILE_NAME",
        "SERVICE_DAEMON_PID_FILE_NAME",
    ],
    "services.local.local_service_endpoint": [
        "LocalDaemonServiceEndpoint",
        "LocalDaemonServiceEndpointConfig",
        "LocalDaemonServiceEndpointStatus",
    ],
    "services.service": ["BaseService", "BaseServiceMeta", "ServiceConfig"],
    "services.service_endpoint": [
        "BaseServiceEndpoint",
        "ServiceEndpointConfig",
        "ServiceEndpointProtocol",
        "ServiceEndpointStatus",
    ],
    "services.service_monitor": [
        "BaseServiceEndpointHealthMonitor",
        "DEFAULT_HTTP_HEALTHCHECK_TIMEOUT",
        "HTTPEndpointHealthMonitor",
        "HTTPEndpointHealthMonitorConfig",
        "ServiceEndpointHealthMonitorConfig",
        "TCPEndpointHealthMonitor",
        "TCPEndpointHealthMonitorConfig",
    ],
    "services.service_registry": ["ServiceRegistry"],
    "services.service_status": ["ServiceState", "ServiceStatus"],
    "services.service_type": ["ServiceType"],
    "services.utils": ["load_last_service_from_step"],
    "stack": ["Stack", "StackComponent", "StackValidator"],
    "stack.stack": ["Stack"],
    "stack.stack_component": ["StackComponent"],
    "stack.stack_component_class_registry": [
        "StackComponentClassRegistry",
        "register_stack_component_class",
    ],
    "stack.stack_validator": ["StackValidator"],
    "step_operators": ["BaseStepOperator"],
    "step_operators.base_step_operator": ["BaseStepOperator"],
    "step_operators.entrypoint": [
        "configure_executor",
        "create_executor_class",
        "load_execution_info",
        "main",
    ],
    "step_operators.step_executor_operator": ["StepExecutorOperator"],
    "steps": [
        "BaseStep",
        "BaseStepConfig",
        "Output",
        "STEP_ENVIRONMENT_NAME",
        "StepContext",
        "StepEnvironment",
        "step",
    ],
    "steps.base_step": ["BaseStep", "BaseStepMeta"],
    "steps.base_step_config": ["BaseStepConfig"],
    "steps.builtin_steps": [],
    "steps.builtin_steps.pandas_analyzer": ["PandasAnalyzer", "PandasAnalyzerConfig"],
    "steps.builtin_steps.pandas_datasource": ["PandasDatasource", "PandasDatasourceConfig"],
    "steps.restrict_step_access_decorator": ["restrict_step_access"],
    "steps.step_context": ["StepContext", "StepContextOutput"],
    "steps.step_decorator": ["step"],
    "steps.step_environment": ["STEP_ENVIRONMENT_NAME", "StepEnvironment"],
    "steps.step_interfaces": [
        "BaseAnalyzerConfig",
        "BaseAnalyzerStep",
        "BaseDatasourceConfig",
        "BaseDatasourceStep",
        "BaseDriftDetectionConfig",
        "BaseDriftDetectionStep",
        "BaseEvaluatorConfig",
        "BaseEvaluatorStep",
        "BasePreprocessorConfig",
        "BasePreprocessorStep",
        "BaseSplitStep",
        "BaseSplitStepConfig",
        "BaseTrainerConfig",
        "BaseTrainerStep",
    ],
    "steps.step_interfaces.base_analyzer_step": ["BaseAnalyzerConfig", "BaseAnalyzerStep"],
    "steps.step_interfaces.base_datasource_step": ["BaseDatasourceConfig", "BaseDatasourceStep"],
    "steps.step_interfaces.base_drift_detection_step": [
        "BaseDriftDetectionConfig",
        "BaseDriftDetectionStep",
    ],
    "steps.step_interfaces.base_evaluator_step": ["BaseEvaluatorConfig", "BaseEvaluatorStep"],
    "steps.step_interfaces.base_preprocessor_step": [
        "BasePreprocessorConfig",
        "BasePreprocessorStep",
    ],
    "steps.step_interfaces.base_split_step": ["BaseSplitStep", "BaseSplitStepConfig"],
    "steps.step_interfaces.base_trainer_step": ["BaseTrainerConfig", "BaseTrainerStep"],
    "steps.step_output": ["Output"],
    "steps.utils": [
        "INSTANCE_CONFIGURATION",
        "INTERNAL_EXECUTION_PARAMETER_PREFIX",
        "OUTPUT_SPEC",
        "PARAM_CREATED_BY_FUNCTIONAL_API",
        "PARAM_CUSTOM_STEP_OPERATOR",
        "PARAM_ENABLE_CACHE",
        "PARAM_PIPELINE_PARAMETER_NAME",
        "PARAM_STEP_NAME",
        "SINGLE_RETURN_OUT_NAME",
        "STEP_INNER_FUNC_NAME",
        "do_types_match",
        "generate_component_class",
        "generate_component_spec_class",
        "resolve_type_annotation",
    ],
    "utils": [],
    "utils.analytics_utils": [
        "AnalyticsEvent",
        "get_environment",
        "get_segment_key",
        "parametrized",
        "track",
        "track_event",
    ],
    "utils.daemon": ["daemonize"],
    "utils.docker_utils": [
        "CONTAINER_ZENML_CONFIG_DIR",
        "DEFAULT_BASE_IMAGE",
        "build_docker_image",
        "create_custom_build_context",
        "generate_dockerfile_contents",
        "get_current_environment_requirements",
        "get_image_digest",
        "is_local_image",
        "push_docker_image",
    ],
    "utils.enum_utils": ["StrEnum"],
    "utils.networking_utils": [
        "SCAN_PORT_RANGE",
        "find_available_port",
        "port_available",
        "port_is_open",
        "scan_for_available_port",
    ],
    "utils.secrets_manager_utils": [
        "decode_secret_dict",
        "decode_string",
        "encode_secret",
        "encode_string",
    ],
    "utils.singleton": ["SingletonMetaClass"],
    "utils.source_utils": [
        "create_zenml_pin",
        "get_absolute_path_from_module_source",
        "get_class_source_from_source",
        "get_hashed_source",
        "get_module_source_from_class",
        "get_module_source_from_module",
        "get_module_source_from_source",
        "get_relative_path_from_module_source",
        "get_source",
        "get_source_root_path",
        "import_class_by_path",
        "import_python_file",
        "is_inside_repository",
        "is_standard_pin",
        "is_standard_source",
        "is_third_party_module",
        "load_source_path_class",
        "prepend_python_path",
        "resolve_class",
        "resolve_standard_source",
    ],
    "utils.string_utils": ["get_human_readable_filesize", "get_human_readable_time"],
    "utils.typed_model": ["BaseTypedModel", "BaseTypedModelMeta"],
    "utils.yaml_utils": [
        "UUIDEncoder",
        "append_yaml",
        "is_yaml",
        "read_json",
        "read_yaml",
        "write_json",
        "write_yaml",
    ],
    "visualizers": [
        "BasePipelineRunVisualizer",
        "BasePipelineVisualizer",
        "BaseStepVisualizer",
        "BaseVisualizer",
    ],
    "visualizers.base_pipeline_run_visualizer": ["BasePipelineRunVisualizer"],
    "visualizers.base_pipeline_visualizer": ["BasePipelineVisualizer"],
    "visualizers.base_step_visualizer": ["BaseStepVisualizer"],
    "visualizers.base_visualizer": ["BaseVisualizer"],
    # Outside the core, listed so that they are said to be missing on purpose.
    "zen_service": [],
    "zen_stores": [],
}

# --- what we provide: seed name -> our object ----------------------------------------------------

_ART = "zenml_airflow.artifacts.base_artifact"
_COMP = "zenml_airflow.stack.components"
_EXC = "zenml_airflow.exceptions"
_FILEIO = "zenml_airflow.io.fileio"
_REGISTRY = "zenml_airflow.materializers.default_materializer_registry"
_SCHEMA_MODULE = "zenml_airflow.secrets.schemas"
_VIEWS = "zenml_airflow.post_execution.views"
_VIS = "zenml_airflow.visualizers.base"

_ARTIFACT_MODULES = {
    "data_analysis_artifact": "DataAnalysisArtifact",
    "data_artifact": "DataArtifact",
    "model_artifact": "ModelArtifact",
    "schema_artifact": "SchemaArtifact",
    "service_artifact": "ServiceArtifact",
    "statistics_artifact": "StatisticsArtifact",
}
_FILEIO_NAMES = SEED_MODULES["io.fileio"]
_VIEW_MODULES = {
    "artifact": "ArtifactView",
    "pipeline": "PipelineView",
    "pipeline_run": "PipelineRunView",
    "step": "StepView",
}
_VISUALIZER_MODULES = {
    "base_visualizer": "BaseVisualizer",
    "base_step_visualizer": "BaseStepVisualizer",
    "base_pipeline_visualizer": "BasePipelineVisualizer",
    "base_pipeline_run_visualizer": "BasePipelineRunVisualizer",
}

PROVIDED: dict[str, dict[str, str]] = {
    "": {},
    "step_operators": {
        "BaseStepOperator": "zenml_airflow.step_operators.base_step_operator:BaseStepOperator"
    },
    "step_operators.base_step_operator": {
        "BaseStepOperator": "zenml_airflow.step_operators.base_step_operator:BaseStepOperator"
    },
    "container_registries": {
        "BaseContainerRegistry": "zenml_airflow.stack.components.container_registry:"
        "DefaultContainerRegistryComponent"
    },
    "container_registries.base_container_registry": {
        "BaseContainerRegistry": "zenml_airflow.stack.components.container_registry:"
        "DefaultContainerRegistryComponent"
    },
    "artifact_stores": {
        "BaseArtifactStore": f"{_COMP}:ArtifactStoreComponent",
        "LocalArtifactStore": f"{_COMP}:LocalArtifactStoreComponent",
    },
    "artifact_stores.base_artifact_store": {
        "BaseArtifactStore": f"{_COMP}:ArtifactStoreComponent",
        "PathType": f"{_FILEIO}:PathType",
    },
    "artifact_stores.local_artifact_store": {
        "LocalArtifactStore": f"{_COMP}:LocalArtifactStoreComponent",
        "PathType": f"{_FILEIO}:PathType",
    },
    "artifacts": {name: f"{_ART}:{name}" for name in _ARTIFACT_MODULES.values()},
    "artifacts.base_artifact": {"BaseArtifact": f"{_ART}:BaseArtifact"},
    "artifacts.constants": {"DATATYPE_PROPERTY_KEY": SELF, "MATERIALIZER_PROPERTY_KEY": SELF},
    **{
        f"artifacts.{module}": {name: f"{_ART}:{name}"}
        for module, name in _ARTIFACT_MODULES.items()
    },
    "config": {},
    "config.global_config": {},
    "config.profile_config": {
        "DEFAULT_PROFILE_NAME": "zenml_airflow.config.global_config:DEFAULT_PROFILE_NAME"
    },
    "constants": {
        "APP_NAME": "zenml_airflow.config.global_config:APP_NAME",
        "ENV_ZENML_CONFIG_PATH": "zenml_airflow.config.global_config:CONFIG_DIR_ENV",
        "ENV_ZENML_LOGGING_VERBOSITY": SELF,
        "ENV_ZENML_PREVENT_PIPELINE_EXECUTION": "zenml_airflow.core.pipeline:PREVENT_EXECUTION_ENV",
        "ENV_ZENML_PROFILE_NAME": "zenml_airflow.config.global_config:PROFILE_ENV",
        "ENV_ZENML_REPOSITORY_PATH": "zenml_airflow.config.repository_config:REPOSITORY_PATH_ENV",
        "REPOSITORY_DIRECTORY_NAME": "zenml_airflow.config.repository_config:REPOSITORY_DIRECTORY_NAME",
        "SHOULD_PREVENT_PIPELINE_EXECUTION": SELF,
        "ZENML_LOGGING_VERBOSITY": SELF,
    },
    "enums": {
        "ExecutionStatus": "zenml_airflow.enums:ExecutionStatus",
        "StackComponentType": "zenml_airflow.enums:StackComponentType",
        "LoggingLevels": "zenml_airflow.enums:LoggingLevels",
    },
    "exceptions": {
        "ZenMLBaseException": f"{_EXC}:ZenMLAirflowError",
        "InitializationException": f"{_EXC}:InitializationError",
        "DoesNotExistException": f"{_EXC}:DoesNotExistError",
        "DuplicateRunNameError": f"{_EXC}:RunNameExistsError",
        "MaterializerInterfaceError": f"{_EXC}:MaterializerError",
        "ArtifactInterfaceError": f"{_EXC}:ArtifactStoreError",
        "ArtifactStoreInterfaceError": f"{_EXC}:ArtifactStoreError",
        "StackComponentInterfaceError": f"{_EXC}:StackError",
        "StackValidationError": f"{_EXC}:StackError",
        "StepInterfaceError": f"{_EXC}:StepInterfaceError",
        "StepContextError": f"{_EXC}:StepContextError",
        "PipelineInterfaceError": f"{_EXC}:PipelineInterfaceError",
        "PipelineConfigurationError": f"{_EXC}:PipelineConfigurationError",
        "MissingStepParameterError": f"{_EXC}:MissingStepParameterError",
        "IntegrationError": f"{_EXC}:IntegrationError",
        "AlreadyExistsException": SELF,
        "StackExistsError": SELF,
        "StackComponentExistsError": SELF,
        "ProvisioningError": SELF,
        "ForbiddenRepositoryAccessError": SELF,
        "PipelineNotSucceededException": SELF,
        "EntityExistsError": SELF,
        "GitException": SELF,
        "GitNotFoundError": SELF,
    },
    "io": {},
    "io.fileio": {name: f"{_FILEIO}:{name}" for name in _FILEIO_NAMES},
    "io.utils": {
        name: f"{_FILEIO}:{name}"
        for name in ("create_dir_if_not_exists", "create_dir_recursive_if_not_exists", "is_remote")
    },
    "logger": {
        name: SELF
        for name in (
            "CustomFormatter",
            "get_console_handler",
            "get_logger",
            "get_logging_level",
            "init_logging",
            "set_root_verbosity",
        )
    },
    "materializers": {
        "BuiltInMaterializer": "zenml_airflow.materializers.built_in_materializer:BuiltInMaterializer",
        "NumpyMaterializer": "zenml_airflow.materializers.numpy_materializer:NumpyMaterializer",
        "PandasMaterializer": "zenml_airflow.materializers.pandas_materializer:PandasMaterializer",
    },
    "materializers.base_materializer": {
        "BaseMaterializer": "zenml_airflow.materializers.base_materializer:BaseMaterializer",
    },
    "materializers.built_in_materializer": {
        "BuiltInMaterializer": "zenml_airflow.materializers.built_in_materializer:BuiltInMaterializer",
        "DEFAULT_FILENAME": "zenml_airflow.materializers.built_in_materializer:DEFAULT_FILENAME",
    },
    "materializers.default_materializer_registry": {
        "MaterializerRegistry": f"{_REGISTRY}:MaterializerRegistry",
        "default_materializer_registry": f"{_REGISTRY}:default_materializer_registry",
    },
    "materializers.numpy_materializer": {
        "NumpyMaterializer": "zenml_airflow.materializers.numpy_materializer:NumpyMaterializer",
    },
    "materializers.pandas_materializer": {
        "PandasMaterializer": "zenml_airflow.materializers.pandas_materializer:PandasMaterializer",
        "DEFAULT_FILENAME": "zenml_airflow.materializers.pandas_materializer:DEFAULT_FILENAME",
    },
    "metadata_stores": {
        "BaseMetadataStore": f"{_COMP}:MetadataStoreComponent",
        "MySQLMetadataStore": f"{_COMP}:MySQLMetadataStoreComponent",
        "SQLiteMetadataStore": f"{_COMP}:SQLiteMetadataStoreComponent",
    },
    "metadata_stores.base_metadata_store": {"BaseMetadataStore": f"{_COMP}:MetadataStoreComponent"},
    "metadata_stores.mysql_metadata_store": {
        "MySQLMetadataStore": f"{_COMP}:MySQLMetadataStoreComponent"
    },
    "metadata_stores.sqlite_metadata_store": {
        "SQLiteMetadataStore": f"{_COMP}:SQLiteMetadataStoreComponent"
    },
    "orchestrators": {
        "BaseOrchestrator": "zenml_airflow.orchestrators.base:BaseOrchestrator",
        "LocalOrchestrator": "zenml_airflow.orchestrators.local:LocalOrchestrator",
    },
    "orchestrators.base_orchestrator": {
        "BaseOrchestrator": "zenml_airflow.orchestrators.base:BaseOrchestrator"
    },
    "orchestrators.local": {},
    "pipelines": {
        "BasePipeline": "zenml_airflow.core.pipeline:BasePipeline",
        "Schedule": "zenml_airflow.core.schedule:Schedule",
        "pipeline": "zenml_airflow.core.pipeline:pipeline",
    },
    "pipelines.base_pipeline": {
        "BasePipeline": "zenml_airflow.core.pipeline:BasePipeline",
        "PARAM_DOCKERIGNORE_FILE": SELF,
        "PARAM_ENABLE_CACHE": SELF,
        "PARAM_REQUIREMENTS_FILE": SELF,
        "PARAM_REQUIRED_INTEGRATIONS": SELF,
        "PARAM_SECRETS": SELF,
        "PIPELINE_INNER_FUNC_NAME": SELF,
    },
    "pipelines.pipeline_decorator": {"pipeline": "zenml_airflow.core.pipeline:pipeline"},
    "pipelines.schedule": {"Schedule": "zenml_airflow.core.schedule:Schedule"},
    "post_execution": {name: f"{_VIEWS}:{name}" for name in _VIEW_MODULES.values()},
    **{
        f"post_execution.{module}": {name: f"{_VIEWS}:{name}"}
        for module, name in _VIEW_MODULES.items()
    },
    "repository": {"Repository": "zenml_airflow.repository:Repository"},
    "secret": {
        "ARBITRARY_SECRET_SCHEMA_TYPE": f"{_SCHEMA_MODULE}:ArbitrarySecretSchema.TYPE",
        "ArbitrarySecretSchema": f"{_SCHEMA_MODULE}:ArbitrarySecretSchema",
        "BaseSecretSchema": f"{_SCHEMA_MODULE}:BaseSecretSchema",
        "SecretSchemaClassRegistry": SELF,
        "register_secret_schema_class": f"{_SCHEMA_MODULE}:register_secret_schema_class",
    },
    "secret.arbitrary_secret_schema": {
        "ARBITRARY_SECRET_SCHEMA_TYPE": f"{_SCHEMA_MODULE}:ArbitrarySecretSchema.TYPE",
        "ArbitrarySecretSchema": f"{_SCHEMA_MODULE}:ArbitrarySecretSchema",
    },
    "secret.base_secret": {"BaseSecretSchema": f"{_SCHEMA_MODULE}:BaseSecretSchema"},
    "secret.secret_schema_class_registry": {
        "SecretSchemaClassRegistry": SELF,
        "register_secret_schema_class": f"{_SCHEMA_MODULE}:register_secret_schema_class",
    },
    "secrets_managers": {
        "BaseSecretsManager": "zenml_airflow.secrets.base:BaseSecretsManager",
        "LocalSecretsManager": "zenml_airflow.secrets.local:LocalSecretsManager",
    },
    "secrets_managers.base_secrets_manager": {
        "BaseSecretsManager": "zenml_airflow.secrets.base:BaseSecretsManager"
    },
    "secrets_managers.local": {},
    "secrets_managers.local.local_secrets_manager": {
        "LocalSecretsManager": "zenml_airflow.secrets.local:LocalSecretsManager",
    },
    "stack": {
        "Stack": "zenml_airflow.stack.stack:Stack",
        "StackComponent": "zenml_airflow.stack.stack_component:StackComponent",
    },
    "stack.stack": {"Stack": "zenml_airflow.stack.stack:Stack"},
    "stack.stack_component": {
        "StackComponent": "zenml_airflow.stack.stack_component:StackComponent"
    },
    "environment": {
        "BaseEnvironmentComponent": "zenml_airflow.environment:BaseEnvironmentComponent",
        "Environment": "zenml_airflow.environment:Environment",
    },
    "steps.step_environment": {
        "STEP_ENVIRONMENT_NAME": "zenml_airflow.environment:STEP_ENVIRONMENT_NAME",
        "StepEnvironment": "zenml_airflow.environment:StepEnvironment",
    },
    "steps": {
        "STEP_ENVIRONMENT_NAME": "zenml_airflow.environment:STEP_ENVIRONMENT_NAME",
        "StepEnvironment": "zenml_airflow.environment:StepEnvironment",
        "BaseStep": "zenml_airflow.core.step:BaseStep",
        "BaseStepConfig": "zenml_airflow.core.step:BaseStepConfig",
        "Output": "zenml_airflow.core.step:Output",
        "StepContext": "zenml_airflow.core.context:StepContext",
        "step": "zenml_airflow.core.step:step",
    },
    "steps.base_step": {"BaseStep": "zenml_airflow.core.step:BaseStep"},
    "steps.base_step_config": {"BaseStepConfig": "zenml_airflow.core.step:BaseStepConfig"},
    "steps.step_context": {"StepContext": "zenml_airflow.core.context:StepContext"},
    "steps.step_decorator": {"step": "zenml_airflow.core.step:step"},
    "steps.step_output": {"Output": "zenml_airflow.core.step:Output"},
    "steps.utils": {
        "SINGLE_RETURN_OUT_NAME": "zenml_airflow.core.step:SINGLE_RETURN_OUT_NAME",
        "STEP_INNER_FUNC_NAME": SELF,
    },
    "utils": {},
    "utils.source_utils": {},
    "visualizers": {name: f"{_VIS}:{name}" for name in _VISUALIZER_MODULES.values()},
    **{
        f"visualizers.{module}": {name: f"{_VIS}:{name}"}
        for module, name in _VISUALIZER_MODULES.items()
    },
}

_SERVICES = "no services or model deployers yet (the local model deployer flavor is a config only)"
_TFX = "part of the seed's TFX machinery; zenml-airflow runs steps itself"
_SOURCE_PINS = (
    "the seed's source-pinning helpers; zenml-airflow records 'module:QualName' paths "
    "(zenml_airflow.utils.source_utils.object_path / import_object) and hashes with source_hash"
)

MISSING_NAMES: dict[str, dict[str, str]] = {
    "": {
        "ROOT_DIR": "the seed's package directory (to find its VERSION file); use zenml_airflow.__file__"
    },
    "artifacts.base_artifact": {
        "DATATYPE_PROPERTY": "a TFX artifact Property; our artifacts are plain objects with the "
        "attributes named in zenml_airflow.artifacts.constants",
        "MATERIALIZER_PROPERTY": "a TFX artifact Property (see DATATYPE_PROPERTY)",
    },
    "config.global_config": {
        "GlobalConfiguration": "the seed's self-saving singleton; here zenml_airflow.config.GlobalConfig "
        "(GlobalConfig.load() / .save()), with another API",
        "GlobalConfigMetaClass": "no singleton metaclass",
        "CONFIG_ENV_VAR_PREFIX": "global config fields are not overridden from ZENML_* variables",
        "LEGACY_CONFIG_FILE_NAME": "there is no pre-0.7 config file to migrate",
    },
    "config.profile_config": {
        "ProfileConfiguration": "profiles are zenml_airflow.config.ProfileStore/ProfileManager, "
        "with another API",
        "get_default_store_type": "profiles are stored one way (YAML files): no store types",
    },
    "constants": {
        **dict.fromkeys(
            [
                "ABSL_LOGGING_VERBOSITY",
                "ENV_ABSL_LOGGING_VERBOSITY",
                "PREPROCESSING_FN",
                "TRAINER_FN",
            ],
            _TFX,
        ),
        **dict.fromkeys(
            ["ENV_ZENML_DEBUG", "IS_DEBUG_ENV"],
            "no debug mode; set $ZENML_AIRFLOW_LOGGING_VERBOSITY=DEBUG",
        ),
        **dict.fromkeys(
            ["ENABLE_RICH_TRACEBACK", "ENV_ZENML_ENABLE_RICH_TRACEBACK"],
            "zenml-airflow installs no traceback hook",
        ),
        **dict.fromkeys(
            [
                "ENV_ZENML_DEFAULT_STORE_TYPE",
                "ENV_ZENML_PROFILE_CONFIGURATION",
                "ZENML_SCHEMA_NAME",
            ],
            "profiles are YAML files: no zen store types or store configuration",
        ),
        **dict.fromkeys(
            [
                "ZENML_REGISTRY",
                "ZENML_BASE_IMAGE_NAME",
                "ZENML_TRAINER_IMAGE_NAME",
                "ZENML_DATAFLOW_IMAGE_NAME",
                "GCP_ENTRYPOINT",
                "AWS_ENTRYPOINT",
                "K8S_ENTRYPOINT",
            ],
            "no container images are built or run yet (step operators)",
        ),
        **dict.fromkeys(
            ["SEGMENT_KEY_DEV", "SEGMENT_KEY_PROD"], "zenml-airflow sends no analytics"
        ),
        **dict.fromkeys(
            [
                "ZEN_SERVICE_ENTRYPOINT",
                "ZEN_SERVICE_IP",
                "IS_EMPTY",
                "STACKS",
                "STACK_COMPONENTS",
                "STACK_CONFIGURATIONS",
                "USERS",
                "TEAMS",
                "PROJECTS",
                "ROLES",
                "ROLE_ASSIGNMENTS",
            ],
            "routes of the seed's ZenML server (zen_service), which has no counterpart",
        ),
        **dict.fromkeys(
            [
                "COMPARISON_NOTEBOOK",
                "EVALUATION_NOTEBOOK",
                "CONFIG_VERSION",
                "VALID_OPERATING_SYSTEMS",
            ],
            "unused leftovers of pre-0.5 ZenML in the seed",
        ),
        "DEFAULT_SERVICE_START_STOP_TIMEOUT": _SERVICES,
        "GIT_REPO_URL": "examples ship with the package (zenml-airflow example ...), nothing is cloned",
        "LOCAL_SECRETS_FILENAME": "local secrets are an encrypted <profile>/secrets/<name>.secrets file",
        "LOCAL_STORES_DIRECTORY_NAME": "the default stores live in the profile's directory",
        "MANDATORY_COMPONENT_PROPERTIES": "components are identified by name and flavor, not uuid",
        "REMOTE_FS_PREFIX": "remote schemes are those of the registered filesystems (s3://, gs://): "
        "zenml_airflow.io.fileio.is_remote",
        "USER_MAIN_MODULE": "source paths are resolved by zenml_airflow.utils.source_utils",
        "handle_bool_env_var": "a helper the seed used for its import-time reads; here the "
        "variables are read where they are used",
        "handle_int_env_var": "a helper the seed used for its import-time reads",
    },
    "enums": {
        "MetadataContextTypes": _TFX,
        "StoreType": "profiles are stored one way (YAML files): no SQL or REST zen stores",
    },
    "io.utils": {
        **dict.fromkeys(
            [
                "convert_to_str",
                "copy_dir",
                "create_file_if_not_exists",
                "find_files",
                "get_grandparent",
                "get_parent",
                "is_root",
                "read_file_contents_as_string",
                "resolve_relative_path",
                "write_file_contents_as_string",
            ],
            "no counterpart yet: use fileio.open/copy/walk/glob and os.path",
        ),
        "get_global_config_directory": "zenml_airflow.config.get_config_dir (io sits below config)",
    },
    "logger": {
        "LOG_FILE": "nothing logs to a file; Airflow keeps each task's output in its task log",
        "get_file_handler": "the seed never used it; Airflow keeps each task's output in its task log",
    },
    "materializers": {"ServiceMaterializer": "no services (model deployers) yet"},
    "materializers.base_materializer": {
        "BaseMaterializerMeta": "BaseMaterializer registers subclasses in __init_subclass__: no metaclass",
    },
    "materializers.numpy_materializer": dict.fromkeys(
        ["DATA_FILENAME", "DATA_VAR", "SHAPE_FILENAME"],
        "arrays are stored as one .npy file (DEFAULT_FILENAME), not parquet and shape.json",
    ),
    "materializers.pandas_materializer": {
        "COMPRESSION_TYPE": "DataFrames are stored as parquet with a metadata file, not gzip'ed",
    },
    "pipelines.base_pipeline": {
        "BasePipelineMeta": "BasePipeline checks subclasses in __init_subclass__: no metaclass",
        "INSTANCE_CONFIGURATION": "an internal key of the seed's pipeline constructor",
    },
    "repository": {
        "RepositoryConfiguration": "zenml_airflow.config.RepositoryConfig (.zen/config.yaml)",
        "LegacyRepositoryConfig": "there is no pre-0.7 repository format to migrate",
        "RepositoryMetaClass": "the seed's singleton metaclass; Repository is a plain class here",
    },
    "environment": {
        "EnvironmentComponentMeta": "components name themselves (NAME) and are activated "
        "explicitly: no registering metaclass",
    },
    "stack": {"StackValidator": "Stack.validate() with each component's check_in_stack()"},
    "steps.base_step": {
        "BaseStepMeta": "BaseStep checks subclasses in __init_subclass__: no metaclass"
    },
    "steps.step_context": {"StepContextOutput": "internal to the seed's StepContext"},
    "steps.utils": {
        **dict.fromkeys(
            [
                "INSTANCE_CONFIGURATION",
                "INTERNAL_EXECUTION_PARAMETER_PREFIX",
                "OUTPUT_SPEC",
                "PARAM_CREATED_BY_FUNCTIONAL_API",
                "PARAM_CUSTOM_STEP_OPERATOR",
                "PARAM_ENABLE_CACHE",
                "PARAM_PIPELINE_PARAMETER_NAME",
                "PARAM_STEP_NAME",
                "generate_component_class",
                "generate_component_spec_class",
            ],
            _TFX,
        ),
        **dict.fromkeys(
            ["do_types_match", "resolve_type_annotation"],
            "internal helpers of the seed's signature checks",
        ),
    },
    "utils.source_utils": dict.fromkeys(SEED_MODULES["utils.source_utils"], _SOURCE_PINS),
}

_STANDARD_LIBRARY = "issue 13 item 6 (tested in tests/steps and tests/pipelines)"

ELSEWHERE: dict[str, str] = {
    path: _STANDARD_LIBRARY
    for path in SEED_MODULES
    if path.startswith(
        ("steps.step_interfaces", "steps.builtin_steps", "pipelines.builtin_pipelines")
    )
}

_NOT_YET_A_PACKAGE = (
    "has a stack component config (zenml_airflow.stack.components) but no implementation yet; "
    "the package would need a layer in pyproject.toml's import-linter contract"
)

NOT_PROVIDED: dict[str, str] = {
    "artifacts.type_registry": "an artifact type comes from the materializer's "
    "ASSOCIATED_ARTIFACT_TYPES; there is no separate type registry",
    "config.base_config": "the seed's base of its self-saving config singletons; our configs are "
    "pydantic models saved explicitly",
    "config.config_keys": "the YAML keys (name, steps, source, parameters, materializers) are "
    "checked by BasePipeline.with_config and `pipeline run --config`, not by key classes",
    "console": "the CLI makes its own rich consoles; there is no shared console object",
    "experiment_trackers": "no experiment trackers",
    "experiment_trackers.base_experiment_tracker": "no experiment trackers",
    "feature_stores": "no feature stores",
    "feature_stores.base_feature_store": "no feature stores",
    "materializers.beam_materializer": "Apache Beam is not used",
    "materializers.service_materializer": _SERVICES,
    "model_deployers": _SERVICES,
    "model_deployers.base_model_deployer": _SERVICES,
    "orchestrators.context_utils": _TFX,
    "orchestrators.local.local_orchestrator": "orchestrators.local is a module here (holding "
    "LocalOrchestrator), not a package; import LocalOrchestrator from zenml_airflow.orchestrators",
    "orchestrators.utils": _TFX,
    "runtime_configuration": "run options travel as a plain dict (BasePipeline.run's keyword "
    "arguments); there is no RuntimeConfiguration class",
    **{path: _SERVICES for path in SEED_MODULES if path.split(".")[0] == "services"},
    "stack.stack_component_class_registry": "flavors are registered by entry point "
    "(group 'zenml_airflow.flavors') and looked up in stack.flavors.FlavorRegistry",
    "stack.stack_validator": "Stack.validate() with each component's check_in_stack()",
    "step_operators.entrypoint": "the Airflow-free step entrypoint is "
    "`python -m zenml_airflow.execution.entrypoint` (ADR 0018)",
    "step_operators.step_executor_operator": "a TFX executor operator; steps are handed to their "
    "step operator by the step executor (ADR 0018)",
    "steps.restrict_step_access_decorator": "steps may use Repository(); nothing is restricted",
    "utils.analytics_utils": "zenml-airflow sends no analytics",
    "utils.daemon": _SERVICES,
    "utils.docker_utils": "images are planned, built and pushed by zenml_airflow.images "
    "(build_image, which also pushes, and pull_image; docs/containers.md)",
    "utils.enum_utils": "our enums are the standard library's enum.StrEnum",
    "utils.networking_utils": _SERVICES,
    "utils.secrets_manager_utils": "secrets are stored as JSON by each manager; no base64 helpers",
    "utils.singleton": "no singletons: objects are built where they are used",
    "utils.string_utils": "no counterpart yet",
    "utils.typed_model": "stored records are pydantic models without a type-dispatch base",
    "utils.yaml_utils": "zenml_airflow.config.yaml_io reads and writes YAML atomically (utils sits "
    "below config)",
    "zen_service": "no ZenML server: profiles are YAML files and Airflow serves the UI",
    "zen_stores": "no zen stores: profiles are YAML files (zenml_airflow.config.ProfileStore)",
}


def _module(path: str) -> ModuleType:
    return importlib.import_module("zenml_airflow" + (f".{path}" if path else ""))


def _resolve(target: str) -> Any:
    module, _, attribute = target.partition(":")
    value: Any = importlib.import_module(module)
    for part in attribute.split("."):
        value = getattr(value, part)
    return value


# --- the tables are complete and honest ----------------------------------------------------------


def test_every_seed_module_is_in_exactly_one_table() -> None:
    tables = {
        "PROVIDED": set(PROVIDED),
        "ELSEWHERE": set(ELSEWHERE),
        "NOT_PROVIDED": set(NOT_PROVIDED),
    }
    for name, paths in tables.items():
        unknown = paths - set(SEED_MODULES)
        assert not unknown, f"{name} lists paths the seed does not have: {unknown}"
    listed = [path for paths in tables.values() for path in paths]
    assert sorted(listed) == sorted(SEED_MODULES), (
        "a seed module is missing from the tables or listed twice"
    )


def test_every_seed_name_of_a_provided_module_is_mapped_or_said_missing() -> None:
    assert set(MISSING_NAMES) <= set(PROVIDED)
    for path, mapped in PROVIDED.items():
        missing = MISSING_NAMES.get(path, {})
        assert not set(mapped) & set(missing), path
        assert sorted([*mapped, *missing]) == sorted(SEED_MODULES[path]), path


@pytest.mark.parametrize(
    ("path", "name", "target"),
    [(path, name, target) for path, names in PROVIDED.items() for name, target in names.items()],
    ids=lambda value: str(value) if value else "zenml_airflow",
)
def test_a_provided_seed_name_is_our_object(path: str, name: str, target: str) -> None:
    module = _module(path)
    value = getattr(module, name)
    exec(f"from {module.__name__} import {name}", {})  # the seed's import statement works
    if target == SELF:
        assert name in module.__dict__ or name in getattr(module, "__all__", ())
        return
    expected = _resolve(target)
    if isinstance(expected, str | int | bool):
        assert value == expected
    else:
        assert value is expected


@pytest.mark.parametrize("path", sorted(MISSING_NAMES), ids=lambda value: value or "zenml_airflow")
def test_a_seed_name_said_missing_is_missing(path: str) -> None:
    module = _module(path)
    present = [name for name in MISSING_NAMES[path] if hasattr(module, name)]
    assert present == [], f"zenml_airflow.{path} has {present}: move them to PROVIDED"


@pytest.mark.parametrize("path", sorted(ELSEWHERE))
def test_the_standard_library_paths_import_with_their_seed_names(path: str) -> None:
    module = _module(path)
    assert [name for name in SEED_MODULES[path] if not hasattr(module, name)] == []


@pytest.mark.parametrize("path", sorted(NOT_PROVIDED))
def test_a_seed_path_we_do_not_provide_does_not_import(path: str) -> None:
    with pytest.raises(ModuleNotFoundError, match="zenml_airflow"):
        _module(path)


# --- names defined by the seed-path modules themselves ------------------------------------------


def test_artifact_property_keys_name_the_artifact_attributes() -> None:
    from zenml_airflow.artifacts import DataArtifact
    from zenml_airflow.artifacts.constants import DATATYPE_PROPERTY_KEY, MATERIALIZER_PROPERTY_KEY

    artifact = DataArtifact(uri="/tmp/a", materializer="m:M", datatype="builtins.int")
    assert getattr(artifact, MATERIALIZER_PROPERTY_KEY) == "m:M"
    assert getattr(artifact, DATATYPE_PROPERTY_KEY) == "builtins.int"
    assert {MATERIALIZER_PROPERTY_KEY, DATATYPE_PROPERTY_KEY} <= set(artifact.to_dict())


def test_step_inner_function_name_is_the_method_a_step_implements() -> None:
    from zenml_airflow.steps import BaseStep, step
    from zenml_airflow.steps.utils import SINGLE_RETURN_OUT_NAME, STEP_INNER_FUNC_NAME

    @step
    def one() -> int:
        return 1

    class Two(BaseStep):
        def entrypoint(self) -> int:
            return 2

    assert getattr(one(), STEP_INNER_FUNC_NAME)() == 1
    assert getattr(Two(), STEP_INNER_FUNC_NAME)() == 2
    assert list(one.SIGNATURE.outputs) == [SINGLE_RETURN_OUT_NAME]


def test_pipeline_option_names_are_accepted_next_to_the_steps() -> None:
    from zenml_airflow.pipelines import BasePipeline, pipeline
    from zenml_airflow.pipelines import base_pipeline as bp
    from zenml_airflow.steps import step

    @step
    def one() -> int:
        return 1

    @pipeline
    def tiny(one):  # type: ignore[no-untyped-def]
        one()

    options = {
        bp.PARAM_ENABLE_CACHE: False,
        bp.PARAM_REQUIRED_INTEGRATIONS: (),
        bp.PARAM_REQUIREMENTS_FILE: "requirements.txt",
        bp.PARAM_DOCKERIGNORE_FILE: ".dockerignore",
        bp.PARAM_SECRETS: ("api",),
    }
    instance = tiny(one=one(), **options)
    assert list(instance.steps) == ["one"]
    assert {name: getattr(instance, name) for name in options} == options
    assert bp.PIPELINE_INNER_FUNC_NAME in vars(tiny)
    assert getattr(BasePipeline, bp.PIPELINE_INNER_FUNC_NAME) is BasePipeline.connect


def test_stack_components_built_the_seed_way(tmp_path: Path) -> None:
    from zenml_airflow.artifact_stores import BaseArtifactStore, LocalArtifactStore
    from zenml_airflow.metadata_stores import (
        BaseMetadataStore,
        MySQLMetadataStore,
        SQLiteMetadataStore,
    )

    store = LocalArtifactStore(name="local", path=str(tmp_path / "artifacts"))
    metadata = SQLiteMetadataStore(name="local", uri=str(tmp_path / "metadata.db"))
    mysql = MySQLMetadataStore(name="db", host="db.example.com", database="zenml")
    assert isinstance(store, BaseArtifactStore) and store.path == str(tmp_path / "artifacts")
    assert isinstance(metadata, BaseMetadataStore) and isinstance(mysql, BaseMetadataStore)
    assert metadata.get_pipelines() == []  # the seed's post-execution API on the store
    assert mysql.url == "mysql+pymysql://db.example.com:3306/zenml"


def test_the_active_stack_components_are_the_seed_classes() -> None:
    from zenml_airflow.artifact_stores import BaseArtifactStore
    from zenml_airflow.metadata_stores import BaseMetadataStore
    from zenml_airflow.repository import Repository

    stack = Repository().active_stack
    assert isinstance(stack.artifact_store, BaseArtifactStore)
    assert isinstance(stack.metadata_store, BaseMetadataStore)


def test_secret_schemas_register_and_resolve_through_the_seed_registry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typing import ClassVar

    from zenml_airflow.secrets import schemas

    monkeypatch.setattr(schemas, "_SCHEMAS", dict(schemas._SCHEMAS))  # leave the registry as found

    from zenml_airflow.secret import (
        ARBITRARY_SECRET_SCHEMA_TYPE,
        ArbitrarySecretSchema,
        BaseSecretSchema,
        SecretSchemaClassRegistry,
        register_secret_schema_class,
    )
    from zenml_airflow.secrets import SecretSchemaError, build_secret

    assert (
        SecretSchemaClassRegistry.get_class(ARBITRARY_SECRET_SCHEMA_TYPE) is ArbitrarySecretSchema
    )
    assert ArbitrarySecretSchema(name="api", key="v").content == {"key": "v"}

    @register_secret_schema_class
    class SeedPathsTokenSchema(BaseSecretSchema):
        TYPE: ClassVar[str] = "seed_paths_token"
        token: str

    class SeedPathsOtherSchema(BaseSecretSchema):
        TYPE: ClassVar[str] = "seed_paths_other"
        user: str

    SecretSchemaClassRegistry.register_class(SeedPathsOtherSchema)
    assert SecretSchemaClassRegistry.get_class("seed_paths_token") is SeedPathsTokenSchema
    assert build_secret("s", "seed_paths_other", {"user": "u"}).content == {"user": "u"}
    with pytest.raises(SecretSchemaError, match="Unknown secret schema 'seed_paths_nope'"):
        SecretSchemaClassRegistry.get_class("seed_paths_nope")

    class Clash(BaseSecretSchema):
        TYPE: ClassVar[str] = "seed_paths_token"

    with pytest.raises(SecretSchemaError, match="already registered"):
        SecretSchemaClassRegistry.register_class(Clash)


def test_local_secrets_manager_of_the_seed_path_keeps_secrets(tmp_path: Path) -> None:
    from zenml_airflow.secret import ArbitrarySecretSchema
    from zenml_airflow.secrets_managers import BaseSecretsManager, LocalSecretsManager
    from zenml_airflow.stack.components import LocalSecretsManagerComponent

    component = LocalSecretsManagerComponent(
        name="local", secrets_file=str(tmp_path / "s.secrets"), key_file=str(tmp_path / "s.key")
    )
    manager = LocalSecretsManager(component)
    assert isinstance(manager, BaseSecretsManager)
    manager.register_secret(ArbitrarySecretSchema(name="api", key="v"))
    assert manager.get_secret("api").content == {"key": "v"}
    assert manager.get_all_secret_keys() == ["api"]


def test_orchestrators_of_the_seed_path_are_the_implementations() -> None:
    from zenml_airflow.orchestrators import BaseOrchestrator, LocalOrchestrator
    from zenml_airflow.stack.components import LocalOrchestratorComponent

    assert issubclass(LocalOrchestrator, BaseOrchestrator)
    assert (
        LocalOrchestratorComponent.IMPLEMENTATION
        == "zenml_airflow.orchestrators.local:LocalOrchestrator"
    )
    assert "LocalOrchestrator" in dir(importlib.import_module("zenml_airflow.orchestrators"))


# --- exceptions: an `except` clause written for the seed catches what we raise -----------------


def test_seed_exception_names_catch_what_zenml_airflow_raises() -> None:
    from zenml_airflow import exceptions as e

    caught_by = {
        e.ZenMLBaseException: [
            e.StackError,
            e.DoesNotExistError,
            e.StepInterfaceError,
            e.IntegrationError,
        ],
        e.DoesNotExistException: [e.DoesNotExistError],
        e.AlreadyExistsException: [
            e.RunNameExistsError,
            e.StackExistsError,
            e.StackComponentExistsError,
        ],
        e.DuplicateRunNameError: [e.RunNameExistsError],
        e.StackValidationError: [e.StackError, e.StackExistsError, e.ProvisioningError],
        e.InitializationException: [e.InitializationError],
        e.MaterializerInterfaceError: [e.MaterializerNotFoundError],
        RuntimeError: [e.DuplicateRunNameError, e.ForbiddenRepositoryAccessError],
        KeyError: [e.DoesNotExistException],
        ImportError: [e.GitNotFoundError],
    }
    for seed_class, ours in caught_by.items():
        for raised in ours:
            with pytest.raises(seed_class):
                raise raised("x")
    # Every seed exception is one of ours, so `except ZenMLAirflowError` catches them all.
    for name in SEED_MODULES["exceptions"]:
        assert issubclass(getattr(e, name), e.ZenMLAirflowError), name


def test_a_duplicate_run_name_is_caught_as_the_seed_error(tmp_path: Path) -> None:
    from zenml_airflow.exceptions import AlreadyExistsException, DuplicateRunNameError
    from zenml_airflow.metadata.store import SQLMetadataStore

    store = SQLMetadataStore(f"sqlite:///{tmp_path / 'm.db'}")
    store.create_run("p", "run-1", num_steps=1)
    with pytest.raises(DuplicateRunNameError, match="'run-1' already exists") as caught:
        store.create_run("p", "run-1", num_steps=1)
    assert isinstance(caught.value, AlreadyExistsException | RuntimeError)


def test_registering_a_taken_stack_or_component_name_raises_the_seed_errors() -> None:
    from zenml_airflow.exceptions import (
        AlreadyExistsException,
        StackComponentExistsError,
        StackExistsError,
    )
    from zenml_airflow.repository import Repository
    from zenml_airflow.secrets import SecretExistsError

    repo = Repository()
    default = repo.get_stack("default")
    with pytest.raises(StackExistsError, match="A stack named 'default' already exists"):
        repo.register_stack(default)
    with pytest.raises(StackComponentExistsError, match="named 'default' already exists"):
        repo.register_stack_component(
            default.artifact_store.model_copy(update={"path": "/elsewhere"})
        )
    assert issubclass(SecretExistsError, AlreadyExistsException)


def test_a_local_airflow_that_cannot_start_is_a_provisioning_error() -> None:
    from zenml_airflow.exceptions import ProvisioningError
    from zenml_airflow.orchestrators.airflow_local import LocalAirflowError

    assert issubclass(LocalAirflowError, ProvisioningError)


def test_seed_style_exception_constructors() -> None:
    from zenml_airflow import exceptions as e

    assert (
        str(e.AlreadyExistsException(name="prod", resource_type="Stack"))
        == "Stack 'prod' already exists."
    )
    assert str(e.StackExistsError("A stack named 'x' exists.")) == "A stack named 'x' exists."
    assert "run name that already exists" in str(e.DuplicateRunNameError())
    assert (
        str(e.PipelineNotSucceededException("training"))
        == "training has not completed successfully."
    )
    assert str(e.DoesNotExistException("no pipeline 'x'")) == "no pipeline 'x'"


# --- logger and constants ------------------------------------------------------------------------


def test_get_logger_adds_one_console_handler_and_reads_the_level(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from zenml_airflow.logger import LoggingLevels, get_logger, get_logging_level

    monkeypatch.delenv("ZENML_AIRFLOW_LOGGING_VERBOSITY", raising=False)
    monkeypatch.delenv("ZENML_LOGGING_VERBOSITY", raising=False)
    assert get_logging_level() is LoggingLevels.INFO
    name = "tests.seed_paths.logger"
    logger = get_logger(name)
    assert get_logger(name) is logger and len(logger.handlers) == 1 and not logger.propagate
    logger.info("hello %s", "world")
    logger.debug("not shown")
    assert capsys.readouterr().out == "hello world\n"

    monkeypatch.setenv("ZENML_LOGGING_VERBOSITY", "debug")  # the seed's variable is honoured
    assert get_logger(name).level == logging.DEBUG
    logger.debug("detail")
    assert " - tests.seed_paths.logger - DEBUG - detail (" in capsys.readouterr().out
    monkeypatch.setenv("ZENML_AIRFLOW_LOGGING_VERBOSITY", "WARNING")  # ours wins
    assert get_logging_level() is LoggingLevels.WARN
    assert get_logger(name).level == logging.WARNING and len(logger.handlers) == 1


def test_a_bad_verbosity_says_which_variable_and_what_is_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from zenml_airflow.exceptions import ConfigError
    from zenml_airflow.logger import get_logger

    monkeypatch.setenv("ZENML_AIRFLOW_LOGGING_VERBOSITY", "loud")
    expected = (
        r"\$ZENML_AIRFLOW_LOGGING_VERBOSITY='loud' .* one of NOTSET, ERROR, WARN, INFO, DEBUG"
    )
    with pytest.raises(ConfigError, match=expected):
        get_logger("tests.seed_paths.bad")


def test_set_root_verbosity_sets_the_root_level(monkeypatch: pytest.MonkeyPatch) -> None:
    from zenml_airflow.logger import init_logging

    root = logging.getLogger()
    level = root.level
    monkeypatch.setenv("ZENML_AIRFLOW_LOGGING_VERBOSITY", "ERROR")
    try:
        init_logging()
        assert root.level == logging.ERROR
    finally:
        root.setLevel(level)


def test_computed_constants_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import zenml_airflow.constants as constants
    from zenml_airflow.logger import get_logging_level

    monkeypatch.setenv(constants.ENV_ZENML_LOGGING_VERBOSITY, "debug")
    assert constants.ZENML_LOGGING_VERBOSITY == "DEBUG" == get_logging_level().name
    monkeypatch.delenv(constants.ENV_ZENML_PREVENT_PIPELINE_EXECUTION, raising=False)
    assert constants.SHOULD_PREVENT_PIPELINE_EXECUTION is False
    monkeypatch.setenv(constants.ENV_ZENML_PREVENT_PIPELINE_EXECUTION, "1")
    assert constants.SHOULD_PREVENT_PIPELINE_EXECUTION is True
    with pytest.raises(AttributeError, match="has no attribute 'NOPE'"):
        constants.NOPE  # noqa: B018


def test_run_is_prevented_exactly_when_the_constant_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import zenml_airflow.constants as constants
    from zenml_airflow.pipelines import pipeline
    from zenml_airflow.steps import step

    @step
    def one() -> int:
        return 1

    @pipeline
    def tiny(one):  # type: ignore[no-untyped-def]
        one()

    monkeypatch.setenv(constants.ENV_ZENML_PREVENT_PIPELINE_EXECUTION, "1")
    assert constants.SHOULD_PREVENT_PIPELINE_EXECUTION
    assert tiny(one=one()).run() is None


# --- import cost ---------------------------------------------------------------------------------


def _run_python(code: str, cwd: Path) -> Any:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _seed_path_modules() -> list[str]:
    """The modules that exist only to give the seed's paths (those that are ours anyway, such as
    zenml_airflow.exceptions or zenml_airflow.io.fileio, are left out)."""
    ours = {
        "",
        "config",
        "config.global_config",
        "constants",
        "enums",
        "exceptions",
        "io",
        "io.fileio",
        "logger",
        "utils",
        "utils.source_utils",
        "repository",
        "stack",
        "stack.stack",
        "stack.stack_component",
        "steps",
        "pipelines",
        "post_execution",
        "visualizers",
        "artifacts",
        "artifacts.base_artifact",
        "orchestrators.local",
    }
    return sorted(
        f"zenml_airflow.{path}"
        for path in [*PROVIDED, *ELSEWHERE]
        if path not in ours and not path.startswith("materializers")
    )


def test_importing_zenml_airflow_loads_no_seed_path_module(tmp_path: Path) -> None:
    modules = _seed_path_modules()
    loaded = _run_python(
        f"""
        import json, sys
        import zenml_airflow
        print(json.dumps([m for m in {modules!r} if m in sys.modules]))
        """,
        tmp_path,
    )
    assert loaded == []


def test_seed_path_packages_load_their_names_on_first_access(tmp_path: Path) -> None:
    loaded = _run_python(
        """
        import json, sys
        import zenml_airflow.orchestrators, zenml_airflow.metadata_stores, zenml_airflow.secret
        import zenml_airflow.secrets_managers, zenml_airflow.artifact_stores
        packages = {
            "zenml_airflow", "zenml_airflow.utils", "zenml_airflow.utils.lazy",
            "zenml_airflow.orchestrators", "zenml_airflow.metadata_stores", "zenml_airflow.secret",
            "zenml_airflow.secrets_managers", "zenml_airflow.artifact_stores",
        }
        before = sorted(m for m in sys.modules if m.startswith("zenml_airflow") and m not in packages)
        zenml_airflow.orchestrators.LocalOrchestrator
        print(json.dumps([before, "zenml_airflow.orchestrators.local" in sys.modules]))
        """,
        tmp_path,
    )
    assert loaded == [[], True]


def test_exceptions_logger_and_constants_import_nothing_else(tmp_path: Path) -> None:
    loaded = _run_python(
        """
        import json, logging, sys
        handlers = {name: list(lg.handlers) for name, lg in logging.root.manager.loggerDict.items()
                    if isinstance(lg, logging.Logger)}
        root = (logging.root.level, list(logging.root.handlers), logging.root.manager.disable)
        import zenml_airflow.exceptions, zenml_airflow.logger, zenml_airflow.constants
        after = {name: list(lg.handlers) for name, lg in logging.root.manager.loggerDict.items()
                 if isinstance(lg, logging.Logger)}
        print(json.dumps([
            sorted(m for m in sys.modules if m.startswith("zenml_airflow")),
            after == handlers,
            root == (logging.root.level, list(logging.root.handlers), logging.root.manager.disable),
        ]))
        """,
        tmp_path,
    )
    assert loaded == [
        [
            "zenml_airflow",
            "zenml_airflow.constants",
            "zenml_airflow.enums",
            "zenml_airflow.exceptions",
            "zenml_airflow.logger",
            "zenml_airflow.utils",
            "zenml_airflow.utils.lazy",
        ],
        True,
        True,
    ]
