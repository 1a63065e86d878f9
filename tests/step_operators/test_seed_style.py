"""A step operator written the seed's way (``BaseStepOperator`` with ``launch(pipeline_name,
run_name, requirements, entrypoint_command)``), installed by entry point, runs its steps: in the
process its ``launch()`` starts, with the lineage of an in-process run, never on a cache hit; a
failing command, a ``launch()`` that raises and one that returns without running the command
each fail the step saying which; an abstract class is skipped as a flavor with the reason.

Everything runs in fresh interpreters with the plugin on ``PYTHONPATH``, as an installed package
would be found.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.repository import Repository
from zenml_airflow.stack.flavors import get_flavor_registry

CLI = str(Path(sys.executable).with_name("zenml-airflow"))

# The seed-era program: the class as the seed's docs show it, its imports renamed.
OPERATORS = textwrap.dedent(
    '''
    """Step operators of a team, written for the seed."""

    import json
    import os
    import subprocess
    from typing import ClassVar, List

    from zenml_airflow.step_operators import BaseStepOperator


    class SubprocessStepOperator(BaseStepOperator):
        """Runs each step in a child process; writes down each launch."""

        FLAVOR: ClassVar[str] = "subprocess"
        record: str
        mode: str = "run"

        def launch(
            self,
            pipeline_name: str,
            run_name: str,
            requirements: List[str],
            entrypoint_command: List[str],
        ) -> None:
            with open(self.record, "a") as handle:
                handle.write(json.dumps({
                    "pipeline": pipeline_name, "run": run_name, "requirements": requirements,
                    "command": entrypoint_command[:4], "pid": os.getpid(),
                }) + "\\n")
            if self.mode == "raise":
                raise RuntimeError("the cluster is full")
            if self.mode == "skip":
                return
            subprocess.run(entrypoint_command, check=True)


    class Unfinished(BaseStepOperator):
        FLAVOR: ClassVar[str] = "unfinished"
    '''
)

PIPELINE = textwrap.dedent(
    """
    import os
    import sys

    from zenml_airflow.pipelines import pipeline
    from zenml_airflow.steps import BaseStepConfig, Output, step


    class Factor(BaseStepConfig):
        factor: int = 2


    @step(custom_step_operator="sub")
    def remote(config: Factor) -> Output(pid=int, doubled=int):
        if config.factor < 0:
            raise ValueError("negative factor")
        return os.getpid(), 21 * config.factor


    @step
    def local(doubled: int) -> Output(pid=int, value=int):
        return os.getpid(), doubled + 1


    @pipeline(requirements=["six>=1.10"])
    def seed_style(remote, local):
        _, doubled = remote()
        local(doubled=doubled)


    if __name__ == "__main__":
        factor = int(sys.argv[1])
        run = seed_style(remote=remote(config=Factor(factor=factor)), local=local()).run()
        print("PARENT", os.getpid())
    """
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The plugin package with its entry points, and the pipeline file; the plugin is on this
    process's path too (reading the runs loads the active stack, whose flavor it defines)."""
    site = tmp_path / "site"
    (site / "team_operators").mkdir(parents=True)
    (site / "team_operators" / "__init__.py").write_text(OPERATORS, encoding="utf-8")
    info = site / "team_operators-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: team-operators\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[zenml_airflow.flavors]\nsubprocess = team_operators:SubprocessStepOperator\n",
        encoding="utf-8",
    )
    (tmp_path / "pipe.py").write_text(PIPELINE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    get_flavor_registry.cache_clear()
    yield tmp_path
    get_flavor_registry.cache_clear()


def _env(project: Path) -> dict[str, str]:
    # `python` on PATH is this environment's, as on a worker whose environment holds the step
    return {
        **os.environ,
        "PYTHONPATH": str(project / "site"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def _cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], capture_output=True, text=True, env=_env(project), check=False
    )


def _use(project: Path, mode: str = "run") -> Path:
    record = project / f"launches-{mode}.jsonl"
    registered = _cli(
        project, "step-operator", "register", "sub", "--flavor", "subprocess",
        f"--record={record}", f"--mode={mode}",
    )  # fmt: skip
    assert registered.returncode == 0, registered.stderr
    stacked = _cli(
        project, "stack", "register", "seedy", "-o", "default", "-m", "default",
        "-a", "default", "-s", "sub", "--set",
    )  # fmt: skip
    assert stacked.returncode == 0, stacked.stdout + stacked.stderr
    return record


def _run(project: Path, factor: int = 2) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(project / "pipe.py"), str(factor)],
        capture_output=True,
        text=True,
        env=_env(project),
        cwd=project,
        check=False,
    )


def _launches(record: Path) -> list[dict[str, object]]:
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text().splitlines()]


def test_a_seed_style_step_operator_runs_its_step_in_the_process_launch_starts(
    project: Path,
) -> None:
    record = _use(project)
    first = _run(project)
    assert first.returncode == 0, first.stdout + first.stderr
    parent = int(first.stdout.split("PARENT ")[1].split()[0])
    run = Repository().get_pipeline("seed_style").runs[-1]  # type: ignore[union-attr]
    assert run.status is ExecutionStatus.COMPLETED
    remote, local = run.get_step("remote"), run.get_step("local")
    assert remote.outputs["doubled"].read() == 42 and local.outputs["value"].read() == 43
    assert remote.outputs["pid"].read() != parent  # the child launch() started
    assert local.outputs["pid"].read() == parent
    assert local.inputs["doubled"].id == remote.outputs["doubled"].id
    [launch] = _launches(record)
    assert launch["pipeline"] == "seed_style" and launch["run"] == run.name
    assert launch["pid"] == parent
    assert launch["command"][:3] == ["python", "-m", "zenml_airflow.execution.entrypoint"]
    requirements = launch["requirements"]
    assert isinstance(requirements, list)
    assert requirements == sorted(requirements, key=str.lower)
    import importlib.metadata

    assert f"zenml-airflow=={importlib.metadata.version('zenml-airflow')}" in requirements
    assert f"six=={importlib.metadata.version('six')}" in requirements  # pinned to installed

    again = _run(project)
    assert again.returncode == 0, again.stdout + again.stderr
    cached = Repository().get_pipeline("seed_style").runs[-1]  # type: ignore[union-attr]
    assert cached.get_step("remote").status is ExecutionStatus.CACHED
    assert len(_launches(record)) == 1  # a cached step never calls launch()


def test_a_failing_command_fails_the_step_with_the_steps_error_in_the_output(
    project: Path,
) -> None:
    _use(project)
    result = _run(project, factor=-1)
    assert result.returncode != 0
    run = Repository().get_pipeline("seed_style").runs[-1]  # type: ignore[union-attr]
    assert run.status is ExecutionStatus.FAILED
    step = run.get_step("remote")
    assert step.status is ExecutionStatus.FAILED
    assert "SubprocessStepOperator.launch) failed: CalledProcessError" in (step.error or "")
    assert "<launch document>" in (step.error or "")  # the command, without the JSON document
    assert '"spec"' not in (step.error or "")
    assert "negative factor" in result.stdout + result.stderr  # the entrypoint's own report
    assert dict(step.outputs) == {}  # nothing recorded for the failed try


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("raise", "SubprocessStepOperator.launch) failed: RuntimeError: the cluster is full"),
        ("skip", "SubprocessStepOperator.launch) returned, but the step run is running, not "),
    ],
)
def test_a_launch_that_raises_or_returns_early_fails_the_step_saying_so(
    project: Path, mode: str, expected: str
) -> None:
    record = _use(project, mode)
    result = _run(project)
    assert result.returncode != 0
    run = Repository().get_pipeline("seed_style").runs[-1]  # type: ignore[union-attr]
    step = run.get_step("remote")
    assert step.status is ExecutionStatus.FAILED
    assert expected in (step.error or "")
    assert [s.name for s in run.steps] == ["remote"]  # the downstream step never started
    assert len(_launches(record)) == 1


def test_an_abstract_seed_style_class_is_skipped_as_a_flavor_with_the_reason(
    project: Path,
) -> None:
    info = project / "site" / "team_unfinished-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: team-unfinished\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[zenml_airflow.flavors]\nunfinished = team_operators:Unfinished\n", encoding="utf-8"
    )
    result = _cli(project, "step-operator", "register", "u", "--flavor", "unfinished")
    assert result.returncode != 0
    text = result.stdout + result.stderr
    assert "team_operators.Unfinished is abstract: implement launch" in text
