"""``zenml-airflow example list/info/pull/run/clean`` over the examples shipped in the package.

The group is run under the CLI's real error boundary (``ErrorBoundaryGroup``), registered the way
``zenml_airflow.cli.main`` registers it. Every test has its own working directory (the root
conftest), so ``./zenml_examples`` is fresh each time.
"""

from __future__ import annotations

import filecmp
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import zenml_airflow.cli.example as example_module
from zenml_airflow.cli.example import EXAMPLES_DIR, Example, ExampleError, discover, pull_example
from zenml_airflow.cli.main import ErrorBoundaryGroup

cli = ErrorBoundaryGroup(
    name="zenml-airflow", lazy_commands={"example": "zenml_airflow.cli.example:example"}
)


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["example", *args], input=input)


def ok(*args: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, f"{args} failed ({result.exit_code}): {result.output}"
    return result.stdout


def fails(*args: str) -> str:
    """Exit status 1 with one clean ``Error:`` line, the last on stderr; the message."""
    result = invoke(*args)
    assert result.exit_code == 1, f"{args} exited {result.exit_code}: {result.output}"
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("Error: ") and len([x for x in lines if "Error" in x]) == 1, (
        result.stderr
    )
    return lines[-1].removeprefix("Error: ")


def same_tree(left: Path, right: Path) -> bool:
    """The same files with the same bytes (caches excluded), recursively."""
    skip = ["__pycache__", ".zen"]
    compared = filecmp.dircmp(left, right, ignore=skip)

    def equal(cmp: filecmp.dircmp[str]) -> bool:
        if cmp.left_only or cmp.right_only or cmp.funny_files:
            return False
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        return not mismatch and not errors and all(equal(sub) for sub in cmp.subdirs.values())

    return equal(compared)


def make_example(root: Path, name: str, readme: str | None, files: dict[str, str]) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    if readme is not None:
        (folder / "README.md").write_text(readme)
    for file, text in files.items():
        (folder / file).write_text(text)
    return folder


@pytest.fixture
def fake_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the commands at a folder of made-up examples instead of the shipped ones."""
    root = tmp_path / "shipped"
    make_example(
        root,
        "hello",
        "# Says hello\n\nMore text.\n",
        {"run.py": "print('hello from the example')\n"},
    )
    make_example(root, "docs_only", "\n\n## Only a README: read it\n", {"notes.txt": "x"})
    make_example(root, "not_an_example", None, {"run.py": "print('no README')\n"})
    make_example(root, "_private", "# hidden\n", {})
    (root / "README.md").write_text("# about the examples\n")  # a file, not an example
    monkeypatch.setattr(example_module, "EXAMPLES_DIR", root)
    return root


# --- what counts as an example -----------------------------------------------------------------


def test_every_folder_with_a_readme_is_an_example(fake_examples: Path) -> None:
    examples = discover()
    assert list(examples) == ["docs_only", "hello"]
    assert examples["hello"].description == "Says hello"
    assert examples["docs_only"].description == "Only a README: read it"
    assert examples["hello"].runnable and not examples["docs_only"].runnable
    make_example(fake_examples, "added_later", "# Added by someone else\n", {"run.py": ""})
    assert [e["name"] for e in json.loads(ok("list", "--json"))] == [
        "added_later",
        "docs_only",
        "hello",
    ]


def test_the_shipped_examples_follow_the_convention() -> None:
    examples = discover()
    assert "mnist" in examples
    assert examples["mnist"].path == EXAMPLES_DIR / "mnist"
    for example in examples.values():
        first = next(line for line in example.readme.splitlines() if line.strip())
        assert first.startswith("# ") and example.description, f"{example.name}: {first!r}"
        assert not (example.path / "__init__.py").exists(), f"{example.name} must not be a package"
    assert examples["mnist"].runnable


# --- list and info -------------------------------------------------------------------------------


def test_list_shows_names_and_descriptions() -> None:
    result = invoke("list")
    assert result.exit_code == 0, result.output
    assert "mnist" in result.stdout
    assert "Train a digit classifier" in result.stdout
    assert "zenml-airflow example pull NAME" in result.stderr
    listed = json.loads(ok("list", "--json"))
    mnist = next(e for e in listed if e["name"] == "mnist")
    assert mnist == {
        "name": "mnist",
        "description": discover()["mnist"].description,
        "runnable": True,
    }


def test_info_prints_the_readme() -> None:
    readme = (EXAMPLES_DIR / "mnist" / "README.md").read_text()
    assert ok("info", "mnist") == readme.rstrip("\n") + "\n"


def test_an_unknown_name_is_refused_with_did_you_mean() -> None:
    message = fails("info", "mnsit")
    assert message.startswith("No example named 'mnsit'. Did you mean 'mnist'? Known examples: ")
    assert "mnist" in message.split("Known examples: ")[1]
    for command in ("pull", "run"):
        assert fails(command, "mnsit").startswith("No example named 'mnsit'. Did you mean 'mnist'?")
    assert not Path("zenml_examples").exists()


# --- pull ----------------------------------------------------------------------------------------


def test_pull_copies_the_example_and_refuses_to_overwrite_without_force() -> None:
    assert "Pulled example 'mnist' into zenml_examples/mnist." in ok("pull", "mnist")
    copy = Path("zenml_examples") / "mnist"
    assert same_tree(EXAMPLES_DIR / "mnist", copy)
    assert os.access(copy / "airflow_demo.sh", os.X_OK), "the shell script stays executable"

    (copy / "run.py").write_text("# my changes\n")
    (copy / "mine.txt").write_text("mine")
    message = fails("pull", "mnist")
    assert message == (
        "zenml_examples/mnist already exists: nothing was pulled. Add --force to replace them "
        "with fresh copies (changes made there are lost), or --path DIR to pull elsewhere."
    )
    assert (copy / "run.py").read_text() == "# my changes\n"

    ok("pull", "mnist", "--force")
    assert same_tree(EXAMPLES_DIR / "mnist", copy)
    assert not (copy / "mine.txt").exists()
    assert sorted(p.name for p in Path("zenml_examples").iterdir()) == ["mnist"]  # no leftovers


def test_pull_everything_and_elsewhere(tmp_path: Path) -> None:
    ok("pull", "--path", str(tmp_path / "elsewhere"))
    pulled = sorted(p.name for p in (tmp_path / "elsewhere").iterdir())
    assert pulled == sorted(discover())
    assert fails("pull", "-p", str(tmp_path / "elsewhere")).endswith(
        "already exist: nothing was pulled. Add --force to replace them with fresh copies "
        "(changes made there are lost), or --path DIR to pull elsewhere."
    )


def test_a_failed_pull_changes_nothing(tmp_path: Path) -> None:
    source = make_example(tmp_path / "src", "broken", "# Broken\n", {"run.py": "print(1)\n"})
    (source / "dangling").symlink_to(tmp_path / "does-not-exist")
    item = Example("broken", source)
    parent = tmp_path / "pulled"
    (parent / "broken").mkdir(parents=True)
    (parent / "broken" / "run.py").write_text("# the old copy\n")
    with pytest.raises(
        ExampleError,
        match=r"Cannot pull example 'broken' into .*pulled/broken: "
        r".*Nothing was changed there\.",
    ):
        pull_example(item, parent, force=True)
    assert (parent / "broken" / "run.py").read_text() == "# the old copy\n"
    assert sorted(p.name for p in parent.iterdir()) == ["broken"]  # no half-written copy


# --- run -----------------------------------------------------------------------------------------


def test_run_pulls_and_runs_the_mnist_example(capfd: pytest.CaptureFixture[str]) -> None:
    result = invoke("run", "mnist")
    assert result.exit_code == 0, result.output
    assert "Pulled example 'mnist' into zenml_examples/mnist." in result.stdout
    assert "Example 'mnist' ran successfully (files in zenml_examples/mnist)." in result.stdout
    out, err = capfd.readouterr()  # the example's own output goes straight to the terminal
    assert "2 runs of mnist_pipeline" in out and "is completed" in out
    assert 0.8 < float(out.rsplit("Test accuracy:", 1)[1].split()[0]) <= 1.0
    assert "0 ran, 4 cached" in err  # the second run came from the cache
    # It ran on the active (isolated) stack; its artifacts are native .npy files.
    assert list(Path(os.environ["ZENML_AIRFLOW_CONFIG_DIR"]).rglob("*.npy"))


def test_run_uses_an_existing_copy_and_force_pulls_a_fresh_one(
    capfd: pytest.CaptureFixture[str],
) -> None:
    ok("pull", "mnist")
    entry = Path("zenml_examples") / "mnist" / "run.py"
    entry.write_text("print('my edited copy')\n")
    result = invoke("run", "mnist")
    assert result.exit_code == 0 and "Pulled" not in result.stdout
    assert capfd.readouterr().out.strip() == "my edited copy"

    entry.write_text("raise SystemExit(3)\n")
    assert fails("run", "mnist") == (
        "Example 'mnist' failed (exit status 3; its output is above). Its files are in "
        "zenml_examples/mnist."
    )
    (entry.parent / "requirements.txt").write_text("numpy\nno-such-distribution-zz>=1  # hmm\n")
    assert fails("run", "mnist") == (
        "Example 'mnist' needs no-such-distribution-zz>=1, which is not installed: "
        "pip install -r zenml_examples/mnist/requirements.txt"
    )
    entry.unlink()
    assert fails("run", "mnist") == (
        "zenml_examples/mnist/run.py is missing from the pulled copy: pull a fresh one with "
        "`zenml-airflow example run mnist --force`."
    )
    capfd.readouterr()
    result = invoke("run", "mnist", "--force")
    assert result.exit_code == 0, result.output
    assert "Pulled example 'mnist' into zenml_examples/mnist." in result.stdout
    assert "2 runs of mnist_pipeline" in capfd.readouterr().out
    assert same_tree(EXAMPLES_DIR / "mnist", entry.parent)


def test_run_of_made_up_examples(fake_examples: Path, capfd: pytest.CaptureFixture[str]) -> None:
    ok("run", "hello")
    assert capfd.readouterr().out.strip() == "hello from the example"
    assert fails("run", "docs_only") == (
        "Example 'docs_only' has no run.py to run: read how to use it with "
        "`zenml-airflow example info docs_only`."
    )
    assert fails("info", "not_an_example").startswith(
        "No example named 'not_an_example'. Known examples: docs_only, hello"
    )


# --- clean ---------------------------------------------------------------------------------------


def test_clean_removes_only_pulled_examples() -> None:
    assert ok("clean").strip() == "No pulled examples in zenml_examples."
    ok("pull", "mnist")
    result = invoke("clean")
    assert result.exit_code == 2 and "add --yes" in result.stderr
    (Path("zenml_examples") / "my_notes.txt").write_text("keep me")
    assert "Deleted zenml_examples/mnist." in ok("clean", "--yes")
    assert [p.name for p in Path("zenml_examples").iterdir()] == ["my_notes.txt"]
    (Path("zenml_examples") / "my_notes.txt").unlink()
    ok("pull", "mnist")
    ok("clean", "-y")
    assert not Path("zenml_examples").exists()
