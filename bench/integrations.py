"""Area 7: the ML library integrations (issue 16).

- Round trip (write + read) of a polars frame, a fitted XGBoost classifier and a fitted LightGBM
  classifier through its zenml-airflow materializer on a local artifact store (write, content
  hash, read - what a step hand-over costs), against the library's own save/load to a local file
  in the same process, samples interleaved. Target: <= 1.2x. The ratio is the median of the
  per-pair ratios (each of our samples over the library sample taken just before it), which
  this shared 2-core machine's load swings move far less than a ratio of two medians; the
  boosting cases take 21 pairs (about 50 ms each), the polars frame 7 (about 1 s each).
- Activation: which ML libraries ``import zenml_airflow`` and defining a pipeline import (none
  expected), and the import time, each in a fresh interpreter.

``python integrations.py`` prints JSON.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import BENCH_DIR, emit, quiet_logging, reps, stats

LIBRARIES = ("polars", "pyarrow", "scipy", "PIL", "matplotlib", "xgboost", "lightgbm", "sklearn")
ROWS = 1_000_000


def _polars_case(work: Path) -> tuple[Any, Any, Any]:
    import numpy as np
    import polars as pl

    from zenml_airflow.integrations.polars.materializers.polars_materializer import (
        PolarsMaterializer,
    )

    rng = np.random.default_rng(0)
    frame = pl.DataFrame({f"f{i}": rng.random(ROWS) for i in range(4)} | {"id": np.arange(ROWS)})

    def own(i: int) -> None:
        path = work / f"own-{i}.parquet"
        frame.write_parquet(path, compression="zstd")
        pl.read_parquet(path)

    return frame, PolarsMaterializer, own


def _boosting_case(work: Path, library: str) -> tuple[Any, Any, Any]:
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=5000, n_features=20, random_state=0)
    if library == "xgboost":
        import xgboost as xgb

        from zenml_airflow.integrations.xgboost.materializers.xgboost_sklearn_materializer import (
            XgboostSklearnMaterializer as materializer,
        )

        model = xgb.XGBClassifier(n_estimators=200, max_depth=6).fit(x, y)

        def own(i: int) -> None:
            path = work / f"own-{i}.ubj"
            model.save_model(path)
            xgb.XGBClassifier().load_model(path)

    else:
        import lightgbm as lgb

        from zenml_airflow.integrations.lightgbm.materializers.lightgbm_sklearn_materializer import (
            LightGBMSklearnMaterializer as materializer,
        )

        model = lgb.LGBMClassifier(n_estimators=200, verbose=-1).fit(x, y)

        def own(i: int) -> None:
            path = work / f"own-{i}.txt"
            model.booster_.save_model(str(path))
            lgb.Booster(model_file=str(path))

    return model, materializer, own


def round_trip(case: str, work: Path, repeat: int) -> dict[str, Any]:
    from zenml_airflow.artifacts import DataArtifact
    from zenml_airflow.artifacts.store import ArtifactStore

    work.mkdir(parents=True, exist_ok=True)
    value, materializer, own = (
        _polars_case(work) if case == "polars" else _boosting_case(work, case)
    )
    store = ArtifactStore(str(work / "store"))
    ours, theirs = [], []
    with store:
        for i in range(repeat + 1):
            start = time.perf_counter()
            own(i)
            mid = time.perf_counter()
            uri = store.path + f"/{case}/{i}"
            store.prepare(uri)
            artifact = DataArtifact(uri=uri)
            materializer(artifact).handle_return(value)
            store.content_hash(uri)
            materializer(artifact).handle_input(type(value))
            end = time.perf_counter()
            if i:  # the first pair warms up imports and caches
                theirs.append(mid - start)
                ours.append(end - mid)
    ratios = [mine / library for mine, library in zip(ours, theirs, strict=True)]
    return {
        "ours": stats(ours),
        "library": stats(theirs),
        "ratio": statistics.median(ratios),
        "ratio_of_medians": statistics.median(ours) / statistics.median(theirs),
    }


ACTIVATION = """
import sys, time
start = time.perf_counter()
import zenml_airflow
from zenml_airflow.pipelines import pipeline
from zenml_airflow.steps import step

@step
def one() -> int:
    return 1

@pipeline
def p(one):
    one()

p(one=one())
took = time.perf_counter() - start
print(repr((sorted(m for m in LIBRARIES if m in sys.modules), took)))
"""


def activation() -> dict[str, Any]:
    code = f"LIBRARIES = {LIBRARIES!r}\n" + ACTIVATION
    samples, imported = [], set()
    for _ in range(reps(5, 2)):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        libraries, took = eval(out)  # noqa: S307 - our own subprocess's repr
        imported |= set(libraries)
        samples.append(took)
    return {"imported": sorted(imported), "seconds": stats(samples)}


def main() -> None:
    quiet_logging()
    tmp_root = BENCH_DIR / "results" / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="integrations-", dir=tmp_root))
    os.environ["ZENML_AIRFLOW_CONFIG_DIR"] = str(work / "config")
    # pairs per case: enough for a stable median where a pair is cheap
    repeat = {"polars": reps(7, 2), "xgboost": reps(21, 3), "lightgbm": reps(21, 3)}
    result: dict[str, Any] = {"repeat": repeat, "activation": activation()}
    try:
        for case in ("polars", "xgboost", "lightgbm"):
            try:
                result[case] = round_trip(case, work / case, repeat[case])
            except ImportError as error:
                result[case] = {"error": f"not measured: {error}"}
    finally:
        shutil.rmtree(work, ignore_errors=True)  # about 0.5 GB of frames and models per run
    emit(result)


if __name__ == "__main__":
    main()
