"""Reading a records document: check all of it first, then write all of it in one transaction.

An import works in two steps, so that a command, an admin upload or a test can show what would
happen before it happens:

    records = RecordsImport(document)   # or RecordsImport(RecordsFile.at_path(path))
    records.validate()        # every error, each naming record and field; nothing written
    records.summary()         # created / updated / unchanged per kind
    records.apply()           # in one transaction; apply(dry_run=True) rolls it back

The source is a document in memory (a dict) or a file read as a stream (``RecordsFile``: the
command and the admin's staged upload). It is read in passes, each in the file's order (see
``validation``): the references the file holds, then the checks and the plan a batch of meetings
at a time (``writer.BATCH``), then the writes a batch at a time, so that memory holds one batch
of meetings and, of the rest, their slugs, states and ids, whatever the size of the file.

Each file record is first brought to the canonical shape the exporter writes (defaults filled in,
sets sorted). A record whose canonical shape equals the export of the same record in the database
is unchanged and left alone, which makes a second import of the same file change nothing.
Nested rows are matched in place (attendance by participant, outcomes by number, the rest in
order) so that ids that public addresses cite survive an import. An action's progress updates are
only ever added to: those in the database that the file lacks are kept (and counted as kept), and a
status the import changes gets its own dated update naming the import's user.

The package, by concept: ``parsing`` (the document, its errors and value readers), ``source`` (a
document in memory, or a file read a meeting at a time), ``references``
and ``checks`` (what the document refers to, and each kind of record), ``validation``
(``RecordsImport``: check, plan, apply), ``files`` (a stored file kept only by the record holding
it, a new one brought as content and checked as an upload), ``fields`` (canonical record -> model
fields) and ``writer`` (``RecordsWriter``).
"""

from .parsing import KIND_NAMES, KINDS, RecordError, RecordsInvalid, parse_records
from .source import DocumentSource, RecordsFile
from .validation import CREATED, UNCHANGED, UPDATED, RecordsImport
from .writer import RecordsWriter

__all__ = [
    "CREATED",
    "DocumentSource",
    "KINDS",
    "KIND_NAMES",
    "UNCHANGED",
    "UPDATED",
    "RecordError",
    "RecordsFile",
    "RecordsImport",
    "RecordsInvalid",
    "RecordsWriter",
    "parse_records",
]
