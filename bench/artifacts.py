"""Area 2: artifact throughput and peak memory on the local artifact store.

``python artifacts.py MODE`` runs one measurement in this (fresh) process and prints JSON; run.py
starts one process per mode so each gets its own peak RSS (``resource.getrusage`` maxrss, minus
the RSS after imports):

- ``raw_numpy``: generate a 200 MB float64 array, ``np.save`` it to a new file, ``np.load`` it.
  Each sample generates other data (a new seed), in the baseline and in the pipeline alike, so the
  store never shares a copy (ADR 0011) while throughput is measured.
- ``zen_numpy``: a 2-step pipeline: step 1 generates the same array and returns it (NumpyMaterializer
  writes it, the store hashes it), step 2 reads it. I/O time = run time - generation time. Each
  sample is preceded by a raw sample in the same process (``raw_io_interleaved``): the ratio is
  taken against those, as disk and page-cache state drift between processes.
- ``raw_pandas`` / ``zen_pandas``: the same with a 2M x 10 DataFrame and snappy parquet.
- ``disk``: 10 uncached runs of the numpy pipeline producing the same array; bytes on disk in the
  artifact store.

Every file goes to the same disk (a temporary directory under bench/results/tmp).
"""

from __future__ import annotations

import gc
import importlib
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import BENCH_DIR, emit, quiet_logging, reps, stats

ARRAY_ELEMENTS = 25_000_000  # 200 MB of float64
DF_ROWS = 2_000_000
PIPELINES = """
import numpy as np
import pandas as pd
from zenml_airflow import pipeline, step

ARRAY_ELEMENTS = {array}
DF_ROWS = {rows}
SEED = [0]  # the bench sets it: new data for each timed sample, the same data for "disk"


def make_array():
    return np.random.default_rng(SEED[0]).random(ARRAY_ELEMENTS)


def make_frame():
    rng = np.random.default_rng(SEED[0])
    data = {{f"f{{i}}": rng.random(DF_ROWS) for i in range(9)}}
    data["id"] = np.arange(DF_ROWS, dtype=np.int64)
    return pd.DataFrame(data)


@step
def produce_array() -> np.ndarray:
    return make_array()


@step
def consume_array(a: np.ndarray) -> int:
    return int(a.shape[0])


@step
def produce_frame() -> pd.DataFrame:
    return make_frame()


@step
def consume_frame(df: pd.DataFrame) -> int:
    return int(len(df))


@pipeline
def numpy_io(produce, consume):
    consume(a=produce())


@pipeline
def pandas_io(produce, consume):
    consume(df=produce())


numpy_pipeline = numpy_io(produce=produce_array(), consume=consume_array())
pandas_pipeline = pandas_io(produce=produce_frame(), consume=consume_frame())
"""


def rss_now_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(mode: str) -> None:
    tmp_root = BENCH_DIR / "results" / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"artifacts-{mode}-", dir=tmp_root))
    os.environ["ZENML_AIRFLOW_CONFIG_DIR"] = str(work / "config")
    os.chdir(work)
    sys.path.insert(0, str(work))
    (work / "io_pipelines.py").write_text(PIPELINES.format(array=ARRAY_ELEMENTS, rows=DF_ROWS))
    quiet_logging()
    import numpy as np
    import pandas as pd  # noqa: F401  (imported before the baseline RSS, like the pipeline's)

    import zenml_airflow  # noqa: F401

    mod = importlib.import_module("io_pipelines")
    # the default stack is created lazily: touch it before the baseline
    from zenml_airflow.repository import Repository

    store_root = Path(Repository().active_stack.artifact_store.path)
    repeat = reps(5, 2)
    kind = "pandas" if "pandas" in mode else "numpy"
    name = "make_array" if kind == "numpy" else "make_frame"
    original_make = getattr(mod, name)
    gen: list[float] = []

    def make():  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return original_make()
        finally:
            gen.append(time.perf_counter() - start)

    setattr(mod, name, make)  # the producing step calls it through the module global
    probe = original_make()
    data_mb = (probe.nbytes if kind == "numpy" else int(probe.memory_usage(index=True).sum())) / 1e6
    del probe
    gc.collect()
    baseline_rss = rss_now_mb()
    result: dict = {"mode": mode, "repeat": repeat, "data_mb": data_mb}

    def raw_sample(i: int) -> tuple[float, float]:
        """One raw write + read of new data (seed ``i``) to a new file; (write s, read s)."""
        path = work / f"raw-{i}.{'npy' if kind == 'numpy' else 'parquet'}"
        mod.SEED[0] = i + 1
        value = make()
        os.sync()  # every timed write starts with no dirty pages from the previous one
        start = time.perf_counter()
        if kind == "numpy":
            np.save(path, value, allow_pickle=False)
        else:
            value.to_parquet(path, engine="pyarrow", compression="snappy")
        mid = time.perf_counter()
        del value  # as in a pipeline: the producer's value is gone before the consumer reads
        mid2 = time.perf_counter()
        back = (
            np.load(path, allow_pickle=False)
            if kind == "numpy"
            else pd.read_parquet(path, engine="pyarrow")
        )
        end = time.perf_counter()
        del back  # files are kept, as the artifact store keeps its artifacts
        return mid - start, end - mid2

    if mode.startswith("raw"):
        writes, reads = [], []
        for i in range(repeat + 1):
            write, read = raw_sample(i)
            if i:
                writes.append(write)
                reads.append(read)
        result["write"] = stats(writes)
        result["read"] = stats(reads)
        result["io"] = stats([w + r for w, r in zip(writes, reads, strict=True)])
    elif mode.startswith("zen"):
        p = mod.numpy_pipeline if kind == "numpy" else mod.pandas_pipeline
        from zenml_airflow.artifacts.store import ArtifactStore
        from zenml_airflow.materializers.numpy_materializer import NumpyMaterializer
        from zenml_airflow.materializers.pandas_materializer import PandasMaterializer

        phases: dict[str, list[float]] = {}
        materializer = NumpyMaterializer if kind == "numpy" else PandasMaterializer
        patched = [
            (ArtifactStore, "content_hash"),
            (ArtifactStore, "size"),
            (materializer, "handle_return"),
            (materializer, "handle_input"),
        ]
        originals = {}
        for cls, attr in patched:
            fn = getattr(cls, attr)
            originals[(cls, attr)] = fn

            def wrapper(*args, __fn=fn, __label=f"{cls.__name__}.{attr}", **kwargs):  # type: ignore[no-untyped-def]
                start = time.perf_counter()
                try:
                    return __fn(*args, **kwargs)
                finally:
                    phases.setdefault(__label, []).append(time.perf_counter() - start)

            setattr(cls, attr, wrapper)
        runs, io, raw_io = [], [], []
        for i in range(repeat + 1):
            # The baseline again, interleaved with the pipeline in this process: the disk's and
            # the page cache's state drift between processes, so the ratio uses these samples.
            raw_write, raw_read = raw_sample(1000 + i)
            gen.clear()
            for v in phases.values():
                v.clear()
            os.sync()  # as for the raw baseline
            mod.SEED[0] = i + 1  # other data each time: no copy is shared, as in the baseline
            start = time.perf_counter()
            run = p.run(enable_cache=False)
            elapsed = time.perf_counter() - start
            if i:
                runs.append(elapsed)
                io.append(elapsed - sum(gen))
                raw_io.append(raw_write + raw_read)
                for label, values in phases.items():
                    result.setdefault("phases", {}).setdefault(label, []).append(sum(values))
            for step in run.steps:
                for artifact in step.outputs.values():
                    if artifact.size_bytes and artifact.size_bytes > 1e6:
                        result["artifact_bytes"] = artifact.size_bytes
        for (cls, attr), fn in originals.items():
            setattr(cls, attr, fn)
        result["run"] = stats(runs)
        result["io"] = stats(io)
        result["raw_io_interleaved"] = stats(raw_io)
        result["phases"] = {k: stats(v) for k, v in result.get("phases", {}).items()}
    elif mode == "disk":
        shutil.rmtree(store_root, ignore_errors=True)
        runs = 10 if not os.environ.get("BENCH_QUICK") else 3
        for _ in range(runs):
            mod.numpy_pipeline.run(enable_cache=False)
        result["runs"] = runs
        result["disk_bytes"] = du(store_root)
        result["disk_mb_per_run"] = result["disk_bytes"] / runs / 1e6
    if gen:
        result["generate"] = stats(gen)
    result["baseline_rss_mb"] = baseline_rss
    result["peak_rss_mb"] = peak_rss_mb()
    result["peak_extra_mb"] = result["peak_rss_mb"] - baseline_rss
    result["peak_extra_over_data"] = result["peak_extra_mb"] / data_mb
    try:
        from threadpoolctl import threadpool_info

        result["blas"] = [
            {k: i.get(k) for k in ("internal_api", "architecture", "num_threads")}
            for i in threadpool_info()
        ]
    except Exception:
        pass
    shutil.rmtree(work, ignore_errors=True)
    emit(result)


if __name__ == "__main__":
    sys.stderr = open(os.devnull, "w")
    main(sys.argv[1])
