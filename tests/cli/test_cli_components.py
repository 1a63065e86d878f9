"""``zenml-airflow <component type> register/list/describe/get/update/delete/flavor list``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cli_helpers import fails, invoke, ok, ok_json

from zenml_airflow.enums import StackComponentType


def stored_components(config_dir: Path, kind: str) -> dict[str, dict[str, object]]:
    data = yaml.safe_load((config_dir / "profiles" / "default" / "stacks.yaml").read_text())
    components: dict[str, dict[str, object]] = data["components"].get(kind, {})
    return components


@pytest.mark.parametrize("kind", list(StackComponentType))
def test_every_component_type_has_a_generated_group(kind: StackComponentType) -> None:
    text = ok(kind.cli_name, "--help")
    for command in ("register", "list", "describe", "get", "update", "delete", "flavor"):
        assert command in text
    assert "flavor" in ok(kind.cli_name, "flavor", "--help")
    flavors = ok_json(kind.cli_name, "flavor", "list")
    assert flavors and all(f["type"] == kind.value for f in flavors)


def test_register_with_key_value_options_stores_validated_config(
    isolated_config: Path, tmp_path: Path
) -> None:
    out = ok("artifact-store", "register", "archive", "--flavor", "local", f"--path={tmp_path}/a")
    assert "Registered artifact store 'archive' (flavor 'local')" in out
    assert stored_components(isolated_config, "artifact_store")["archive"] == {
        "flavor": "local",
        "config": {"path": str(tmp_path / "a")},
    }


def test_register_accepts_space_separated_values_dashes_and_relative_paths(
    isolated_config: Path,
) -> None:
    ok(
        "orchestrator",
        "register",
        "af",
        "-f",
        "airflow",
        "--dags-folder",
        "dags",
        "--api_url=http://airflow:8080/",
        "--unpause_on_deploy=false",
    )
    config = stored_components(isolated_config, "orchestrator")["af"]["config"]
    assert config == {
        "dags_folder": str(Path.cwd() / "dags"),
        "airflow_home": None,
        "api_url": "http://airflow:8080",
        "username": None,
        "password": None,
        "unpause_on_deploy": False,
        "executor": "local",
        "shared_paths": [],
        "airflow_database_url": None,
        "celery_broker_url": "redis://127.0.0.1:6379/0",
        "celery_workers": ["default", "default"],
        "celery_concurrency": 2,
        "dag_bundle_repo": None,
        "dag_bundle_branch": "main",
        "dag_bundle_subdir": "dags",
    }


def test_json_values_become_structured_fields_and_strings_stay_strings(
    isolated_config: Path,
) -> None:
    ok(
        "artifact-store",
        "register",
        "minio",
        "-f",
        "s3",
        "--path=s3://bucket/root",
        '--client_kwargs={"endpoint_url": "http://127.0.0.1:9000"}',
        "--key=no",
        "--token=123",
    )
    config = stored_components(isolated_config, "artifact_store")["minio"]["config"]
    assert config["client_kwargs"] == {"endpoint_url": "http://127.0.0.1:9000"}
    assert config["key"] == "no"  # not YAML's boolean
    assert config["token"] == "123"


def test_legacy_type_option_still_works() -> None:
    result = invoke("metadata-store", "register", "old", "-t", "sqlite", "--uri=old.db")
    assert result.exit_code == 0, result.output
    assert "--type/-t is deprecated" in result.stderr


def test_list_marks_the_active_component_and_shows_users() -> None:
    ok("artifact-store", "register", "spare", "-f", "local", "--path=spare")
    rows = ok_json("artifact-store", "list")
    assert [(r["name"], r["active"], r["stacks"]) for r in rows] == [
        ("default", True, ["default"]),
        ("spare", False, []),
    ]
    table = ok("artifact-store", "list")
    assert "spare" in table and "default" in table and "*" in table


def test_describe_masks_secrets_and_defaults_to_the_active_component() -> None:
    ok("orchestrator", "register", "af", "-f", "airflow", "--password=hunter2", "--username=me")
    data = ok_json("orchestrator", "describe", "af")
    assert data["config"]["password"] == "********"
    assert data["config"]["username"] == "me"
    assert data["stacks"] == [] and data["active"] is False
    text = ok("orchestrator", "describe", "af")
    assert "hunter2" not in text and "********" in text
    assert ok_json("orchestrator", "describe")["name"] == "default"


def test_get_prints_the_active_stacks_component() -> None:
    assert ok("metadata-store", "get").strip() == "default"
    assert ok_json("step-operator", "get") == {
        "stack": "default",
        "type": "step_operator",
        "name": None,
    }


def test_update_merges_and_revalidates(isolated_config: Path) -> None:
    ok("orchestrator", "register", "af", "-f", "airflow", "--api_url=http://a:1")
    out = ok("orchestrator", "update", "af", "--username=me", "--api_url", "http://b:2")
    assert "Updated orchestrator 'af'" in out
    config = stored_components(isolated_config, "orchestrator")["af"]["config"]
    assert (config["username"], config["api_url"]) == ("me", "http://b:2")
    ok("orchestrator", "update", "af", "--username=null")
    assert stored_components(isolated_config, "orchestrator")["af"]["config"]["username"] is None
    message = fails("orchestrator", "update", "af", "--api_url=ftp://x")
    assert "api_url: 'ftp://x' is not an http(s) URL" in message
    assert stored_components(isolated_config, "orchestrator")["af"]["config"]["api_url"] == (
        "http://b:2"
    )


def test_update_without_settings_is_a_usage_error() -> None:
    result = invoke("orchestrator", "update", "default")
    assert result.exit_code == 2
    assert "Nothing to update" in result.output


def test_delete_removes_an_unused_component(isolated_config: Path) -> None:
    ok("artifact-store", "register", "spare", "-f", "local", "--path=spare")
    assert "Deleted artifact store 'spare'" in ok("artifact-store", "delete", "spare")
    assert "spare" not in stored_components(isolated_config, "artifact_store")


def test_flavor_list_says_which_flavors_are_available() -> None:
    flavors = {f["name"]: f for f in ok_json("step-operator", "flavor", "list")}
    assert set(flavors) == {"docker", "kubernetes", "virtualenv"}
    assert all(flavor["available"] for flavor in flavors.values())
    deployers = {f["name"]: f for f in ok_json("model-deployer", "flavor", "list")}
    assert not deployers["local"]["available"]
    assert "not implemented yet" in deployers["local"]["unavailable_reason"]
    orchestrators = {f["name"]: f for f in ok_json("orchestrator", "flavor", "list")}
    assert orchestrators["local"]["available"] is True
    assert orchestrators["airflow"]["fields"]["api_url"] == {
        "type": "str",
        "required": False,
        "default": "http://localhost:8080",
    }
    assert "kubernetes" in ok("step-operator", "flavor", "list")


def test_registering_an_unimplemented_flavor_warns_that_stacks_will_refuse_it() -> None:
    result = invoke("model-deployer", "register", "serve", "-f", "local")
    assert result.exit_code == 0, result.output
    assert "a stack using 'serve' will be refused" in result.stderr


# --- errors --------------------------------------------------------------------------------------


def test_duplicate_component_name_is_refused() -> None:
    message = fails("artifact-store", "register", "default", "-f", "local", "--path=x")
    assert message == (
        "An artifact store named 'default' already exists in profile 'default'. "
        "Choose another name or update the existing one."
    )


def test_unknown_flavor_lists_the_flavors() -> None:
    message = fails("orchestrator", "register", "x", "-f", "kubeflow")
    assert message == ("Unknown orchestrator flavor 'kubeflow'. Available flavors: airflow, local.")
    assert "Did you mean 'airflow'?" in fails("orchestrator", "register", "x", "-f", "airflw")


def test_missing_flavor_option_names_the_flavors() -> None:
    result = invoke("metadata-store", "register", "x")
    assert result.exit_code == 2
    assert "Missing option --flavor/-f" in result.output
    assert "mysql, postgresql, sqlite" in result.output


def test_unknown_field_names_the_allowed_fields() -> None:
    message = fails("orchestrator", "register", "af", "-f", "airflow", "--dag_folder=/d")
    assert "unknown field(s) 'dag_folder'" in message
    assert "Did you mean 'dags_folder'?" in message
    assert (
        "Allowed fields: dags_folder, airflow_home, api_url, username, password, "
        "unpause_on_deploy" in message
    )


def test_bad_value_names_the_field() -> None:
    message = fails("orchestrator", "register", "af", "-f", "airflow", "--unpause_on_deploy=maybe")
    assert "orchestrator 'af' (flavor 'airflow')" in message
    assert "unpause_on_deploy: Input should be a valid boolean" in message


def test_missing_required_field_names_it() -> None:
    message = fails("artifact-store", "register", "a", "-f", "local")
    assert "path: Field required" in message and "Allowed fields: path" in message


def test_positional_junk_is_a_usage_error() -> None:
    result = invoke("artifact-store", "register", "a", "-f", "local", "--path=x", "stray")
    assert result.exit_code == 2
    assert "Unexpected argument 'stray'" in result.output


def test_missing_component_suggests_a_name() -> None:
    message = fails("artifact-store", "describe", "defualt")
    assert message == (
        "No artifact store named 'defualt' in profile 'default'. Did you mean 'default'? "
        "Registered: default."
    )
    assert "No orchestrator named 'nope'" in fails("orchestrator", "delete", "nope")
    assert "No orchestrator named 'nope'" in fails("orchestrator", "update", "nope", "--x=1")


def test_deleting_a_component_in_use_names_the_stack() -> None:
    ok("artifact-store", "register", "shared", "-f", "local", "--path=shared")
    ok("stack", "register", "team", "-o", "default", "-m", "default", "-a", "shared")
    message = fails("artifact-store", "delete", "shared")
    assert message == (
        "Cannot delete artifact store 'shared': it is used by stack(s) 'team'. "
        "Delete or update those stacks first."
    )


def test_update_that_would_break_a_stack_using_it_is_refused(
    isolated_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zenml_airflow.stack import LocalArtifactStoreComponent

    def check_in_stack(self: LocalArtifactStoreComponent, stack: object) -> list[str]:
        return ["/forbidden is read-only"] if self.path == "/forbidden" else []

    monkeypatch.setattr(LocalArtifactStoreComponent, "check_in_stack", check_in_stack)
    ok("artifact-store", "register", "shared", "-f", "local", "--path=shared")
    ok("artifact-store", "register", "alone", "-f", "local", "--path=alone")
    ok("stack", "register", "team", "-o", "default", "-m", "default", "-a", "shared")
    message = fails("artifact-store", "update", "shared", "--path=/forbidden")
    assert message == (
        "Stack 'team' cannot be used: /forbidden is read-only. Choose other components for it."
    )
    assert stored_components(isolated_config, "artifact_store")["shared"]["config"]["path"] == (
        str(Path.cwd() / "shared")
    )
    ok("artifact-store", "update", "alone", "--path=/forbidden")  # no stack uses it
