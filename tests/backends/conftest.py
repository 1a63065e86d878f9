"""Fixtures for the end-to-end and fault tests of the s3 and gcs artifact stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backends import backend_pipelines as bp
from tests.backends.object_stores import S3_ENV


@pytest.fixture(autouse=True)
def _backend_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in S3_ENV.items():
        monkeypatch.setenv(name, value)
    # Nothing here may reach a real cloud account through ambient credentials.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)
    bp.CALLS.clear()
    bp.SEEN_WHILE_WRITING.clear()
    yield


@pytest.fixture
def repo_dir(tmp_path: Path) -> Path:
    return tmp_path / "work"
