"""What a step operator needs to launch the entrypoint: zenml-airflow's install source, the
extras of the stack's stores, the environment hash, and the result read back from the last
stdout line when no result file can be shared (containers)."""

from __future__ import annotations

import sys
from pathlib import Path

import zenml_airflow
from tests.step_operators.steps_for_step_operators import here, two_places, where
from tests.step_operators.test_virtualenv import use_step_operator
from zenml_airflow.core.spec import ComponentSnapshot, PipelineSpec, StackSnapshot
from zenml_airflow.enums import ExecutionStatus
from zenml_airflow.step_operators.environment import store_extras
from zenml_airflow.step_operators.virtualenv import environment_hash, zenml_airflow_install_args


def spec_on(*flavors: tuple[str, str]) -> PipelineSpec:
    components = {
        kind: ComponentSnapshot(name=kind, flavor=flavor, config={}) for kind, flavor in flavors
    }
    return PipelineSpec(name="p", steps=[], stack=StackSnapshot(name="s", components=components))


def test_the_stores_of_the_stack_choose_the_extras_to_install() -> None:
    assert store_extras(spec_on(("metadata_store", "sqlite"), ("artifact_store", "local"))) == []
    assert store_extras(spec_on(("metadata_store", "postgresql"), ("artifact_store", "s3"))) == [
        "postgres",
        "s3",
    ]
    assert store_extras(spec_on(("metadata_store", "mysql"), ("artifact_store", "gcs"))) == [
        "gcs",
        "mysql",
    ]
    assert store_extras(PipelineSpec(name="p", steps=[])) == []


def test_this_editable_checkout_is_installed_editable_with_the_extras() -> None:
    checkout = str(Path(zenml_airflow.__file__).resolve().parent.parent)
    assert zenml_airflow_install_args([]) == ["-e", checkout]
    assert zenml_airflow_install_args(["s3", "postgres"]) == ["-e", f"{checkout}[postgres,s3]"]


def test_the_environment_hash_covers_what_the_environment_holds() -> None:
    base = environment_hash(["a==1", "b==2"], ["-e", "/src"], system_site_packages=False)
    assert base == environment_hash(["b==2", "a==1"], ["-e", "/src"], system_site_packages=False)
    assert base != environment_hash(["a==1"], ["-e", "/src"], system_site_packages=False)
    assert base != environment_hash(
        ["a==1", "b==2"], ["-e", "/src[s3]"], system_site_packages=False
    )
    assert base != environment_hash(["a==1", "b==2"], ["-e", "/src"], system_site_packages=True)


def test_the_result_is_read_from_the_last_stdout_line_without_a_result_file(
    built_venv: Path, tmp_path: Path
) -> None:
    # An interpreter that drops --result FILE, as a container without a shared directory would.
    python = tmp_path / "python-without-result-file"
    python.write_text(
        f"#!{sys.executable}\n"
        "import os, sys\n"
        "args = sys.argv[1:]\n"
        "at = args.index('--result')\n"
        "del args[at:at + 2]\n"
        f"os.execv({str(built_venv)!r}, [{str(built_venv)!r}, *args])\n"
    )
    python.chmod(0o755)
    use_step_operator(python=str(python))
    run = two_places(where=where(), here=here()).run()
    assert run.get_step("where").status is ExecutionStatus.COMPLETED
    assert run.get_step("where").outputs["prefix"].read() == str(built_venv.parent.parent)
