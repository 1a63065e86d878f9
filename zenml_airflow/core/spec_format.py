"""The spec's wire format - its version, canonical JSON and checksum - without the spec's models.

Airflow parses every DAG file again and again (every 30 s by default), and building the spec's
pydantic models costs a parse about 5 ms. So the compiler, having validated the spec, seals the
DAG file with :func:`spec_checksum` of the literal it writes, and a parse that finds the seal
intact builds the DAG from the literal as it is (ADR 0013). A file someone edited, a spec of
another version or one without a seal is validated in full, with the spec's clear errors.

A compiled DAG file holds the spec as the literal :data:`SPEC_VARIABLE` and tags its DAG
:data:`DAG_TAG` and :func:`pipeline_tag`; the UI plugin finds zenml-airflow DAGs by those tags
and reads their specs back with :func:`spec_literal`. Every DAG parse imports this module, so it
imports nothing beyond the standard library.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

# 2: PipelineSpec.required_integrations.
# 3: StepSpec.source_hash and OutputSpec.materializer_hash hash the code closure (ADR 0015): user
#    modules reached by imports, library versions, and (for a step) the materializers reading it.
# 4: StepSpec.queue and StepSpec.resources.
# 5: PipelineSpec.requirements, .dockerignore_file and .image (the pipeline image built at
#    compile time for docker/kubernetes steps).
# 6: PipelineSpec.bundle (the git DAG bundle the DAG file and the steps' code travel in).
SPEC_VERSION = 6

SPEC_VARIABLE = "SPEC"  # the name of the spec literal in a compiled DAG file
DAG_TAG = "zenml-airflow"  # every DAG compiled by zenml-airflow carries this tag ...
PIPELINE_TAG_PREFIX = "pipeline:"  # ... and "pipeline:<pipeline name>"


def pipeline_tag(pipeline_name: str) -> str:
    """The tag naming the pipeline a compiled DAG runs."""
    return PIPELINE_TAG_PREFIX + pipeline_name


def spec_literal(source: str) -> dict[str, Any] | None:
    """The spec literal (``SPEC = {...}``) of a compiled DAG file's source, or None when the
    source has none: not Python, no such assignment, or not a plain dict literal. Nothing in the
    source runs."""
    import ast  # only readers of DAG sources need it, never a DAG parse

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == SPEC_VARIABLE for t in node.targets
        ):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


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
