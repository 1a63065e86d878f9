"""Import one DAG file in this fresh interpreter the way Airflow's DagBag does; print JSON.

``import airflow.sdk`` is timed first (the dag-processor has it loaded already), then the file is
executed as a module from its path (``spec_from_file_location`` + ``exec_module``, as DagBag's
``_load_modules_from_file``), and the modules the file itself pulled in are listed.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time

start = time.perf_counter()
import airflow.sdk  # noqa: E402,F401

sdk_loaded = time.perf_counter()
before = set(sys.modules)
path = sys.argv[1]
spec = importlib.util.spec_from_file_location("unusual_prefix_bench_dagfile", path)
assert spec is not None and spec.loader is not None
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
t0 = time.perf_counter()
spec.loader.exec_module(module)
t1 = time.perf_counter()
dags = [v for v in vars(module).values() if type(v).__name__ == "DAG"]
new = sorted(set(sys.modules) - before)
tops = sorted({m.split(".")[0] for m in new})
print(
    json.dumps(
        {
            "import_airflow_sdk_s": sdk_loaded - start,
            "file_s": t1 - t0,
            "total_s": t1 - start,
            "tasks": sum(len(d.tasks) for d in dags),
            "new_modules": len(new),
            "new_top_level_packages": tops,
            "zenml_airflow_modules": [m for m in new if m.startswith("zenml_airflow")],
        }
    )
)
