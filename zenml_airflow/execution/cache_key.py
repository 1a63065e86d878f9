"""The cache key of a step run: a pure function of everything that determines its outputs.

Two step runs with the same key produce the same outputs, so the second can reuse the first's
artifacts. The key covers the step (pipeline and step name, step operator), its code (the source hash: the
step and every user module it reaches by imports, the installed versions of the libraries those
import, and the materializers that read its inputs - ADR 0015), how its outputs are written (each
output's materializer code hash) and what it was given (canonical parameters and the *content*
hashes of its inputs - equal data from a different upstream run still hits). It does not cover the
outside world (files, APIs, time): steps that read it should say ``@step(enable_cache=False)``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

# 2: source and materializer hashes cover the code closure, not one object's source (ADR 0015).
CACHE_KEY_VERSION = 2


def compute_cache_key(
    *,
    pipeline_name: str,
    step_name: str,
    source_hash: str,
    parameters: Mapping[str, Any],
    materializer_hashes: Mapping[str, str],
    input_content_hashes: Mapping[str, str],
    step_operator: str | None = None,
    artifact_store: str | None = None,
) -> str:
    """Return the hex sha256 cache key for one step run.

    Parameters must be JSON values; mapping order never matters. ``artifact_store``: the root
    of the artifact store the outputs are written to. Cache entries belong to one artifact
    store, so two stacks sharing a metadata store never hit each other's entries, whose
    artifacts their own store does not hold.
    """
    payload = {
        "v": CACHE_KEY_VERSION,
        "pipeline": pipeline_name,
        "step": step_name,
        "source": source_hash,
        "parameters": parameters,
        "materializers": dict(materializer_hashes),
        "inputs": dict(input_content_hashes),
        "step_operator": step_operator,
        "artifact_store": artifact_store,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
