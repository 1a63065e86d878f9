"""Areas 3 and 6: compile time, and DAG file parse time vs hand-written TaskFlow DAGs.

Compile: ``compile_pipeline`` of 10/100/500-step linear pipelines (in this process, after a warm-up).
Parse: each generated file and a hand-written TaskFlow DAG of the same shape (same task ids and
edges, values through XCom) imported in a fresh interpreter per sample (parse_child.py).
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import BENCH_DIR, emit, quiet_logging, reps, stats, timed, write_linear_module

SIZES = (10, 100, 500)
FORBIDDEN = ("numpy", "pandas", "pyarrow", "linear_10", "linear_100", "linear_500")
FORBIDDEN_ZEN = (
    "zenml_airflow.metadata",
    "zenml_airflow.execution",
    "zenml_airflow.artifacts",
    "zenml_airflow.materializers",
    "zenml_airflow.stack",
    "zenml_airflow.repository",
)


def hand_written_dag(n: int, dag_id: str) -> str:
    """A TaskFlow DAG as a person would write it for the same linear int/dict chain."""
    lines = [
        "from airflow.sdk import dag, task",
        "",
        "",
        "@task",
        "def first() -> int:",
        "    return 1",
        "",
        "",
        "@task",
        "def to_dict(x: int) -> dict:",
        "    return {'value': x + 1, 'tag': 'bench'}",
        "",
        "",
        "@task",
        "def to_int(d: dict) -> int:",
        "    return d['value'] + 1",
        "",
        "",
        f"@dag(dag_id={dag_id!r}, schedule=None, is_paused_upon_creation=False)",
        "def pipeline():",
        "    v = first.override(task_id='s000')()",
    ]
    for i in range(1, n):
        fn = "to_dict" if i % 2 == 1 else "to_int"
        lines.append(f"    v = {fn}.override(task_id='s{i:03d}')(v)")
    lines += ["", "", "pipeline_dag = pipeline()", ""]
    return "\n".join(lines)


def _parse_once(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, str(BENCH_DIR / "parse_child.py"), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _summary(path: Path, samples: list[dict]) -> dict:
    last = samples[-1]
    return {
        "file_bytes": path.stat().st_size,
        "file": stats([s["file_s"] for s in samples]),
        "total": stats([s["total_s"] for s in samples]),
        "import_airflow_sdk": stats([s["import_airflow_sdk_s"] for s in samples]),
        "tasks": last["tasks"],
        "new_modules": last["new_modules"],
        "new_top_level_packages": last["new_top_level_packages"],
        "zenml_airflow_modules": last["zenml_airflow_modules"],
    }


def parse_pair(generated: Path, hand: Path, repeat: int) -> tuple[dict, dict]:
    """Samples of both files, alternating (a load change hits both alike), after a warm-up each."""
    zen: list[dict] = []
    ref: list[dict] = []
    for i in range(repeat + 1):
        z, r = _parse_once(generated), _parse_once(hand)
        if i:
            zen.append(z)
            ref.append(r)
    return _summary(generated, zen), _summary(hand, ref)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-parse-"))
    os.environ["ZENML_AIRFLOW_CONFIG_DIR"] = str(work / "config")
    os.chdir(work)
    sys.path.insert(0, str(work))
    quiet_logging()
    from zenml_airflow.compiler import compile_pipeline
    from zenml_airflow.compiler.compile import build_spec, render_dag_file
    from zenml_airflow.repository import Repository

    stack = Repository().active_stack
    dags = work / "dags"
    repeat = reps(7, 2)
    result: dict = {"repeat": repeat, "compile": {}, "parse": {}}
    for n in SIZES:
        write_linear_module(work, f"linear_{n}", n)
        p = importlib.import_module(f"linear_{n}").pipeline_instance
        compile_stats = timed(
            lambda: compile_pipeline(p, dags, stack=stack), repeat=repeat, warmup=1
        )
        spec_stats = timed(lambda: build_spec(p, stack=stack), repeat=repeat, warmup=1)
        spec, _ = build_spec(p, stack=stack)
        render_stats = timed(lambda: render_dag_file(spec), repeat=repeat, warmup=1)
        result["compile"][str(n)] = {
            "compile": compile_stats,
            "build_spec": spec_stats,
            "render": render_stats,
            "ms_per_step": compile_stats["median"] / n * 1000,
        }
    for n in SIZES:
        generated = dags / f"linear_{n}.py"
        hand = work / "hand" / f"hand_{n}.py"
        hand.parent.mkdir(exist_ok=True)
        hand.write_text(hand_written_dag(n, f"hand_{n}"))
        zen, ref = parse_pair(generated, hand, repeat)
        assert zen["tasks"] == ref["tasks"] == n, (zen["tasks"], ref["tasks"])
        leaked = [m for m in zen["new_top_level_packages"] if m in FORBIDDEN]
        leaked += [m for m in zen["zenml_airflow_modules"] if m.startswith(FORBIDDEN_ZEN)]
        result["parse"][str(n)] = {
            "generated": zen,
            "hand_written": ref,
            "ratio_file": zen["file"]["median"] / ref["file"]["median"],
            "ratio_total": zen["total"]["median"] / ref["total"]["median"],
            "forbidden_imports": leaked,
        }
    emit(result)


if __name__ == "__main__":
    sys.stderr = open(os.devnull, "w")
    main()
