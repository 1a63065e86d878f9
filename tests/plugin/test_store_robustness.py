"""One unreachable metadata store does not hide the others; stores found in specs connect."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.plugin.conftest import KEY, Seeded, fake_user, viewer_for
from zenml_airflow.metadata.store import SQLMetadataStore
from zenml_airflow.plugin.app import create_app
from zenml_airflow.plugin.stores import Catalog, StaticCatalog, StoreHandle, stores_from_spec


def test_an_unreachable_store_is_reported_and_the_others_still_listed(seeded: Seeded) -> None:
    good = seeded.catalog()
    dead_key = "dead00"
    dead = StoreHandle(
        dead_key,
        "postgresql+psycopg://nobody@127.0.0.1:9/void",
        SQLMetadataStore("postgresql+psycopg://nobody@127.0.0.1:9/void"),
        None,
    )
    catalog = Catalog({**good.stores, dead_key: dead}, good.dags, frozenset())
    app = create_app(StaticCatalog(catalog), user_dependency=fake_user, access=viewer_for)
    client = TestClient(app, headers={"X-Test-User": "admin"}, root_path="/zenml")

    response = client.get("/zenml/api/pipelines")
    assert response.status_code == 200, response.text
    stores = {s["key"]: s for s in response.json()["stores"]}
    assert [p["name"] for p in stores[KEY]["pipelines"]] == ["ui_pipeline"]
    assert stores[dead_key]["pipelines"] == []
    assert "MetadataStoreError" in stores[dead_key]["error"]
    assert client.get("/zenml/").status_code == 200


def test_a_plain_server_password_in_a_spec_is_used_to_connect() -> None:
    spec = {
        "stack": {
            "components": {
                "metadata_store": {
                    "name": "pg",
                    "flavor": "postgresql",
                    "config": {
                        "host": "db",
                        "port": 5432,
                        "database": "z",
                        "username": "u",
                        "password": "s3cret",
                    },
                },
                "artifact_store": {"name": "a", "flavor": "local", "config": {"path": "/tmp/a"}},
            }
        }
    }
    url, root = stores_from_spec(spec)
    assert url == "postgresql+psycopg://u:s3cret@db:5432/z"
    assert root == "/tmp/a"
