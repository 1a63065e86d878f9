"""The seal of a compiled spec literal (ADR 0013): trusted only when it is exactly what was sealed."""

from __future__ import annotations

import copy

from zenml_airflow.core.spec import PipelineSpec, StepSpec
from zenml_airflow.core.spec_format import SPEC_VERSION, canonical_json, is_sealed, spec_checksum


def _data() -> dict:
    step = StepSpec(
        name="s", entrypoint="m:S", entrypoint_name="S", source_hash="h", parameters={"lr": 0.1}
    )
    return PipelineSpec(name="p", steps=[step]).model_dump(mode="json")


def test_a_sealed_literal_is_trusted() -> None:
    data = _data()
    assert is_sealed(data, spec_checksum(data))
    # The literal a DAG file holds is compared by content, not by key order or identity.
    reordered = dict(reversed(list(copy.deepcopy(data).items())))
    assert canonical_json(reordered) == canonical_json(data)
    assert is_sealed(reordered, spec_checksum(data))


def test_anything_else_is_not() -> None:
    data = _data()
    seal = spec_checksum(data)
    assert not is_sealed(data, None)
    assert not is_sealed(data, "sha256:" + "0" * 64)
    assert not is_sealed([data], seal)
    edited = copy.deepcopy(data)
    edited["steps"][0]["parameters"]["lr"] = 0.2
    assert not is_sealed(edited, seal)
    newer = {**data, "version": SPEC_VERSION + 1}
    assert not is_sealed(newer, spec_checksum(newer))  # another version is validated in full
    odd = {**data, "steps": {1, 2}}  # a value JSON cannot hold
    assert not is_sealed(odd, seal)
