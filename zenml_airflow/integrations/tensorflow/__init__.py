"""The TensorFlow integration (the seed's ``zenml.integrations.tensorflow``).

Keras 3 models (``keras.Model``, which is ``tf.keras.Model`` since TensorFlow 2.16) returned by
steps are stored in Keras's native ``.keras`` format and loaded back in Keras's safe mode
(:mod:`.materializers`). Importing this package imports neither TensorFlow nor Keras; the
materializer registers itself once a step's code has imported Keras.
"""

from __future__ import annotations

from typing import ClassVar

from zenml_airflow.core.integrations import get_integration
from zenml_airflow.integrations.constants import TENSORFLOW
from zenml_airflow.integrations.integration import Integration

MATERIALIZER_MODULE = "zenml_airflow.integrations.tensorflow.materializers"


class TensorflowIntegration(Integration):
    """Keras models as step inputs and outputs, stored in the ``.keras`` format."""

    NAME: ClassVar[str] = TENSORFLOW
    REQUIREMENTS: ClassVar[list[str]] = list(get_integration(TENSORFLOW).requirements)
    #: Imported once a step holds a value of the library (or on activate(), which imports it).
    MATERIALIZERS: ClassVar[dict[str, str]] = {"keras": MATERIALIZER_MODULE}


__all__ = ["TensorflowIntegration"]
