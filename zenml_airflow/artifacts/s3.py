"""The filesystem of the ``s3`` artifact store flavor: s3fs, imported only here.

This module is the flavor's ``IMPLEMENTATION``: importing it fails with the install command when
s3fs is missing, so a stack using the flavor is refused at registration, and opening the store
says the same at use.
"""

from __future__ import annotations

from typing import Any

try:
    import s3fs
except ImportError as error:  # pragma: no cover - exercised in a subprocess that hides s3fs
    raise ImportError(
        f"the 's3' artifact store needs s3fs ({error}); install it with: "
        "pip install 'zenml-airflow[s3]'"
    ) from error

from fsspec import AbstractFileSystem


def open_filesystem(
    *,
    key: str | None = None,
    secret: str | None = None,
    token: str | None = None,
    client_kwargs: dict[str, Any] | None = None,
    config_kwargs: dict[str, Any] | None = None,
) -> AbstractFileSystem:
    """An ``s3fs.S3FileSystem`` with these (already resolved) credentials and options.

    Without ``key``/``secret`` s3fs uses botocore's chain: ``AWS_ACCESS_KEY_ID`` /
    ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``, ``~/.aws``, an instance or pod role. The
    region comes from ``AWS_DEFAULT_REGION`` or ``client_kwargs={"region_name": ...}``.
    """
    options: dict[str, Any] = {}
    if key is not None or secret is not None:
        options["key"] = key
        options["secret"] = secret
    if token is not None:
        options["token"] = token
    if client_kwargs:
        options["client_kwargs"] = dict(client_kwargs)
    if config_kwargs:
        options["config_kwargs"] = dict(config_kwargs)
    return s3fs.S3FileSystem(**options)
