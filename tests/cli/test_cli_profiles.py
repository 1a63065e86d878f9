"""``zenml-airflow profile ...`` and profile isolation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cli_helpers import fails, invoke, ok, ok_json

from zenml_airflow.config import RepositoryConfig, initialize_repository


def global_config(config_dir: Path) -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load((config_dir / "config.yaml").read_text())
    return data


def test_create_gives_the_profile_its_own_default_stack(isolated_config: Path) -> None:
    out = ok("profile", "create", "staging")
    assert "Created profile 'staging'" in out
    profile_dir = isolated_config.resolve() / "profiles" / "staging"
    data = yaml.safe_load((profile_dir / "stacks.yaml").read_text())
    assert data["active_stack"] == "default"
    assert data["components"]["artifact_store"]["default"]["config"]["path"] == str(
        profile_dir / "stores" / "artifacts"
    )
    assert global_config(isolated_config)["active_profile"] == "default"  # not activated


def test_list_marks_the_active_profile() -> None:
    ok("profile", "create", "staging")
    rows = ok_json("profile", "list")
    assert [(r["name"], r["active"], r["active_stack"], r["stacks"]) for r in rows] == [
        ("default", True, "default", ["default"]),
        ("staging", False, "default", ["default"]),
    ]
    assert "staging" in ok("profile", "list")


def test_describe_defaults_to_the_active_profile(isolated_config: Path) -> None:
    ok("profile", "create", "staging")
    ok("artifact-store", "register", "archive", "-f", "local", "--path=a")
    data = ok_json("profile", "describe")
    assert data["name"] == "default" and data["active"] is True
    assert data["active_source"] == "global"
    assert data["components"]["artifact_store"] == ["archive", "default"]
    assert data["stacks"] == {
        "default": {
            "orchestrator": "default",
            "metadata_store": "default",
            "artifact_store": "default",
        }
    }
    other = ok_json("profile", "describe", "staging")
    assert other["active"] is False
    assert other["path"] == str(isolated_config.resolve() / "profiles" / "staging")
    assert "Profile 'staging'" in ok("profile", "describe", "staging")


def test_set_and_get_outside_a_repository(isolated_config: Path) -> None:
    ok("profile", "create", "staging")
    assert "Active profile: 'staging' (globally)" in ok("profile", "set", "staging")
    assert global_config(isolated_config)["active_profile"] == "staging"
    assert ok_json("profile", "get") == {"profile": "staging", "source": "global"}
    assert ok("profile", "get").strip() == "Active profile: 'staging' (from global)"


def test_set_inside_a_repository_pins_profile_and_its_stack(isolated_config: Path) -> None:
    ok("profile", "create", "staging")
    initialize_repository(Path.cwd())
    assert "pinned in" in ok("profile", "set", "staging")
    pins = RepositoryConfig.load(Path.cwd())
    assert (pins.active_profile_name, pins.active_stack_name) == ("staging", "default")
    assert global_config(isolated_config)["active_profile"] == "default"
    assert ok_json("profile", "get") == {"profile": "staging", "source": "repository"}
    ok("profile", "set", "default", "--global")
    assert RepositoryConfig.load(Path.cwd()).active_profile_name == "staging"


def test_set_unknown_profile_suggests() -> None:
    ok("profile", "create", "staging")
    message = fails("profile", "set", "stagng")
    assert message == (
        "Profile 'stagng' does not exist. Did you mean 'staging'? Profiles: default, staging. "
        "Create it with `zenml-airflow profile create stagng`."
    )


def test_duplicate_profile_is_refused(isolated_config: Path) -> None:
    ok("profile", "create", "staging")
    assert fails("profile", "create", "staging") == (
        f"Profile 'staging' already exists in {isolated_config}."
    )
    assert "Invalid profile name '../x'" in fails("profile", "create", "../x")


def test_delete_profile(isolated_config: Path) -> None:
    ok("profile", "create", "staging")
    assert "Deleted profile 'staging'" in ok("profile", "delete", "staging", "-y")
    assert not (isolated_config / "profiles" / "staging").exists()
    assert "Profile 'staging' does not exist" in fails("profile", "delete", "staging", "-y")


def test_deleting_the_active_profile_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "it is the active profile" in fails("profile", "delete", "default", "-y")
    ok("profile", "create", "staging")
    monkeypatch.setenv("ZENML_AIRFLOW_PROFILE", "staging")
    message = fails("profile", "delete", "staging", "-y")
    assert message == (
        "Cannot delete profile 'staging': it is the active profile (set by "
        "$ZENML_AIRFLOW_PROFILE). Activate another profile first (`zenml-airflow profile set "
        "NAME`)."
    )


def test_delete_asks_for_confirmation() -> None:
    ok("profile", "create", "staging")
    result = invoke("profile", "delete", "staging", input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert "staging" in [r["name"] for r in ok_json("profile", "list")]


def test_stacks_and_components_are_isolated_per_profile() -> None:
    ok("artifact-store", "register", "archive", "-f", "local", "--path=archive")
    ok("stack", "register", "archival", "-o", "default", "-m", "default", "-a", "archive")
    ok("profile", "create", "staging")
    ok("profile", "set", "staging")
    assert [s["name"] for s in ok_json("stack", "list")] == ["default"]
    assert [c["name"] for c in ok_json("artifact-store", "list")] == ["default"]
    assert "No stack named 'archival' in profile 'staging'" in fails(
        "stack", "describe", "archival"
    )
    assert "No stack named 'archival' in profile 'staging'" in fails("stack", "set", "archival")
    # the same names mean different things in each profile
    default_path = ok_json("artifact-store", "describe", "default")["config"]["path"]
    assert "/profiles/staging/" in default_path
    ok("profile", "set", "default")
    assert [s["name"] for s in ok_json("stack", "list")] == ["archival", "default"]


def test_profile_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    ok("profile", "create", "staging")
    ok("profile", "set", "staging")  # globally staging...
    monkeypatch.setenv("ZENML_AIRFLOW_PROFILE", "default")  # ...but default here
    assert ok_json("profile", "get") == {"profile": "default", "source": "environment"}
    result = invoke("profile", "set", "staging")
    assert "$ZENML_AIRFLOW_PROFILE=default overrides this" in result.stderr
    monkeypatch.setenv("ZENML_AIRFLOW_PROFILE", "nope")
    message = fails("stack", "list")
    assert message.startswith(
        "Active profile 'nope' (ZENML_AIRFLOW_PROFILE), set by environment variable, does not exist."
    )


def test_profile_create_takes_the_seeds_store_options_and_refuses_stores_it_lacks() -> None:
    from tests.cli.cli_helpers import invoke

    created = invoke("profile", "create", "zenml", "--store-type", "local")
    assert created.exit_code == 0, created.output
    refused = invoke(
        "profile",
        "create",
        "--store-type",
        "sql",
        "--url",
        "sqlite:////tmp/zenml.db",
        "sql_profile",
    )
    assert refused.exit_code == 1
    assert "Profile 'sql_profile' not created" in refused.output
    assert "'sql' stores and --url are not supported" in refused.output
    assert "stack export" in refused.output
    listed = invoke("profile", "list", "--json")
    assert "sql_profile" not in listed.output and "zenml" in listed.output
