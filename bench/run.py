"""Run the whole benchmark suite and write bench/results/latest.json and latest.md.

    .venv/bin/python bench/run.py [--quick] [--only overhead,zenml,artifacts,parse,metadata,e2e,integrations,containers,celery]

zenml-airflow is measured from the project's environment, which the bench never changes; the ZenML
peer baseline is installed into bench/.venvs/zenml (current release from PyPI, ``zenml[local]``).
Each area runs in its own process. No figure here is asserted anywhere: regressions show up in the
report, not as failing tests.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from common import BENCH_DIR, REPO, machine
from report import render

VENVS = BENCH_DIR / ".venvs"
RESULTS = BENCH_DIR / "results"
AREAS = (
    "overhead",
    "zenml",
    "artifacts",
    "parse",
    "metadata",
    "e2e",
    "integrations",
    "containers",
    "celery",
)


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


def ensure_zenml_venv() -> tuple[Path | None, str | None]:
    """bench/.venvs/zenml with the current ZenML release; (python, error)."""
    venv = VENVS / "zenml"
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if stamp.exists():
        return python, None
    log(
        "installing the ZenML peer baseline into bench/.venvs/zenml (zenml[local], current release)"
    )
    base = os.environ.get(
        "BENCH_PYTHON", sys.executable if sys.prefix == sys.base_prefix else "python3.11"
    )
    try:
        if not python.exists():
            subprocess.run([base, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "--upgrade",
                "zenml[local]",
            ],
            check=True,
        )
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        return None, f"could not install zenml: {error}"
    stamp.touch()
    return python, None


def byte_compile_package() -> str:
    """Byte-compile zenml_airflow the way ``pip install`` does for every installed package.

    The project is installed editable, so its modules are compiled only when first imported, and
    not even then where PYTHONDONTWRITEBYTECODE is set (as on these machines): every Airflow task
    process would compile our sources again (~55 ms a task) while Airflow and the ZenML baseline
    load their pip-compiled bytecode. Stale bytecode is ignored by Python, so this is always safe.
    """
    ok = compileall.compile_dir(REPO / "zenml_airflow", quiet=1, workers=0)
    return (
        "zenml_airflow byte-compiled as pip install does"
        if ok
        else "byte-compiling zenml_airflow failed"
    )


def run_script(
    python: Path | str,
    script: str,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 1800,
) -> dict:
    started = time.perf_counter()
    full_env = {**os.environ, **(env or {})}
    for key in [k for k, v in full_env.items() if v is None]:
        full_env.pop(key)
    try:
        out = subprocess.run(
            [str(python), str(BENCH_DIR / script), *args],
            cwd=BENCH_DIR,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {
            "error": f"{script} timed out after {timeout:.0f}s",
            "wall_s": time.perf_counter() - started,
        }
    wall = time.perf_counter() - started
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        return {
            "error": f"{script} {' '.join(args)} exited {out.returncode}",
            "stderr_tail": out.stderr.strip().splitlines()[-15:],
            "wall_s": wall,
        }
    try:
        data = json.loads(lines[-1])
    except json.JSONDecodeError:
        return {"error": f"{script} printed no JSON", "stdout_tail": lines[-5:], "wall_s": wall}
    data["wall_s"] = wall
    return data


def postgres_url(
    variable: str = "ZENML_AIRFLOW_TEST_POSTGRES_URL",
) -> tuple[str | None, bool, str | None]:
    """(url, started_here, note) for a database of the PostgreSQL of scripts/services.sh (the
    one ``variable`` names in its env), when it can run."""
    script = REPO / "scripts" / "services.sh"
    if not script.exists():
        return None, False, "scripts/services.sh not found"
    running = subprocess.run([str(script), "running"], capture_output=True).returncode == 0
    if not running:
        log("starting PostgreSQL (scripts/services.sh up)")
        up = subprocess.run([str(script), "up"], capture_output=True, text=True)
        if up.returncode != 0:
            return (
                None,
                False,
                "scripts/services.sh up failed: " + " ".join(up.stderr.splitlines()[-3:]),
            )
    env = subprocess.run([str(script), "env"], capture_output=True, text=True).stdout
    for line in env.splitlines():
        if f"{variable}=" in line:
            return line.split("=", 1)[1].strip().strip("'\""), not running, None
    return None, not running, "no PostgreSQL URL from scripts/services.sh env"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="2 samples per figure: a smoke test of the suite"
    )
    parser.add_argument(
        "--only", default=",".join(AREAS), help=f"comma-separated subset of {AREAS}"
    )
    options = parser.parse_args()
    areas = [a.strip() for a in options.only.split(",") if a.strip()]
    env = {"BENCH_QUICK": "1"} if options.quick else {}
    # Benchmark against the numpy kernels users get (see the OPENBLAS note in the README).
    env_blas = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")}
    project_python = sys.executable
    RESULTS.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    results: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": options.quick,
        "machine": machine(),
        "git_commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip(),
        "areas": {},
    }
    results["bytecode"] = byte_compile_package()
    log(f"machine: {results['machine']}")
    if "overhead" in areas:
        log("1. step overhead, local orchestrator")
        results["areas"]["overhead"] = run_script(project_python, "step_overhead.py", env=env)
    if "zenml" in areas:
        python, error = ensure_zenml_venv()
        if python is None:
            results["areas"]["zenml"] = {"error": error}
        else:
            log("1. ZenML peer baseline (same pipelines, its local orchestrator)")
            results["areas"]["zenml"] = run_script(
                python,
                "zenml_peer.py",
                env={
                    **env,
                    "ZENML_ANALYTICS_OPT_IN": "false",
                    "ZENML_LOGGING_VERBOSITY": "WARN",
                    "ZENML_ENABLE_RICH_TRACEBACK": "false",
                    "AUTO_OPEN_DASHBOARD": "false",
                },
            )
    if "artifacts" in areas:
        results["areas"]["artifacts"] = {}
        for mode in ("raw_numpy", "zen_numpy", "raw_pandas", "zen_pandas", "disk"):
            log(f"2. artifacts: {mode}")
            clean = {k: v for k, v in env_blas.items()}
            clean.update(env)
            out = subprocess_env_run(project_python, "artifacts.py", mode, env=clean)
            results["areas"]["artifacts"][mode] = out
    if "parse" in areas:
        log("3 + 6. compile time, DAG parse time vs hand-written TaskFlow")
        results["areas"]["parse"] = run_script(project_python, "parse.py", env=env)
    if "metadata" in areas:
        log("5. metadata store at scale: sqlite")
        results["areas"]["metadata"] = {
            "sqlite": run_script(project_python, "metadata_scale.py", env=env)
        }
        url, started_here, note = postgres_url()
        if url:
            log("5. metadata store at scale: PostgreSQL")
            results["areas"]["metadata"]["postgresql"] = run_script(
                project_python, "metadata_scale.py", url, env=env
            )
            if started_here:
                subprocess.run([str(REPO / "scripts" / "services.sh"), "down"], capture_output=True)
        else:
            results["areas"]["metadata"]["postgresql"] = {"error": f"not measured: {note}"}
    if "integrations" in areas:
        log("7. ML library integrations: round trips and activation")
        results["areas"]["integrations"] = run_script(project_python, "integrations.py", env=env)
    if "containers" in areas:
        # Starts scripts/docker.sh's engine when it does not run; "skipped" without one.
        log("8. container images and steps in containers")
        results["areas"]["containers"] = run_script(project_python, "containers.py", env=env)
    if "celery" in areas:
        url, started_here, note = postgres_url("ZENML_AIRFLOW_TEST_AIRFLOW_DB_URL")
        if url:
            log("9. CeleryExecutor Airflow with two workers (this takes a few minutes)")
            results["areas"]["celery"] = run_script(
                project_python, "celery_airflow.py", url, env=env, timeout=2400
            )
            if started_here:
                subprocess.run([str(REPO / "scripts" / "services.sh"), "down"], capture_output=True)
        else:
            results["areas"]["celery"] = {"error": f"not measured: {note}"}
    if "e2e" in areas:
        log("4. end to end on a local Airflow (this takes a few minutes)")
        results["areas"]["e2e"] = run_script(
            project_python, "e2e_airflow.py", env=env, timeout=2400
        )
    results["total_wall_s"] = time.perf_counter() - began
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=1, default=str))
    markdown = render(results)
    (RESULTS / "latest.md").write_text(markdown)
    print(markdown)
    log(
        f"wrote {RESULTS / 'latest.json'} and {RESULTS / 'latest.md'} in {results['total_wall_s']:.0f}s"
    )


def subprocess_env_run(python: str, script: str, *args: str, env: dict[str, str]) -> dict:
    """Like run_script, but with exactly ``env`` (used to drop OPENBLAS_* for numpy figures)."""
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        return run_script(python, script, *args)
    finally:
        os.environ.clear()
        os.environ.update(saved)


if __name__ == "__main__":
    main()
