"""What a source hands the writer: a staged record with its rows, or a quarantined input with the reason.

These two types are the whole contract between reading and writing. Every source (registries,
vocabularies, publications, and later the entity linker and the embedder) yields them, so the writer
never needs to know which source it is writing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Quarantined", "RowSet", "Staged"]

RowSet = dict[str, list[dict[str, Any]]]
"""Rows for the writer: Cypher file name (under ``cypher/write/``) → ``$rows`` for that statement."""


@dataclass(frozen=True, slots=True)
class Staged:
    """One accepted record, ready for the writer: its key, version, content hash and rows."""

    record_id: str
    version: str | None
    precedence: str  # compared as a string: the higher one wins when two inputs hold the same record
    content_hash: str
    origin: str
    rows: RowSet
    issues: tuple[str, ...] = ()  # values dropped from the record before writing, one line each (quarantined)


@dataclass(frozen=True, slots=True)
class Quarantined:
    """One input that did not become a record, and why (written to the quarantine JSONL)."""

    origin: str
    reason: str
    record_id: str | None = None
    whole_file: bool = False  # the file ``origin`` could not be read at all: quarantined as a file, not a record
    # The file ended early or its stream broke here (a cut download, a damaged gzip, XML broken mid-file): what
    # follows the cut was never read, so the load is partial even though the records before it are whole. A
    # reader sets it on one entry per cut file (the load counts cut files by it).
    truncated: bool = False
