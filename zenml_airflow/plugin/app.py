"""The FastAPI app Airflow mounts at ``/zenml``: a JSON API and server-rendered pages.

Every route depends on the user dependency (Airflow's ``get_user`` by default: 401 without a
login) and on the :class:`~zenml_airflow.plugin.access.Viewer` built from it, which filters every
record by Airflow's DAG-level access. Unknown ids and things the user may not see get the same 404.

    app = create_app()                                   # inside Airflow
    app = create_app(catalog=StaticCatalog(...),         # tests / embedding elsewhere
                     user_dependency=fake_user, access=lambda user: Viewer(...))
"""

# No `from __future__ import annotations`: FastAPI must see the closures' dependency types.
import json
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException

from zenml_airflow.exceptions import ZenMLAirflowError
from zenml_airflow.plugin import data
from zenml_airflow.plugin.access import AccessPolicy, Viewer, airflow_access
from zenml_airflow.plugin.data import Ctx, NotFound, PathRejected, StoreRefused, StoreUnavailable
from zenml_airflow.plugin.stores import AirflowCatalog, StoreCatalog, visible_store_keys
from zenml_airflow.visualizers.files import TooLargeError
from zenml_airflow.visualizers.html import CSS, format_duration

MOUNT = "/zenml"
MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024
TEMPLATES = Path(__file__).with_name("templates")
# No scripts at all; styles inline; images from us or data: URIs; framed only by Airflow itself.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

RunId = Annotated[int, PathParam(ge=1, le=2**62)]


def content_disposition(filename: str) -> str:
    """An ``attachment`` header for any file name (RFC 6266 / RFC 5987).

    HTTP header values are latin-1, so a name like ``données✓.csv`` goes in ``filename*`` as
    percent-encoded UTF-8, with a plain-ASCII ``filename`` for clients that do not read it.
    """
    fallback = (
        "".join(c if " " <= c <= "~" and c not in '"\\%' else "_" for c in filename) or "download"
    )
    encoded = urllib.parse.quote(filename, safe="")
    if fallback == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def _airflow_user_dependency() -> Callable[..., Any]:
    from airflow.api_fastapi.core_api.security import get_user

    return get_user


def create_app(
    catalog: StoreCatalog | None = None,
    *,
    user_dependency: Callable[..., Any] | None = None,
    access: AccessPolicy | None = None,
) -> FastAPI:
    """Build the app; defaults read Airflow's config, database and auth manager (api-server only)."""
    catalog_source = catalog if catalog is not None else AirflowCatalog()
    get_user = user_dependency if user_dependency is not None else _airflow_user_dependency()
    policy = access if access is not None else airflow_access
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.globals["CSS"] = Markup(CSS)
    env.filters["duration"] = format_duration
    env.filters["tojson_pretty"] = lambda v: json.dumps(v, indent=2, sort_keys=True, default=str)

    app = FastAPI(
        title="zenml-airflow",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(get_user)],
    )

    def viewer(user: Annotated[Any, Depends(get_user)]) -> Viewer:
        return policy(user)

    def context(request: Request, who: Annotated[Viewer, Depends(viewer)]) -> Ctx:
        current = catalog_source.catalog()
        base = request.scope.get("root_path", "").rstrip("/")
        airflow = base[: -len(MOUNT)] if base.endswith(MOUNT) else ""
        visible = visible_store_keys(current, who.readable_dags, who.all_dags)
        return Ctx(who, current, visible, base, airflow)

    CtxDep = Annotated[Ctx, Depends(context)]

    def page(
        request: Request, ctx: Ctx, template: str, status: int = 200, **values: Any
    ) -> HTMLResponse:
        html = env.get_template(template).render(
            request=request,
            base=ctx.base,
            airflow=ctx.airflow,
            viewer=ctx.viewer,
            Markup=Markup,
            **values,
        )
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    def is_api(request: Request) -> bool:
        root = request.scope.get("root_path", "")
        path = request.scope.get("path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        return path.startswith("/api/")

    def error_page(request: Request, status: int, message: str) -> Response:
        if is_api(request):
            return JSONResponse({"detail": message}, status_code=status, headers=SECURITY_HEADERS)
        base = request.scope.get("root_path", "").rstrip("/")
        airflow = base[: -len(MOUNT)] if base.endswith(MOUNT) else ""
        html = env.get_template("error.html").render(
            status=status, message=message, base=base, airflow=airflow
        )
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    @app.exception_handler(NotFound)
    def _not_found(request: Request, error: NotFound) -> Response:
        return error_page(request, 404, str(error))

    @app.exception_handler(PathRejected)
    def _rejected(request: Request, error: PathRejected) -> Response:
        return error_page(request, 400, str(error))

    @app.exception_handler(StoreRefused)
    def _refused(request: Request, error: StoreRefused) -> Response:
        return error_page(request, 403, str(error))

    @app.exception_handler(StoreUnavailable)
    def _unavailable(request: Request, error: StoreUnavailable) -> Response:
        return error_page(request, 503, str(error))

    @app.exception_handler(ZenMLAirflowError)
    def _store_error(request: Request, error: ZenMLAirflowError) -> Response:
        return error_page(request, 503, f"{type(error).__name__}: {error}")

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 401 and not is_api(request):
            return error_page(request, 401, "Log in to Airflow to see zenml-airflow pipelines.")
        return error_page(request, error.status_code, str(error.detail))

    # --- JSON API ------------------------------------------------------------------------------

    @app.get("/api/pipelines")
    def api_pipelines(ctx: CtxDep) -> dict[str, Any]:
        return data.index(ctx)

    @app.get("/api/pipelines/{store}/{name}")
    def api_pipeline(ctx: CtxDep, store: str, name: str) -> dict[str, Any]:
        return data.pipeline(ctx, store, name)

    @app.get("/api/runs/{store}/{run_id}")
    def api_run(ctx: CtxDep, store: str, run_id: RunId) -> dict[str, Any]:
        result = data.run(ctx, store, run_id)
        result.pop("lineage_svg")
        return result

    @app.get("/api/steps/{store}/{step_id}")
    def api_step(ctx: CtxDep, store: str, step_id: RunId) -> dict[str, Any]:
        return data.step(ctx, store, step_id, previews=False)

    @app.get("/api/artifacts/{store}/{artifact_id}")
    def api_artifact(ctx: CtxDep, store: str, artifact_id: str) -> dict[str, Any]:
        return data.artifact(ctx, store, artifact_id)

    @app.get("/api/artifacts/{store}/{artifact_id}/preview")
    def api_preview(ctx: CtxDep, store: str, artifact_id: str) -> dict[str, Any]:
        summary, html = data.artifact_preview(ctx, store, artifact_id)
        return {**summary, "html": html}

    # --- pages ---------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def index_page(request: Request, ctx: CtxDep) -> HTMLResponse:
        return page(request, ctx, "index.html", **data.index(ctx))

    @app.get("/pipelines/{store}/{name}", response_class=HTMLResponse)
    def pipeline_page(request: Request, ctx: CtxDep, store: str, name: str) -> HTMLResponse:
        from zenml_airflow.visualizers.svg import runs_chart_svg, trend_chart_svg

        result = data.pipeline(ctx, store, name)
        points = [
            (r["name"], r["duration"], r["status"], r["href"])
            for r in reversed(result["runs"][: data.MAX_RUNS_CHARTED])
        ]
        trends = [
            Markup(
                trend_chart_svg(
                    t["label"], [(p["run"], p["value"], p["href"]) for p in t["points"]]
                )
            )
            for t in result["trends"]
        ]
        return page(
            request,
            ctx,
            "pipeline.html",
            chart=Markup(runs_chart_svg(points)),
            trend_charts=trends,
            **result,
        )

    @app.get("/runs/{store}/{run_id}", response_class=HTMLResponse)
    def run_page(request: Request, ctx: CtxDep, store: str, run_id: RunId) -> HTMLResponse:
        result = data.run(ctx, store, run_id)
        result["lineage_svg"] = Markup(result["lineage_svg"])
        return page(request, ctx, "run.html", **result)

    @app.get("/steps/{store}/{step_id}", response_class=HTMLResponse)
    def step_page(request: Request, ctx: CtxDep, store: str, step_id: RunId) -> HTMLResponse:
        result = data.step(ctx, store, step_id)
        for output in result["step"]["outputs"]:
            output["preview_html"] = Markup(output["preview_html"])
        return page(request, ctx, "step.html", **result)

    @app.get("/artifacts/{store}/{artifact_id}", response_class=HTMLResponse)
    def artifact_page(request: Request, ctx: CtxDep, store: str, artifact_id: str) -> HTMLResponse:
        result = data.artifact(ctx, store, artifact_id)
        _, html = data.artifact_preview(ctx, store, artifact_id)
        return page(request, ctx, "artifact.html", preview_html=Markup(html), **result)

    @app.get("/artifacts/{store}/{artifact_id}/files/{name:path}")
    def artifact_file(ctx: CtxDep, store: str, artifact_id: str, name: str) -> Response:
        files, checked = data.artifact_file(ctx, store, artifact_id, name)
        size = files.size(checked)
        if size is None:
            raise NotFound(f"No file {name!r} in this artifact.")
        if size > MAX_DOWNLOAD_BYTES:
            raise TooLargeError(f"{name} is {size:,} bytes; download it from the artifact store.")

        def chunks() -> Any:
            with files.open(checked) as handle:
                while chunk := handle.read(1024 * 1024):
                    yield chunk

        headers = {
            **SECURITY_HEADERS,
            "Content-Disposition": content_disposition(checked.rsplit("/", 1)[-1]),
            "Content-Length": str(size),
        }
        # Always a download, never rendered: artifact bytes are user data on Airflow's origin.
        return StreamingResponse(chunks(), media_type="application/octet-stream", headers=headers)

    # --- Airflow ids (tabs and extra links) -> our pages ---------------------------------------

    DagQ = Annotated[str, Query(min_length=1, max_length=250)]

    @app.get("/airflow/dag")
    def from_dag(ctx: CtxDep, dag_id: DagQ) -> Response:
        key, pipeline_name = data.resolve_dag(ctx, dag_id)
        return RedirectResponse(ctx.pipeline_href(key, pipeline_name), status_code=303)

    @app.get("/airflow/dag-run")
    def from_dag_run(ctx: CtxDep, dag_id: DagQ, run_id: DagQ) -> Response:
        key, run_record = data.resolve_dag_run(ctx, dag_id, run_id)
        return RedirectResponse(ctx.run_href(key, run_record.id), status_code=303)

    @app.get("/airflow/task-instance")
    def from_task_instance(ctx: CtxDep, dag_id: DagQ, run_id: DagQ, task_id: DagQ) -> Response:
        key, step_id = data.resolve_task(ctx, dag_id, run_id, task_id)
        return RedirectResponse(ctx.step_href(key, step_id), status_code=303)

    @app.exception_handler(TooLargeError)
    def _too_large(request: Request, error: TooLargeError) -> Response:
        return error_page(request, 413, str(error))

    return app
