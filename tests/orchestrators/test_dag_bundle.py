"""Deploying into a git DAG bundle, without Airflow: which checkout, which directory, and what
is refused before anything is published (the run on Airflow: tests/airflow/test_dag_bundle_e2e.py).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from zenml_airflow.core.spec import PipelineSpec
from zenml_airflow.exceptions import PipelineRunError
from zenml_airflow.orchestrators.dag_bundle import BundleCheckout, find_checkout, publish


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def origin_and_clone(root: Path, files: dict[str, str]) -> tuple[Path, Path]:
    """A bare repository ``root/origin.git`` (the "remote" a DAG bundle clones) and a clone
    ``root/work`` on ``main`` holding ``files`` (relative path -> text), committed and pushed."""
    origin, work = root / "origin.git", root / "work"
    subprocess.run(
        ["git", "init", "-q", "--bare", "--initial-branch=main", str(origin)], check=True
    )
    subprocess.run(["git", "clone", "-q", str(origin), str(work)], check=True, capture_output=True)
    git(work, "config", "user.email", "ci@example.com")
    git(work, "config", "user.name", "CI")
    git(work, "switch", "-q", "-c", "main")
    for relative, text in files.items():
        (work / relative).parent.mkdir(parents=True, exist_ok=True)
        (work / relative).write_text(text, encoding="utf-8")
    git(work, "add", "--all")
    git(work, "commit", "-q", "-m", "code")
    git(work, "push", "-q", "origin", "main")
    return origin, work


@pytest.fixture
def repos(tmp_path: Path) -> tuple[Path, Path]:
    """A bare origin on ``main`` and a clone with ``dags/project/steps.py`` pushed."""
    return origin_and_clone(
        tmp_path, {"dags/project/steps.py": "X = 1\n", "README": "outside the bundle\n"}
    )


def spec_in(*roots: Path) -> PipelineSpec:
    return PipelineSpec(name="p", steps=[], source_roots=[str(r) for r in roots])


def checkout(origin: Path, work: Path, *roots: Path, branch: str = "main") -> BundleCheckout:
    return find_checkout(
        spec_in(*(roots or (work / "dags" / "project",))),
        name="zenml-af",
        repo_url=str(origin),
        branch=branch,
        subdir="dags",
    )


def test_the_checkout_and_bundle_directory_come_from_the_source_roots(
    repos: tuple[Path, Path],
) -> None:
    origin, work = repos
    found = checkout(origin, work)
    assert found.top == work.resolve() and found.root == work.resolve() / "dags"
    assert found.spec().model_dump() == {"name": "zenml-af", "root": str(work.resolve() / "dags")}


def test_code_outside_the_bundle_directory_is_refused(repos: tuple[Path, Path]) -> None:
    origin, work = repos
    with pytest.raises(PipelineRunError, match=r"outside the DAG bundle's directory .*/dags"):
        checkout(origin, work, work / "dags" / "project", work)


def test_code_outside_a_git_working_tree_is_refused(
    repos: tuple[Path, Path], tmp_path: Path
) -> None:
    origin, _ = repos
    loose = tmp_path / "loose"
    loose.mkdir()
    with pytest.raises(PipelineRunError, match="is not in a git working tree"):
        checkout(origin, loose, loose)


def test_uncommitted_changes_are_refused_without_commit_and_nothing_is_pushed(
    repos: tuple[Path, Path],
) -> None:
    origin, work = repos
    before = git(origin, "rev-parse", "main")
    (work / "dags" / "p.py").write_text("DAG = 1\n", encoding="utf-8")
    with pytest.raises(PipelineRunError, match=r"uncommitted changes \(dags/p.py\).*--commit"):
        publish(checkout(origin, work), commit=False, message="m")
    assert git(origin, "rev-parse", "main") == before
    assert git(work, "status", "--porcelain") == "?? dags/p.py"


def test_commit_publishes_the_bundle_directory_only_and_returns_the_pushed_commit(
    repos: tuple[Path, Path],
) -> None:
    origin, work = repos
    (work / "dags" / "p.py").write_text("DAG = 1\n", encoding="utf-8")
    (work / "README").write_text("changed, not part of the bundle\n", encoding="utf-8")
    sha = publish(checkout(origin, work), commit=True, message="deploy p")
    assert git(origin, "rev-parse", "main") == sha == git(work, "rev-parse", "HEAD")
    assert git(work, "show", "--name-only", "--format=%s", "HEAD").splitlines() == [
        "deploy p",
        "",
        "dags/p.py",
    ]
    assert git(work, "status", "--porcelain") == "M README"
    # nothing new: the same commit, nothing committed
    assert publish(checkout(origin, work), commit=True, message="again") == sha


def test_a_commit_not_pushed_is_refused_without_commit(repos: tuple[Path, Path]) -> None:
    origin, work = repos
    (work / "dags" / "p.py").write_text("DAG = 1\n", encoding="utf-8")
    git(work, "add", "--all")
    git(work, "commit", "-q", "-m", "local only")
    with pytest.raises(PipelineRunError, match=r"is not on branch 'main' of the DAG bundle's"):
        publish(checkout(origin, work), commit=False, message="m")


def test_another_branch_checked_out_is_refused(repos: tuple[Path, Path]) -> None:
    origin, work = repos
    git(work, "switch", "-q", "-c", "feature")
    with pytest.raises(PipelineRunError, match="on branch 'feature'.*follows branch 'main'"):
        publish(checkout(origin, work), commit=True, message="m")


def test_a_bundle_repository_that_is_the_checkout_itself_needs_no_push(
    repos: tuple[Path, Path],
) -> None:
    _, work = repos
    (work / "dags" / "p.py").write_text("DAG = 1\n", encoding="utf-8")
    sha = publish(checkout(work, work), commit=True, message="deploy")
    assert sha == git(work, "rev-parse", "HEAD")
