"""The artifact page of the UI plugin shows the integrations' previews (issue 16): a PIL image as
its PNG, a model as its summary card, a polars table with column statistics."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest
from fastapi.testclient import TestClient

from tests.integrations import media_steps, sklearn_steps
from tests.plugin.conftest import KEY, fake_user, viewer_for
from zenml_airflow.metadata.store import SQLMetadataStore
from zenml_airflow.pipelines import pipeline
from zenml_airflow.plugin.app import create_app
from zenml_airflow.plugin.stores import Catalog, StaticCatalog, StoreHandle
from zenml_airflow.repository import Repository
from zenml_airflow.steps import step


@step
def make_frame() -> pl.DataFrame:
    return pl.DataFrame({"score": [0.5, 0.25, 1.0], "name": ["a", "b", "c"]})


@pipeline
def frame_pipeline(make_frame):
    make_frame()


@pytest.fixture
def client() -> Iterator[tuple[TestClient, dict[str, str]]]:
    media_steps.build().run(run_name="media")
    sklearn_steps.build().run(run_name="digits")
    frame_pipeline(make_frame=make_frame()).run(run_name="frame")
    repository = Repository()

    def output_id(pipeline_name: str, run: str, step_name: str) -> str:
        view = repository.get_pipeline(pipeline_name)
        assert view is not None
        return view.get_run(run).get_step(step_name).output.id

    ids = {
        "image": output_id("media_pipeline", "media", "make_image"),
        "model": output_id("digits_pipeline", "digits", "trainer"),
        "frame": output_id("frame_pipeline", "frame", "make_frame"),
    }
    stack = repository.active_stack
    store = SQLMetadataStore(stack.metadata_store.url)
    handle = StoreHandle(KEY, "local", store, stack.artifact_store.open_store())
    app = create_app(
        StaticCatalog(Catalog({KEY: handle}, {}, frozenset())),
        user_dependency=fake_user,
        access=viewer_for,
    )
    with TestClient(app, headers={"X-Test-User": "admin"}, root_path="/zenml") as test_client:
        yield test_client, ids
    store.close()


def test_artifact_pages_show_image_model_and_table_previews(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    http, ids = client
    image = http.get(f"/artifacts/{KEY}/{ids['image']}").text
    assert '<img class="zen-picture"' in image and "data:image/png;base64," in image
    assert "64 × 48 pixels" in image
    model = http.get(f"/artifacts/{KEY}/{ids['model']}").text
    assert "Model: <code>sklearn.linear_model._logistic.LogisticRegression</code>" in model
    assert "<h4>Hyperparameters</h4>" in model and "The model is not loaded" in model
    card = http.get(f"/api/artifacts/{KEY}/{ids['model']}/preview").json()
    assert card["kind"] == "model"
    assert card["summary"]["facts"] == {"fitted": "yes", "features": "64", "classes": "10"}
    frame = http.get(f"/api/artifacts/{KEY}/{ids['frame']}/preview").json()
    assert frame["kind"] == "table" and frame["summary"]["rows"] == 3
    assert [c["name"] for c in frame["summary"]["column_stats"]] == ["score", "name"]
