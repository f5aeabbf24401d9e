"""The bulky part of a MeSH RDF file's state, kept in a temporary SQLite file instead of Python memory.

A MeSH record is spread over subjects anywhere in the file (descriptor → concepts → terms → strings), so the
reader keeps what records are built from until the file ends. Per record that is a few short facts (kind,
tree numbers, relations), but concepts, terms, their strings, labels and scope notes are most of the
triples: NLM's full ``mesh.nt`` (about 2.5 GB) would need 2.5–3 GB of Python objects for them. Here they
go to disk as they are read, in batches, and records look them up by subject when they are built, so the
reader's memory follows the number of records, not the size of the file.

The file lives in the system temporary folder and is deleted when the store is closed.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

__all__ = ["SpillStore", "spill_store"]

_BATCH: Final = 50_000
# Multi-valued facts: record → concepts, record/concept/term → terms, term → strings.
CONCEPT, TERM, TERM_STRING = 1, 2, 3


class SpillStore:
    """Append-only facts by subject: multi-valued lists (in insertion order), labels and scope notes."""

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA temp_store = FILE;
            PRAGMA cache_size = -65536;
            CREATE TABLE multi (kind INTEGER NOT NULL, subject TEXT NOT NULL, value TEXT NOT NULL);
            CREATE TABLE label (subject TEXT PRIMARY KEY, value TEXT NOT NULL, foreign_lang INTEGER NOT NULL)
                WITHOUT ROWID;
            CREATE TABLE scope_note (subject TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
            """
        )
        self._multi: list[tuple[int, str, str]] = []
        self._labels: list[tuple[str, str, int]] = []
        self._notes: list[tuple[str, str]] = []
        self._indexed = False

    # --- writing, while the file is read -----------------------------------------------------------

    def add(self, kind: int, subject: str, value: str) -> None:
        self._multi.append((kind, subject, value))
        if len(self._multi) >= _BATCH:
            self._flush()

    def label(self, subject: str, value: str, *, foreign: bool) -> None:
        """English (or untagged) labels win; among them the first; a foreign one only stands in until then."""
        self._labels.append((subject, value, int(foreign)))
        if len(self._labels) >= _BATCH:
            self._flush()

    def scope_note(self, subject: str, value: str) -> None:
        """The first scope note of a concept counts."""
        self._notes.append((subject, value))
        if len(self._notes) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        db = self._db
        db.execute("BEGIN")
        db.executemany("INSERT INTO multi VALUES (?, ?, ?)", self._multi)
        db.executemany(
            "INSERT INTO label VALUES (?, ?, ?) ON CONFLICT(subject) DO UPDATE "
            "SET value = excluded.value, foreign_lang = 0 WHERE label.foreign_lang = 1 AND excluded.foreign_lang = 0",
            self._labels,
        )
        db.executemany("INSERT OR IGNORE INTO scope_note VALUES (?, ?)", self._notes)
        db.execute("COMMIT")
        self._multi.clear()
        self._labels.clear()
        self._notes.clear()

    # --- reading, once the file is read ------------------------------------------------------------

    def _ready(self) -> None:
        if not self._indexed:
            self._flush()
            self._db.execute("CREATE INDEX multi_by_subject ON multi (kind, subject)")
            self._indexed = True

    def values(self, kind: int, subject: str) -> list[str]:
        self._ready()
        rows = self._db.execute(
            "SELECT value FROM multi WHERE kind = ? AND subject = ? ORDER BY rowid", (kind, subject)
        )
        return [value for (value,) in rows]

    def get_label(self, subject: str) -> str | None:
        self._ready()
        row = self._db.execute("SELECT value FROM label WHERE subject = ?", (subject,)).fetchone()
        return None if row is None else row[0]

    def get_scope_note(self, subject: str) -> str | None:
        self._ready()
        row = self._db.execute("SELECT value FROM scope_note WHERE subject = ?", (subject,)).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        self._db.close()


@contextmanager
def spill_store() -> Iterator[SpillStore]:
    """A store in a fresh temporary file, removed afterwards whatever happens."""
    handle, path = tempfile.mkstemp(prefix="trialgraph-mesh-", suffix=".sqlite")
    os.close(handle)
    store = SpillStore(path)
    try:
        yield store
    finally:
        store.close()
        os.unlink(path)
