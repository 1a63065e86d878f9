"""``zenml-airflow stack ...``: register, list, describe, set, get, update, remove-component,
delete, export, import; and the error boundary on corrupt config."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cli_helpers import fails, invoke, ok, ok_json

from zenml_airflow.config import RepositoryConfig, initialize_repository


def stacks_file(config_dir: Path, profile: str = "default") -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load(
        (config_dir / "profiles" / profile / "stacks.yaml").read_text()
    )
    return data


def register_archive_stack(name: str = "archival") -> None:
    ok("artifact-store", "register", "archive", "-f", "local", "--path=archive")
    ok("stack", "register", name, "-o", "default", "-m", "default", "-a", "archive")


def test_register_and_list_marks_the_active_stack() -> None:
    register_archive_stack()
    rows = ok_json("stack", "list")
    assert rows == [
        {
            "name": "archival",
            "active": False,
            "components": {
                "orchestrator": "default",
                "metadata_store": "default",
                "artifact_store": "archive",
            },
        },
        {
            "name": "default",
            "active": True,
            "components": {
                "orchestrator": "default",
                "metadata_store": "default",
                "artifact_store": "default",
            },
        },
    ]
    table = ok("stack", "list")
    assert "archival" in table and "archive" in table
    active_line = next(line for line in table.splitlines() if " default " in line and "*" in line)
    assert "archival" not in active_line


def test_register_with_set_activates_it(isolated_config: Path) -> None:
    ok("artifact-store", "register", "archive", "-f", "local", "--path=archive")
    out = ok(
        "stack", "register", "archival", "-o", "default", "-m", "default", "-a", "archive", "--set"
    )
    assert "Active stack: 'archival' (in profile 'default')" in out
    assert stacks_file(isolated_config)["active_stack"] == "archival"
    assert ok_json("stack", "get")["stack"] == "archival"


def test_register_with_optional_components() -> None:
    ok("container-registry", "register", "reg", "-f", "default", "--uri=localhost:5000")
    ok("stack", "register", "s", "-o", "default", "-m", "default", "-a", "default", "-c", "reg")
    described = ok_json("stack", "describe", "s")
    assert described["components"]["container_registry"] == {
        "name": "reg",
        "flavor": "default",
        # Unset optional fields are listed as None, as for every component (the credentials
        # fall back to the Docker engine's own login).
        "config": {
            "uri": "localhost:5000",
            "username": None,
            "password": None,
            "airflow_connection_id": None,
        },
    }


def test_register_requires_the_three_required_components() -> None:
    result = invoke("stack", "register", "s", "-o", "default", "-m", "default")
    assert result.exit_code == 2
    assert "Missing option '--artifact-store' / '-a'" in result.output


def test_describe_shows_components_and_defaults_to_active() -> None:
    data = ok_json("stack", "describe")
    assert data["name"] == "default" and data["active"] is True
    assert data["profile"] == "default"
    assert set(data["components"]) == {"orchestrator", "metadata_store", "artifact_store"}
    assert data["notes"] == []
    text = ok("stack", "describe")
    assert "Stack 'default' (active)" in text
    assert "metadata store: default (flavor sqlite): uri=" in text


def test_airflow_with_local_stores_is_allowed_but_describe_notes_it(
    airflow_available: None,
) -> None:
    ok("orchestrator", "register", "af", "-f", "airflow", "--dags_folder=dags")
    result = invoke("stack", "register", "af-local", "-o", "af", "-m", "default", "-a", "default")
    assert result.exit_code == 0, result.output
    assert "only reachable on this machine" in result.stderr
    notes = ok_json("stack", "describe", "af-local")["notes"]
    assert len(notes) == 1
    assert (
        "artifact store 'default' and metadata store 'default' are only reachable on this "
        "machine" in notes[0]
    )
    assert "airflow standalone" in notes[0]
    assert "note:" in ok("stack", "describe", "af-local")


def test_stack_whose_kubernetes_step_operator_cannot_reach_its_stores_is_refused(
    isolated_config: Path,
) -> None:
    ok("step-operator", "register", "k8s", "-f", "kubernetes")
    message = fails(
        "stack", "register", "gpu", "-o", "default", "-m", "default", "-a", "default", "-s", "k8s"
    )
    assert message.startswith("Stack 'gpu' cannot be used: step operator 'k8s' runs steps in ")
    # the combination rules are reported at the same time, each with its reason
    assert "cannot reach artifact store 'default' on this machine" in message
    assert "needs an image its pods can pull" in message
    assert "gpu" not in stacks_file(isolated_config)["stacks"]  # type: ignore[operator]


def test_a_celery_orchestrator_refuses_local_stores_until_their_path_is_shared(
    isolated_config: Path,
) -> None:
    home = isolated_config / "airflow-home"
    ok(
        "orchestrator", "register", "af", "-f", "airflow", "--executor=CeleryExecutor",
        f"--airflow_home={home}",
    )  # fmt: skip
    message = fails("stack", "register", "dist", "-o", "af", "-m", "default", "-a", "default")
    assert message.startswith("Stack 'dist' cannot be used: orchestrator 'af' runs tasks on ")
    assert "celery workers, which may be on other hosts, and artifact store 'default'" in message
    assert "metadata store 'default' keeps its data in" in message
    assert "dist" not in stacks_file(isolated_config)["stacks"]  # type: ignore[operator]
    # the default stores live under the config directory: declared shared, the stack is taken
    ok("orchestrator", "update", "af", f"--shared_paths={isolated_config}")
    ok("stack", "register", "dist", "-o", "af", "-m", "default", "-a", "default", "--set")
    # an update that would break the stack is refused and changes nothing
    message = fails("orchestrator", "update", "af", "--shared_paths=/mnt/elsewhere")
    assert "Stack 'dist'" in message and "keeps its data in" in message
    # `stack up` of a celery orchestrator needs Airflow's own database on a server: it says so
    # before starting anything
    message = fails("stack", "up")
    assert "The CeleryExecutor needs a database its workers share" in message
    assert "airflow_database_url" in message
    assert not home.exists()
    # going back to local while a stack uses it is checked against that stack too
    ok("orchestrator", "update", "af", "--executor=local")
    assert ok_json("stack", "describe", "dist")["notes"]


def test_stack_whose_orchestrator_cannot_be_imported_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from zenml_airflow.stack.components import AirflowOrchestratorComponent

    monkeypatch.setattr(
        AirflowOrchestratorComponent, "IMPLEMENTATION", "no_such_module_xyz:AirflowOrchestrator"
    )
    ok("orchestrator", "register", "af", "-f", "airflow")
    message = fails("stack", "register", "s", "-o", "af", "-m", "default", "-a", "default")
    assert (
        "orchestrator 'af': the implementation of the orchestrator flavor 'airflow' cannot be "
        "loaded: Cannot import 'no_such_module_xyz'" in message
    )


def test_register_with_missing_component_suggests() -> None:
    message = fails("stack", "register", "s", "-o", "default", "-m", "default", "-a", "defalt")
    assert message == (
        "No artifact store named 'defalt' in profile 'default'. Did you mean 'default'? "
        "Registered: default."
    )


def test_duplicate_stack_name_is_refused() -> None:
    message = fails(
        "stack", "register", "default", "-o", "default", "-m", "default", "-a", "default"
    )
    assert message == (
        "A stack named 'default' already exists in profile 'default'. "
        "Choose another name or update the existing stack."
    )


def test_set_outside_a_repository_sets_the_profiles_active_stack(isolated_config: Path) -> None:
    register_archive_stack()
    out = ok("stack", "set", "archival")
    assert "Active stack: 'archival' (in profile 'default')" in out
    assert stacks_file(isolated_config)["active_stack"] == "archival"
    assert ok("stack", "get").strip() == (
        "Active stack: 'archival' (profile 'default', from profile)"
    )


def test_set_inside_a_repository_pins_it_there_and_global_sets_the_profile(
    isolated_config: Path,
) -> None:
    register_archive_stack()
    initialize_repository(Path.cwd())
    out = ok("stack", "set", "archival")
    assert f"pinned in {Path.cwd().resolve() / '.zen' / 'config.yaml'}" in out
    assert RepositoryConfig.load(Path.cwd()).active_stack_name == "archival"
    assert stacks_file(isolated_config)["active_stack"] == "default"
    assert ok_json("stack", "get") == {
        "stack": "archival",
        "profile": "default",
        "stack_source": "repository",
        "profile_source": "global",
    }
    result = invoke("stack", "set", "default", "--global")
    assert result.exit_code == 0
    assert stacks_file(isolated_config)["active_stack"] == "default"
    assert "pins stack 'archival', which wins there" in result.stderr
    assert ok_json("stack", "get")["stack"] == "archival"


def test_set_unknown_stack_suggests() -> None:
    assert "Did you mean 'default'?" in fails("stack", "set", "defualt")


def test_set_repairs_a_pin_to_a_deleted_stack() -> None:
    register_archive_stack()
    initialize_repository(Path.cwd())
    RepositoryConfig(active_stack_name="gone").save(Path.cwd())
    assert "Active stack 'gone', pinned by the repository" in fails("stack", "get")
    ok("stack", "set", "archival")
    assert ok_json("stack", "get")["stack"] == "archival"


def test_environment_override_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    register_archive_stack()
    monkeypatch.setenv("ZENML_AIRFLOW_STACK", "archival")
    assert ok_json("stack", "get")["stack_source"] == "environment"
    result = invoke("stack", "set", "default")
    assert result.exit_code == 0
    assert "$ZENML_AIRFLOW_STACK=archival overrides this" in result.stderr


def test_update_replaces_only_the_given_components(isolated_config: Path) -> None:
    register_archive_stack()
    ok("metadata-store", "register", "meta2", "-f", "sqlite", "--uri=meta2.db")
    out = ok("stack", "update", "archival", "-m", "meta2")
    assert "Updated stack 'archival': metadata store 'meta2'." in out
    assert stacks_file(isolated_config)["stacks"]["archival"] == {  # type: ignore[index]
        "orchestrator": "default",
        "metadata_store": "meta2",
        "artifact_store": "archive",
    }
    assert "No stack named 'nope'" in fails("stack", "update", "nope", "-m", "meta2")
    assert "No metadata store named 'meta3'" in fails("stack", "update", "archival", "-m", "meta3")


def test_remove_component_drops_optional_ones(isolated_config: Path) -> None:
    ok("container-registry", "register", "reg", "-f", "default", "--uri=r.example.com")
    ok("stack", "register", "s", "-o", "default", "-m", "default", "-a", "default", "-c", "reg")
    ok("stack", "remove-component", "s", "-c")
    assert "container_registry" not in stacks_file(isolated_config)["stacks"]["s"]  # type: ignore[index]
    result = invoke("stack", "remove-component", "s", "-c")
    assert result.exit_code == 2 and "Stack 's' has no container registry" in result.output


def test_delete_removes_an_inactive_stack_after_confirmation(isolated_config: Path) -> None:
    register_archive_stack()
    result = invoke("stack", "delete", "archival", input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert "archival" in stacks_file(isolated_config)["stacks"]  # type: ignore[operator]
    assert "Deleted stack 'archival'" in ok("stack", "delete", "archival", input="y\n")
    assert "archival" not in stacks_file(isolated_config)["stacks"]  # type: ignore[operator]
    assert "archive" in ok("artifact-store", "list")  # components stay


def test_deleting_the_active_stack_is_refused() -> None:
    message = fails("stack", "delete", "default", "-y")
    assert message == (
        "Cannot delete stack 'default': it is the active stack (the active stack of profile "
        "'default'). Activate another stack first (`zenml-airflow stack set NAME`)."
    )


def test_deleting_the_stack_pinned_by_the_repository_is_refused() -> None:
    register_archive_stack()
    initialize_repository(Path.cwd())
    ok("stack", "set", "archival")
    message = fails("stack", "delete", "archival", "-y")
    assert "it is the active stack (pinned by " in message
    assert ".zen/config.yaml" in message


def test_delete_unknown_stack() -> None:
    assert "No stack named 'nope' in profile 'default'" in fails("stack", "delete", "nope", "-y")


# --- export / import ----------------------------------------------------------------------------


def test_export_then_import_into_another_profile(tmp_path: Path) -> None:
    ok("artifact-store", "register", "archive", "-f", "local", "--path=archive")
    ok("metadata-store", "register", "meta", "-f", "sqlite", "--uri=meta.db")
    ok("stack", "register", "archival", "-o", "default", "-m", "meta", "-a", "archive")
    target = tmp_path / "archival.yaml"
    assert "Exported stack 'archival'" in ok("stack", "export", "archival", str(target))
    exported = yaml.safe_load(target.read_text())
    assert exported["name"] == "archival"
    assert exported["components"]["artifact_store"] == {
        "name": "archive",
        "flavor": "local",
        "config": {"path": str(Path.cwd() / "archive")},
    }
    ok("profile", "create", "other")
    ok("profile", "set", "other")
    out = ok("stack", "import", str(target))
    assert "Imported stack 'archival'" in out
    assert "registered artifact store 'archive'" in out
    assert "registered metadata store 'meta'" in out
    # the other profile's own `default` local orchestrator has the same (empty) config: shared
    assert "reused orchestrator 'default' (identical)" in out
    described = ok_json("stack", "describe", "archival")
    assert described["profile"] == "other"
    assert described["components"]["metadata_store"]["config"]["uri"] == str(Path.cwd() / "meta.db")


def test_import_of_a_stack_using_default_stores_clashes_in_another_profile(
    tmp_path: Path,
) -> None:
    target = tmp_path / "default.yaml"
    ok("stack", "export", "default", str(target))
    ok("profile", "create", "other")
    ok("profile", "set", "other")
    # each profile's `default` metadata store is its own sqlite file: same names, other configs
    for extra in ([], ["--name", "from-default"]):
        message = fails("stack", "import", str(target), *extra)
        assert message.startswith(
            "A metadata store named 'default' already exists in profile 'other' with a "
            "different configuration"
        )
        assert "zenml-airflow metadata-store update default" in message


def test_import_of_an_identical_stack_changes_nothing(tmp_path: Path) -> None:
    register_archive_stack()
    target = tmp_path / "s.yaml"
    ok("stack", "export", "archival", str(target))
    assert "already registered identically; nothing changed" in ok("stack", "import", str(target))


def test_import_refuses_clashes_and_offers_name(tmp_path: Path) -> None:
    register_archive_stack()
    target = tmp_path / "s.yaml"
    ok("stack", "export", "archival", str(target))
    data = yaml.safe_load(target.read_text())
    data["components"]["orchestrator"] = {"name": "default", "flavor": "local", "config": {}}
    data["components"]["metadata_store"]["name"] = "meta-b"
    target.write_text(yaml.safe_dump(data))
    message = fails("stack", "import", str(target))
    assert "A stack named 'archival' already exists" in message
    assert "Import it under another name with --name." in message
    out = ok("stack", "import", str(target), "--name", "archival-b", "--set")
    assert "Imported stack 'archival-b'" in out
    assert "registered metadata store 'meta-b'" in out
    assert "reused artifact store 'archive' (identical)" in out
    assert ok_json("stack", "get")["stack"] == "archival-b"
    # a component of the same name but another config is a clash too
    data["components"]["artifact_store"]["config"]["path"] = "/elsewhere"
    target.write_text(yaml.safe_dump(data))
    message = fails("stack", "import", str(target), "--name", "archival-c")
    assert (
        "An artifact store named 'archive' already exists in profile 'default' with a "
        "different configuration" in message
    )


def test_import_of_a_broken_file_names_it(tmp_path: Path) -> None:
    target = tmp_path / "bad.yaml"
    target.write_text("name: x\ncomponents: [\n")
    assert fails("stack", "import", str(target)).startswith(
        f"{target} is not a stack export: it is not valid YAML"
    )
    target.write_text("name: x\ncomponents:\n  orchestrator: {name: o, flavor: local}\n")
    message = fails("stack", "import", str(target))
    assert message == (
        "Stack 'x' has no metadata store, artifact store; a stack needs an orchestrator, a "
        "metadata store and an artifact store."
    )
    target.write_text("nme: x\n")
    message = fails("stack", "import", str(target))
    assert message.startswith(f"{target} is not a stack export:")
    assert "nme: Extra inputs are not permitted" in message


def test_export_warns_about_secret_values(tmp_path: Path, airflow_available: None) -> None:
    ok("orchestrator", "register", "af", "-f", "airflow", "--password=hunter2")
    ok("stack", "register", "s", "-o", "af", "-m", "default", "-a", "default")
    result = invoke("stack", "export", "s", str(tmp_path / "s.yaml"))
    assert result.exit_code == 0
    assert "contains secret values (password of orchestrator 'af')" in result.stderr


# --- error boundary ------------------------------------------------------------------------------


def test_corrupt_profile_file_is_one_clean_line(isolated_config: Path) -> None:
    ok("stack", "list")
    path = isolated_config / "profiles" / "default" / "stacks.yaml"
    path.write_text("stacks: [\n")
    message = fails("stack", "list")
    assert message.startswith(f"Config file {path} is not valid YAML")
    assert message.endswith("Fix the file by hand or delete it to start again from the defaults.")
    for command in (["orchestrator", "list"], ["stack", "describe"], ["pipeline", "list"]):
        assert str(path) in fails(*command)


def test_hand_broken_reference_names_the_file_and_problem(isolated_config: Path) -> None:
    ok("stack", "list")
    path = isolated_config / "profiles" / "default" / "stacks.yaml"
    path.write_text(path.read_text().replace("artifact_store: default", "artifact_store: gone"))
    message = fails("stack", "list")
    assert message == (
        f"Config file {path} is invalid: stack 'default' uses artifact store 'gone', which is "
        "not registered under components.artifact_store. Fix the file by hand."
    )


def test_verbose_shows_the_traceback(isolated_config: Path) -> None:
    ok("stack", "list")
    (isolated_config / "profiles" / "default" / "stacks.yaml").write_text("stacks: [\n")
    result = invoke("--verbose", "stack", "list")
    assert result.exit_code == 1
    from zenml_airflow.exceptions import ConfigError

    assert isinstance(result.exception, ConfigError)
