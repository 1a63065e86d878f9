from __future__ import annotations

from pathlib import Path

import pytest

from zenml_airflow.config import ProfileManager, ProfileStore, resolve_active
from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import ConfigError, DoesNotExistError, StackError

ORCH = StackComponentType.ORCHESTRATOR
META = StackComponentType.METADATA_STORE
ART = StackComponentType.ARTIFACT_STORE


@pytest.fixture
def manager(isolated_config: Path) -> ProfileManager:
    return ProfileManager(isolated_config)


@pytest.fixture
def default(manager: ProfileManager) -> ProfileStore:
    return manager.ensure_default()


def test_nothing_exists_until_first_use(isolated_config: Path, manager: ProfileManager) -> None:
    assert manager.list_profiles() == []
    assert not isolated_config.exists()


def test_default_profile_created_lazily_on_first_resolution(isolated_config: Path) -> None:
    context = resolve_active(None)
    assert (context.profile_name, context.stack_name) == ("default", "default")
    profile = ProfileStore(isolated_config, "default")
    assert profile.exists()
    assert (isolated_config / "config.yaml").is_file()
    assert profile.get_stack("default") == {ORCH: "default", META: "default", ART: "default"}


def test_default_components_live_inside_the_profile(default: ProfileStore) -> None:
    orchestrator = default.get_component(ORCH, "default")
    metadata = default.get_component(META, "default")
    artifacts = default.get_component(ART, "default")
    assert (orchestrator.flavor, orchestrator.config) == ("local", {})
    assert metadata.flavor == "sqlite"
    assert metadata.config == {"uri": str(default.path / "stores" / "metadata.db")}
    assert artifacts.flavor == "local"
    assert artifacts.config == {"path": str(default.path / "stores" / "artifacts")}
    assert default.active_stack_name == "default"
    assert default.path.is_relative_to(default.config_dir)


def test_ensure_default_is_idempotent(manager: ProfileManager, default: ProfileStore) -> None:
    default.register_component(ART, "extra", "local", {"path": "/tmp/x"})
    manager.ensure_default()
    assert "extra" in default.list_components(ART)


def test_new_profile_has_its_own_default_stack(manager: ProfileManager) -> None:
    staging = manager.create("staging")
    assert staging.list_stacks() == {"default": {ORCH: "default", META: "default", ART: "default"}}
    assert staging.get_component(META, "default").config["uri"].startswith(str(staging.path))
    assert manager.list_profiles() == ["staging"]


def test_profiles_are_isolated(manager: ProfileManager, default: ProfileStore) -> None:
    other = manager.create("other")
    default.register_component(ART, "shared", "local", {"path": "/data"})
    default.register_stack("big", {ORCH: "default", META: "default", ART: "shared"})
    assert "shared" in default.list_components(ART)
    assert "shared" not in other.list_components(ART)
    assert "big" not in other.list_stacks()
    with pytest.raises(DoesNotExistError, match="No artifact store named 'shared' in profile"):
        other.get_component(ART, "shared")


def test_duplicate_profile_and_invalid_name(manager: ProfileManager) -> None:
    manager.create("a")
    with pytest.raises(StackError, match="Profile 'a' already exists"):
        manager.create("a")
    with pytest.raises(ConfigError, match="Invalid profile name '../evil'"):
        manager.create("../evil")


def test_unknown_profile_suggests_close_name(manager: ProfileManager) -> None:
    manager.create("production")
    with pytest.raises(DoesNotExistError, match="Did you mean 'production'"):
        manager.get("prodution")


def test_delete_refuses_active_profile(manager: ProfileManager, default: ProfileStore) -> None:
    manager.create("scratch")
    with pytest.raises(StackError, match="Cannot delete profile 'default': it is the active"):
        manager.delete("default")
    manager.delete("scratch")
    assert manager.list_profiles() == ["default"]


def test_set_active_profile(manager: ProfileManager, default: ProfileStore) -> None:
    manager.create("b")
    manager.set_active_profile("b")
    assert manager.active_profile_name == "b"
    assert resolve_active(None).profile_name == "b"
    with pytest.raises(DoesNotExistError, match="Did you mean 'b'"):
        manager.set_active_profile("bb")


def test_component_registration_errors(default: ProfileStore) -> None:
    with pytest.raises(StackError, match="artifact store named 'default' already exists"):
        default.register_component(ART, "default", "local", {"path": "/x"})
    with pytest.raises(DoesNotExistError, match="Did you mean 'default'"):
        default.get_component(ART, "defualt")


def test_stack_registration_and_activation(default: ProfileStore) -> None:
    default.register_component(ART, "archive", "local", {"path": "/archive"})
    default.register_stack(
        "archival", {ORCH: "default", META: "default", ART: "archive"}, activate=True
    )
    assert default.active_stack_name == "archival"
    assert sorted(default.list_stacks()) == ["archival", "default"]
    with pytest.raises(StackError, match="stack named 'archival' already exists"):
        default.register_stack("archival", {ORCH: "default", META: "default", ART: "default"})
    with pytest.raises(DoesNotExistError, match="No orchestrator named 'airflow'"):
        default.register_stack("x", {ORCH: "airflow", META: "default", ART: "default"})
    with pytest.raises(DoesNotExistError, match="Did you mean 'archival'"):
        default.set_active_stack("archivl")


def test_delete_component_in_use_names_the_stack(default: ProfileStore) -> None:
    with pytest.raises(StackError, match="used by stack\\(s\\) 'default'"):
        default.delete_component(ART, "default")
    default.register_component(ART, "spare", "local", {"path": "/spare"})
    default.delete_component(ART, "spare")
    assert list(default.list_components(ART)) == ["default"]


def test_delete_active_stack_refused(default: ProfileStore) -> None:
    with pytest.raises(StackError, match="Cannot delete stack 'default': it is the active stack"):
        default.delete_stack("default")


def test_hand_broken_stack_reference_is_a_config_error(default: ProfileStore) -> None:
    text = default.stacks_file.read_text().replace(
        "artifact_store: default", "artifact_store: gone"
    )
    default.stacks_file.write_text(text)
    with pytest.raises(
        ConfigError,
        match=r"stacks\.yaml is invalid: stack 'default' uses "
        r"artifact store 'gone'",
    ):
        default.list_stacks()


def test_corrupt_profile_file(default: ProfileStore) -> None:
    default.stacks_file.write_text("components: [\n")
    with pytest.raises(ConfigError, match=r"profiles/default/stacks\.yaml is not valid YAML"):
        resolve_active(None)


def test_unknown_component_type_in_file(default: ProfileStore) -> None:
    default.stacks_file.write_text("components:\n  feature_store: {}\n")
    with pytest.raises(ConfigError, match=r"stacks\.yaml is invalid: components\.feature_store"):
        default.load()


def test_no_leftover_temp_files(default: ProfileStore) -> None:
    default.register_component(ART, "a", "local", {"path": "/a"})
    assert [p.name for p in default.path.iterdir() if p.suffix == ".tmp"] == []


def _first_use(config_dir: str) -> str:
    import os

    os.environ["ZENML_AIRFLOW_CONFIG_DIR"] = config_dir
    from zenml_airflow.config import GlobalConfig

    context = resolve_active(None)
    return f"{context.profile_name}/{context.stack_name}/{GlobalConfig.load().user_id}"


def test_concurrent_first_use_creates_one_default(isolated_config: Path) -> None:
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(4) as pool:
        results = pool.map(_first_use, [str(isolated_config)] * 8)
    assert len(set(results)) == 1
    assert results[0].startswith("default/default/")
    assert ProfileManager(isolated_config).list_profiles() == ["default"]
