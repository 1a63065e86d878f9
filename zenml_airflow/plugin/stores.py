"""Which metadata and artifact stores the plugin reads (docs/adr/0010-ui-plugin-stores-and-access.md).

Two sources, decided on the first request and refreshed every :data:`REFRESH_SECONDS`, never at
import time:

* **Configured**: ``[zenml_airflow] metadata_store_url`` (and ``artifact_store_path``) in Airflow's
  config, e.g. ``AIRFLOW__ZENML_AIRFLOW__METADATA_STORE_URL``. One store for every DAG.
* **Discovered** (when nothing is configured): every DAG tagged ``zenml-airflow`` embeds its
  pipeline spec, whose stack snapshot names the metadata and artifact store its tasks write to.
  The plugin reads that spec from the DAG source Airflow keeps in its own database (``dag_code``),
  so the api-server needs no access to the dags folder. DAGs naming the same database share a store.
  A DAG file is written by whoever may deploy DAGs, so the stores it names are only *requests*:
  the plugin opens one only when the deployment itself allows it (:class:`AllowList`: the
  ``allowed_metadata_stores`` / ``allowed_artifact_stores`` options, and the stores of the stacks
  registered in the api-server's own zenml-airflow config). Anything else is refused, never opened.

Stores are opened lazily and kept per URL. A sqlite store whose file does not exist is reported,
not created: the plugin only reads.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zenml_airflow.core.spec_format import DAG_TAG, PIPELINE_TAG_PREFIX, spec_literal
from zenml_airflow.secrets.references import holds_reference

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.artifacts.store import ArtifactStore
    from zenml_airflow.metadata.store import SQLMetadataStore

CONFIG_SECTION = "zenml_airflow"
CONFIGURED_KEY = "default"
REFRESH_SECONDS = 15.0


@dataclass
class StoreHandle:
    """One metadata store (and the artifact store its artifacts live in) the plugin can read."""

    key: str
    label: str  # the URL with its password masked
    metadata: SQLMetadataStore | None
    artifacts: ArtifactStore | None
    error: str | None = None


@dataclass(frozen=True)
class ZenDag:
    """A zenml-airflow DAG: which pipeline it runs and which store records its runs."""

    dag_id: str
    pipeline: str | None
    store_key: str | None
    problem: str | None = None
    #: The spec names a store this deployment did not allow (the DAG is refused, not just broken).
    refused: bool = False


@dataclass
class Catalog:
    stores: dict[str, StoreHandle] = field(default_factory=dict)
    dags: dict[str, ZenDag] = field(default_factory=dict)
    #: Stores every reader sees (configured ones); discovered stores follow their DAGs' access.
    shared: frozenset[str] = frozenset()


class StoreCatalog:
    """Gives the current :class:`Catalog`; subclasses decide where it comes from."""

    def catalog(self) -> Catalog:  # pragma: no cover - abstract
        raise NotImplementedError


class StaticCatalog(StoreCatalog):
    """A fixed catalog (tests, or embedding the app elsewhere)."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def catalog(self) -> Catalog:
        return self._catalog


def store_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:12]


class _Opened:
    """Stores opened so far, per (metadata URL, artifact root): engines are reused across requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handles: dict[tuple[str, str | None], StoreHandle] = {}

    def get(self, key: str, url: str, artifact_root: str | None) -> StoreHandle:
        with self._lock:
            handle = self._handles.get((url, artifact_root))
            if handle is None:
                handle = open_store(key, url, artifact_root)
                if handle.error is None:  # retry broken ones on the next refresh
                    self._handles[(url, artifact_root)] = handle
            return handle


def normalize_metadata_url(url: str) -> str:
    """A metadata store URL in a form that compares equal for the same database.

    sqlite files compare by their real path (symlinks resolved); server databases by backend,
    user, host, port, database and query - never by driver or password.
    """
    from sqlalchemy.engine import make_url

    parsed = make_url(url.strip())
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        return "sqlite:///" + (
            os.path.realpath(database) if database and database != ":memory:" else database
        )
    query = "&".join(f"{k}={v}" for k, v in sorted(parsed.query.items()))
    port = parsed.port or ""
    return f"{backend}://{parsed.username or ''}@{(parsed.host or '').lower()}:{port}/{parsed.database or ''}?{query}"


def normalize_artifact_root(root: str) -> str:
    """An artifact store root in a form that compares equal for the same place (local: real path)."""
    root = root.strip()
    if "://" in root:
        return root.rstrip("/")
    return os.path.realpath(os.path.expanduser(root))


def _inside(root: str, allowed: str) -> bool:
    return root == allowed or root.startswith(allowed.rstrip("/") + "/")


@dataclass(frozen=True)
class AllowList:
    """The stores this Airflow deployment lets the plugin read (docs/adr/0016-ui-plugin-store-allow-list.md).

    Built from the deployment's own configuration - never from a DAG file: a metadata store is
    allowed when its normalized URL is listed, an artifact store when its root is listed or lies
    inside a listed root.
    """

    metadata: frozenset[str] = frozenset()
    artifacts: frozenset[str] = frozenset()

    @classmethod
    def build(cls, metadata_urls: Iterable[str], artifact_roots: Iterable[str]) -> AllowList:
        """An allow-list of these URLs and roots (invalid URLs are skipped)."""
        urls = set()
        for url in metadata_urls:
            try:
                urls.add(normalize_metadata_url(url))
            except Exception:  # noqa: BLE001 - a bad entry allows nothing
                continue
        return cls(
            frozenset(urls),
            frozenset(normalize_artifact_root(r) for r in artifact_roots if r.strip()),
        )

    def __or__(self, other: AllowList) -> AllowList:
        return AllowList(self.metadata | other.metadata, self.artifacts | other.artifacts)

    def refusal(self, url: str, root: str | None) -> str | None:
        """Why a DAG may not use these stores, or None when both are allowed."""
        from zenml_airflow.metadata.engine import mask_url, parse_url

        try:
            normalized = normalize_metadata_url(url)
            label = mask_url(parse_url(url))
        except Exception:  # noqa: BLE001 - an unparsable URL is refused like an unlisted one
            normalized, label = None, "(invalid url)"
        if normalized is None or normalized not in self.metadata:
            return (
                f"its spec names the metadata store {label}, which this Airflow deployment has not "
                f"allowed; add it to [{CONFIG_SECTION}] allowed_metadata_stores on the api-server "
                "(or register it in a stack of the api-server's zenml-airflow config) - see docs/ui.md"
            )
        if root is not None and not any(
            _inside(normalize_artifact_root(root), a) for a in self.artifacts
        ):
            return (
                f"its spec names the artifact store {root}, which this Airflow deployment has not "
                f"allowed; add it to [{CONFIG_SECTION}] allowed_artifact_stores on the api-server "
                "(or register it in a stack of the api-server's zenml-airflow config) - see docs/ui.md"
            )
        return None


def split_setting(value: str | None) -> list[str]:
    """Entries of a list option: separated by newlines or commas, blanks ignored."""
    if not value:
        return []
    return [part.strip() for line in value.splitlines() for part in line.split(",") if part.strip()]


def registered_stores(config_dir: str | os.PathLike[str] | None = None) -> AllowList:
    """The metadata and artifact stores of every profile in this host's zenml-airflow config.

    Read-only: a missing config directory or profile allows nothing and creates nothing; a
    component whose config holds a secret reference, or that cannot be built, is skipped.
    """
    from pathlib import Path

    from zenml_airflow.config.global_config import get_config_dir
    from zenml_airflow.config.profile import ProfileStore
    from zenml_airflow.enums import StackComponentType
    from zenml_airflow.stack.flavors import get_flavor_registry

    directory = Path(config_dir) if config_dir is not None else get_config_dir()
    profiles = directory / "profiles"
    if not profiles.is_dir():
        return AllowList()
    registry = get_flavor_registry()
    urls: list[str] = []
    roots: list[str] = []
    for profile_dir in sorted(profiles.iterdir()):
        profile = ProfileStore(directory, profile_dir.name)
        if not profile.exists():
            continue
        try:
            data = profile.load()
        except Exception:  # noqa: BLE001 - a broken profile allows nothing
            continue
        for kind, out in (
            (StackComponentType.METADATA_STORE, urls),
            (StackComponentType.ARTIFACT_STORE, roots),
        ):
            for name, record in data.components.get(kind, {}).items():
                if holds_reference(record.config):
                    continue
                try:
                    built: Any = registry.build_component(
                        kind, name, record.flavor, dict(record.config)
                    )
                    out.append(
                        str(built.url if kind is StackComponentType.METADATA_STORE else built.path)
                    )
                except Exception:  # noqa: BLE001 - an unbuildable component allows nothing
                    continue
    return AllowList.build(urls, roots)


def open_store(key: str, url: str, artifact_root: str | None) -> StoreHandle:
    """A handle for the store at ``url``; problems become ``error`` rather than exceptions."""
    from zenml_airflow.metadata.engine import mask_url, parse_url
    from zenml_airflow.metadata.store import SQLMetadataStore

    try:
        label = mask_url(parse_url(url))
    except Exception as error:  # noqa: BLE001 - shown to the user, never raised
        return StoreHandle(key, "(invalid url)", None, None, f"Invalid metadata store URL: {error}")
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :].split("?", 1)[0]
        if not os.path.isfile(path):
            return StoreHandle(
                key, label, None, None, f"The sqlite metadata store {path} does not exist (yet)."
            )
    artifacts = None
    if artifact_root:
        from zenml_airflow.artifacts.store import ArtifactStore

        artifacts = ArtifactStore(artifact_root)
    return StoreHandle(key, label, SQLMetadataStore(url), artifacts)


def stores_from_spec(spec: dict[str, Any]) -> tuple[str, str | None]:
    """``(metadata store URL, artifact store root)`` named by a spec's stack snapshot.

    Raises:
        ValueError: when the snapshot has no metadata store or uses secret references.
    """
    from zenml_airflow.core.spec import ComponentSnapshot
    from zenml_airflow.enums import StackComponentType
    from zenml_airflow.stack.snapshot import component_from_snapshot

    components = ((spec.get("stack") or {}).get("components")) or {}
    metadata = components.get(StackComponentType.METADATA_STORE.value)
    if not metadata:
        raise ValueError("its spec has no metadata store in the stack snapshot")
    config = metadata.get("config")
    if isinstance(config, dict) and holds_reference(config):  # anything else fails validation below
        raise ValueError(
            "its metadata store config uses a secret reference the UI cannot resolve; set "
            f"[{CONFIG_SECTION}] metadata_store_url for the api-server"
        )
    component: Any = component_from_snapshot(
        StackComponentType.METADATA_STORE, ComponentSnapshot.model_validate(metadata)
    )
    url = str(component.url)
    password = getattr(component, "password", None)
    if password:  # server stores keep the password out of `url`; a plain one is in the spec anyway
        from sqlalchemy.engine import make_url

        url = make_url(url).set(password=password).render_as_string(hide_password=False)
    root = None
    artifacts = components.get(StackComponentType.ARTIFACT_STORE.value)
    if artifacts:
        built: Any = component_from_snapshot(
            StackComponentType.ARTIFACT_STORE, ComponentSnapshot.model_validate(artifacts)
        )
        root = str(built.path)
    return url, root


class AirflowCatalog(StoreCatalog):
    """The catalog read from Airflow's config and database (only inside the api-server)."""

    def __init__(self, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self._refresh = refresh_seconds
        self._lock = threading.Lock()
        self._cached: Catalog | None = None
        self._at = 0.0
        self._opened = _Opened()
        self._specs: dict[str, tuple[str, ZenDag]] = {}  # dag_id -> (source hash, dag)
        self._urls: dict[
            str, tuple[str, str | None]
        ] = {}  # dag_id -> (metadata url, artifact root)

    def catalog(self) -> Catalog:
        with self._lock:
            if self._cached is None or time.monotonic() - self._at > self._refresh:
                self._cached = self._build()
                self._at = time.monotonic()
            return self._cached

    @staticmethod
    def _setting(key: str) -> str | None:
        """An option of the ``[zenml_airflow]`` section of Airflow's config (or its env variable)."""
        from airflow.configuration import conf

        return conf.get(CONFIG_SECTION, key, fallback=None) or None

    def allow_list(self) -> AllowList:
        """The stores the deployment allows: the listed ones, plus (unless
        ``trust_registered_stacks = False``) those registered in this host's zenml-airflow config."""
        allowed = AllowList.build(
            split_setting(self._setting("allowed_metadata_stores")),
            split_setting(self._setting("allowed_artifact_stores")),
        )
        trust = (self._setting("trust_registered_stacks") or "true").strip().lower()
        if trust not in ("false", "0", "no", "off"):
            allowed = allowed | registered_stores()
        return allowed

    def _build(self) -> Catalog:
        url = self._setting("metadata_store_url")
        root = self._setting("artifact_store_path")
        tags = self._zenml_dags()
        if url:
            store = self._opened.get(CONFIGURED_KEY, url, root)
            dags = {d: ZenDag(d, p, CONFIGURED_KEY) for d, p in tags.items()}
            return Catalog({CONFIGURED_KEY: store}, dags, frozenset({CONFIGURED_KEY}))
        return self._discover(tags)

    @staticmethod
    def _zenml_dags() -> dict[str, str | None]:
        """``dag_id -> pipeline name`` of every DAG tagged ``zenml-airflow``."""
        import sqlalchemy as sa
        from airflow.models.dag import DagTag
        from airflow.utils.session import create_session

        found: dict[str, str | None] = {}
        pipelines: dict[str, str] = {}
        with create_session() as session:
            rows = session.execute(
                sa.select(DagTag.dag_id, DagTag.name).where(
                    sa.or_(DagTag.name == DAG_TAG, DagTag.name.like(PIPELINE_TAG_PREFIX + "%"))
                )
            ).all()
        for dag_id, name in rows:
            if name == DAG_TAG:
                found[dag_id] = None
            else:
                pipelines[dag_id] = name[len(PIPELINE_TAG_PREFIX) :]
        return {dag_id: pipelines.get(dag_id) for dag_id in found}

    def _discover(self, tags: dict[str, str | None]) -> Catalog:
        self._load_specs(tags)
        allowed = self.allow_list()  # re-read on every refresh: a deployment may change it
        catalog = Catalog()
        for dag_id in tags:
            entry = self._specs.get(dag_id)
            if entry is None:
                catalog.dags[dag_id] = ZenDag(
                    dag_id, tags[dag_id], None, "its source is not in Airflow's database yet"
                )
                continue
            dag, url_root = entry[1], self._urls.get(dag_id)
            if dag.store_key is not None and url_root is not None:
                refusal = allowed.refusal(*url_root)
                if refusal is not None:  # never opened: the DAG file does not decide what we read
                    catalog.dags[dag_id] = ZenDag(dag_id, dag.pipeline, None, refusal, refused=True)
                    continue
                catalog.stores[dag.store_key] = self._opened.get(dag.store_key, *url_root)
            catalog.dags[dag_id] = dag
        return catalog

    def _load_specs(self, tags: dict[str, str | None]) -> None:
        """Parse the specs of DAGs whose source changed since the last refresh."""
        import sqlalchemy as sa
        from airflow.models.dagcode import DagCode
        from airflow.utils.session import create_session

        with create_session() as session:
            latest: dict[str, tuple[Any, str]] = {}
            for dag_id, digest, updated in session.execute(
                sa.select(DagCode.dag_id, DagCode.source_code_hash, DagCode.last_updated).where(
                    DagCode.dag_id.in_(list(tags))
                )
            ):
                if dag_id not in latest or updated > latest[dag_id][0]:
                    latest[dag_id] = (updated, digest)
            for dag_id, (_, digest) in latest.items():
                cached = self._specs.get(dag_id)
                if cached is not None and cached[0] == digest:
                    continue
                code = session.scalar(
                    sa.select(DagCode.source_code)
                    .where(DagCode.dag_id == dag_id, DagCode.source_code_hash == digest)
                    .limit(1)
                )
                self._specs[dag_id] = (
                    digest,
                    self._dag_from_source(dag_id, tags[dag_id], code or ""),
                )

    def _dag_from_source(self, dag_id: str, pipeline: str | None, source: str) -> ZenDag:
        spec = spec_literal(source)
        if spec is None:
            return ZenDag(dag_id, pipeline, None, "its source has no zenml-airflow SPEC")
        try:
            url, root = stores_from_spec(spec)
        except Exception as error:  # noqa: BLE001 - reported on the page, never raised
            return ZenDag(dag_id, pipeline or spec.get("name"), None, str(error))
        self._urls[dag_id] = (url, root)
        return ZenDag(dag_id, pipeline or spec.get("name"), store_key(url))


def visible_store_keys(catalog: Catalog, dag_ids: Iterable[str], all_dags: bool) -> set[str]:
    """Stores a reader may look into: shared ones, and those of DAGs they may read."""
    if all_dags:
        return set(catalog.stores)
    keys = set(catalog.shared)
    for dag_id in dag_ids:
        dag = catalog.dags.get(dag_id)
        if dag is not None and dag.store_key is not None:
            keys.add(dag.store_key)
    return keys & set(catalog.stores)
