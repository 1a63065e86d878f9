# The seed's scheduled Airflow DAG file: the same pipeline, retrained every night.
from datetime import datetime

from airflow_pipeline import (
    airflow_mnist,
    dynamic_importer,
    normalize_mnist,
    sklearn_evaluator,
    sklearn_trainer,
)

from zenml.pipelines import Schedule

scikit_p = airflow_mnist(
    importer=dynamic_importer(),
    normalizer=normalize_mnist(),
    trainer=sklearn_trainer(),
    evaluator=sklearn_evaluator(),
)

DAG = scikit_p.run(
    schedule=Schedule(start_time=datetime(2099, 1, 1), cron_expression="0 3 * * *")
)
