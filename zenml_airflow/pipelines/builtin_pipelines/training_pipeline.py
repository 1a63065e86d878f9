"""``TrainingPipeline``: ingest, split, analyze, preprocess, train and evaluate."""

from __future__ import annotations

from zenml_airflow.core.pipeline import BasePipeline
from zenml_airflow.steps import step_interfaces


class TrainingPipeline(BasePipeline):
    """The standard training pipeline: give it one implementation of each step interface.

    Example::

        TrainingPipeline(
            datasource=PandasDatasource(PandasDatasourceConfig(path="diabetes.csv")),
            splitter=SklearnSplitter(
                SklearnSplitterConfig(ratios={"train": 0.7, "test": 0.15, "validation": 0.15})
            ),
            analyzer=PandasAnalyzer(PandasAnalyzerConfig()),
            preprocessor=SklearnStandardScaler(
                SklearnStandardScalerConfig(ignore_columns=["has_diabetes"])
            ),
            trainer=MyTrainer(MyTrainerConfig(target_column="has_diabetes")),
            evaluator=SklearnEvaluator(SklearnEvaluatorConfig(label_class_column="has_diabetes")),
        ).run()
    """

    def connect(  # type: ignore[override]
        self,
        datasource: step_interfaces.BaseDatasourceStep,
        splitter: step_interfaces.BaseSplitStep,
        analyzer: step_interfaces.BaseAnalyzerStep,
        preprocessor: step_interfaces.BasePreprocessorStep,
        trainer: step_interfaces.BaseTrainerStep,
        evaluator: step_interfaces.BaseEvaluatorStep,
    ) -> None:
        """Wire the steps: the splitter splits the datasource's data, the analyzer describes the
        train split, the preprocessor transforms all three splits with that description, the
        trainer fits on the transformed train (and validation) split, and the evaluator scores
        the model on the transformed test split.
        """
        dataset = datasource()
        train, test, validation = splitter(dataset=dataset)
        statistics, schema = analyzer(dataset=train)
        train_t, test_t, validation_t = preprocessor(
            train_dataset=train,
            test_dataset=test,
            validation_dataset=validation,
            statistics=statistics,
            schema=schema,
        )
        model = trainer(train_dataset=train_t, validation_dataset=validation_t)
        evaluator(model=model, dataset=test_t)
