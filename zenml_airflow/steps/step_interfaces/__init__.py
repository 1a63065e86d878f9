"""The seed's ``zenml.steps.step_interfaces``: abstract steps for the roles of a standard pipeline.

Subclass one and implement ``entrypoint`` with concrete types::

    from zenml_airflow.steps.step_interfaces import BaseTrainerConfig, BaseTrainerStep

    class MyTrainer(BaseTrainerStep):
        def entrypoint(self, train_dataset: pd.DataFrame, validation_dataset: pd.DataFrame,
                       config: MyTrainerConfig) -> ClassifierMixin:
            ...

Importing this package is cheap: no pandas, numpy or sklearn.
"""

from zenml_airflow.steps.step_interfaces.base_analyzer_step import (
    BaseAnalyzerConfig,
    BaseAnalyzerStep,
)
from zenml_airflow.steps.step_interfaces.base_datasource_step import (
    BaseDatasourceConfig,
    BaseDatasourceStep,
)
from zenml_airflow.steps.step_interfaces.base_drift_detection_step import (
    BaseDriftDetectionConfig,
    BaseDriftDetectionStep,
)
from zenml_airflow.steps.step_interfaces.base_evaluator_step import (
    BaseEvaluatorConfig,
    BaseEvaluatorStep,
)
from zenml_airflow.steps.step_interfaces.base_preprocessor_step import (
    BasePreprocessorConfig,
    BasePreprocessorStep,
)
from zenml_airflow.steps.step_interfaces.base_split_step import (
    BaseSplitStep,
    BaseSplitStepConfig,
)
from zenml_airflow.steps.step_interfaces.base_trainer_step import (
    BaseTrainerConfig,
    BaseTrainerStep,
)

__all__ = [
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
]
