"""Start and stop a local Airflow 3 for an airflow orchestrator (``zenml-airflow stack up/down``).

It runs the same processes ``airflow standalone`` runs - api-server, scheduler, dag-processor,
triggerer - from this Python environment, with settings for a small machine:

- every server binds 127.0.0.1 (``standalone`` would also open log servers on all interfaces, so
  we start the components ourselves with ``--skip-serve-logs``; tasks run locally, so their logs are
  read from disk);
- the dags folder is scanned every 5 s instead of every 300 s, so a deployed DAG appears quickly;
- the LocalExecutor runs at most 4 tasks at once; example DAGs are off;
- the simple auth manager has one ``admin`` user whose generated password Airflow writes to
  ``$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated``.

Process ids and logs live in ``$AIRFLOW_HOME/zenml-airflow/``; ``down`` stops exactly those pids.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from zenml_airflow.exceptions import ZenMLAirflowError
from zenml_airflow.orchestrators.airflow_client import AirflowClient, generated_password

COMPONENTS: dict[str, list[str]] = {
    "api-server": ["api-server"],  # host and port appended from api_url
    "scheduler": ["scheduler", "--skip-serve-logs"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer", "--skip-serve-logs"],
}
ADMIN_USER = "admin"


class LocalAirflowError(ZenMLAirflowError):
    """The local Airflow could not be started or stopped."""


@dataclass
class LocalAirflow:
    """A local Airflow installation rooted at ``airflow_home``."""

    airflow_home: Path
    dags_folder: Path
    api_url: str = "http://localhost:8080"
    parallelism: int = 4
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def state_dir(self) -> Path:
        return self.airflow_home / "zenml-airflow"

    @property
    def host_port(self) -> tuple[str, int]:
        parsed = urllib.parse.urlparse(self.api_url)
        host = parsed.hostname or "localhost"
        if host not in ("localhost", "127.0.0.1"):
            raise LocalAirflowError(
                f"api_url {self.api_url!r} is not on this machine; `stack up` starts Airflow only "
                "locally (use http://localhost:PORT)."
            )
        return "127.0.0.1", parsed.port or 8080

    def airflow_executable(self) -> str:
        candidate = Path(sys.executable).parent / "airflow"
        if not candidate.exists():
            raise LocalAirflowError(
                "Airflow is not installed in this environment. Install it with "
                "pip install 'zenml-airflow[airflow]' (Airflow 3.3)."
            )
        return str(candidate)

    def env(self) -> dict[str, str]:
        """The environment every Airflow process (and so every task) of this installation gets."""
        _, port = self.host_port
        bin_dir = str(Path(sys.executable).parent)
        env = {
            **os.environ,
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "AIRFLOW_HOME": str(self.airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": str(self.parallelism),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://localhost:{port}",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            **self.extra_env,
        }
        # The scheduler and workers must not inherit a pipeline-run guard or a different config.
        env.pop("ZENML_AIRFLOW_PREVENT_PIPELINE_EXECUTION", None)
        return env

    def _pid_file(self, name: str) -> Path:
        return self.state_dir / f"{name}.pid"

    def _pids(self) -> dict[str, int]:
        pids = {}
        for name in COMPONENTS:
            path = self._pid_file(name)
            try:
                pids[name] = int(path.read_text().strip())
            except (OSError, ValueError):
                continue
        return pids

    @staticmethod
    def _alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def running_components(self) -> list[str]:
        return [name for name, pid in self._pids().items() if self._alive(pid)]

    def is_running(self) -> bool:
        return bool(self.running_components())

    def credentials(self) -> tuple[str, str | None]:
        return ADMIN_USER, generated_password(self.airflow_home, ADMIN_USER)

    def client(self) -> AirflowClient:
        user, password = self.credentials()
        return AirflowClient(self.api_url, user, password)

    def up(self, *, timeout: float = 180.0) -> None:
        """Migrate Airflow's database and start every component not already running; wait until healthy."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.dags_folder.mkdir(parents=True, exist_ok=True)
        airflow = self.airflow_executable()
        env = self.env()
        running = set(self.running_components())
        if not running:
            log = self.state_dir / "db-migrate.log"
            with log.open("w") as out:
                result = subprocess.run([airflow, "db", "migrate"], env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
            if result.returncode != 0:
                raise LocalAirflowError(f"`airflow db migrate` failed; see {log}.")
        host, port = self.host_port
        for name, args in COMPONENTS.items():
            if name in running:
                continue
            command = [airflow, *args]
            if name == "api-server":
                command += ["--host", host, "--port", str(port)]
            with (self.state_dir / f"{name}.log").open("ab") as log_file:
                process = subprocess.Popen(
                    command, env=env, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    start_new_session=True,  # its own process group: `down` stops it and its children
                )
            self._pid_file(name).write_text(str(process.pid))
        self.wait_healthy(timeout=timeout)

    def wait_healthy(self, *, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            dead = [name for name, pid in self._pids().items() if not self._alive(pid)]
            if dead:
                raise LocalAirflowError(
                    f"Airflow component(s) {dead} exited while starting; see the logs in {self.state_dir}."
                )
            try:
                with AirflowClient(self.api_url, None, None, timeout=5) as client:
                    health = client.health()
                if all(
                    health.get(part, {}).get("status") == "healthy"
                    for part in ("metadatabase", "scheduler", "dag_processor")
                ) and self.credentials()[1]:
                    return
                last_error = str(health)
            except ZenMLAirflowError as error:
                last_error = str(error)
            time.sleep(1)
        raise LocalAirflowError(
            f"Airflow at {self.api_url} was not healthy after {timeout:.0f}s ({last_error}); logs in {self.state_dir}."
        )

    def down(self, *, timeout: float = 30.0) -> list[str]:
        """Stop the components started by ``up`` (by their process groups); return what was stopped."""
        stopped = []
        for name, pid in self._pids().items():
            if self._alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGTERM)
                stopped.append(name)
        deadline = time.monotonic() + timeout
        for name, pid in self._pids().items():
            while self._alive(pid) and time.monotonic() < deadline:
                _reap(pid)
                time.sleep(0.2)
            if self._alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                _reap(pid)
            self._pid_file(name).unlink(missing_ok=True)
        return stopped


def _reap(pid: int) -> None:
    """Collect the exit status of a child we started (otherwise it lingers as a zombie)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
