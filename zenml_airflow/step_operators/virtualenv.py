"""The ``virtualenv`` step operator: a step runs in another Python environment on this machine.

Either an existing interpreter (``python``) or a virtualenv built from ``requirements`` plus
zenml-airflow itself. Built environments are cached under
``<global config dir>/step_operators/virtualenvs/<hash>``, the hash covering the requirements,
the Python version, the zenml-airflow version and where it is installed from, the extras the
stack's stores need and ``system_site_packages``. A build runs under a file lock (two tasks
needing the same environment build it once) and the environment counts as built only once a
marker file is written after the last install, so a half-built one is never used: the next
launch removes and rebuilds it.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import zenml_airflow
from zenml_airflow.config.global_config import get_config_dir
from zenml_airflow.core.spec import PipelineSpec
from zenml_airflow.execution.launch import StepLaunch
from zenml_airflow.stack.components.step_operator import VirtualenvStepOperatorComponent
from zenml_airflow.step_operators.base import (
    OUTPUT_TAIL_LINES,
    BaseStepOperator,
    StepOperatorError,
    entrypoint_env,
)
from zenml_airflow.step_operators.environment import store_extras

logger = logging.getLogger(__name__)

READY_MARKER = ".zenml-airflow-ready"


#: pip extras of zenml-airflow that the stack's store flavors need in the environment.
def zenml_airflow_install_args(extras: list[str]) -> list[str]:
    """pip arguments installing this zenml-airflow (with ``extras``) into another environment.

    An editable (development) install is installed editable from the same source tree, so the
    environment runs the same code; an install from a local wheel or directory from that path;
    anything else as ``zenml-airflow==<this version>`` from the package index.
    """
    suffix = f"[{','.join(sorted(extras))}]" if extras else ""
    # Several metadata copies may be visible (an ``.egg-info`` in a source checkout on sys.path):
    # the installed one is the one that says where it was installed from.
    for dist in importlib.metadata.distributions(name="zenml-airflow"):
        direct = dist.read_text("direct_url.json")
        if not direct:
            continue
        data = json.loads(direct)
        url = urlparse(str(data.get("url", "")))
        if url.scheme == "file" and Path(unquote(url.path)).exists():
            path = unquote(url.path)
            if data.get("dir_info", {}).get("editable"):
                return ["-e", path + suffix]
            return [path + suffix]
    checkout = Path(zenml_airflow.__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "zenml_airflow").is_dir():
        return ["-e", str(checkout) + suffix]  # imported from a source tree, not installed
    return [f"zenml-airflow{suffix}=={zenml_airflow.__version__}"]


def environment_hash(
    requirements: list[str], install: list[str], *, system_site_packages: bool
) -> str:
    """The cache key of a built environment: what it holds and which Python it runs."""
    payload = {
        "requirements": sorted(requirements),
        "zenml_airflow": [zenml_airflow.__version__, *install],
        "python": [sys.version, sys.base_prefix],
        "system_site_packages": system_site_packages,
    }
    text = json.dumps(payload, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def virtualenvs_dir(cache_dir: str | None = None) -> Path:
    """Where built virtualenvs are kept: ``cache_dir``, else under the global config dir."""
    if cache_dir:
        return Path(cache_dir).expanduser()
    return get_config_dir() / "step_operators" / "virtualenvs"


def venv_python(path: Path) -> Path:
    return path / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


class VirtualenvStepOperator(BaseStepOperator):
    """Runs step bodies with another interpreter: ``python``, or a cached built virtualenv."""

    component: VirtualenvStepOperatorComponent

    def cache_identity(self) -> str:
        """The interpreter's path, or what the built virtualenv holds (not where it is kept)."""
        if self.component.python is not None:
            return json.dumps({"python": self.component.python})
        return json.dumps(
            {
                "requirements": sorted(self.component.requirements),
                "system_site_packages": self.component.system_site_packages,
            },
            sort_keys=True,
        )

    def launch(self, launch: StepLaunch) -> None:
        python = self.interpreter(launch)
        self.run_entrypoint([str(python), "-m"], launch, env=entrypoint_env())

    def interpreter(self, launch: StepLaunch) -> Path:
        """The interpreter for ``launch``'s step: the configured one, else the built virtualenv.

        Raises:
            StepOperatorError: the configured interpreter does not exist, or the build failed.
        """
        step = launch.step.name
        if self.component.python is not None:
            python = Path(self.component.python).expanduser()
            if not python.is_file():
                raise StepOperatorError(
                    f"Step '{step}': the interpreter {str(python)!r} of step operator "
                    f"'{self.name}' does not exist on this machine. Set its `python` to an "
                    "interpreter with zenml-airflow installed (zenml-airflow step-operator "
                    f"update {self.name} --python=/path/to/bin/python).",
                    step_name=step,
                    detail=f"{python} not found",
                )
            return python
        return self.ensure_environment(launch.spec, step_name=step)

    def ensure_environment(self, spec: PipelineSpec, *, step_name: str) -> Path:
        """The python of the virtualenv for ``spec``'s stack, built (once, under a lock) if needed."""
        requirements = list(self.component.requirements)
        install = zenml_airflow_install_args(store_extras(spec))
        system = self.component.system_site_packages
        key = environment_hash(requirements, install, system_site_packages=system)
        root = virtualenvs_dir(self.component.cache_dir)
        root.mkdir(parents=True, exist_ok=True)
        path = root / key
        if (path / READY_MARKER).exists():
            return venv_python(path)
        with open(root / f"{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # the other builder finishes first; then it is ready
            if not (path / READY_MARKER).exists():
                self._build(path, requirements, install, system, step_name=step_name)
        return venv_python(path)

    def _build(
        self,
        path: Path,
        requirements: list[str],
        install: list[str],
        system_site_packages: bool,
        *,
        step_name: str,
    ) -> None:
        if path.exists():  # a build that was interrupted: never reuse part of one
            shutil.rmtree(path)
        logger.info(
            "Building the virtualenv of step operator '%s' for step '%s' in %s (once; reused "
            "while its requirements stay the same).",
            self.name,
            step_name,
            path,
        )
        venv = [sys.executable, "-m", "venv", str(path)]
        if system_site_packages:
            venv.append("--system-site-packages")
        pip = [
            str(venv_python(path)), "-m", "pip", "install", "--disable-pip-version-check",
            "--no-input", *install, *requirements,
        ]  # fmt: skip
        for command in (venv, pip):
            completed = subprocess.run(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                errors="replace",
                env=entrypoint_env(),
                check=False,
            )
            if completed.returncode != 0:
                shutil.rmtree(path, ignore_errors=True)
                lines = completed.stdout.strip().splitlines()
                tail = "\n".join(lines[-OUTPUT_TAIL_LINES:])
                raise StepOperatorError(
                    f"Step '{step_name}': building the virtualenv of step operator '{self.name}' "
                    f"failed ({' '.join(command[:4])} ... exited with code "
                    f"{completed.returncode}): {lines[-1] if lines else 'no output'}. Fix its "
                    f"requirements {requirements} (zenml-airflow step-operator update "
                    f"{self.name} --requirements=...).",
                    step_name=step_name,
                    detail=f"{' '.join(command)}\n{tail}",
                )
        (path / READY_MARKER).write_text(
            json.dumps({"requirements": requirements, "install": install}), encoding="utf-8"
        )
