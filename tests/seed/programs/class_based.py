# A seed-era class-based program: the standard steps and TrainingPipeline, with a trainer written
# as a class. The data is scikit-learn's bundled breast-cancer table, written to a CSV first.
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

from zenml.integrations.constants import SKLEARN
from zenml.integrations.sklearn import steps as sklearn_steps
from zenml.logger import get_logger
from zenml.pipelines.builtin_pipelines import TrainingPipeline
from zenml.repository import Repository
from zenml.steps import builtin_steps
from zenml.steps.step_interfaces.base_trainer_step import BaseTrainerConfig, BaseTrainerStep

logger = get_logger(__name__)

DATASET_PATH = "breast_cancer.csv"


class LogisticTrainerConfig(BaseTrainerConfig):
    target_column: str = "has_cancer"
    max_iter: int = 500


class LogisticTrainer(BaseTrainerStep):
    def entrypoint(
        self,
        train_dataset: pd.DataFrame,
        validation_dataset: pd.DataFrame,
        config: LogisticTrainerConfig,
    ) -> ClassifierMixin:
        X = train_dataset.drop(columns=[config.target_column])
        y = train_dataset[config.target_column]
        model = LogisticRegression(max_iter=config.max_iter).fit(X, y)
        logger.info(f"validation accuracy: {model.score(validation_dataset.drop(columns=[config.target_column]), validation_dataset[config.target_column]):.3f}")
        return model


if __name__ == "__main__":
    frame = load_breast_cancer(as_frame=True).frame.rename(columns={"target": "has_cancer"})
    frame.to_csv(DATASET_PATH, index=False)

    datasource = builtin_steps.PandasDatasource(
        builtin_steps.PandasDatasourceConfig(path=DATASET_PATH)
    )
    splitter = sklearn_steps.SklearnSplitter(
        sklearn_steps.SklearnSplitterConfig(ratios={"train": 0.7, "test": 0.15, "validation": 0.15})
    )
    analyzer = builtin_steps.PandasAnalyzer(
        builtin_steps.PandasAnalyzerConfig(percentiles=[0.2, 0.4, 0.6, 0.8, 1.0])
    )
    preprocessor = sklearn_steps.SklearnStandardScaler(
        sklearn_steps.SklearnStandardScalerConfig(ignore_columns=["has_cancer"])
    )
    trainer = LogisticTrainer(LogisticTrainerConfig())
    evaluator = sklearn_steps.SklearnEvaluator(
        sklearn_steps.SklearnEvaluatorConfig(label_class_column="has_cancer")
    )

    pipeline_instance = TrainingPipeline(
        required_integrations=[SKLEARN],
        datasource=datasource,
        splitter=splitter,
        analyzer=analyzer,
        preprocessor=preprocessor,
        trainer=trainer,
        evaluator=evaluator,
    )
    pipeline_instance.run()

    repo = Repository()
    p = repo.get_pipeline(pipeline_name="TrainingPipeline")
    runs = p.runs
    print(f"Pipeline `TrainingPipeline` has {len(runs)} run(s)")
    run = runs[-1]
    print(f"The run you just made has {len(run.steps)} step(s).")
    report = run.get_step("evaluator").output.read()
    print(f"evaluator report: {sorted(report)}")
    print(f"accuracy: {report['accuracy']:.3f}")
