"""Start and stop a local Airflow 3 for an airflow orchestrator (``zenml-airflow stack up/down``).

It runs the same processes ``airflow standalone`` runs - api-server, scheduler, dag-processor,
triggerer - from this Python environment, with settings for a small machine. With the
CeleryExecutor (``executor="celery"``) it also runs Celery workers, each with its own
``--celery-hostname`` and queues, on a PostgreSQL database (``database_url``; its async URL is set
too) and a Redis broker, which is started here when the broker URL points at this machine's
loopback and nothing answers there. Every process is started in its own process group.

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
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from zenml_airflow.exceptions import ProvisioningError, ZenMLAirflowError
from zenml_airflow.orchestrators.airflow_client import AirflowClient, generated_password

COMPONENTS: dict[str, list[str]] = {
    "api-server": ["api-server"],  # host and port appended from api_url
    "scheduler": ["scheduler", "--skip-serve-logs"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer", "--skip-serve-logs"],
}
ADMIN_USER = "admin"
LOCAL_BUNDLE = "airflow.dag_processing.bundles.local.LocalDagBundle"
GIT_BUNDLE = "airflow.providers.git.bundles.git.GitDagBundle"
#: Set in the environment of each Celery worker ``up`` starts (and so of its tasks): its name,
#: ``worker-N``.
WORKER_ENV = "ZENML_AIRFLOW_CELERY_WORKER"


class LocalAirflowError(ProvisioningError):
    """The local Airflow could not be started or stopped."""


@dataclass
class LocalAirflow:
    """A local Airflow installation rooted at ``airflow_home``."""

    airflow_home: Path
    dags_folder: Path
    api_url: str = "http://localhost:8080"
    parallelism: int = 4
    extra_env: dict[str, str] = field(default_factory=dict)
    executor: str = "local"
    database_url: str | None = None
    broker_url: str = "redis://127.0.0.1:6379/0"
    workers: tuple[str, ...] = ("default", "default")
    worker_concurrency: int = 2
    # A git DAG bundle next to the dags folder: name, repo_url, tracking_ref, subdir (ADR 0019).
    dag_bundle: dict[str, str] | None = None
    # Size of each component log when this object started the component (readiness is read after).
    _log_offsets: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    @property
    def celery(self) -> bool:
        return self.executor == "celery"

    def components(self) -> dict[str, list[str]]:
        """Name -> ``airflow`` arguments of every component ``up`` starts (without the Redis
        server, which is started separately when needed)."""
        components = dict(COMPONENTS)
        if self.celery:
            for index, queues in enumerate(self.workers, start=1):
                components[f"worker-{index}"] = [
                    "celery", "worker",
                    "--celery-hostname", f"worker{index}@%h",
                    "--queues", queues,
                    "--concurrency", str(self.worker_concurrency),
                    # the log server would listen on every interface; logs are on this disk
                    "--skip-serve-logs",
                ]  # fmt: skip
        return components

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
        }
        if self.database_url is not None:
            # Airflow would derive an asyncpg URL for the async engine, a driver it lacks here.
            env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = self.database_url
            env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"] = self.database_url
        if self.celery:
            env["AIRFLOW__CORE__EXECUTOR"] = "CeleryExecutor"
            env["AIRFLOW__CELERY__BROKER_URL"] = self.broker_url
            if self.database_url is not None:
                env["AIRFLOW__CELERY__RESULT_BACKEND"] = "db+" + self.database_url
            # workers reach the execution API of this api-server
            env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = f"http://127.0.0.1:{port}/execution/"
        if self.dag_bundle is not None:
            bundles = [
                {"name": "dags-folder", "classpath": LOCAL_BUNDLE, "kwargs": {}},
                {
                    "name": self.dag_bundle["name"],
                    "classpath": GIT_BUNDLE,
                    "kwargs": {
                        "repo_url": self.dag_bundle["repo_url"],
                        "tracking_ref": self.dag_bundle["tracking_ref"],
                        "subdir": self.dag_bundle["subdir"],
                        # a new commit is seen within seconds, as the dags folder is
                        "refresh_interval": 5,
                    },
                },
            ]
            env["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"] = json.dumps(bundles)
            env["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH"] = str(
                self.state_dir / "dag-bundles"
            )
        env.update(self.extra_env)
        # The scheduler and workers must not inherit a pipeline-run guard or a different config.
        env.pop("ZENML_AIRFLOW_PREVENT_PIPELINE_EXECUTION", None)
        return env

    def prepare_state_dir(self) -> Path:
        """Create the state dir (pids and component logs) private to this user: 0700.

        The component logs hold whatever Airflow's processes print; the scheduler's include a
        copy of all task output. Step tasks mask secrets in theirs (runtime/redaction.py), but
        output written straight to a file descriptor is not masked, so only the owner may read them.
        """
        self.state_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state_dir, 0o700)
        return self.state_dir

    @staticmethod
    def open_log(path: Path, *, append: bool = True) -> IO[bytes]:
        """Open a component log for writing, mode 0600 (also when it already existed, e.g.
        written 0644 by an older version)."""
        flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
        fd = os.open(path, flags, 0o600)
        try:
            os.fchmod(fd, 0o600)
            return os.fdopen(fd, "ab" if append else "wb")
        except BaseException:
            os.close(fd)
            raise

    def _pid_file(self, name: str) -> Path:
        return self.state_dir / f"{name}.pid"

    def _pids(self) -> dict[str, int]:
        """Every component with a pid file, in start order, also those a differently
        configured ``up`` started (e.g. more workers), so that ``down`` stops whatever runs."""
        order = {name: index for index, name in enumerate([*self.components(), "redis"])}
        pids = {}
        paths = sorted(self.state_dir.glob("*.pid"), key=lambda p: (order.get(p.stem, 99), p.stem))
        for path in paths:
            try:
                pids[path.stem] = int(path.read_text().strip())
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
        # A killed process nobody has reaped yet (e.g. where PID 1 does not reap) is gone too.
        return not _zombie(pid)

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
        if self.celery:
            self._check_celery()  # before anything is created
        if self.dag_bundle is not None:
            self._check_git_bundle()
        self.prepare_state_dir()
        self.dags_folder.mkdir(parents=True, exist_ok=True)
        airflow = self.airflow_executable()
        env = self.env()
        for name, pid in self._pids().items():
            # left by a crashed component, or naming a pid reused since
            if not self._alive(pid) or _started_after(pid, self._pid_file(name)):
                self._pid_file(name).unlink(missing_ok=True)
        running = set(self.running_components())
        if self.celery and "redis" not in running:
            self._start_redis()
        if not running - {"redis"}:
            log = self.state_dir / "db-migrate.log"
            with self.open_log(log, append=False) as out:
                result = subprocess.run(
                    [airflow, "db", "migrate"],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
            if result.returncode != 0:
                raise LocalAirflowError(f"`airflow db migrate` failed; see {log}.")
        host, port = self.host_port
        workers = {name for name in self.components() if name.startswith("worker-")}
        for name, args in self.components().items():
            if name in running:
                continue
            command = [airflow, *args]
            if name == "api-server":
                command += ["--host", host, "--port", str(port)]
            # a worker's tasks can tell which local worker runs them
            self._start(name, command, {**env, WORKER_ENV: name} if name in workers else env)
        self.wait_healthy(timeout=timeout)

    def _start(self, name: str, command: list[str], env: dict[str, str]) -> None:
        log = self.state_dir / f"{name}.log"
        self._log_offsets[name] = log.stat().st_size if log.exists() else 0
        with self.open_log(log) as log_file:
            process = subprocess.Popen(
                command,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: `down` stops it and its children
            )
        self._pid_file(name).write_text(str(process.pid))

    def _check_celery(self) -> None:
        if self.database_url is None:
            raise LocalAirflowError(
                "The CeleryExecutor needs a database its workers share: set the orchestrator's "
                "airflow_database_url to a PostgreSQL database, e.g. "
                "postgresql+psycopg://airflow:PASSWORD@127.0.0.1:5432/airflow."
            )
        if not _importable("airflow.providers.celery"):
            raise LocalAirflowError(
                "The CeleryExecutor needs Airflow's Celery provider: pip install "
                "'zenml-airflow[celery]'."
            )

    def _check_git_bundle(self) -> None:
        if not _importable("airflow.providers.git"):
            raise LocalAirflowError(
                "A git DAG bundle needs Airflow's git provider: pip install 'zenml-airflow[git]'."
            )
        if shutil.which("git") is None:
            raise LocalAirflowError("A git DAG bundle needs the git program: install git.")

    def _redis_address(self) -> tuple[str, int] | None:
        """Host and port of the broker when it is a Redis on this machine's loopback."""
        parsed = urllib.parse.urlparse(self.broker_url)
        if parsed.scheme != "redis" or parsed.hostname not in ("127.0.0.1", "localhost"):
            return None
        return "127.0.0.1", parsed.port or 6379

    def _start_redis(self) -> None:
        """Start ``redis-server`` for a loopback broker URL nothing answers at (no persistence:
        a queued task lost with it is re-queued by the scheduler)."""
        address = self._redis_address()
        if address is None or _answers(*address):
            return
        binary = shutil.which("redis-server")
        if binary is None:
            raise LocalAirflowError(
                f"Nothing answers at the Celery broker {self.broker_url} and redis-server is not "
                "installed to start one: install it (apt-get install redis-server) or point "
                "celery_broker_url at a running Redis."
            )
        host, port = address
        command = [
            binary, "--bind", host, "--port", str(port), "--save", "", "--appendonly", "no",
            "--dir", str(self.state_dir), "--protected-mode", "yes",
        ]  # fmt: skip
        self._start("redis", command, os.environ.copy())
        deadline = time.monotonic() + 30
        while not _answers(host, port):
            if not self._alive(self._pids().get("redis", 0)) or time.monotonic() > deadline:
                raise LocalAirflowError(
                    f"redis-server did not start on {host}:{port}; see "
                    f"{self.state_dir / 'redis.log'}."
                )
            time.sleep(0.1)

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
                if (
                    all(
                        health.get(part, {}).get("status") == "healthy"
                        for part in ("metadatabase", "scheduler", "dag_processor")
                    )
                    and self.credentials()[1]
                    and all(self._worker_ready(name) for name in self.components())
                ):
                    return
                last_error = str(health)
            except ZenMLAirflowError as error:
                last_error = str(error)
            time.sleep(1)
        raise LocalAirflowError(
            f"Airflow at {self.api_url} was not healthy after {timeout:.0f}s ({last_error}); logs in {self.state_dir}."
        )

    def _worker_ready(self, name: str) -> bool:
        """Whether component ``name``, if a Celery worker this object started, has said it is
        ready (Celery logs ``<hostname> ready.`` once it consumes its queues)."""
        if not name.startswith("worker-") or name not in self._log_offsets:
            return True
        try:
            with (self.state_dir / f"{name}.log").open("rb") as handle:
                handle.seek(self._log_offsets[name])
                return b" ready." in handle.read()
        except OSError:
            return False

    def down(self, *, timeout: float = 30.0) -> list[str]:
        """Stop the components started by ``up``; kill what is left after ``timeout`` seconds
        (:meth:`stop` with ``force=True``). Return the names of the components that were running."""
        return self.stop(timeout=timeout, force=True).stopped

    def stop(self, *, timeout: float = 30.0, force: bool = False) -> StopResult:
        """Stop the components started by ``up``: SIGTERM to each one's process group, then wait
        up to ``timeout`` seconds.

        Without ``force`` a component still running after that is left running, its pid file kept
        (see :attr:`StopResult.still_running`). With ``force`` whatever is left is killed
        (SIGKILL): the components' process groups and every process they started, including
        task processes that Airflow puts into process groups of their own, which a kill of the
        component's group alone would leave running as orphans.

        A pid file whose process is gone, or whose pid now belongs to a process started after
        the file was written (a reused pid), is removed and nothing is signalled.
        """
        alive: dict[str, int] = {}
        stale: list[str] = []
        for name, pid in self._pids().items():
            if self._alive(pid) and not _started_after(pid, self._pid_file(name)):
                alive[name] = pid
            else:
                stale.append(name)
                self._pid_file(name).unlink(missing_ok=True)
        # Collected before any signal: once a parent exits, its children are re-parented and can
        # no longer be told apart from unrelated processes.
        tree = _descendants(alive.values())
        groups = set(alive.values())
        # the processes the SIGTERM below reaches besides the components (e.g. a Celery worker's
        # pool): the stop is waited for until they are gone too, not only their leaders
        members = {pid for pid in tree if _process_group(pid) in groups}
        for pid in alive.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(
            self._alive(pid) for pid in (*alive.values(), *members)
        ):
            for pid in alive.values():
                _reap(pid)
            time.sleep(0.1)
        for pid in alive.values():
            _reap(pid)
        left = {name: pid for name, pid in alive.items() if self._alive(pid)}
        killed_others = 0
        if force:
            tree |= _descendants(left.values())
            for pid in left.values():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
            others = [pid for pid in tree - set(alive.values()) if self._alive(pid)]
            for pid in others:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            killed_others = len(others)
            # SIGKILL is delivered asynchronously: wait (briefly) until they are really gone.
            waiting = [*left.values(), *others]
            kill_deadline = time.monotonic() + 10
            while time.monotonic() < kill_deadline and any(self._alive(p) for p in waiting):
                for pid in left.values():
                    _reap(pid)
                time.sleep(0.05)
        still_running = {name: pid for name, pid in left.items() if self._alive(pid)}
        for name in alive:
            if name not in still_running:
                self._pid_file(name).unlink(missing_ok=True)
        return StopResult(
            stopped=[name for name in alive if name not in still_running],
            killed=sorted(left) if force else [],
            killed_others=killed_others,
            still_running=still_running,
            stale=stale,
        )


@dataclass(frozen=True)
class StopResult:
    """What :meth:`LocalAirflow.stop` did."""

    stopped: list[str]
    """Components that were running and are stopped now."""
    killed: list[str]
    """Of those, the ones that had to be killed (``force`` only)."""
    killed_others: int
    """Other processes they had started that were still running and were killed (``force``)."""
    still_running: dict[str, int]
    """Components (name: pid) that did not stop within the timeout (never with ``force``)."""
    stale: list[str]
    """Components whose pid file named no running process of ours (removed)."""


def _process_group(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except (ProcessLookupError, PermissionError):
        return None


def _importable(module: str) -> bool:
    """Whether ``module`` can be imported, found without importing it (this module runs Airflow,
    it never imports it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def _answers(host: str, port: int) -> bool:
    """Whether something accepts TCP connections at ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat.rsplit(")", 1)[-1].split()
    return bool(fields) and fields[0] == "Z"


def _started_after(pid: int, pid_file: Path) -> bool:
    """Whether process ``pid`` started after ``pid_file`` was written, i.e. the pid was reused.

    Read from ``/proc`` (Linux); elsewhere the pid file is trusted.
    """
    try:
        written = pid_file.stat().st_mtime
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError, IndexError):
        return False
    # Field 22 (start time, in clock ticks after boot) counted after the ")" ending the name,
    # which may itself contain spaces.
    fields = stat.rsplit(")", 1)[-1].split()
    try:
        started = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (IndexError, ValueError, OSError):
        return False
    return started > written + 2.0  # btime is whole seconds


def _descendants(roots: Iterable[int]) -> set[int]:
    """Every process below ``roots`` in the process tree (from ``/proc``, else ``ps``)."""
    children: dict[int, list[int]] = {}
    for pid, ppid in _parent_pids():
        children.setdefault(ppid, []).append(pid)
    found: set[int] = set()
    todo = list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _parent_pids() -> list[tuple[int, int]]:
    proc = Path("/proc")
    if proc.is_dir():
        pairs = []
        for entry in proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # exited meanwhile
            pairs.append((int(entry.name), int(stat.rsplit(")", 1)[-1].split()[1])))
        return pairs
    try:
        listing = subprocess.run(
            ["ps", "-A", "-o", "pid=", "-o", "ppid="],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [
        (int(fields[0]), int(fields[1]))
        for fields in (line.split() for line in listing.splitlines())
        if len(fields) == 2
    ]


def _reap(pid: int) -> None:
    """Collect the exit status of a child we started (otherwise it lingers as a zombie)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
