"""What the cache key knows of a step's code: the step's and its materializers' code hashes.

Both sides of a run need the same hashes: the compiler records them in the spec
(``StepSpec.source_hash``, ``OutputSpec.materializer_hash``), and the executor recomputes them
for the code its own process imports (ADR 0015). One definition keeps the two from drifting.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping

from zenml_airflow.core.spec import PipelineSpec, StepSpec
from zenml_airflow.core.step import BaseStep
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.default_materializer_registry import load_materializer
from zenml_airflow.utils.code_hash import code_hash


def materializer_hash(materializer: type[BaseMaterializer]) -> str:
    """The materializer's code hash: the class, its base classes and the user modules they reach."""
    return code_hash(materializer)


def step_source_hash(step_class: type[BaseStep], readers: Mapping[str, str]) -> str:
    """``StepSpec.source_hash``: the step's code hash combined with the hashes of the
    materializers that read its inputs (``readers``: input name -> materializer hash).

    A reader decides what the step receives, so a change to it (say, only ``handle_input``) must
    re-run the step even when the upstream data - and so the input's content hash - is unchanged.
    """
    if not readers:
        return step_class.source_hash()
    payload = {"step": step_class.source_hash(), "readers": dict(readers)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()


def live_code_hashes(
    spec: PipelineSpec,
    step: StepSpec,
    step_class: type[BaseStep],
    output_materializers: Mapping[str, type[BaseMaterializer]],
    load: Callable[[str], type[BaseMaterializer]] = load_materializer,
) -> tuple[str, dict[str, str]]:
    """``(source_hash, {output: materializer_hash})`` of the code this process will run.

    A spec's hashes are those of the code when it was compiled. An Airflow task imports the code
    as it is when the task runs (ADR 0008), which may have changed since; a key built from the
    compile-time hashes would then reuse results of the old code. The executor can key on these
    instead. ``output_materializers`` are the step's live materializers; the materializers that
    read its inputs are ``load``-ed by the upstream outputs' import paths.
    """
    readers = {}
    for input_name, source in step.inputs.items():
        path = spec.step(source.step).outputs[source.output].materializer
        readers[input_name] = materializer_hash(load(path))
    outputs = {name: materializer_hash(m) for name, m in output_materializers.items()}
    return step_source_hash(step_class, readers), outputs
