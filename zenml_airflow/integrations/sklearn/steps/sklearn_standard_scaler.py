"""``SklearnStandardScaler``: standardize numeric columns with the train split's mean and std."""

from __future__ import annotations

import logging

import pandas as pd
from sklearn.preprocessing import StandardScaler

from zenml_airflow.core.step import Output
from zenml_airflow.steps.step_interfaces.base_preprocessor_step import (
    BasePreprocessorConfig,
    BasePreprocessorStep,
)

logger = logging.getLogger(__name__)


class SklearnStandardScalerConfig(BasePreprocessorConfig):
    """Which columns to leave as they are.

    Attributes:
        ignore_columns: columns not to scale, e.g. the label.
        exclude_columns: columns not to scale either; the seed documented them as "excluded
            from the dataset" but only left them unscaled, and so do we (they stay in the
            outputs).
    """

    ignore_columns: list[str] = []
    exclude_columns: list[str] = []


def _is_scalable(dtype_name: str) -> bool:
    """Whether a schema dtype name is a numeric (integer or float, not bool) dtype."""
    try:
        dtype = pd.api.types.pandas_dtype(dtype_name)
    except TypeError:
        return False
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


class SklearnStandardScaler(BasePreprocessorStep):
    """Scales each numeric column to ``(x - mean) / std`` in all three splits.

    The mean and std come from the analyzer's ``statistics`` of the train split (pandas'
    ``describe``, so the sample std); a column's type comes from ``schema``. Non-numeric columns
    are left as they are, with a warning; a column with a std of 0 is only centered.
    """

    def entrypoint(  # type: ignore[override]
        self,
        train_dataset: pd.DataFrame,
        test_dataset: pd.DataFrame,
        validation_dataset: pd.DataFrame,
        statistics: pd.DataFrame,
        schema: pd.DataFrame,
        config: SklearnStandardScalerConfig,
    ) -> Output(  # type: ignore[valid-type]
        train_transformed=pd.DataFrame,
        test_transformed=pd.DataFrame,
        validation_transformed=pd.DataFrame,
    ):
        """Return the three splits with their numeric columns standardized."""
        dtypes = {str(column): str(schema[column].iloc[0]) for column in schema.columns}
        skipped = set(config.exclude_columns) | set(config.ignore_columns)
        columns = []
        for column in train_dataset.columns:
            if column in skipped:
                continue
            dtype_name = dtypes.get(column, str(train_dataset[column].dtype))
            if not _is_scalable(dtype_name):
                logger.warning(
                    "Column '%s' is not numeric (%s); it is not scaled.", column, dtype_name
                )
                continue
            columns.append(column)
        if not columns:
            return train_dataset, test_dataset, validation_dataset

        missing = [c for c in columns if c not in statistics.index]
        if missing or not {"mean", "std"} <= set(statistics.columns):
            raise ValueError(
                f"The statistics have no mean and std for the column(s) {missing or columns}. "
                "Give the scaler the statistics of the same dataset (the analyzer's output for "
                "the train split) and let the analyzer describe every numeric column, or list "
                "these columns in ignore_columns."
            )
        scaler = StandardScaler()
        # Fitted from the statistics instead of the data: the preprocessor's contract is to use
        # the analyzer's numbers, so every split is scaled the same way.
        scaler.mean_ = statistics.loc[columns, "mean"].to_numpy(dtype=float, copy=True)
        scale = statistics.loc[columns, "std"].to_numpy(dtype=float, copy=True)
        scale[scale == 0] = 1.0  # as StandardScaler.fit does for constant columns
        scaler.scale_ = scale
        scaler.n_features_in_ = len(columns)

        def transform(frame: pd.DataFrame) -> pd.DataFrame:
            result = frame.copy()
            # Plain arrays: the scaler was not fitted on a frame, so it has no feature names.
            result[columns] = scaler.transform(frame[columns].to_numpy(dtype=float))
            return result

        return transform(train_dataset), transform(test_dataset), transform(validation_dataset)
