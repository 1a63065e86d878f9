"""``PandasDatasource``: read a CSV file into a ``pandas.DataFrame``."""

from __future__ import annotations

import os

import pandas as pd
from pydantic import field_validator

from zenml_airflow.steps.step_interfaces.base_datasource_step import (
    BaseDatasourceConfig,
    BaseDatasourceStep,
)


class PandasDatasourceConfig(BaseDatasourceConfig):
    """Where the CSV file is and how to parse it (the arguments of ``pandas.read_csv``).

    Attributes:
        path: a local file path or a URL pandas can read (``https://``, ``s3://``, ...). A
            relative local path is made absolute when the config is created, so the step reads
            the same file wherever it runs (an Airflow task does not start in your directory).
        sep: the field delimiter.
        header: the row number(s) holding the column names, ``"infer"`` (pandas' default), or
            ``None`` for a file without a header row (then give ``names``).
        names: the column names to use.
        index_col: the column(s) to use as the index.
    """

    path: str
    sep: str = ","
    header: int | list[int] | str | None = "infer"
    names: list[str] | None = None
    index_col: int | str | list[int | str] | bool | None = None

    @field_validator("path")
    @classmethod
    def _absolute_local_path(cls, value: str) -> str:
        if "://" in value:
            return value
        return os.path.abspath(os.path.expanduser(value))


class PandasDatasource(BaseDatasourceStep):
    """Reads the CSV file at ``config.path`` with ``pandas.read_csv``.

    The step is never cached: its parameters name the file, not its content, and a cache hit
    would hand on the old rows after the file changed. The steps after it are cached as usual
    (their cache key includes the content of the data they read).

    Example::

        datasource = PandasDatasource(PandasDatasourceConfig(path="diabetes.csv"))
    """

    ENABLE_CACHE = False

    def entrypoint(  # type: ignore[override]
        self,
        config: PandasDatasourceConfig,
    ) -> pd.DataFrame:
        """Return the file's rows as a DataFrame."""
        return pd.read_csv(
            config.path,
            sep=config.sep,
            header=config.header,
            names=config.names,
            index_col=config.index_col,
        )
