"""The spec's wire format - its version, canonical JSON and checksum - without the spec's models.

Airflow parses every DAG file again and again (every 30 s by default), and building the spec's
pydantic models costs a parse about 5 ms. So the compiler, having validated the spec, seals the
DAG file with :func:`spec_checksum` of the literal it writes, and a parse that finds the seal
intact builds the DAG from the literal as it is (ADR 0013). A file someone edited, a spec of
another version or one without a seal is validated in full, with the spec's clear errors.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

# 2: PipelineSpec.required_integrations.
# 3: StepSpec.source_hash and OutputSpec.materializer_hash hash the code closure (ADR 0015): user
#    modules reached by imports, library versions, and (for a step) the materializers reading it.
SPEC_VERSION = 3


def canonical_json(data: Mapping[str, Any]) -> str:
    """Same data, same text: sorted keys, no whitespace."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def spec_checksum(data: Mapping[str, Any]) -> str:
    """``"sha256:<hex>"`` of the spec data's canonical JSON."""
    return "sha256:" + hashlib.sha256(canonical_json(data).encode()).hexdigest()


def is_sealed(data: Any, checksum: str | None) -> bool:
    """Whether ``data`` is exactly what a compiler of this spec version validated and sealed."""
    if checksum is None or not isinstance(data, dict) or data.get("version") != SPEC_VERSION:
        return False
    try:
        return spec_checksum(data) == checksum
    except (TypeError, ValueError):  # a value JSON cannot hold: not what the compiler wrote
        return False
