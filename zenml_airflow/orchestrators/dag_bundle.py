"""Deploying into a git DAG bundle (ADR 0019): the DAG file goes into the bundle directory of the
checkout that holds the pipeline's code, and what Airflow clones is that committed state.

``pipeline deploy`` (through :class:`~zenml_airflow.orchestrators.airflow.AirflowOrchestrator`)
finds the checkout from the pipeline's source roots, checks that every root lies in the bundle
directory (the workers import from the bundle only), writes the DAG file there, and publishes:
with ``commit`` it commits the bundle directory and pushes the commit to the bundle's repository
and branch; without, it refuses uncommitted or unpushed changes with the commands to run. The
commit's SHA is what the deployment waits for Airflow to have parsed before triggering a run.

The ``git`` program does the work (it is what Airflow's git bundle runs too).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from zenml_airflow.core.spec import BundleSpec, PipelineSpec
from zenml_airflow.exceptions import PipelineRunError


@dataclass(frozen=True)
class BundleCheckout:
    """The working tree a pipeline is deployed from, and its bundle directory in it."""

    name: str  # the bundle's name in Airflow
    top: Path  # the working tree's top directory
    subdir: str  # the bundle directory, relative to ``top``
    repo_url: str  # what Airflow clones
    branch: str

    @property
    def root(self) -> Path:
        return self.top / self.subdir

    def spec(self) -> BundleSpec:
        return BundleSpec(name=self.name, root=str(self.root))


def git(top: Path, *args: str, check: bool = True) -> str:
    """``git -C top ARGS``'s stdout.

    Raises:
        PipelineRunError: git is missing, or the command failed (with git's message).
    """
    try:
        result = subprocess.run(
            ["git", "-C", str(top), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    except FileNotFoundError:
        raise PipelineRunError("Deploying into a git DAG bundle needs the git program.") from None
    if check and result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise PipelineRunError(
            f"`git {' '.join(args)}` failed in {top}: {message[-1] if message else 'no output'}"
        )
    return result.stdout.strip()


def find_checkout(
    spec: PipelineSpec, *, name: str, repo_url: str, branch: str, subdir: str
) -> BundleCheckout:
    """The checkout holding ``spec``'s code, checked to have all of it in the bundle directory.

    Raises:
        PipelineRunError: the code is not in a git working tree, or some of it lies outside the
            bundle directory (the workers would not have it).
    """
    roots = [Path(root).resolve() for root in spec.source_roots]
    if not roots:
        raise PipelineRunError(
            f"Pipeline '{spec.name}' records no source directory, so there is no checkout to "
            "deploy into the DAG bundle; deploy it from a file (pipeline deploy FILE.py:NAME)."
        )
    probe = subprocess.run(
        ["git", "-C", str(roots[0]), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        raise PipelineRunError(
            f"The code of pipeline '{spec.name}' ({roots[0]}) is not in a git working tree, and "
            f"the orchestrator deploys into the git DAG bundle {repo_url}: clone that repository "
            "and put the pipeline's code in its "
            f"'{subdir}' directory."
        )
    top = Path(probe.stdout.strip()).resolve()
    checkout = BundleCheckout(name, top, subdir, repo_url, branch)
    root = checkout.root
    outside = [str(r) for r in roots if r != root and root not in r.parents]
    if outside:
        raise PipelineRunError(
            f"The code of pipeline '{spec.name}' in {', '.join(outside)} is outside the DAG "
            f"bundle's directory {root}: Airflow's workers get only that directory. Move the "
            "pipeline's modules into it (or set the orchestrator's dag_bundle_subdir)."
        )
    return checkout


def publish(checkout: BundleCheckout, *, commit: bool, message: str) -> str:
    """Make the bundle directory's current state the head of the bundle's branch in its
    repository; return that commit's SHA.

    With ``commit``: commit the bundle directory's changes (if any) and push to the bundle's
    repository when it is another repository than the checkout. Without: refuse uncommitted or
    unpushed changes, naming them and the commands to run.

    Raises:
        PipelineRunError: with what is uncommitted or unpushed and how to publish it, or git's
            error.
    """
    top, subdir = checkout.top, checkout.subdir
    branch = git(top, "rev-parse", "--abbrev-ref", "HEAD")
    if branch != checkout.branch:
        raise PipelineRunError(
            f"The checkout {top} is on branch '{branch}', and the DAG bundle follows branch "
            f"'{checkout.branch}': check that branch out (git -C {top} switch {checkout.branch}) "
            "or set the orchestrator's dag_bundle_branch."
        )
    changes = git(top, "status", "--porcelain", "--untracked-files=all", "--", subdir)
    if changes:
        if not commit:
            listed = ", ".join(line[3:] for line in changes.splitlines()[:10])
            raise PipelineRunError(
                f"The DAG bundle's directory {checkout.root} has uncommitted changes ({listed}); "
                "Airflow runs only committed code. Commit and push them, or deploy with --commit."
            )
        git(top, "add", "--all", "--", subdir)
        git(top, "commit", "--quiet", "--message", message)
    sha = git(top, "rev-parse", "HEAD")
    if _same_repository(top, checkout.repo_url):
        return sha
    remote = git(top, "ls-remote", checkout.repo_url, f"refs/heads/{checkout.branch}").split()
    if remote and remote[0] == sha:
        return sha
    if not commit:
        raise PipelineRunError(
            f"Commit {sha[:12]} is not on branch '{checkout.branch}' of the DAG bundle's "
            f"repository {checkout.repo_url}: push it (git -C {top} push {checkout.repo_url} "
            f"HEAD:{checkout.branch}), or deploy with --commit."
        )
    git(top, "push", "--quiet", checkout.repo_url, f"HEAD:refs/heads/{checkout.branch}")
    return sha


def _same_repository(top: Path, repo_url: str) -> bool:
    path = repo_url.removeprefix("file://")
    return "://" not in path and os.path.realpath(path) == os.path.realpath(top)


__all__ = ["BundleCheckout", "find_checkout", "git", "publish"]
