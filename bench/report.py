"""Render bench results (the dict run.py writes to latest.json) as a markdown report.

python bench/report.py bench/results/latest.json   # re-render without re-running
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any


def ms(s: dict[str, Any] | None, scale: float = 1000.0) -> str:
    """'median (min-max)' of a stats dict in ms (or another unit via scale)."""
    if not s or "median" not in s:
        return "n/a"
    return f"{s['median'] * scale:.1f} ({s['min'] * scale:.1f}-{s['max'] * scale:.1f})"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def render(r: dict[str, Any]) -> str:
    m = r.get("machine", {})
    a = r.get("areas", {})
    out = [
        "# zenml-airflow benchmarks",
        "",
        f"Run {r.get('started_at')} at commit {r.get('git_commit')}{' (QUICK: 2 samples, not for comparison)' if r.get('quick') else ''}; "
        f"suite wall time {r.get('total_wall_s', 0) / 60:.1f} min.",
        "",
        f"Machine: {m.get('cores')} cores ({m.get('cpu', m.get('processor'))}), {m.get('memory_gb')} GB, "
        f"Python {m.get('python')}, Airflow {m.get('airflow')}, numpy {m.get('numpy')}, pandas {m.get('pandas')}, "
        f"pyarrow {m.get('pyarrow')}, SQLAlchemy {m.get('sqlalchemy')}; {m.get('platform')}; "
        f"load average at start {m.get('load_average_at_start', 'n/a')}, at end {r.get('load_average_at_end', 'n/a')}; "
        f"{r.get('bytecode', 'zenml_airflow bytecode not checked')}.",
        "",
        "Figures are `median (min-max)` over the samples after a warm-up; ratios are of medians measured "
        "in the same run. Targets are those of issue 8.",
        "",
    ]
    errors = []

    def err(name: str, data: dict[str, Any] | None) -> bool:
        if not data:
            return True
        if "error" in data:
            errors.append(
                f"- {name}: {data['error']} {' | '.join(data.get('stderr_tail', [])[-3:])}"
            )
            return True
        return False

    # 1 -----------------------------------------------------------------------------------------
    ov, zn = a.get("overhead"), a.get("zenml")
    if not err("step overhead", ov):
        zen_ok = not err("zenml peer", zn)
        out += [
            "## 1. Step overhead, local orchestrator",
            "",
            f"Linear pipelines passing int/dict values; sqlite metadata store, local artifact store. "
            f"{ov['repeat']} samples. Per step = (run - plain function calls) / steps."
            + (
                f" ZenML {zn['zenml_version']} (its local orchestrator, own venv, {zn['repeat']} samples)."
                if zen_ok
                else ""
            ),
            "",
            "| steps | plain calls (ms) | run (ms) | per step (ms) [≤ 5] | cached run (ms) | per cached step (ms) [≤ 2] | ZenML per step (ms) | ZenML per cached step (ms) | ZenML / ours [≥ 10x] |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for n, e in ov["pipelines"].items():
            z = zn["pipelines"].get(n) if zen_ok else None
            ratio = (
                f"{z['overhead_per_step_ms'] / e['overhead_per_step_ms']:.1f}x / {z['cached_per_step_ms'] / e['cached_per_step_ms']:.1f}x cached"
                if z
                else "n/a"
            )
            ok10 = (
                z
                and z["overhead_per_step_ms"] / e["overhead_per_step_ms"] >= 10
                and z["cached_per_step_ms"] / e["cached_per_step_ms"] >= 10
            )
            out.append(
                f"| {n} | {e['plain_calls']['median'] * 1000:.3f} | {ms(e['uncached_run'])} | "
                f"{e['overhead_per_step_ms']:.1f} ({e['overhead_per_step_ms_min']:.1f}-{e['overhead_per_step_ms_max']:.1f}) {verdict(e['overhead_per_step_ms'] <= 5)} | "
                f"{ms(e['cached_run'])} | {e['cached_per_step_ms']:.1f} ({e['cached_per_step_ms_min']:.1f}-{e['cached_per_step_ms_max']:.1f}) {verdict(e['cached_per_step_ms'] <= 2)} | "
                + (
                    f"{z['overhead_per_step_ms']:.1f} ({z['overhead_per_step_ms_min']:.1f}-{z['overhead_per_step_ms_max']:.1f}) | "
                    f"{z['cached_per_step_ms']:.1f} ({z['cached_per_step_ms_min']:.1f}-{z['cached_per_step_ms_max']:.1f}) | "
                    if z
                    else "n/a | n/a | "
                )
                + f"{ratio} {verdict(bool(ok10)) if z else ''} |"
            )
        p3, p20 = ov["pipelines"].get("3"), ov["pipelines"].get("20")
        if p3 and p20:
            flat = p20["overhead_per_step_ms"] / p3["overhead_per_step_ms"]
            out += [
                "",
                f"Flat from 3 to 20 steps: per-step cost at 20 / at 3 = {flat:.2f} "
                f"(cached {p20['cached_per_step_ms'] / p3['cached_per_step_ms']:.2f}) "
                f"{verdict(flat <= 1.25)} (≤ 1.25 counted as flat).",
            ]
            bd = p20.get("breakdown_uncached", {})
            if bd:
                rows = [
                    f"{k} {v['ms_per_step']:.2f} ms ({v['calls_per_step']:.2f} calls)"
                    for k, v in bd.items()
                    if isinstance(v, dict)
                ]
                out += [
                    "",
                    f"Where an uncached step's time goes (20 steps, ms per step, wall {bd['wall_ms_per_step']:.1f}): "
                    + "; ".join(rows)
                    + ".",
                ]
            bc = p20.get("breakdown_cached", {})
            if bc:
                rows = [
                    f"{k} {v['ms_per_step']:.2f} ms" for k, v in bc.items() if isinstance(v, dict)
                ]
                out += [
                    "",
                    f"Cached step (wall {bc['wall_ms_per_step']:.1f} ms per step): "
                    + "; ".join(rows)
                    + ".",
                ]
            if p20.get("cached_step_executor_ms"):
                out += [
                    "",
                    f"Executor time of one cached step (StepExecutor.execute): {ms(p20['cached_step_executor_ms'], 1)} ms.",
                ]
        out.append("")

    # 2 -----------------------------------------------------------------------------------------
    ar = a.get("artifacts") or {}
    if ar and not any(err(f"artifacts {k}", v) for k, v in ar.items()):
        out += [
            "## 2. Artifact throughput (local store)",
            "",
            "Write by one step + read by the next, vs the same write + read done raw to a new file on the "
            "same disk (`os.sync()` before each sample, files kept like the store keeps them, new data each "
            "sample so no copy is shared). zenml-airflow I/O = run time - the producer's data generation; each "
            "of its samples follows a raw sample in the same process, and the ratio is against those "
            "(interleaved). Peak = max RSS - RSS after imports, in its own process (raw: a raw-only process).",
            "",
            "| data | raw write + read, interleaved (s) | raw, own process (s) | zenml-airflow I/O (s) | ratio [≤ 1.2] | raw peak / data | zenml-airflow peak / data [≤ 1.5] | where the time goes (s) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for kind, label in (
            ("numpy", "200 MB float64 array (.npy)"),
            ("pandas", "2M x 10 DataFrame (snappy parquet)"),
        ):
            raw, zen = ar[f"raw_{kind}"], ar[f"zen_{kind}"]
            baseline = zen.get("raw_io_interleaved") or raw["io"]
            ratio = zen["io"]["median"] / baseline["median"]
            phases = "; ".join(f"{k} {v['median']:.3f}" for k, v in zen.get("phases", {}).items())
            target_mem = (
                verdict(zen["peak_extra_over_data"] <= 1.5) if kind == "numpy" else "(report)"
            )
            out.append(
                f"| {label}, {zen['data_mb']:.0f} MB in memory | {ms(baseline, 1)} | {ms(raw['io'], 1)} (w {raw['write']['median']:.3f}, r {raw['read']['median']:.3f}) | "
                f"{ms(zen['io'], 1)} | {ratio:.2f} {verdict(ratio <= 1.2)} | {raw['peak_extra_over_data']:.2f} | "
                f"{zen['peak_extra_over_data']:.2f} {target_mem} | {phases} |"
            )
        d = ar["disk"]
        copies = d["disk_bytes"] / (ar.get("zen_numpy", {}).get("artifact_bytes") or 200e6)
        out += [
            "",
            f"Disk used by {d['runs']} uncached runs producing identical 200 MB arrays: "
            f"{d['disk_bytes'] / 1e6:.0f} MB ({d['disk_mb_per_run']:.0f} MB per run, {copies:.1f} copies of the array; "
            "identical artifacts of 64 KiB or more share one stored copy, ADR 0011 - ZenML stores every copy).",
            "",
        ]
        blas = ar["raw_numpy"].get("blas")
        if blas:
            out += [f"numpy BLAS in these processes (OPENBLAS_* unset): {blas}.", ""]

    # 3 and 6 -----------------------------------------------------------------------------------
    pa = a.get("parse")
    if not err("parse/compile", pa):
        out += [
            "## 3. DAG file parse time",
            "",
            "Each file executed from its path in a fresh interpreter after `import airflow.sdk` (as DagBag "
            f"does in the dag-processor); {pa['repeat']} fresh interpreters per file, the generated and the hand-written file in turn. `total` adds the "
            "interpreter's `import airflow.sdk`.",
            "",
            "| steps | generated file (ms) | hand-written TaskFlow (ms) | ratio [≤ 1.2] | total generated / hand-written (ms) | modules the generated file imported |",
            "|---|---|---|---|---|---|",
        ]
        for n, e in pa["parse"].items():
            g, h = e["generated"], e["hand_written"]
            leaked = e["forbidden_imports"]
            out.append(
                f"| {n} | {ms(g['file'])} | {ms(h['file'])} | {e['ratio_file']:.2f} {verdict(e['ratio_file'] <= 1.2)} | "
                f"{g['total']['median'] * 1000:.0f} / {h['total']['median'] * 1000:.0f} | "
                f"{g['new_modules']} new modules (hand-written: {h['new_modules']}); packages {', '.join(g['new_top_level_packages'])}; "
                f"zenml_airflow: {', '.join(g['zenml_airflow_modules'])}; "
                f"user code/numpy/pandas/pyarrow/metadata store: {', '.join(leaked) if leaked else 'none'} {verdict(not leaked)} |"
            )
        out += [
            "",
            "## 6. Compile time",
            "",
            "| steps | compile_pipeline (ms) | build_spec (ms) | render (ms) | ms per step |",
            "|---|---|---|---|---|",
        ]
        for n, e in pa["compile"].items():
            out.append(
                f"| {n} | {ms(e['compile'])} | {ms(e['build_spec'])} | {ms(e['render'])} | {e['ms_per_step']:.2f} |"
            )
        c = pa["compile"]
        if "500" in c and "10" in c:
            lin = c["500"]["ms_per_step"] / c["10"]["ms_per_step"]
            out += [
                "",
                f"500 steps in {c['500']['compile']['median']:.2f} s {verdict(c['500']['compile']['median'] < 1)} (< 1 s); "
                f"per-step cost at 500 / at 10 = {lin:.2f} {verdict(lin <= 1.5)} (linear or better: ≤ 1.5).",
            ]
        out.append("")

    # 4 -----------------------------------------------------------------------------------------
    e2 = a.get("e2e")
    if not err("end to end", e2):
        out += [
            "## 4. End to end on Airflow",
            "",
            f"Local Airflow {m.get('airflow')} (api-server, scheduler, dag-processor, triggerer; LocalExecutor, "
            f"sqlite; started in {e2['airflow_startup_s']:.0f} s). REST trigger -> run `success`, polled every 0.1 s; "
            f"{e2['repeat']} rounds after a warm-up round, the three DAGs triggered in turn.",
            "",
            "| steps | hand-written TaskFlow (s) | zenml-airflow (s) | ratio [≤ 1.10] | zenml-airflow cached (s) | cached ratio | mean task duration hand / zen / zen cached (s) | cached step executor (ms) [< 100] |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for n, e in e2["pipelines"].items():
            td = e.get("task_duration", {})
            tds = " / ".join(
                f"{td[k]['median']:.2f}" if k in td else "n/a"
                for k in ("hand_written", "zen_uncached", "zen_cached")
            )
            ex = e["cached_step_executor_ms"]
            out.append(
                f"| {n} | {ms(e['hand_written'], 1)} | {ms(e['zen_uncached'], 1)} | {e['ratio_uncached']:.2f} {verdict(e['ratio_uncached'] <= 1.10)} | "
                f"{ms(e['zen_cached'], 1)} | {e['ratio_cached']:.2f} {verdict(e['ratio_cached'] <= 1.10)} | {tds} | "
                f"{ex['median']:.1f} ({ex['min']:.1f}-{ex['max']:.1f}) {verdict(ex['median'] < 100)} |"
            )
        excerpt = next(iter(e2["pipelines"].values())).get("cached_log_excerpt")
        if excerpt:
            out += ["", f"Task log of a cached step: `{excerpt[0]}`"]
        out.append("")

    # 5 -----------------------------------------------------------------------------------------
    md = a.get("metadata") or {}
    for backend, data in md.items():
        if err(f"metadata {backend}", data):
            continue
        levels = list(data["levels"])
        out += [
            f"## 5. Metadata store at scale: {backend}",
            "",
            f"Runs of a {data['steps_per_run']}-step pipeline (bulk-inserted rows), operations through the public "
            "API and post-execution views. ms, median (min-max).",
            "",
            "| operation | "
            + " | ".join(f"{int(level):,} runs" for level in levels)
            + f" | growth {int(levels[0]):,} -> {int(levels[-1]):,} | < 50 ms at {int(levels[-1]):,} | growth ≤ logarithmic |",
            "|---|" + "---|" * (len(levels) + 3),
        ]
        ops = data["levels"][levels[0]].keys()
        allowed = math.log(int(levels[-1])) / math.log(int(levels[0])) * 1.25
        for op in ops:
            growth = data["growth_first_to_last"][op]
            last = data["levels"][levels[-1]][op]["median"] * 1000
            targets = (
                f"{verdict(last < 50)} | {verdict(growth <= allowed)}"
                if op != "all_runs"
                else "report | report (reads every run)"
            )
            out.append(
                f"| {op} | "
                + " | ".join(ms(data["levels"][lv][op]) for lv in levels)
                + f" | {growth:.1f}x | {targets} |"
            )
        out += [
            "",
            "list_runs = what `zenml-airflow pipeline runs` and the UI show: the number of runs and the newest "
            "50 (`len(runs)`, `runs[-50:]`); all_runs = every run record at once (`store.list_runs(name)`).",
        ]
        out += [
            "",
            f"(Logarithmic growth from {int(levels[0]):,} to {int(levels[-1]):,} runs allows a factor of "
            f"log({int(levels[-1])})/log({int(levels[0])}) = {allowed / 1.25:.1f}; counted as met up to {allowed:.1f}.)",
            "",
        ]
    if "postgresql" not in md and md:
        out += ["PostgreSQL: not measured.", ""]

    # 7 -----------------------------------------------------------------------------------------
    ig = a.get("integrations") or {}
    if ig and not err("integrations", ig):
        act = ig["activation"]
        out += [
            "## 7. ML library integrations",
            "",
            "Round trip of a value through its materializer on a local artifact store (write, content hash, "
            "read) vs the library's own save + load to a local file, samples interleaved in one process; "
            "ratio: median of the per-pair ratios.",
            "",
            "| value | library save + load (ms) | zenml-airflow materializer (ms) | ratio [≤ 1.2] |",
            "|---|---|---|---|",
        ]
        for case, label in (
            ("polars", "1M x 5 polars DataFrame (zstd parquet)"),
            ("xgboost", "fitted XGBClassifier, 200 trees"),
            ("lightgbm", "fitted LGBMClassifier, 200 trees"),
        ):
            c = ig.get(case) or {}
            if "error" in c:
                out.append(f"| {label} | {c['error']} | | |")
                continue
            ratio = c.get("ratio") or c["ours"]["median"] / c["library"]["median"]
            out.append(
                f"| {label} | {ms(c['library'])} | {ms(c['ours'])} | {ratio:.2f} {verdict(ratio <= 1.2)} |"
            )
        imported = ", ".join(act["imported"]) or "none"
        out += [
            "",
            f"Activation: `import zenml_airflow` and defining a pipeline in a fresh interpreter take "
            f"{ms(act['seconds'])} ms and import these ML libraries: {imported} "
            f"{verdict(not act['imported'])}.",
            "",
        ]

    # 8 -----------------------------------------------------------------------------------------
    ct = a.get("containers") or {}
    if ct.get("skipped"):
        out += [
            "## 8. Container images and steps in containers",
            "",
            f"skipped: {ct['skipped']}",
            "",
        ]
    elif ct and not err("containers", ct):
        im, tk = ct["images"], ct["tasks"]
        nothing_ok = im["nothing_changed_s"]["median"] < 0.050
        cached_ok = tk["cached_ratio"] <= 1.1 and tk["containers_started_by_cached_tasks"] == 0
        out += [
            "## 8. Container images and steps in containers",
            "",
            "| figure | ms | target |",
            "|---|---|---|",
            f'| image "nothing changed" check (warm process) | {ms(im["nothing_changed_s"])} | '
            f"< 50 {verdict(nothing_ok)} |",
            f"| code-only change: our rebuild + push | {ms(im['code_change_build_push_s'])} | "
            f"{im['ratio_vs_plain_build']:.2f}x a plain build, "
            f"{im['ratio_vs_plain_build_push']:.2f}x a plain build + push |",
            f"| the same change: plain `docker build` | {ms(im['plain_docker_build_s'])} | |",
            f"| the same change: plain `docker build` + `docker push` | "
            f"{ms(im['plain_docker_build_push_s'])} | |",
            f"| cached docker step, Airflow task function | {ms(tk['cached_docker_task_s'])} | "
            f"{tk['cached_ratio']:.2f}x in-process [≤ 1.1] {verdict(cached_ok)}; "
            f"{tk['containers_started_by_cached_tasks']} containers started |",
            f"| cached in-process step, Airflow task function | "
            f"{ms(tk['cached_in_process_task_s'])} | |",
            f"| uncached docker step, Airflow task function | {ms(tk['uncached_docker_task_s'])} | |",
            f"| uncached in-process step, Airflow task function | "
            f"{ms(tk['uncached_in_process_task_s'])} | |",
            f"| `docker run IMAGE python -c pass` | {ms(tk['docker_run_python_pass_s'])} | |",
            f"| `docker run IMAGE python -c 'import <step entrypoint>'` | "
            f"{ms(tk.get('docker_run_import_entrypoint_s'))} | |",
            f"| uncached container overhead beyond `docker run` | "
            f"{ms(tk['uncached_overhead_beyond_docker_run_s'])} | reported |",
            "",
        ]

    # 9 -----------------------------------------------------------------------------------------
    ce = a.get("celery") or {}
    if ce and not err("celery", ce):
        tts, tp, rss = (
            ce["trigger_to_success"],
            ce["throughput_steps_per_min"],
            ce["task_peak_rss_mib"],
        )
        out += [
            "## 9. CeleryExecutor Airflow, two workers",
            "",
            f"`stack up`'s cluster (Redis, PostgreSQL, 2 workers x 2 slots), a {ce['steps']}-step "
            "pipeline, uncached, against a hand-written TaskFlow DAG of the same shape on the same "
            f"cluster (cluster start: {ce['cluster_startup_s']:.0f} s).",
            "",
            "| figure | hand-written | zenml-airflow | ratio |",
            "|---|---|---|---|",
            f"| trigger to success (s) | {tts['hand_written']['median']:.2f} | "
            f"{tts['zen_uncached']['median']:.2f} | {ce['ratio']:.2f} [≤ 1.05] "
            f"{verdict(ce['ratio'] <= 1.05)} |",
            f"| throughput of {ce['burst_runs']} runs at once (steps/min) | "
            f"{tp['hand_written']:.0f} | {tp['zen_uncached']:.0f} | "
            f"{ce['throughput_ratio']:.2f} (higher is better) |",
            f"| peak RSS of the task process (MiB) | {rss['hand_written']['median']:.0f} | "
            f"{rss['zen_uncached']['median']:.0f} | reported |",
            "",
        ]

    if errors:
        out += ["## Not measured in this run", "", *errors, ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(json.loads(open(sys.argv[1]).read())))
