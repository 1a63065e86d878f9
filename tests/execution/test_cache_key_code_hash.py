"""``code_hash``, the cache key's view of user code (ADR 0015), in one process: what it follows,
what it ignores, and how its per-process caches stay truthful."""

from __future__ import annotations

import importlib
import itertools
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from zenml_airflow.materializers.built_in_materializer import BuiltInMaterializer
from zenml_airflow.utils.code_hash import clear_caches, code_hash

_counter = itertools.count()


@pytest.fixture
def code_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """A directory on sys.path and a package name unique to this test."""
    root = tmp_path / "code"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    package = f"zac_code_{next(_counter)}"
    yield root, package
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]
    clear_caches()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def test_relative_and_function_level_imports_are_followed(code_dir: tuple[Path, str]) -> None:
    root, pkg = code_dir
    write(root / pkg / "__init__.py", "")
    write(root / pkg / "b.py", "def f():\n    return 1\n")
    write(root / pkg / "c.py", "LATE = 1\n")
    write(
        root / pkg / "a.py",
        """
        from .b import f

        def entry():
            from . import c
            return f() + c.LATE
    """,
    )
    a = importlib.import_module(f"{pkg}.a")
    before = code_hash(a.entry)
    assert code_hash(a.entry) == before

    # c was never imported (entry never ran): its file on disk is what will run, so it counts.
    write(root / pkg / "c.py", "LATE = 2\n")
    assert code_hash(a.entry) != before


def test_a_loaded_module_counts_as_loaded_until_it_is_reloaded(code_dir: tuple[Path, str]) -> None:
    root, pkg = code_dir
    write(root / pkg / "__init__.py", "")
    write(root / pkg / "helpers.py", "def g():\n    return 1\n")
    write(root / pkg / "main.py", "from .helpers import g\n\ndef entry():\n    return g()\n")
    main = importlib.import_module(f"{pkg}.main")
    helpers = sys.modules[f"{pkg}.helpers"]
    before = code_hash(main.entry)

    # Edited on disk but not reloaded: the process still runs the old g, so the key must not say
    # otherwise (it would record the old code's result under the new code's key).
    write(root / pkg / "helpers.py", "def g():\n    return 2 + 0\n")
    assert code_hash(main.entry) == before

    importlib.reload(helpers)
    assert code_hash(main.entry) != before


def test_comments_docstrings_and_formatting_do_not_count(code_dir: tuple[Path, str]) -> None:
    root, pkg = code_dir
    write(root / f"{pkg}.py", "def entry(x):\n    return x+1\n")
    first = code_hash(importlib.import_module(pkg).entry)
    del sys.modules[pkg]
    write(
        root / f"{pkg}.py",
        '"""Module."""\n\n\ndef entry(x):  # why\n    """Adds one."""\n    return x + 1\n',
    )
    assert code_hash(importlib.import_module(pkg).entry) == first


def test_objects_of_one_module_hash_differently(code_dir: tuple[Path, str]) -> None:
    root, pkg = code_dir
    write(root / f"{pkg}.py", "class A:\n    pass\n\n\nclass B:\n    pass\n")
    module = importlib.import_module(pkg)
    assert code_hash(module.A) != code_hash(module.B)


def test_library_code_counts_by_version_not_source() -> None:
    # zenml_airflow is library code: hashing a built-in materializer reads none of its files, and
    # the hash names the installed version.
    from zenml_airflow import __version__
    from zenml_airflow.utils import code_hash as module

    clear_caches()
    assert code_hash(BuiltInMaterializer) == code_hash(BuiltInMaterializer)
    assert not module._facts_cache, "library code was read"
    assert (
        module._library_key("zenml_airflow.materializers", None) == f"zenml-airflow=={__version__}"
    )
    assert str(module._library_key("json", None)).startswith("python==")


def test_an_editable_install_is_user_code(tmp_path: Path, code_dir: tuple[Path, str]) -> None:
    # Metadata in one directory, the package in another (what `pip install -e` leaves): the
    # files are the user's working copy, so their source counts, not the version.
    root, pkg = code_dir
    meta = root / f"{pkg}-1.0.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text(f"Name: {pkg}\nVersion: 1.0\n\n")
    (meta / "top_level.txt").write_text("other_name\n")
    elsewhere = tmp_path / "checkout"
    write(elsewhere / f"{pkg}_lib.py", "VALUE = 1\n")
    sys.path.insert(0, str(elsewhere))
    try:
        write(
            root / f"{pkg}.py", f"def entry():\n    import {pkg}_lib\n    return {pkg}_lib.VALUE\n"
        )
        entry = importlib.import_module(pkg).entry
        before = code_hash(entry)
        write(elsewhere / f"{pkg}_lib.py", "VALUE = 2\n")
        assert code_hash(entry) != before
    finally:
        sys.path.remove(str(elsewhere))


def test_code_without_a_file_counts_by_its_functions_and_constants() -> None:
    def repl_module(factor: int) -> types.ModuleType:
        module = types.ModuleType("zac_repl_session")
        code = f"FACTOR = {factor}\n\ndef helper(x):\n    return x * FACTOR\n\ndef entry(x):\n    return helper(x)\n"
        exec(compile(code, "<stdin>", "exec"), module.__dict__)
        return module

    sys.modules["zac_repl_session"] = first = repl_module(2)
    try:
        before = code_hash(first.entry)
        sys.modules["zac_repl_session"] = second = repl_module(3)
        assert code_hash(second.entry) != before
    finally:
        del sys.modules["zac_repl_session"]


def test_a_file_that_does_not_parse_still_counts_by_its_bytes(code_dir: tuple[Path, str]) -> None:
    root, pkg = code_dir
    write(root / f"{pkg}.py", "def entry():\n    from . import nothing\n    return 1\n")
    entry = importlib.import_module(pkg).entry
    write(root / f"{pkg}_broken.py", "def (:\n")
    from zenml_airflow.utils.code_hash import _facts_on_disk

    broken = _facts_on_disk(str(root / f"{pkg}_broken.py"), f"{pkg}_broken")
    assert broken.imports == () and len(broken.digest) == 64
    assert len(code_hash(entry)) == 64


def test_live_hashes_match_the_plan_until_the_code_changes(code_dir: tuple[Path, str]) -> None:
    from zenml_airflow.compiler.plan import build_plan
    from zenml_airflow.execution.code_hashes import live_code_hashes

    root, pkg = code_dir
    write(root / f"{pkg}_helper.py", "def value():\n    return 1\n")
    write(
        root / f"{pkg}.py",
        f"""
        from zenml_airflow.pipelines import pipeline
        from zenml_airflow.steps import step


        @step
        def one() -> int:
            from {pkg}_helper import value
            return value()


        @step
        def plus(x: int) -> int:
            return x + 1


        @pipeline
        def p(one, plus):
            plus(x=one())
    """,
    )
    module = importlib.import_module(pkg)
    plan = build_plan(module.p(one=module.one(), plus=module.plus()))

    def live(name: str) -> tuple[str, dict[str, str]]:
        step = plan.spec.step(name)
        return live_code_hashes(plan.spec, step, plan.step_classes[name], plan.materializers[name])

    for name in ("one", "plus"):
        step = plan.spec.step(name)
        assert live(name) == (
            step.source_hash,
            {"output": step.outputs["output"].materializer_hash},
        )

    # The helper is imported when the step runs, so an edit after compiling is what will run:
    # the compiled hash is stale, the live one is not.
    write(root / f"{pkg}_helper.py", "def value():\n    return 2\n")
    assert live("one")[0] != plan.spec.step("one").source_hash
    # plus's module imports the helper too: a module is the unit (ADR 0015), so it re-runs as well.
    assert live("plus")[0] != plan.spec.step("plus").source_hash


def test_relative_imports_of_a_module_run_as_main_resolve_in_its_package(
    code_dir: tuple[Path, str],
) -> None:
    # `python -m pkg.runner` runs pkg/runner.py as "__main__" with __package__ "pkg".
    import importlib.util

    root, pkg = code_dir
    write(root / pkg / "__init__.py", "")
    write(root / pkg / "dep.py", "X = 1\n")
    write(root / pkg / "runner.py", "def entry():\n    from .dep import X\n    return X\n")
    name = f"{pkg}_as_main"
    spec = importlib.util.spec_from_file_location(name, root / pkg / "runner.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = pkg
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        before = code_hash(module.entry)
        write(root / pkg / "dep.py", "X = 2\n")
        assert code_hash(module.entry) != before
    finally:
        del sys.modules[name]


def test_a_distribution_named_unlike_its_package_is_found(code_dir: tuple[Path, str]) -> None:
    # Like PyYAML installing `yaml`: the name does not lead to the package, the metadata does.
    root, pkg = code_dir
    lib = f"{pkg}_fancy"

    def install(version: str, value: int) -> None:
        for old in root.glob("Fancy_Dist-*.dist-info"):
            for file in old.iterdir():
                file.unlink()
            old.rmdir()
        meta = root / f"Fancy_Dist-{version}.dist-info"
        meta.mkdir()
        (meta / "METADATA").write_text(f"Name: Fancy_Dist\nVersion: {version}\n\n")
        (meta / "top_level.txt").write_text(f"{lib}\n")
        write(root / lib / "__init__.py", f"VALUE = {value}\n")
        clear_caches()  # a new process would see the new installation

    install("3.1", 1)
    write(root / f"{pkg}.py", f"def entry():\n    import {lib}\n    return {lib}.VALUE\n")
    entry = importlib.import_module(pkg).entry
    first = code_hash(entry)
    install("3.1", 2)
    assert code_hash(entry) == first, "a library counts by its version, not its source"
    install("3.2", 2)
    assert code_hash(entry) != first
    from zenml_airflow.utils import code_hash as module

    assert "fancy-dist==3.2" in module._kind_cache.values()
