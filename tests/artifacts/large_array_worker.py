"""Writes or reads one large numpy array through an artifact store, in its own process, and
prints how much memory that took beyond the array (``resource.getrusage`` peak RSS).

    python large_array_worker.py write|read FLAVOR CONFIG_JSON URI NBYTES

``write`` prepares ``URI``, saves ``np.arange(NBYTES // 8, dtype=uint64)`` with the
NumpyMaterializer and hashes it as the executor does; ``read`` loads it back and checks every
element, chunk by chunk (a full comparison would need a second array).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

import numpy as np

from zenml_airflow.artifacts import DataArtifact
from zenml_airflow.materializers.numpy_materializer import NumpyMaterializer
from zenml_airflow.stack.components import (
    GCSArtifactStoreComponent,
    LocalArtifactStoreComponent,
    S3ArtifactStoreComponent,
)

FLAVORS = {
    "local": LocalArtifactStoreComponent,
    "s3": S3ArtifactStoreComponent,
    "gcs": GCSArtifactStoreComponent,
}
_CHECK = 16 * 1024 * 1024 // 8


def current_rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def reset_peak_rss() -> None:
    """Start the peak over from the current RSS, so that a transient peak of the imports or of
    building the client cannot pass for the operation's (Linux >= 4.0: clear_refs "5")."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:  # pragma: no cover - older kernels: the peak then includes the imports
        pass


def main(action: str, flavor: str, config: str, uri: str, nbytes: int) -> None:
    store = FLAVORS[flavor].from_config("large", json.loads(config)).open_store()
    count = nbytes // 8
    started = time.perf_counter()
    with store:
        store.fs  # noqa: B018 - build the client before measuring
        before = current_rss()
        reset_peak_rss()
        if action == "write":
            array = np.arange(count, dtype=np.uint64)  # every page touched: really resident
            store.prepare(uri)
            NumpyMaterializer(DataArtifact(uri=uri)).handle_return(array)
            digest = store.content_hash(uri)
            result = {"content_hash": digest, "size": store.size(uri)}
        else:
            array = NumpyMaterializer(DataArtifact(uri=uri)).handle_input(np.ndarray)
            ok = array.shape == (count,) and array.dtype == np.uint64
            for start in range(0, count, _CHECK):
                stop = min(start + _CHECK, count)
                ok = ok and bool(
                    (array[start:stop] == np.arange(start, stop, dtype=np.uint64)).all()
                )
            result = {"equal": ok}
    result.update(
        extra_bytes=peak_rss() - before - nbytes,
        array_bytes=int(array.nbytes),
        seconds=round(time.perf_counter() - started, 2),
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
