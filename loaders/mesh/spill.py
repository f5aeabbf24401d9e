"""A MeSH RDF file's facts, kept in a temporary SQLite file instead of Python memory.

A MeSH record is spread over subjects anywhere in the file (descriptor → concepts → terms → strings), so the
reader must keep what records are built from until the file ends. NLM's full ``mesh.nt`` (about 2.5 GB)
would need 2.5–3 GB of Python objects for that; here every fact goes to disk as it is read, in batches, and
records are built afterwards a page of subjects at a time with set-based queries. Python memory then holds
one write batch or one page of records, never the file's worth: it does not grow with the file.

The store knows nothing of MeSH: a fact is ``(subject, kind, value)`` and its kind says how repeats combine,
as ``add`` (every value kept), ``first`` (the first statement wins) or ``last`` (the last one wins).
The file lives in the system temporary folder and is deleted when the store is closed. A process killed
mid-load never reaches that ``finally``, so each store also holds a lock beside its file while it is open, and
opening a store removes the files whose lock nobody holds any more (their process has died).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from filelock import FileLock, Timeout

__all__ = ["FactValue", "SpillStore", "spill_store", "sweep_stale_spills"]

FactValue = str | int
_BATCH: Final = 50_000  # facts buffered in Python before one executemany: bounds the reader's write memory
_CACHE_KIB: Final = 16_384  # SQLite page cache and sort memory, whatever the file size (32 MiB: +33 MB peak, no faster)
_PREFIX: Final = "trialgraph-mesh-"
_SUFFIX: Final = ".sqlite"
_LOCK: Final = ".lock"


class SpillStore:
    """Facts by subject on disk: written while the file is read, read back by pages of subjects once it ends.

    ``reverse_kinds`` are the multi-valued kinds also looked up by value (``holders``): they get an index on
    the value, built with the others once writing ends.
    """

    def __init__(self, path: str, reverse_kinds: Iterable[int] = ()) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.executescript(
            f"""
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA temp_store = FILE;
            PRAGMA cache_size = -{_CACHE_KIB};
            CREATE TABLE multi (subject TEXT NOT NULL, kind INTEGER NOT NULL, value NOT NULL);
            CREATE TABLE first_said (subject TEXT NOT NULL, kind INTEGER NOT NULL, value NOT NULL);
            CREATE TABLE last_said (subject TEXT NOT NULL, kind INTEGER NOT NULL, value NOT NULL);
            CREATE TABLE single (subject TEXT NOT NULL, kind INTEGER NOT NULL, value NOT NULL,
                                 PRIMARY KEY (subject, kind)) WITHOUT ROWID;
            """
        )
        self._reverse = tuple(sorted({int(kind) for kind in reverse_kinds}))
        self._multi: list[tuple[str, int, FactValue]] = []
        self._first: list[tuple[str, int, FactValue]] = []
        self._last: list[tuple[str, int, FactValue]] = []
        self._indexed = False

    # --- writing, while the file is read -----------------------------------------------------------

    def add(self, kind: int, subject: str, value: FactValue) -> None:
        """One more value of a multi-valued fact (duplicates kept; readers de-duplicate where it matters)."""
        self._multi.append((subject, kind, value))

    def first(self, kind: int, subject: str, value: FactValue) -> None:
        """A single-valued fact whose first statement in the file wins."""
        self._first.append((subject, kind, value))

    def last(self, kind: int, subject: str, value: FactValue) -> None:
        """A single-valued fact whose last statement in the file wins."""
        self._last.append((subject, kind, value))

    def spill(self) -> None:
        """Write the buffered facts to disk once they make a batch; the reader calls this every few lines.

        Checking here rather than on every fact keeps the per-triple path to one list append.
        """
        if len(self._multi) + len(self._first) + len(self._last) >= _BATCH:
            self._flush()

    def pending(self) -> int:
        """Facts buffered in Python, not yet on disk."""
        return len(self._multi) + len(self._first) + len(self._last)

    def _flush(self) -> None:
        db = self._db
        db.execute("BEGIN")
        db.executemany("INSERT INTO multi VALUES (?, ?, ?)", self._multi)
        db.executemany("INSERT INTO first_said VALUES (?, ?, ?)", self._first)
        db.executemany("INSERT INTO last_said VALUES (?, ?, ?)", self._last)
        db.execute("COMMIT")
        self._multi.clear()
        self._first.clear()
        self._last.clear()

    # --- reading, once the file is read ------------------------------------------------------------

    def _ready(self) -> None:
        if self._indexed:
            return
        self._flush()
        # Appending while reading and settling who won here, in key order, is cheaper than keeping a keyed
        # table up to date on every statement: rowid order is the file's order.
        self._db.executescript(
            """
            BEGIN;
            INSERT OR IGNORE INTO single SELECT subject, kind, value FROM first_said ORDER BY subject, kind, rowid;
            INSERT OR IGNORE INTO single SELECT subject, kind, value FROM last_said
                ORDER BY subject, kind, rowid DESC;
            DROP TABLE first_said;
            DROP TABLE last_said;
            COMMIT;
            """
        )
        self._db.execute("CREATE INDEX multi_by_subject ON multi (subject, kind)")
        for kind in self._reverse:  # a partial index per reverse kind; queries name the kind literally to use it
            self._db.execute(f"CREATE INDEX multi_by_value_{kind} ON multi (value) WHERE kind = {kind}")
        self._indexed = True

    def subjects(self, kinds: Collection[int], page: int) -> Iterator[list[str]]:
        """Every subject holding a single-valued fact of one of ``kinds``, sorted, ``page`` at a time.

        Sorted as Python sorts strings (SQLite's binary collation compares UTF-8 bytes, which orders as code
        points do), so the records come out in the order the in-memory reader gave them.
        """
        self._ready()
        self._db.execute("DROP TABLE IF EXISTS listing")
        self._db.execute("CREATE TABLE listing (subject TEXT PRIMARY KEY) WITHOUT ROWID")
        self._db.execute(f"INSERT OR IGNORE INTO listing SELECT subject FROM single WHERE kind IN ({_ints(kinds)})")
        after = ""
        while True:
            rows = self._db.execute(
                "SELECT subject FROM listing WHERE subject > ? ORDER BY subject LIMIT ?", (after, page)
            ).fetchall()
            if not rows:
                return
            subjects = [subject for (subject,) in rows]
            yield subjects
            after = subjects[-1]

    def multi(self, subjects: Collection[str], kinds: Collection[int]) -> defaultdict[tuple[str, int], list[FactValue]]:
        """(subject, kind) → every value stated (in no particular order), for a page of subjects, in one query.

        The query seeks each subject once and the kinds are picked here: a seek per subject and kind costs more.
        """
        self._ready()
        wanted = frozenset(kinds)
        found: defaultdict[tuple[str, int], list[FactValue]] = defaultdict(list)
        for subject, kind, value in self._by_subject("multi", subjects):
            if kind in wanted:
                found[(subject, kind)].append(value)
        return found

    def single(self, subjects: Collection[str], kinds: Collection[int]) -> dict[tuple[str, int], FactValue]:
        """(subject, kind) → the value that won, for a page of subjects, in one query."""
        self._ready()
        wanted = frozenset(kinds)
        return {(s, kind): value for s, kind, value in self._by_subject("single", subjects) if kind in wanted}

    def _by_subject(self, table: str, subjects: Collection[str]) -> Iterable[tuple[str, int, FactValue]]:
        if not subjects:
            return ()
        return self._db.execute(
            f"SELECT subject, kind, value FROM {table} WHERE subject IN (SELECT value FROM json_each(?))",
            (json.dumps(list(subjects)),),
        )

    def holders(self, kind: int, values: Collection[FactValue]) -> list[tuple[FactValue, str]]:
        """(value, subject) for every subject stating one of ``values`` as a ``kind`` fact (a reverse kind)."""
        self._ready()
        if kind not in self._reverse:
            raise ValueError(f"fact kind {kind} has no reverse index")
        if not values:
            return []
        rows = self._db.execute(
            f"SELECT value, subject FROM multi WHERE kind = {int(kind)} AND value IN (SELECT value FROM json_each(?))",
            (json.dumps(list(values)),),
        )
        return rows.fetchall()

    def close(self) -> None:
        self._db.close()


def _ints(kinds: Collection[int]) -> str:
    """Kinds are small integers of the reader's own table, written into the SQL so partial indexes apply."""
    return ", ".join(str(int(kind)) for kind in kinds)


@contextmanager
def spill_store(reverse_kinds: Iterable[int] = ()) -> Iterator[SpillStore]:
    """A store in a fresh temporary file, removed afterwards whatever happens (and by the next store if the
    process is killed first).

    The lock file is created and held before the database exists, and a sweep only ever looks at stores whose
    database exists (or at lock files left alone for an hour), so a store being opened is never swept.
    """
    sweep_stale_spills()
    handle, lock_path = tempfile.mkstemp(prefix=_PREFIX, suffix=_SUFFIX + _LOCK)
    os.close(handle)
    lock = FileLock(lock_path)
    lock.acquire()
    path = lock_path.removesuffix(_LOCK)
    try:
        store = SpillStore(path, reverse_kinds)
        try:
            yield store
        finally:
            store.close()
    finally:
        _remove(Path(path))
        _remove(Path(lock_path))  # while held, as the sweep does
        lock.release()


ORPHAN_LOCK_SECONDS: Final = 3600.0
"""A lock file without its database is left alone this long: a store may be between making the one and the other."""


def sweep_stale_spills(folder: str | Path | None = None) -> list[Path]:
    """Remove the spill files of stores whose process has died; return the databases removed.

    A live store holds its lock (an OS lock, released by the OS when its process ends, however it ends), so
    only a dead process's database can be locked here. Its lock file is removed while the lock is held, so no
    store can be waiting on it. Databases left by versions without a lock file are unlocked too, and removed.
    """
    root = Path(folder if folder is not None else tempfile.gettempdir())
    removed: list[Path] = []
    for database in sorted(root.glob(f"{_PREFIX}*{_SUFFIX}")):
        if _remove_unlocked(database.with_name(database.name + _LOCK), database):
            removed.append(database)
    now = time.time()
    for lock_path in sorted(root.glob(f"{_PREFIX}*{_SUFFIX}{_LOCK}")):
        database = lock_path.with_name(lock_path.name.removesuffix(_LOCK))
        try:
            old = now - lock_path.stat().st_mtime > ORPHAN_LOCK_SECONDS
        except OSError:
            continue
        if old and not database.exists():  # a process killed between making its lock and its database
            _remove_unlocked(lock_path, None)
    return removed


def _remove_unlocked(lock_path: Path, database: Path | None) -> bool:
    """Remove ``database`` and ``lock_path`` while holding the lock, if nobody holds it; say whether the database
    went."""
    lock = FileLock(lock_path)
    try:
        lock.acquire(timeout=0)
    except (Timeout, OSError):  # held by a live store, or a folder this user may not write in
        return False
    try:
        gone = database is not None and _remove(database)
        _remove(lock_path)
    finally:
        lock.release()
    return gone


def _remove(path: Path) -> bool:
    """Unlink, tolerating a file another sweep removed first (or one the OS will not let go of yet)."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        return False
    return True
