"""Materializer for pyarrow ``Table`` and ``RecordBatch``: one ``table.parquet`` file (zstd),
never a pickle.

The schema comes back exactly: field names, types, nullability, field and schema metadata.
Parquet itself has no place for a few Arrow details (the item name of a list, second-resolution
``time32``, a map's field names); pyarrow stores the Arrow schema in the file (``ARROW:schema``),
and after reading, the table is cast back to that schema when the two differ. Equal tables give
identical bytes whatever their chunking, so identical outputs share one stored copy.

A ``RecordBatch`` is stored as a one-batch table and read back as one ``RecordBatch``. Refused
with a :class:`~zenml_airflow.exceptions.MaterializerError`: types parquet cannot hold (unions),
and Python-defined extension types (subclasses of ``pyarrow.ExtensionType``), which a task that
has not imported and registered them would read back as their storage type. Arrow's own
extension types (``pa.uuid()``, ``pa.json_()``, ``pa.bool8()``, fixed-shape tensors) are stored.

Reading runs no code named in the file: parquet and the Arrow schema are data only. A file that
is not parquet is refused.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from zenml_airflow.artifacts.base_artifact import DataArtifact
from zenml_airflow.exceptions import MaterializerError
from zenml_airflow.io import fileio
from zenml_airflow.materializers.base_materializer import BaseMaterializer
from zenml_airflow.materializers.default_materializer_registry import as_class
from zenml_airflow.utils.source_utils import type_path

DEFAULT_FILENAME = "table.parquet"
COMPRESSION: Final = "zstd"
_ARROW_SCHEMA_KEY = b"ARROW:schema"


def _types(data_type: pa.DataType) -> Iterator[pa.DataType]:
    """``data_type`` and every type nested in it (list items, struct and map fields...)."""
    yield data_type
    if isinstance(data_type, pa.BaseExtensionType):
        yield from _types(data_type.storage_type)
    elif isinstance(data_type, pa.DictionaryType):
        yield from _types(data_type.index_type)
        yield from _types(data_type.value_type)
    else:
        for index in range(data_type.num_fields):
            yield from _types(data_type.field(index).type)


def _python_extension_fields(schema: pa.Schema) -> list[str]:
    return [
        f"{field.name!r} ({t})"
        for field in schema
        for t in _types(field.type)
        if isinstance(t, pa.ExtensionType)
    ]


def _stored_schema(metadata: dict[bytes, bytes] | None) -> pa.Schema | None:
    """The Arrow schema pyarrow wrote into the parquet file, or ``None`` (a foreign file)."""
    encoded = (metadata or {}).get(_ARROW_SCHEMA_KEY)
    if encoded is None:
        return None
    # pyarrow already decoded it to open the file: a damaged one never gets here.
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(encoded)))


class PyarrowMaterializer(BaseMaterializer):
    """Reads and writes pyarrow ``Table`` and ``RecordBatch`` as ``table.parquet``."""

    ASSOCIATED_TYPES = (pa.Table, pa.RecordBatch)
    ASSOCIATED_ARTIFACT_TYPES = (DataArtifact,)
    FILENAMES = (DEFAULT_FILENAME,)

    def _read(self, path: str) -> pa.Table:
        local = fileio.local_path(path)
        if local is not None:
            parquet = pq.ParquetFile(local)
            return self._restore(parquet)
        with fileio.open(path, "rb") as handle:
            return self._restore(pq.ParquetFile(handle))

    @staticmethod
    def _restore(parquet: pq.ParquetFile) -> pa.Table:
        # ParquetFile reads this one file: no dataset discovery, so a '=' in the artifact path
        # never turns into a partition column.
        schema = _stored_schema(parquet.metadata.metadata)
        table = parquet.read()
        if schema is not None and not table.schema.equals(schema, check_metadata=True):
            table = table.cast(schema)
        return table

    def handle_input(self, data_type: Any) -> pa.Table | pa.RecordBatch:
        """Read the stored table as ``data_type`` (``Table`` or ``RecordBatch``).

        Raises:
            MaterializerError: if the file is missing, not parquet, or its data does not fit the
                Arrow schema stored in it.
        """
        super().handle_input(data_type)
        path = os.path.join(self.artifact.uri, DEFAULT_FILENAME)
        if not fileio.exists(path):
            raise self._missing_file(DEFAULT_FILENAME)
        try:
            table = self._read(path)
        except (pa.ArrowException, OSError, ValueError, TypeError) as error:
            raise MaterializerError(
                f"Cannot read '{path}' as a pyarrow Table: {type(error).__name__}: {error}. It is "
                "not a parquet file written by PyarrowMaterializer (it may be damaged or was put "
                "there by other means); re-run the step that produced it."
            ) from error
        wanted = as_class(data_type)
        if wanted is not None and issubclass(wanted, pa.RecordBatch):
            # Column by column: also gives a batch for a table without rows (and so no batches).
            return pa.RecordBatch.from_arrays(
                [column.combine_chunks() for column in table.columns], schema=table.schema
            )
        return table

    def handle_return(self, data: pa.Table | pa.RecordBatch) -> None:
        """Write ``data`` as ``table.parquet``.

        Raises:
            MaterializerError: for Python-defined extension types and types parquet cannot hold.
        """
        super().handle_return(data)
        table = pa.Table.from_batches([data]) if isinstance(data, pa.RecordBatch) else data
        refused = _python_extension_fields(table.schema)
        if refused:
            raise MaterializerError(
                f"PyarrowMaterializer will not store field(s) {', '.join(refused)}: they use an "
                "extension type defined in Python, which a task that has not imported and "
                "registered it would read back as its storage type. Cast them to their storage "
                "type (table.cast(...)) or write a custom materializer."
            )
        fileio.makedirs(self.artifact.uri)
        path = os.path.join(self.artifact.uri, DEFAULT_FILENAME)
        try:
            local = fileio.local_path(path)
            if local is not None:
                pq.write_table(table, local, compression=COMPRESSION)
            else:
                with fileio.open(path, "wb") as handle:
                    pq.write_table(table, handle, compression=COMPRESSION)
        except (pa.ArrowException, ValueError, TypeError) as error:
            # Leave no half-written parquet file behind for a reader to trip over.
            if fileio.exists(path):
                fileio.remove(path)
            raise MaterializerError(
                f"PyarrowMaterializer cannot write this {type_path(type(data))} as parquet: "
                f"{type(error).__name__}: {error}. Cast the offending columns to a type parquet "
                "holds (e.g. a union to a struct), or write a custom materializer."
            ) from error

    def extract_metadata(self, data: pa.Table | pa.RecordBatch) -> dict[str, Any]:
        """Rows, and the columns with their Arrow types."""
        return {
            "kind": "table" if isinstance(data, pa.Table) else "record batch",
            "rows": data.num_rows,
            "columns": data.num_columns,
            "schema": {field.name: str(field.type) for field in data.schema},
        }


__all__ = ["COMPRESSION", "DEFAULT_FILENAME", "PyarrowMaterializer"]
