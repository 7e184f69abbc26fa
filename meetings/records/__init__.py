"""The records format: the whole record, or any part of it, as one JSON document, out and in.

``build_records()`` and ``dumps()`` write it, ``write_records()`` the same text meeting by meeting;
``RecordsImport`` checks and applies it, from a document in memory or a ``RecordsFile`` read as a
stream. The JSON Schema other systems can validate their files
against is ``records.schema.json`` beside this file.
"""

from .export import FORMAT, VERSION, build_records, dumps, write_records
from .importer import RecordError, RecordsFile, RecordsImport, RecordsInvalid, parse_records
from .schema import SCHEMA_PATH, records_schema

__all__ = [
    "FORMAT",
    "SCHEMA_PATH",
    "VERSION",
    "RecordError",
    "RecordsFile",
    "RecordsImport",
    "RecordsInvalid",
    "build_records",
    "dumps",
    "parse_records",
    "records_schema",
    "write_records",
]
