# The seed's Airflow DAG file: put it (and airflow_pipeline.py) in Airflow's dags folder. Airflow
# imports this file and collects the DAG object that `run()` returns as a global.
from airflow_pipeline import (
    airflow_mnist,
    dynamic_importer,
    normalize_mnist,
    sklearn_evaluator,
    sklearn_trainer,
)

scikit_p = airflow_mnist(
    importer=dynamic_importer(),
    normalizer=normalize_mnist(),
    trainer=sklearn_trainer(),
    evaluator=sklearn_evaluator(),
)

DAG = scikit_p.run()
