"""An opt-in, **unsafe** materializer that pickles any Python object with cloudpickle.

**Loading a pickle runs code.** Whoever can write to the artifact store (or to the file before
it got there) can make reading this artifact run any program, with the reading process's rights:
an Airflow worker's, the UI's, yours. That is why zenml-airflow never pickles by default (ADR
0014) and why this class:

- is registered for no type: it is used only for an output that names it, as in
  ``my_step().with_return_materializers(CloudpickleMaterializer)`` (or
  ``{"output_name": CloudpickleMaterializer}``); a step returning a type without a materializer
  still fails with "No materializer is registered for type ...";
- logs a warning each time it writes and each time it reads;
- is never read by the Airflow UI plugin or the previews (they show a refusal instead);
- records the Python and cloudpickle versions next to the pickle and refuses to read one made by
  other versions (pickles of code are not portable between them).

Use it only for objects that have no safe format yet, only with artifact stores only you and
your pipelines can write to, and prefer writing a materializer in a real format.
Needs ``pip install 'zenml-airflow[pickle]'`` (cloudpickle); importing this module does not
import cloudpickle.
"""

from __future__ import annotations

import json
import logging
import os
import platform
from typing import Any

from zenml_airflow.artifacts.base_artifact import DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.utils.source_utils import type_path

logger = logging.getLogger(__name__)

DEFAULT_FILENAME = "object.pkl"
VERSIONS_FILENAME = "versions.json"
#: How the previews recognise its artifacts (``zenml_airflow.visualizers.previews``), to refuse
#: them with a message saying why. A subclass lives in user code, which they never import or read.
MATERIALIZER_PATH = "zenml_airflow.materializers.cloudpickle_materializer:CloudpickleMaterializer"
UNSAFE_WARNING = (
    "CloudpickleMaterializer is UNSAFE: loading a pickle runs code, so anyone who can write to "
    "the artifact store can run code in every process that reads this artifact."
)


def _cloudpickle() -> Any:
    try:
        import cloudpickle
    except ModuleNotFoundError as missing:
        raise MaterializerError(
            "CloudpickleMaterializer needs cloudpickle, which is not installed. Install it with: "
            "pip install 'zenml-airflow[pickle]'"
        ) from missing
    return cloudpickle


def _versions(cloudpickle: Any) -> dict[str, str]:
    return {
        "python": ".".join(platform.python_version_tuple()[:2]),
        "cloudpickle": str(cloudpickle.__version__),
    }


class CloudpickleMaterializer(BaseMaterializer, register=False):
    """UNSAFE, opt-in: stores any object as a cloudpickle. Reading it runs code from the file.

    Never chosen by default (registered for no type); pass it to a step with
    ``.with_return_materializers(CloudpickleMaterializer)``. See the module documentation.
    """

    ASSOCIATED_TYPES = (object,)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)
    FILENAMES = (DEFAULT_FILENAME, VERSIONS_FILENAME)
    #: Read by the previews and the UI plugin: never load artifacts written by this class.
    UNSAFE_TO_LOAD = True

    def __init_subclass__(cls, register: bool = False, **kwargs: Any) -> None:
        # Registered for ``object``, a subclass would become every type's default: never.
        if register:
            raise MaterializerError(
                f"{cls.__module__}.{cls.__qualname__} subclasses the unsafe "
                "CloudpickleMaterializer and cannot be registered for its types (it would pickle "
                "every value by default). Define it without register=True and pass it to the "
                "step with .with_return_materializers(...)."
            )
        super().__init_subclass__(register=False, **kwargs)

    def handle_return(self, data: Any) -> None:
        """Pickle ``data`` to ``object.pkl`` (with ``versions.json``); logs a warning.

        Raises:
            MaterializerError: cloudpickle is missing or cannot pickle the object.
        """
        super().handle_return(data)
        cloudpickle = _cloudpickle()
        logger.warning(
            "%s Writing a %s to %s.", UNSAFE_WARNING, type_path(type(data)), self.artifact.uri
        )
        try:
            payload = cloudpickle.dumps(data, protocol=5)
        except Exception as error:  # pickling fails with many kinds (TypeError, PicklingError...)
            raise MaterializerError(
                f"CloudpickleMaterializer cannot pickle this {type_path(type(data))}: "
                f"{type(error).__name__}: {error}"
            ) from error
        fileio.makedirs(self.artifact.uri)
        with fileio.open(os.path.join(self.artifact.uri, DEFAULT_FILENAME), "wb") as handle:
            handle.write(payload)
        with fileio.open(os.path.join(self.artifact.uri, VERSIONS_FILENAME), "w") as handle:
            handle.write(json.dumps(_versions(cloudpickle), sort_keys=True) + "\n")

    def handle_input(self, data_type: Any) -> Any:
        """Unpickle the object (this runs code named in the file); logs a warning.

        Raises:
            MaterializerError: a file is missing, the pickle was written with another Python or
                cloudpickle version, it cannot be unpickled, or it is not a ``data_type``.
        """
        super().handle_input(data_type)
        cloudpickle = _cloudpickle()
        path = os.path.join(self.artifact.uri, DEFAULT_FILENAME)
        versions_path = os.path.join(self.artifact.uri, VERSIONS_FILENAME)
        for name, full in ((DEFAULT_FILENAME, path), (VERSIONS_FILENAME, versions_path)):
            if not fileio.exists(full):
                raise self._missing_file(name)
        with fileio.open(versions_path, "r") as handle:
            try:
                written = json.loads(handle.read())
            except ValueError as error:
                raise MaterializerError(
                    f"Cannot read '{versions_path}': not JSON ({error}); it was not written by "
                    "CloudpickleMaterializer. Nothing was unpickled."
                ) from error
        here = _versions(cloudpickle)
        if written != here:
            raise MaterializerError(
                f"Refusing to unpickle '{path}': it was written with {written!r}, this process "
                f"has {here!r}, and pickles of code do not load reliably across versions. Read "
                "it with the versions that wrote it. Nothing was unpickled."
            )
        logger.warning("%s Reading (unpickling) %s.", UNSAFE_WARNING, path)
        with fileio.open(path, "rb") as handle:
            payload = handle.read()
        try:
            value = cloudpickle.loads(payload)
        except Exception as error:
            raise MaterializerError(
                f"Cannot unpickle '{path}': {type(error).__name__}: {error}. The file may be "
                "damaged, or needs code that is not importable here."
            ) from error
        wanted = data_type if isinstance(data_type, type) else object
        if not isinstance(value, wanted):
            raise MaterializerError(
                f"'{path}' holds a {type_path(type(value))}, not a {type_path(wanted)}."
            )
        return value


__all__ = ["DEFAULT_FILENAME", "MATERIALIZER_PATH", "UNSAFE_WARNING", "CloudpickleMaterializer"]
