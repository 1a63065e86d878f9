"""The filesystem of the ``gcs`` artifact store flavor: gcsfs, imported only here.

This module is the flavor's ``IMPLEMENTATION``: importing it fails with the install command when
gcsfs is missing, so a stack using the flavor is refused at registration, and opening the store
says the same at use.
"""

from __future__ import annotations

import json
from typing import Any

try:
    import gcsfs
    from gcsfs.core import GCSFileSystem as JsonApiGCSFileSystem
except ImportError as error:  # pragma: no cover - exercised in a subprocess that hides gcsfs
    raise ImportError(
        f"the 'gcs' artifact store needs gcsfs ({error}); install it with: "
        "pip install 'zenml-airflow[gcs]'"
    ) from error

from fsspec import AbstractFileSystem


def open_filesystem(
    *,
    project: str | None = None,
    token: str | None = None,
    endpoint_url: str | None = None,
) -> AbstractFileSystem:
    """A ``gcsfs.GCSFileSystem`` for ``project`` with these (already resolved) credentials.

    ``token`` is what gcsfs takes: ``None`` (Google's default credentials: the environment's
    ``GOOGLE_APPLICATION_CREDENTIALS``, gcloud, the metadata server), ``"anon"``,
    ``"google_default"``, ``"cloud"``, the path of a service-account JSON file, or that JSON
    itself (as a secret's value usually is).

    With ``endpoint_url`` (an emulator or private endpoint) the plain JSON-API client is used:
    gcsfs's experimental zonal/hierarchical-bucket client probes every bucket over Google's gRPC
    API first, which an emulator does not serve (a 60 s wait per bucket).
    """
    credentials: Any = token
    if isinstance(token, str) and token.lstrip().startswith("{"):
        try:
            credentials = json.loads(token)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"the 'gcs' artifact store's token looks like JSON but does not parse: {error}"
            ) from None
    options: dict[str, Any] = {}
    if project is not None:
        options["project"] = project
    if credentials is not None:
        options["token"] = credentials
    if endpoint_url is not None:
        return JsonApiGCSFileSystem(endpoint_url=endpoint_url, **options)
    return gcsfs.GCSFileSystem(**options)
