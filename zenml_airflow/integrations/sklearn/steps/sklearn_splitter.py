"""``SklearnSplitter``: split a DataFrame into train, test and validation sets with sklearn."""

from __future__ import annotations

import math

import pandas as pd
from pydantic import field_validator
from sklearn.model_selection import train_test_split

from zenml_airflow.core.step import Output
from zenml_airflow.steps.step_interfaces.base_split_step import (
    BaseSplitStep,
    BaseSplitStepConfig,
)

SPLITS = ("train", "test", "validation")


class SklearnSplitterConfig(BaseSplitStepConfig):
    """The share of the rows each split gets.

    Attributes:
        ratios: exactly the keys ``"train"``, ``"test"`` and ``"validation"``, each a fraction
            above 0, summing to 1, e.g. ``{"train": 0.7, "test": 0.15, "validation": 0.15}``.
    """

    ratios: dict[str, float]

    @field_validator("ratios")
    @classmethod
    def _three_fractions_summing_to_one(cls, value: dict[str, float]) -> dict[str, float]:
        # Checked here rather than when the step runs (as the seed did), so a typo fails where
        # the pipeline is written, not after the upstream steps ran.
        if set(value) != set(SPLITS):
            raise ValueError(
                f"ratios must have exactly the keys 'train', 'test' and 'validation'; got "
                f"{sorted(value)}. Example: {{'train': 0.7, 'test': 0.15, 'validation': 0.15}}."
            )
        not_positive = {k: v for k, v in value.items() if not v > 0}
        if not_positive:
            raise ValueError(f"every ratio must be above 0; got {not_positive}.")
        total = sum(value.values())
        # Tolerate float rounding (0.1 + 0.2 + 0.7 != 1.0), which the seed refused.
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise ValueError(f"the ratios must sum up to 1; {value} sums to {total:g}.")
        return value


class SklearnSplitter(BaseSplitStep):
    """Shuffles the rows and splits them by ``config.ratios`` with ``train_test_split``.

    Example::

        splitter = SklearnSplitter(
            SklearnSplitterConfig(ratios={"train": 0.7, "test": 0.15, "validation": 0.15})
        )
    """

    def entrypoint(  # type: ignore[override]
        self,
        dataset: pd.DataFrame,
        config: SklearnSplitterConfig,
    ) -> Output(  # type: ignore[valid-type]
        train=pd.DataFrame, test=pd.DataFrame, validation=pd.DataFrame
    ):
        """Return the train, test and validation rows of ``dataset``."""
        ratios = config.ratios
        train_and_validation, test = train_test_split(dataset, test_size=ratios["test"])
        # The validation share of what is left after taking the test rows out.
        validation_share = ratios["validation"] / (ratios["validation"] + ratios["train"])
        train, validation = train_test_split(train_and_validation, test_size=validation_share)
        return train, test, validation
