"""``zenml-airflow example ...``: the examples shipped inside the package (the seed pulled them
from GitHub; these need no network and always match the installed version).

    zenml-airflow example list                 # names and one-line descriptions
    zenml-airflow example info mnist           # its README
    zenml-airflow example pull mnist           # a copy in ./zenml_examples/mnist
    zenml-airflow example run mnist            # pulls it if needed, then runs its run.py
    zenml-airflow example clean                # removes the pulled copies

An example is a folder of ``zenml_airflow/examples/`` with a ``README.md``: the folder's name is
the example's name, the README's first line (a Markdown heading) its description. ``run.py`` is the
script ``example run`` runs, with the copy as working directory; a ``requirements.txt`` lists the
distributions it needs, which ``example run`` checks are installed (it never installs anything).
See ``zenml_airflow/examples/README.md``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from zenml_airflow.cli.utils import json_option, note, print_json, print_table, success
from zenml_airflow.exceptions import ZenMLAirflowError, did_you_mean

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
DEFAULT_PATH = "zenml_examples"
ENTRY = "run.py"
README = "README.md"
REQUIREMENTS = "requirements.txt"
# Never copied: caches a run in the package folder may leave behind.
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".zen", ".ipynb_checkpoints")


class ExampleError(ZenMLAirflowError):
    """An example is unknown, cannot be pulled, or failed to run."""


@dataclass(frozen=True)
class Example:
    """A shipped example: the folder ``path`` with a README."""

    name: str
    path: Path

    @property
    def readme(self) -> str:
        return (self.path / README).read_text(encoding="utf-8")

    @property
    def description(self) -> str:
        """The README's first non-empty line, without its Markdown heading marks."""
        for line in self.readme.splitlines():
            if line.strip():
                return line.strip().lstrip("#").strip()
        return ""

    @property
    def runnable(self) -> bool:
        return (self.path / ENTRY).is_file()


def discover(root: Path | None = None) -> dict[str, Example]:
    """The examples under ``root`` (default: the shipped ones): every folder with a README.md,
    by name."""
    root = EXAMPLES_DIR if root is None else root
    if not root.is_dir():
        return {}
    return {
        folder.name: Example(folder.name, folder)
        for folder in sorted(root.iterdir())
        if folder.is_dir()
        and not folder.name.startswith((".", "_"))
        and (folder / README).is_file()
    }


def get_example(name: str, root: Path | None = None) -> Example:
    """The example called ``name``.

    Raises:
        ExampleError: naming the known examples, with "did you mean".
    """
    examples = discover(root)
    if name not in examples:
        raise ExampleError(
            f"No example named '{name}'.{did_you_mean(name, examples)} Known examples: "
            f"{', '.join(examples) or 'none'} (zenml-airflow example list)."
        )
    return examples[name]


def pull_example(example: Example, parent: Path, *, force: bool = False) -> Path:
    """Copy ``example`` into ``parent/<name>`` and return that path.

    The copy is written into a temporary folder next to it and renamed into place, so an
    interrupted pull never leaves a half-copied example; with ``force`` an existing copy is
    replaced the same way (it is removed only once the new one is in place).

    Raises:
        ExampleError: if the destination exists and ``force`` is not set.
    """
    destination = parent / example.name
    if destination.exists() and not force:
        raise ExampleError(
            f"{destination} already exists: not overwriting it. Add --force to replace it with a "
            "fresh copy (changes made there are lost), or --path DIR to pull elsewhere."
        )
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{example.name}.pulling-", dir=parent))
    except OSError as error:
        raise ExampleError(f"Cannot pull example '{example.name}' into {parent}: {error}") from None
    try:
        fresh = staging / example.name
        shutil.copytree(example.path, fresh, ignore=_IGNORED)
        old = None
        if destination.exists() or destination.is_symlink():
            old = staging / "previous"
            destination.rename(old)
        try:
            fresh.rename(destination)
        except OSError:
            if old is not None:
                old.rename(destination)
            raise
    except (OSError, shutil.Error) as error:
        raise ExampleError(
            f"Cannot pull example '{example.name}' into {destination}: {error}. Nothing was "
            "changed there."
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return destination


def missing_requirements(folder: Path) -> list[str]:
    """The distributions of ``folder/requirements.txt`` that are not installed (by name: version
    specifiers are not checked)."""
    from importlib.metadata import PackageNotFoundError, distribution

    path = folder / REQUIREMENTS
    if not path.is_file():
        return []
    missing = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
        if not line or line.startswith("-") or match is None:
            continue
        try:
            distribution(match.group(0))
        except PackageNotFoundError:
            missing.append(line)
    return missing


def _parent(path: str) -> Path:
    return Path(path).expanduser()


def _path_option(function: Any) -> Any:
    return click.option(
        "--path",
        "-p",
        default=DEFAULT_PATH,
        show_default=True,
        metavar="DIR",
        help="The folder that holds the pulled examples (each in DIR/NAME).",
    )(function)


@click.group(help="The examples shipped with zenml-airflow: list, read, pull and run them.")
def example() -> None:
    pass


@example.command("list", help="List the examples with their one-line descriptions.")
@json_option
def list_(as_json: bool) -> None:
    examples = discover()
    if as_json:
        print_json(
            [
                {"name": e.name, "description": e.description, "runnable": e.runnable}
                for e in examples.values()
            ]
        )
        return
    print_table(
        "Examples",
        ["NAME", "DESCRIPTION"],
        ([e.name, e.description] for e in examples.values()),
        empty="No examples are installed.",
    )
    if examples:
        note(
            "Read one with `zenml-airflow example info NAME`, copy it here with "
            "`zenml-airflow example pull NAME`, run it with `zenml-airflow example run NAME`."
        )


@example.command("info", help="Print the README of example NAME.")
@click.argument("name")
def info(name: str) -> None:
    click.echo(get_example(name).readme.rstrip("\n"))


@example.command(
    "pull",
    short_help="Copy an example (default: all) into ./zenml_examples.",
    help="Copy example NAME (default: every example) into DIR/NAME (default ./zenml_examples). "
    "An existing copy is kept unless --force.",
)
@click.argument("name", required=False)
@_path_option
@click.option("--force", "-f", is_flag=True, help="Replace existing copies with fresh ones.")
def pull(name: str | None, path: str, force: bool) -> None:
    examples = [get_example(name)] if name is not None else list(discover().values())
    parent = _parent(path)
    if not force:
        existing = [str(parent / e.name) for e in examples if (parent / e.name).exists()]
        if existing:
            raise ExampleError(
                f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}: "
                "nothing was pulled. Add --force to replace them with fresh copies (changes made "
                "there are lost), or --path DIR to pull elsewhere."
            )
    for item in examples:
        destination = pull_example(item, parent, force=force)
        success(f"Pulled example '{item.name}' into {destination}.")


@example.command(
    "run",
    short_help="Run an example's run.py (pulling it first if needed).",
    help="Run example NAME: pull it into DIR/NAME first if it is not there (--force: pull a "
    "fresh copy even if it is), then run its run.py there with this Python, on the active stack.",
)
@click.argument("name")
@_path_option
@click.option(
    "--force", "-f", is_flag=True, help="Replace an existing copy with a fresh one first."
)
def run(name: str, path: str, force: bool) -> None:
    item = get_example(name)
    if not item.runnable:
        raise ExampleError(
            f"Example '{name}' has no {ENTRY} to run: read how to use it with "
            f"`zenml-airflow example info {name}`."
        )
    folder = _parent(path) / name
    if force or not folder.exists():
        pull_example(item, _parent(path), force=force)
        success(f"Pulled example '{name}' into {folder}.")
    entry = folder / ENTRY
    if not entry.is_file():
        raise ExampleError(
            f"{entry} is missing from the pulled copy: pull a fresh one with "
            f"`zenml-airflow example run {name} --force`."
        )
    missing = missing_requirements(folder)
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise ExampleError(
            f"Example '{name}' needs {', '.join(missing)}, which {verb} not installed: "
            f"pip install -r {folder / REQUIREMENTS}"
        )
    click.echo(f"Running {entry} ...", err=True)
    sys.stdout.flush()
    result = subprocess.run([sys.executable, ENTRY], cwd=folder, env=os.environ.copy(), check=False)
    if result.returncode != 0:
        raise ExampleError(
            f"Example '{name}' failed (exit status {result.returncode}; its output is above). "
            f"Its files are in {folder}."
        )
    success(f"Example '{name}' ran successfully (files in {folder}).")


@example.command(
    "clean",
    short_help="Delete the pulled examples.",
    help="Delete the pulled examples in DIR (default ./zenml_examples): only folders named after "
    "an example are removed, then DIR if it is left empty.",
)
@_path_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def clean(path: str, yes: bool) -> None:
    parent = _parent(path)
    pulled = [parent / name for name in discover() if (parent / name).is_dir()]
    if not pulled:
        click.echo(f"No pulled examples in {parent}.")
        return
    if not yes:
        if not (sys.stdin is not None and sys.stdin.isatty()):
            raise click.UsageError(
                f"Not deleting {', '.join(map(str, pulled))} without a confirmation, and standard "
                "input is not a terminal to ask: add --yes."
            )
        click.confirm(f"Delete {', '.join(map(str, pulled))}?", abort=True)
    for folder in pulled:
        shutil.rmtree(folder)
    if not any(parent.iterdir()):
        parent.rmdir()
    success(f"Deleted {', '.join(map(str, pulled))}.")
