"""The seed's ``zenml.steps.base_step``: :class:`BaseStep` (``zenml_airflow.core.step``).

Subclass it and implement ``entrypoint(self, ...)`` as in the seed; the signature is checked when
the class is defined (there is no ``BaseStepMeta``: ``__init_subclass__`` does that work).
"""

from __future__ import annotations

from zenml_airflow.core.step import BaseStep

__all__ = ["BaseStep"]
