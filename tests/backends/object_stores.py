"""S3 (moto) and GCS (fake-gcs-server) for the artifact store tests.

Both emulators are started by ``scripts/services.sh up``, which prints their URLs with ``env``
(``$ZENML_AIRFLOW_TEST_MOTO_URL``, ``$ZENML_AIRFLOW_TEST_GCS_URL``). A test that needs one and
finds no URL fails in CI (``CI`` or ``ZENML_AIRFLOW_TEST_REQUIRE_SERVICES=1``, as ``make test``
sets) and is skipped, saying how to start them, elsewhere.

Every test gets its own root prefix in one shared bucket per emulator (the emulators are shared
with other suites, e.g. the aws secrets manager's, so nothing here resets them).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from typing import Any

import pytest

from zenml_airflow.stack.components import GCSArtifactStoreComponent, S3ArtifactStoreComponent

MOTO_ENV = "ZENML_AIRFLOW_TEST_MOTO_URL"
GCS_ENV = "ZENML_AIRFLOW_TEST_GCS_URL"
MOTO_SERVER_ENV = "ZENML_AIRFLOW_TEST_MOTO_SERVER"
BUCKET = "zenml-airflow-tests"
# Dummy credentials: moto accepts any, and they make sure nothing ever reaches real AWS.
S3_CREDENTIALS = {"key": "testing", "secret": "testing"}
# s3fs needs the region from the environment, not client_kwargs (bucket creation fails there).
S3_ENV = {"AWS_DEFAULT_REGION": "us-east-1"}

HOW_TO_START = (
    'start the emulators with `scripts/services.sh up` and `eval "$(scripts/services.sh env)"` '
    "(`make test` does both)"
)


def services_required() -> bool:
    return (
        bool(os.environ.get("CI")) or os.environ.get("ZENML_AIRFLOW_TEST_REQUIRE_SERVICES") == "1"
    )


def service_url(variable: str) -> str:
    """The emulator URL in ``variable``; fails (CI) or skips (elsewhere) when it is unset."""
    url = os.environ.get(variable)
    if url:
        return url.rstrip("/")
    how = f"${variable} is not set: {HOW_TO_START}"
    if services_required():
        pytest.fail(how)
    pytest.skip(how)


def s3_component(
    url: str | None = None, prefix: str | None = None, **overrides: Any
) -> S3ArtifactStoreComponent:
    """An ``s3`` artifact store component on moto, rooted at a fresh prefix of :data:`BUCKET`."""
    for name, value in S3_ENV.items():
        os.environ.setdefault(name, value)
    url = url or service_url(MOTO_ENV)
    config: dict[str, Any] = {
        "path": f"s3://{BUCKET}/{prefix or 'root-' + uuid.uuid4().hex[:12]}",
        **S3_CREDENTIALS,
        "client_kwargs": {"endpoint_url": url},
        **overrides,
    }
    component = S3ArtifactStoreComponent.from_config("test-s3", config)
    ensure_bucket(component.open_store().fs, BUCKET)
    return component


def gcs_component(
    url: str | None = None, prefix: str | None = None, **overrides: Any
) -> GCSArtifactStoreComponent:
    """A ``gcs`` artifact store component on fake-gcs-server, at a fresh prefix of :data:`BUCKET`."""
    url = url or service_url(GCS_ENV)
    config: dict[str, Any] = {
        "path": f"gs://{BUCKET}/{prefix or 'root-' + uuid.uuid4().hex[:12]}",
        "project": "test",
        "token": "anon",
        "endpoint_url": url,
        **overrides,
    }
    component = GCSArtifactStoreComponent.from_config("test-gcs", config)
    ensure_bucket(component.open_store().fs, BUCKET)
    return component


def ensure_bucket(fs: Any, bucket: str) -> None:
    """Create ``bucket`` unless it exists (the artifact store itself never creates buckets)."""
    fs.invalidate_cache()
    if fs.exists(bucket):
        return
    # Another test process may create it at the same moment (gcsfs says 409, not FileExistsError).
    with contextlib.suppress(FileExistsError, OSError):
        fs.mkdir(bucket)
    fs.invalidate_cache()
    if not fs.exists(bucket):
        raise RuntimeError(f"could not create test bucket '{bucket}'")
