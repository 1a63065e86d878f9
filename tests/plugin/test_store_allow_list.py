"""A DAG file does not choose what the api-server reads (issue 14, security 1).

A hand-written DAG tagged ``zenml-airflow`` can name any sqlite file and any artifact root in its
``SPEC``. The plugin opens a discovered store only when the deployment allows it: listed in
``[zenml_airflow] allowed_metadata_stores`` / ``allowed_artifact_stores``, or registered in a stack
of the api-server's own zenml-airflow config. The catalog below is the real
:class:`AirflowCatalog`; only its two reads of Airflow (tags and DAG sources in Airflow's database,
options in Airflow's config) are given as data.
"""

from __future__ import annotations

import pprint
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.plugin.conftest import Seeded, fake_user, viewer_for
from zenml_airflow.plugin.app import create_app
from zenml_airflow.plugin.stores import (
    AirflowCatalog,
    AllowList,
    StaticCatalog,
    registered_stores,
    store_key,
)

SECRET = "[ req ]\nsecret_api_server_setting = do-not-leak\n"


class HostCatalog(AirflowCatalog):
    """The real catalog, with Airflow's tags, DAG sources and ``[zenml_airflow]`` options as data."""

    def __init__(self, sources: dict[str, str], settings: dict[str, str]) -> None:
        super().__init__(refresh_seconds=0)
        self.sources = sources
        self.settings = settings

    def _setting(self, key: str) -> str | None:  # type: ignore[override]
        return self.settings.get(key)

    def _zenml_dags(self) -> dict[str, str | None]:  # type: ignore[override]
        return dict.fromkeys(self.sources)

    def _load_specs(self, tags: dict[str, str | None]) -> None:
        for dag_id in tags:
            self._specs[dag_id] = (
                "digest",
                self._dag_from_source(dag_id, None, self.sources[dag_id]),
            )


def dag_source(metadata_db: str, artifact_root: str) -> str:
    spec = {
        "name": "ui_pipeline",
        "stack": {"components": {
            "metadata_store": {"name": "m", "flavor": "sqlite", "config": {"uri": metadata_db}},
            "artifact_store": {"name": "a", "flavor": "local", "config": {"path": artifact_root}},
        }},
    }  # fmt: skip
    return f"SPEC = {pprint.pformat(spec)}\n"


@pytest.fixture
def attack(seeded: Seeded, tmp_path: Path) -> tuple[str, str, str]:
    """An attacker's own sqlite store whose artifact lies in a stand-in for /etc/ssl."""
    etc = tmp_path / "etc"
    (etc / "ssl").mkdir(parents=True)
    (etc / "ssl" / "openssl.cnf").write_text(SECRET)
    evil_db = tmp_path / "evil.db"
    with (
        sqlite3.connect(seeded.metadata_url.removeprefix("sqlite:///")) as source,
        sqlite3.connect(evil_db) as copy,
    ):
        source.backup(copy)  # a consistent copy, WAL included
    with sqlite3.connect(evil_db) as connection:
        [(artifact_id,)] = connection.execute("SELECT id FROM artifacts LIMIT 1").fetchall()
        connection.execute(
            "UPDATE artifacts SET uri = ? WHERE id = ?", (str(etc / "ssl"), artifact_id)
        )
    return str(evil_db), str(etc), artifact_id


def client_for(catalog: AirflowCatalog) -> TestClient:
    app = create_app(StaticCatalog(catalog.catalog()), user_dependency=fake_user, access=viewer_for)
    return TestClient(
        app, headers={"X-Test-User": "admin"}, root_path="/zenml", follow_redirects=False
    )


def test_a_dag_naming_a_store_not_on_the_allow_list_is_refused_and_nothing_is_read(
    seeded: Seeded, attack: tuple[str, str, str]
) -> None:
    evil_db, etc, artifact_id = attack
    allowed = {"allowed_metadata_stores": seeded.metadata_url, "allowed_artifact_stores": seeded.artifact_root,
               "trust_registered_stacks": "false"}  # fmt: skip
    catalog = HostCatalog({"evil": dag_source(evil_db, etc)}, allowed)
    current = catalog.catalog()
    assert current.stores == {}, "the attacker's store is never opened"
    assert current.dags["evil"].refused and current.dags["evil"].store_key is None
    client = client_for(catalog)

    response = client.get("/zenml/airflow/dag?dag_id=evil")
    assert response.status_code == 403
    assert (
        "not configured for this UI" in response.text and "allowed_metadata_stores" in response.text
    )
    assert "allowed_metadata_stores" in client.get("/zenml/").text  # the index says why
    evil_key = store_key(f"sqlite:///{evil_db}")
    for route in (f"/zenml/artifacts/{evil_key}/{artifact_id}/files/openssl.cnf",
                  f"/zenml/artifacts/{evil_key}/{artifact_id}", f"/zenml/api/artifacts/{evil_key}/{artifact_id}/preview"):  # fmt: skip
        response = client.get(route)
        assert response.status_code == 404, route
        assert b"do-not-leak" not in response.content


def test_an_allowed_metadata_store_with_an_unlisted_artifact_root_is_refused(
    seeded: Seeded, attack: tuple[str, str, str]
) -> None:
    _, etc, _ = attack
    allowed = {"allowed_metadata_stores": seeded.metadata_url, "allowed_artifact_stores": seeded.artifact_root,
               "trust_registered_stacks": "false"}  # fmt: skip
    catalog = HostCatalog(
        {"evil": dag_source(seeded.metadata_url.removeprefix("sqlite:///"), etc)}, allowed
    )
    current = catalog.catalog()
    assert current.stores == {}
    assert "artifact store" in (current.dags["evil"].problem or "")
    assert client_for(catalog).get("/zenml/airflow/dag?dag_id=evil").status_code == 403


def test_nothing_is_allowed_by_default_on_a_host_without_registered_stacks(
    seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZENML_AIRFLOW_CONFIG_DIR", str(tmp_path / "empty-config"))
    source = dag_source(seeded.metadata_url.removeprefix("sqlite:///"), seeded.artifact_root)
    current = HostCatalog({"dag": source}, {}).catalog()
    assert current.stores == {} and current.dags["dag"].refused
    assert not (tmp_path / "empty-config").exists(), "reading the allow-list creates nothing"


def test_an_allowed_store_still_works(seeded: Seeded) -> None:
    allowed = {"allowed_metadata_stores": f"  {seeded.metadata_url}\n", "allowed_artifact_stores": seeded.artifact_root,
               "trust_registered_stacks": "false"}  # fmt: skip
    source = dag_source(seeded.metadata_url.removeprefix("sqlite:///"), seeded.artifact_root)
    catalog = HostCatalog({"good": source}, allowed)
    current = catalog.catalog()
    assert not current.dags["good"].refused and current.dags["good"].store_key in current.stores
    client = client_for(catalog)
    response = client.get("/zenml/airflow/dag?dag_id=good")
    assert response.status_code == 303
    key = current.dags["good"].store_key
    [store] = [s for s in client.get("/zenml/api/pipelines").json()["stores"] if s["key"] == key]
    assert [p["name"] for p in store["pipelines"]] == ["ui_pipeline"]


def test_stacks_registered_in_the_api_servers_config_are_allowed(seeded: Seeded) -> None:
    # The seeded store was made by a real run with the default stack of seeded.root/config.
    allowed = registered_stores(seeded.root / "config")
    assert allowed.refusal(seeded.metadata_url, seeded.artifact_root) is None
    source = dag_source(seeded.metadata_url.removeprefix("sqlite:///"), seeded.artifact_root)

    class Registered(HostCatalog):
        def allow_list(self) -> AllowList:
            return registered_stores(seeded.root / "config")

    current = Registered({"good": source}, {}).catalog()
    assert current.dags["good"].store_key in current.stores


def test_allow_list_matching_normalizes_and_stays_inside_roots(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "store")
    allowed = AllowList.build(
        [f"sqlite:///{tmp_path}/link/../store/m.db", "postgresql://u:pw@DB:5432/z"],
        [str(tmp_path / "link")],
    )
    assert (
        allowed.refusal(f"sqlite:///{tmp_path}/store/m.db", str(tmp_path / "store" / "sub")) is None
    )
    assert (
        allowed.refusal("postgresql+psycopg://u:other@db:5432/z", str(tmp_path / "store")) is None
    )
    assert (
        allowed.refusal("postgresql+psycopg://u@db:5432/other", str(tmp_path / "store")) is not None
    )
    assert (
        allowed.refusal(f"sqlite:///{tmp_path}/store/m.db", str(tmp_path / "store-evil"))
        is not None
    )
    assert allowed.refusal(f"sqlite:///{tmp_path}/store/m.db", "/etc") is not None
    assert allowed.refusal("not a url", str(tmp_path / "store")) is not None
