"""Values across runs: the scalar outputs and numeric artifact metadata of a pipeline's runs.

What a user of scheduled retraining looks at first - the accuracy of each night's model, the
rows it was trained on, the model's size - as series over the runs of a pipeline, oldest first.
Pure functions over metadata records; the caller reads scalar values (``read_scalar``), so this
module opens no store and imports no Airflow.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from zenml_airflow.metadata.records import ArtifactRecord, RunRecord

#: Built-in artifacts small enough to be one number (``data.json`` of ``3.14159...``).
SCALAR_TYPES = ("builtins:int", "builtins:float")
SCALAR_MAX_BYTES = 64
MAX_SERIES = 12


@dataclass(frozen=True)
class Point:
    run: str
    value: float | None
    run_id: int


@dataclass(frozen=True)
class Series:
    """One chart: ``label`` (``step.output`` or ``step.output: metadata key``) over runs."""

    label: str
    points: list[Point]

    @property
    def values(self) -> list[float]:
        return [p.value for p in self.points if p.value is not None]


def is_scalar(record: ArtifactRecord) -> bool:
    """Whether ``record`` is a built-in int or float artifact (one small JSON number)."""
    return (
        record.data_type in SCALAR_TYPES
        and record.materializer.endswith(":BuiltInMaterializer")
        and record.materializer.startswith("zenml_airflow.")
        and (record.size_bytes or 0) <= SCALAR_MAX_BYTES
    )


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def trend_series(
    runs: Sequence[RunRecord],
    outputs: Mapping[int, Mapping[tuple[str, str], ArtifactRecord]],
    read_scalar: Callable[[ArtifactRecord], object],
) -> list[Series]:
    """The series worth charting for ``runs`` (oldest first): every scalar output, then every
    numeric metadata fact, each with a value in at least two runs; at most :data:`MAX_SERIES`.

    ``read_scalar`` reads one scalar artifact (it may raise: that run's point is left empty).
    """
    scalars: dict[str, dict[int, float | None]] = {}
    facts: dict[str, dict[int, float | None]] = {}
    for run in runs:
        for (step, output), record in sorted(outputs.get(run.id, {}).items()):
            name = f"{step}.{output}"
            if is_scalar(record):
                try:
                    value = _number(read_scalar(record))
                except Exception:  # noqa: BLE001 - a missing file leaves a gap, not an error
                    value = None
                scalars.setdefault(name, {})[run.id] = value
            for key, fact in record.metadata.items():
                number = _number(fact)
                if number is not None:
                    facts.setdefault(f"{name}: {key}", {})[run.id] = number
    series = []
    for label, by_run in [*scalars.items(), *facts.items()]:
        points = [Point(run.name, by_run.get(run.id), run.id) for run in runs]
        if sum(p.value is not None for p in points) >= 2:
            series.append(Series(label, points))
    return series[:MAX_SERIES]


__all__ = ["MAX_SERIES", "Point", "Series", "is_scalar", "trend_series"]
