"""``PandasAnalyzer``: summary statistics and the column types of a ``pandas.DataFrame``."""

from __future__ import annotations

import pandas as pd
from pydantic import field_validator

from zenml_airflow.artifacts.base_artifact import SchemaArtifact, StatisticsArtifact
from zenml_airflow.core.step import Output
from zenml_airflow.steps.step_interfaces.base_analyzer_step import (
    BaseAnalyzerConfig,
    BaseAnalyzerStep,
)


class PandasAnalyzerConfig(BaseAnalyzerConfig):
    """The arguments of ``DataFrame.describe``.

    Attributes:
        percentiles: the percentiles to compute, each between 0 and 1.
        include: the dtypes (as strings, e.g. ``["number"]``, or ``"all"``) to describe.
        exclude: the dtypes (as strings) to leave out.

    The seed typed ``include``/``exclude`` as lists of types, but step parameters must be JSON
    (they are stored and part of the cache key), so only dtype names can be passed - which
    ``describe`` accepts just the same.
    """

    percentiles: list[float] = [0.25, 0.5, 0.75]
    include: str | list[str] | None = None
    exclude: str | list[str] | None = None

    @field_validator("percentiles")
    @classmethod
    def _between_zero_and_one(cls, value: list[float]) -> list[float]:
        outside = [p for p in value if not 0 <= p <= 1]
        if outside:
            raise ValueError(
                f"percentiles must lie between 0 and 1 (0.25 is the 25th percentile); got {outside}."
            )
        return value


class PandasAnalyzer(BaseAnalyzerStep):
    """Describes a DataFrame.

    Outputs:
        statistics: one row per described column, one column per statistic (``count``,
            ``mean``, ``std``, ``min``, the percentiles such as ``25%``, ``max``), stored as a
            ``StatisticsArtifact``.
        schema: one row (index ``0``) holding each column's dtype name (``"int64"``,
            ``"float64"``, ``"object"``...), stored as a ``SchemaArtifact``.
    """

    OUTPUT_ARTIFACT_TYPES = {"statistics": StatisticsArtifact, "schema": SchemaArtifact}

    def entrypoint(  # type: ignore[override]
        self,
        dataset: pd.DataFrame,
        config: PandasAnalyzerConfig,
    ) -> Output(  # type: ignore[valid-type]
        statistics=pd.DataFrame, schema=pd.DataFrame
    ):
        """Return the statistics and the schema of ``dataset``."""
        statistics = dataset.describe(
            percentiles=config.percentiles,
            include=config.include,
            exclude=config.exclude,
        ).T
        schema = dataset.dtypes.to_frame().T.astype(str)
        return statistics, schema
