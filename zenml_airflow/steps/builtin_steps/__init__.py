"""The seed's ``zenml.steps.builtin_steps``: standard steps built on pandas.

Importing this package imports pandas (the steps' annotations need it); nothing else in
``zenml_airflow.steps`` imports it.
"""

from zenml_airflow.steps.builtin_steps.pandas_analyzer import (
    PandasAnalyzer,
    PandasAnalyzerConfig,
)
from zenml_airflow.steps.builtin_steps.pandas_datasource import (
    PandasDatasource,
    PandasDatasourceConfig,
)

__all__ = [
    "PandasAnalyzer",
    "PandasAnalyzerConfig",
    "PandasDatasource",
    "PandasDatasourceConfig",
]
