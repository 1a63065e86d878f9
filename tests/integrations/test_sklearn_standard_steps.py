"""The seed's sklearn standard steps: ``SklearnSplitter`` (ratios and their validation),
``SklearnStandardScaler`` (train statistics applied to every split, columns left alone) and
``SklearnEvaluator`` (the classification report)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from zenml_airflow.integrations.sklearn import steps as sklearn_steps
from zenml_airflow.integrations.sklearn.steps import (
    SklearnEvaluator,
    SklearnEvaluatorConfig,
    SklearnSplitter,
    SklearnSplitterConfig,
    SklearnStandardScaler,
    SklearnStandardScalerConfig,
)
from zenml_airflow.steps.builtin_steps import PandasAnalyzer, PandasAnalyzerConfig
from zenml_airflow.steps.step_interfaces import (
    BaseEvaluatorStep,
    BasePreprocessorStep,
    BaseSplitStep,
)

RATIOS = {"train": 0.7, "test": 0.15, "validation": 0.15}


def test_the_seed_import_path_and_interfaces() -> None:
    assert sorted(sklearn_steps.__all__) == [
        "SklearnEvaluator", "SklearnEvaluatorConfig", "SklearnSplitter", "SklearnSplitterConfig",
        "SklearnStandardScaler", "SklearnStandardScalerConfig",
    ]  # fmt: skip
    assert issubclass(SklearnSplitter, BaseSplitStep)
    assert issubclass(SklearnStandardScaler, BasePreprocessorStep)
    assert issubclass(SklearnEvaluator, BaseEvaluatorStep)
    assert SklearnSplitter.entrypoint_path() == (
        "zenml_airflow.integrations.sklearn.steps.sklearn_splitter:SklearnSplitter"
    )


# --- splitter -----------------------------------------------------------------------------------


def split(frame: pd.DataFrame, ratios: dict[str, float]) -> tuple[pd.DataFrame, ...]:
    config = SklearnSplitterConfig(ratios=ratios)
    parts: tuple[pd.DataFrame, ...] = SklearnSplitter(config).entrypoint(
        dataset=frame, config=config
    )
    return parts


@pytest.mark.parametrize(
    "ratios",
    [
        RATIOS,
        {"train": 0.5, "test": 0.25, "validation": 0.25},
        {"train": 0.1, "test": 0.2, "validation": 0.7},
    ],
)
def test_splitter_partitions_the_rows_by_the_ratios(ratios: dict[str, float]) -> None:
    n = 200
    frame = pd.DataFrame({"x": np.arange(n), "y": np.arange(n) * 2.0})
    train, test, validation = split(frame, ratios)
    for part, name in ((train, "train"), (test, "test"), (validation, "validation")):
        # train_test_split rounds the held-out share up: at most one row off the exact share.
        assert abs(len(part) - ratios[name] * n) <= 1, (name, len(part))
        assert list(part.columns) == ["x", "y"]
        assert (part["y"] == part["x"] * 2.0).all()  # whole rows, not shuffled columns
    indexes = [set(part.index) for part in (train, test, validation)]
    assert not (indexes[0] & indexes[1] or indexes[0] & indexes[2] or indexes[1] & indexes[2])
    assert set().union(*indexes) == set(frame.index)


def test_splitter_accepts_ratios_that_sum_to_one_after_rounding() -> None:
    # 0.1 + 0.2 + 0.7 == 1.0000000000000002; the seed refused it.
    assert (
        SklearnSplitterConfig(ratios={"train": 0.7, "test": 0.2, "validation": 0.1}).ratios["test"]
        == 0.2
    )
    SklearnSplitterConfig(ratios={"train": 0.1, "test": 0.2, "validation": 0.7})


@pytest.mark.parametrize(
    ("ratios", "message"),
    [
        (
            {"train": 0.7, "test": 0.3},
            r"exactly the keys 'train', 'test' and 'validation'; got \['test', 'train'\]",
        ),
        (
            {"train": 0.7, "test": 0.15, "val": 0.15},
            r"exactly the keys .* got \['test', 'train', 'val'\]",
        ),
        ({**RATIOS, "holdout": 0.0}, r"exactly the keys .*'holdout'"),
        ({"train": 0.7, "test": 0.2, "validation": 0.2}, r"must sum up to 1; .* sums to 1\.1"),
        (
            {"train": 1.0, "test": 0.0, "validation": 0.0},
            r"every ratio must be above 0; got \{'test': 0\.0, 'validation': 0\.0\}",
        ),
        ({"train": 1.2, "test": -0.1, "validation": -0.1}, r"every ratio must be above 0"),
    ],
)
def test_splitter_config_refuses_bad_ratios(ratios: dict[str, float], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SklearnSplitterConfig(ratios=ratios)


def test_splitter_config_needs_ratios() -> None:
    with pytest.raises(ValidationError, match=r"ratios\s+Field required"):
        SklearnSplitterConfig()  # type: ignore[call-arg]


# --- standard scaler ----------------------------------------------------------------------------


def frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    train = pd.DataFrame(
        {
            "a": [1.0, 2.0, 3.0, 4.0],
            "b": [10, 20, 30, 40],
            "label": [0, 1, 0, 1],
            "const": [5.0, 5.0, 5.0, 5.0],
            "city": ["x", "y", "z", "x"],
            "raw": [7.0, 8.0, 9.0, 6.0],
        }
    )
    test = train.iloc[:2].assign(a=[10.0, 0.0]).reset_index(drop=True)
    validation = train.iloc[2:].reset_index(drop=True)
    return train, test, validation


def scale(config: SklearnStandardScalerConfig, **frames_: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
    train, test, validation = frames_.get("train"), frames_.get("test"), frames_.get("validation")
    if train is None or test is None or validation is None:
        train, test, validation = frames()
    statistics, schema = PandasAnalyzer().entrypoint(dataset=train, config=PandasAnalyzerConfig())
    parts: tuple[pd.DataFrame, ...] = SklearnStandardScaler().entrypoint(
        train_dataset=train, test_dataset=test, validation_dataset=validation,
        statistics=frames_.get("statistics", statistics), schema=schema, config=config,
    )  # fmt: skip
    return parts


def test_scaler_standardizes_numeric_columns_with_the_train_statistics(
    caplog: pytest.LogCaptureFixture,
) -> None:
    train, test, validation = frames()
    config = SklearnStandardScalerConfig(ignore_columns=["label"], exclude_columns=["raw"])
    with caplog.at_level(logging.WARNING):
        train_t, test_t, validation_t = scale(config)

    mean_a, std_a = train["a"].mean(), train["a"].std()  # describe's std: the sample std
    assert train_t["a"].tolist() == pytest.approx(((train["a"] - mean_a) / std_a).tolist())
    assert train_t["a"].mean() == pytest.approx(0.0) and train_t["a"].std() == pytest.approx(1.0)
    assert train_t["b"].std() == pytest.approx(1.0)  # an int column is scaled too
    # The other splits use the train split's numbers, not their own.
    assert test_t["a"].tolist() == pytest.approx([(10.0 - mean_a) / std_a, (0.0 - mean_a) / std_a])
    assert validation_t["b"].tolist() == pytest.approx(
        ((validation["b"] - train["b"].mean()) / train["b"].std()).tolist()
    )
    # Ignored, excluded and non-numeric columns stay as they were, in every split.
    for original, scaled in ((train, train_t), (test, test_t), (validation, validation_t)):
        assert list(scaled.columns) == list(original.columns)
        for column in ("label", "raw", "city"):
            assert scaled[column].tolist() == original[column].tolist()
    assert train_t["label"].dtype == np.int64
    assert "Column 'city' is not numeric" in caplog.text
    # A constant column is centered, not divided by zero.
    assert train_t["const"].tolist() == [0.0, 0.0, 0.0, 0.0]
    # The inputs are not modified.
    assert train["a"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_scaler_without_columns_to_scale_returns_the_splits_unchanged() -> None:
    train, test, validation = frames()
    everything = ["a", "b", "label", "const", "raw"]
    parts = scale(SklearnStandardScalerConfig(ignore_columns=everything))
    for original, scaled in zip((train, test, validation), parts, strict=True):
        pd.testing.assert_frame_equal(original, scaled)


def test_scaler_names_the_columns_the_statistics_lack() -> None:
    train, _, _ = frames()
    statistics, _ = PandasAnalyzer().entrypoint(dataset=train, config=PandasAnalyzerConfig())
    with pytest.raises(
        ValueError, match=r"no mean and std for the column\(s\) \['b'\].*ignore_columns"
    ):
        scale(
            SklearnStandardScalerConfig(ignore_columns=["label"]),
            statistics=statistics.drop(index="b"),
        )


# --- evaluator ----------------------------------------------------------------------------------


class Probabilities(ClassifierMixin, BaseEstimator):
    """A model whose predict gives the probability of class 1 (as a sigmoid network does)."""

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        return features[["score"]].to_numpy(dtype=float)  # shaped (n, 1), like a Keras model


def evaluate(model: object, dataset: pd.DataFrame, label: str = "y") -> dict:
    config = SklearnEvaluatorConfig(label_class_column=label)
    report: dict = SklearnEvaluator(config).entrypoint(dataset=dataset, model=model, config=config)
    return report


def test_evaluator_reports_a_classifier_on_the_test_split() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    frame = pd.DataFrame({"x": x, "noise": rng.normal(size=200), "y": (x > 0).astype(int)})
    model = LogisticRegression().fit(frame[["x", "noise"]], frame["y"])
    report = evaluate(model, frame)
    assert set(report) == {"0", "1", "accuracy", "macro avg", "weighted avg"}
    assert report["accuracy"] > 0.95
    assert report["1"]["support"] == int(frame["y"].sum())
    assert set(report["weighted avg"]) == {"precision", "recall", "f1-score", "support"}
    assert "y" in frame.columns  # the label column is not popped off the caller's frame


def test_evaluator_thresholds_probabilities_at_one_half() -> None:
    frame = pd.DataFrame({"score": [0.9, 0.2, 0.6, 0.4, 0.51], "y": [1, 0, 0, 0, 1]})
    report = evaluate(Probabilities(), frame)
    # predicted classes: 1, 0, 1, 0, 1 -> 4 of 5 right
    assert report["accuracy"] == pytest.approx(0.8)
    assert report["1"]["precision"] == pytest.approx(2 / 3)
    assert report["0"]["recall"] == pytest.approx(2 / 3)


def test_evaluator_uses_predicted_labels_as_they_are() -> None:
    frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 0.1, 1.1, 2.1], "y": [0.0, 1.0, 2.0, 0.0, 1.0, 2.0]})
    model = LogisticRegression().fit(frame[["x"]], frame["y"])  # float labels, three classes
    report = evaluate(model, frame)
    assert set(report) >= {"0.0", "1.0", "2.0"}
    assert report["accuracy"] == pytest.approx(1.0)


def test_evaluator_names_a_missing_label_column() -> None:
    frame = pd.DataFrame({"x": [0.0, 1.0], "y": [0, 1]})
    with pytest.raises(ValueError, match=r"no label column 'label' \(columns: \['x', 'y'\]\)"):
        evaluate(LogisticRegression().fit(frame[["x"]], frame["y"]), frame, label="label")
