"""Every route of the /zenml app: auth, DAG-level access, 404s, path validation, content."""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.plugin.conftest import DAG_A, DAG_B, KEY, RUN_ID, Seeded, ids

Client = Callable[..., TestClient]
Q_RUN = urllib.parse.quote(RUN_ID, safe="")  # as Airflow's UI fills {RUN_ID} (encodeURIComponent)


def routes(seeded: Seeded) -> list[str]:
    i = ids(seeded)
    art = i[(DAG_B, "load", "table")]
    return [
        "/", "/api/pipelines",
        f"/pipelines/{KEY}/ui_pipeline", f"/api/pipelines/{KEY}/ui_pipeline",
        f"/runs/{KEY}/{i[DAG_B]}", f"/api/runs/{KEY}/{i[DAG_B]}",
        f"/steps/{KEY}/{i[(DAG_B, 'load')]}", f"/api/steps/{KEY}/{i[(DAG_B, 'load')]}",
        f"/artifacts/{KEY}/{art}", f"/api/artifacts/{KEY}/{art}", f"/api/artifacts/{KEY}/{art}/preview",
        f"/artifacts/{KEY}/{art}/files/df.parquet",
        f"/airflow/dag?dag_id={DAG_B}",
        f"/airflow/dag-run?dag_id={DAG_B}&run_id={Q_RUN}",
        f"/airflow/task-instance?dag_id={DAG_B}&run_id={Q_RUN}&task_id=load",
    ]  # fmt: skip


def test_every_route_answers_401_without_login_and_200_or_303_with_it(
    make_client: Client, seeded: Seeded
) -> None:
    anonymous, admin = make_client(None), make_client("admin")
    for route in routes(seeded):
        response = anonymous.get(route)
        assert response.status_code == 401, route
        assert "Log in" in response.text or response.json()["detail"] == "Not authenticated"
        assert admin.get(route).status_code in (200, 303), route


def test_a_user_who_may_read_no_dag_sees_nothing(make_client: Client, seeded: Seeded) -> None:
    bob = make_client("bob")
    assert bob.get("/api/pipelines").json()["stores"] == []
    assert "No zenml-airflow metadata store is known" in bob.get("/").text
    assert "No zenml-airflow metadata store" in bob.get("/").text
    for route in routes(seeded)[2:]:
        assert bob.get(route).status_code == 404, route


def test_dag_level_access_filters_runs_steps_and_artifacts(
    make_client: Client, seeded: Seeded
) -> None:
    alice, i = make_client("alice"), ids(seeded)
    [store] = alice.get("/api/pipelines").json()["stores"]
    [pipeline] = store["pipelines"]
    assert [r["dag_id"] for r in pipeline["last_runs"]] == [DAG_A], "no DAG B run, no local run"
    assert pipeline["dags"] == [DAG_A]
    assert pipeline["run_count"] == 1  # counted in the store, with the same filter
    listing = alice.get(f"/api/pipelines/{KEY}/ui_pipeline").json()
    runs = listing["runs"]
    assert [r["id"] for r in runs] == [i[DAG_A]] and listing["run_count"] == 1
    everything = make_client("admin").get(f"/api/pipelines/{KEY}/ui_pipeline").json()
    assert everything["run_count"] == 3
    assert [r["id"] for r in everything["runs"]] == [i[DAG_B], i[DAG_A], i["local"]]  # newest first
    assert alice.get(f"/api/runs/{KEY}/{i[DAG_A]}").status_code == 200
    for hidden in (f"/api/runs/{KEY}/{i[DAG_B]}", f"/api/runs/{KEY}/{i['local']}",
                   f"/api/steps/{KEY}/{i[(DAG_B, 'train')]}", f"/runs/{KEY}/{i['local']}",
                   f"/api/artifacts/{KEY}/{i[(DAG_B, 'train', 'weights')]}",
                   f"/airflow/dag-run?dag_id={DAG_B}&run_id={Q_RUN}"):  # fmt: skip
        assert alice.get(hidden).status_code == 404, hidden
    # DAG A's cached steps reuse the local run's artifacts: alice sees them, not who made them.
    shared = alice.get(f"/api/artifacts/{KEY}/{i[(DAG_A, 'load', 'table')]}").json()
    assert shared["producer"] is None
    assert [c["run"]["dag_id"] for c in shared["consumers"]] == [DAG_A]
    assert shared["hidden_links"] >= 2  # the local run's producer and consumer
    # The cached step does not link to (nor name the id of) the local run's step it came from.
    cached_step = alice.get(f"/api/steps/{KEY}/{i[(DAG_A, 'train')]}").json()["step"]
    assert cached_step["status"] == "cached" and cached_step["cached_from"] is None
    page = alice.get(f"/steps/{KEY}/{i[(DAG_A, 'train')]}").text
    assert "cached from" not in page and f"/steps/{KEY}/{i[('local', 'train')]}" not in page
    run_page = alice.get(f"/api/runs/{KEY}/{i[DAG_A]}").json()
    assert run_page["run"]["code"] is None  # a dags-folder DAG run names no commit
    assert str(i[("local", "train")]) not in str(
        [s.get("cached_from") for s in run_page.get("steps", [])]
    )
    admin_view = (
        make_client("admin").get(f"/api/artifacts/{KEY}/{i[(DAG_A, 'load', 'table')]}").json()
    )
    assert admin_view["producer"]["run"]["orchestrator"] == "local"
    assert {c["run"]["name"] for c in admin_view["consumers"]} >= {"local-run"}
    assert [r["run"]["dag_id"] for r in admin_view["reused_by"]] == [DAG_A]


def test_unknown_ids_are_404(admin: TestClient) -> None:
    for route in ("/api/pipelines/abc123/nope", "/pipelines/abc123/nope", "/api/runs/abc123/999",
                  "/runs/abc123/999", "/api/steps/abc123/999", "/steps/abc123/999",
                  "/api/artifacts/abc123/" + "0" * 32, "/artifacts/abc123/" + "f" * 32,
                  "/api/artifacts/abc123/not-an-id", "/api/runs/otherstore/1", "/api/runs/BAD!/1",
                  "/airflow/dag?dag_id=unknown", "/airflow/dag?dag_id=../etc",
                  f"/airflow/dag-run?dag_id={DAG_A}&run_id=nope",
                  f"/airflow/task-instance?dag_id={DAG_A}&run_id={Q_RUN}&task_id=nope"):  # fmt: skip
        response = admin.get(route)
        assert response.status_code == 404, route
    assert admin.get("/api/runs/abc123/999").json() == {"detail": "No run 999."}
    assert "404" in admin.get("/runs/abc123/999").text


def test_a_dag_whose_store_is_unknown_says_why(admin: TestClient) -> None:
    response = admin.get("/api/../airflow/dag?dag_id=broken_dag".replace("/api/..", ""))
    assert response.status_code == 503
    assert "no zenml-airflow SPEC" in response.text


@pytest.mark.parametrize(
    "name",
    ["../../../etc/passwd", "..%2F..%2Fmetadata.db", "%2Fetc%2Fpasswd", "a/../../x", "a/./df.parquet",
     "a//b", "%00"],
)  # fmt: skip
def test_file_paths_outside_the_artifact_are_rejected(
    admin: TestClient, seeded: Seeded, name: str
) -> None:
    artifact = ids(seeded)[(DAG_B, "load", "table")]
    response = admin.get(f"/artifacts/{KEY}/{artifact}/files/{name}")
    assert response.status_code in (400, 404), name
    assert b"root:" not in response.content and b"SQLite" not in response.content


def test_symlinks_out_of_the_artifact_are_not_followed(admin: TestClient, seeded: Seeded) -> None:
    i = ids(seeded)
    record = seeded.store.get_artifact(i[(DAG_B, "load", "blob")])
    link = f"{record.uri}/escape"
    os.symlink(seeded.metadata_url.removeprefix("sqlite:///"), link)
    try:
        response = admin.get(f"/artifacts/{KEY}/{record.id}/files/escape")
        assert response.status_code == 400
        assert "outside" in response.text
    finally:
        os.unlink(link)


def test_file_download_is_an_attachment_never_rendered(admin: TestClient, seeded: Seeded) -> None:
    artifact = ids(seeded)[(DAG_B, "train", "report")]
    response = admin.get(f"/artifacts/{KEY}/{artifact}/files/data.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == 'attachment; filename="data.json"'
    assert response.json()["note"] == "<b>not html</b>"
    assert admin.get(f"/artifacts/{KEY}/{artifact}/files/missing.json").status_code == 404


def test_airflow_ids_redirect_to_our_pages(admin: TestClient, seeded: Seeded) -> None:
    i = ids(seeded)
    run = admin.get(f"/airflow/dag-run?dag_id={DAG_B}&run_id={Q_RUN}")
    assert run.status_code == 303 and run.headers["location"] == f"/zenml/runs/{KEY}/{i[DAG_B]}"
    task = admin.get(f"/airflow/task-instance?dag_id={DAG_B}&run_id={Q_RUN}&task_id=train")
    assert task.headers["location"] == f"/zenml/steps/{KEY}/{i[(DAG_B, 'train')]}"
    dag = admin.get(f"/airflow/dag?dag_id={DAG_A}")
    assert dag.headers["location"] == f"/zenml/pipelines/{KEY}/ui_pipeline"


def test_run_page_shows_steps_statuses_parameters_lineage_and_links(
    admin: TestClient, seeded: Seeded
) -> None:
    i = ids(seeded)
    api = admin.get(f"/api/runs/{KEY}/{i[DAG_A]}").json()
    assert [(s["name"], s["status"]) for s in api["steps"]] == [
        ("load", "cached"),
        ("train", "cached"),
        ("evaluate", "cached"),
    ]
    assert api["steps"][0]["parameters"] == {"rows": 30}
    assert [o["name"] for o in api["steps"][0]["outputs"]] == ["table", "images", "blob"] or sorted(
        o["name"] for o in api["steps"][0]["outputs"]
    ) == ["blob", "images", "table"]
    assert (
        api["run"]["airflow_href"]
        == "/dags/ui_dag_a/runs/manual__2026-01-01T00%3A00%3A00%2B00%3A00"
    )
    html = admin.get(f"/runs/{KEY}/{i[DAG_B]}").text
    assert '<svg class="zen-lineage"' in html
    assert f'href="/zenml/steps/{KEY}/{i[(DAG_B, "train")]}"' in html
    assert 'target="_top" href="/dags/ui_dag_b/runs/' in html
    assert "completed" in html and '{"rows": 40}' in html
    assert (
        "default-src 'none'"
        in admin.get(f"/runs/{KEY}/{i[DAG_B]}").headers["content-security-policy"]
    )


def test_step_page_shows_io_parents_airflow_link_and_previews(
    admin: TestClient, seeded: Seeded
) -> None:
    i = ids(seeded)
    api = admin.get(f"/api/steps/{KEY}/{i[(DAG_B, 'train')]}").json()["step"]
    assert sorted(a["name"] for a in api["inputs"]) == ["images", "table"]
    assert [p["name"] for p in api["parents"]] == ["load"]
    assert api["airflow_href"].endswith("/tasks/train")
    html = admin.get(f"/steps/{KEY}/{i[(DAG_B, 'train')]}").text
    assert "Output weights" in html and "zen-chart" in html  # histogram of the weights
    assert "&lt;b&gt;not html&lt;/b&gt;" in html  # JSON preview is escaped
    cached = admin.get(f"/api/steps/{KEY}/{i[(DAG_A, 'train')]}").json()["step"]
    assert cached["cached_from"] == f"/zenml/steps/{KEY}/{i[('local', 'train')]}"


def test_pipeline_page_shows_runs_over_time(admin: TestClient) -> None:
    html = admin.get(f"/pipelines/{KEY}/ui_pipeline").text
    assert 'aria-label="runs over time"' in html
    assert html.count("<rect") == 3 and "local-run" in html
    # Values across runs (issue 16): the table's recorded row count over the three runs.
    assert "<h2>Values across runs</h2>" in html
    assert 'aria-label="load.table: rows across runs"' in html
    api = admin.get(f"/api/pipelines/{KEY}/ui_pipeline").json()
    rows = next(t for t in api["trends"] if t["label"] == "load.table: rows")
    assert sorted(p["value"] for p in rows["points"]) == [30, 30, 40]


def test_artifact_pages_preview_each_kind(admin: TestClient, seeded: Seeded) -> None:
    i = ids(seeded)

    def preview(step: str, output: str) -> dict:
        return admin.get(f"/api/artifacts/{KEY}/{i[(DAG_B, step, output)]}/preview").json()

    table = preview("load", "table")
    assert table["kind"] == "table" and table["summary"]["rows"] == 40
    assert {c["name"] for c in table["summary"]["column_stats"]} == {"x", "label"}
    images = preview("load", "images")
    assert images["kind"] == "image" and images["summary"]["shape"] == [10, 28, 28]
    assert images["html"].count("data:image/png;base64,") == 8
    weights = preview("train", "weights")
    assert weights["kind"] == "array" and weights["summary"]["stats"]["min"] == -1.0
    assert preview("train", "report")["kind"] == "json"
    assert preview("evaluate", "output")["summary"]["json_type"] == "dict"
    assert preview("load", "blob")["kind"] == "bytes"
    page = admin.get(f"/artifacts/{KEY}/{i[(DAG_B, 'load', 'table')]}").text
    assert "Produced by" in page and "Consumed by" in page and "df.parquet" in page
    assert "Column statistics" in page
    # The facts the materializer recorded (issue 16): in the page and in the JSON API.
    assert "<h2>Metadata</h2>" in page and "<dt>rows</dt><dd><code>40</code></dd>" in page
    api = admin.get(f"/api/artifacts/{KEY}/{i[(DAG_B, 'load', 'table')]}").json()
    assert api["metadata"]["rows"] == 40 and set(api["metadata"]["schema"]) == {"x", "label"}


def test_the_real_get_user_answers_401_without_a_token_and_403_for_a_bad_one(
    seeded: Seeded,
) -> None:
    """Airflow's own get_user guards the app (a valid login is covered by the browser test)."""
    from airflow.api_fastapi.app import create_auth_manager

    from zenml_airflow.plugin.app import create_app
    from zenml_airflow.plugin.stores import StaticCatalog

    client = TestClient(create_app(StaticCatalog(seeded.catalog())), root_path="/zenml")
    assert client.get("/api/pipelines").status_code == 401
    assert client.get("/").status_code == 401
    create_auth_manager()  # the api-server's; validates the token before any database access
    client.cookies.set("_token", "not-a-jwt")
    assert client.get("/api/pipelines").status_code == 403
    assert client.get("/", headers={"Authorization": "Bearer not-a-jwt"}).status_code == 403


@pytest.mark.parametrize(
    ("name", "header"),
    [("données ✓.csv", "attachment; filename=\"donn_es _.csv\"; filename*=UTF-8''donn%C3%A9es%20%E2%9C%93.csv"),
     ("日本.txt", "attachment; filename=\"__.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt"),
     ('q"uote%.txt', "attachment; filename=\"q_uote_.txt\"; filename*=UTF-8''q%22uote%25.txt")],
)  # fmt: skip
def test_a_file_name_that_is_not_latin_1_downloads_with_an_rfc_5987_name(
    admin: TestClient, seeded: Seeded, name: str, header: str
) -> None:
    record = seeded.store.get_artifact(ids(seeded)[(DAG_B, "load", "blob")])
    path = os.path.join(record.uri, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("ünïcode content")
    try:
        response = admin.get(f"/artifacts/{KEY}/{record.id}/files/{urllib.parse.quote(name)}")
        assert response.status_code == 200, response.text
        assert response.headers["content-disposition"] == header
        assert response.content.decode() == "ünïcode content"
    finally:
        os.unlink(path)


def test_the_code_of_a_run_names_its_bundle_and_commit() -> None:
    from types import SimpleNamespace

    from zenml_airflow.plugin.data import run_code

    sha = "0123456789abcdef0123456789abcdef01234567"
    bundled = {"dag_id": "d", "dag_bundle": {"name": "zenml-af", "version": sha}}
    assert run_code(SimpleNamespace(git_sha=sha, runtime_configuration=bundled)) == (  # type: ignore[arg-type]
        "zenml-af@0123456789ab"
    )
    assert run_code(SimpleNamespace(git_sha=sha, runtime_configuration={})) == "0123456789ab"  # type: ignore[arg-type]
    assert run_code(SimpleNamespace(git_sha=None, runtime_configuration=bundled)) is None  # type: ignore[arg-type]
