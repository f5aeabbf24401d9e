"""The batched writer: staged records → one write transaction per batch, with counts and quarantine.

Why this shape: each batch is one transaction, so a killed load leaves whole batches or nothing, and
a restart skips every record whose content hash is already in the graph: resuming is just loading
again. A changed record has all its own facts deleted and rewritten in the same transaction, so no
stale arm or outcome survives an update. Parsing of the next batch overlaps with the database
writing the previous one (one batch in flight), which matters on a 2-core machine.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

import neo4j
from neo4j.exceptions import ClientError, DatabaseError, DriverError, Neo4jError

from trialgraph import __version__
from trialgraph.errors import GraphError
from trialgraph.kg import cypher
from trialgraph.kg.contention import retry_races
from trialgraph.kg.identity import IdentityReport
from trialgraph.kg.runclock import RunClock
from trialgraph.loaders.base import RecordSource, Registry, Source
from trialgraph.loaders.files import check_input
from trialgraph.model.staged import Quarantined, Staged

__all__ = [
    "GRAPH_WRITERS",
    "BatchOutcome",
    "GraphWriter",
    "LoadReport",
    "Quarantine",
    "RecordWriter",
    "Work",
    "WriteContext",
    "is_data_error",
    "record_run",
    "require_paths",
    "rows_work",
    "run_time",
    "tracked_run",
    "write_batch",
    "write_batch_isolating",
    "write_isolating",
]

log = logging.getLogger(__name__)


def run_time() -> str:
    """Now on this host's clock, in the spelling of load-run times (``RunClock``): for a bulk import, which runs
    against the local server only, so this host's clock is the server's."""
    return RunClock.of_host().now()


@dataclass(slots=True)
class LoadReport:
    """What one load did. Invariant: ``read == accepted + rejected``."""

    run_id: str
    source: str
    files: list[str]
    batch_size: int
    read: int = 0
    written: int = 0  # new or changed records written
    unchanged: int = 0  # same content already in the graph (or repeated in the input)
    superseded: int = 0  # an older version than the one the graph (or the input) already holds
    rejected: int = 0
    dangling: int = 0  # references to things no input defines (vocabulary parents), also quarantined
    field_issues: int = 0  # values dropped from records that loaded (impossible dates...), also quarantined
    files_quarantined: int = 0  # input files that could not be read at all (each also one of ``rejected``)
    files_truncated: int = 0  # input files that ended early or broke off: their tail was never read (also rejected)
    unlinked_languages: list[str] = field(default_factory=list)  # linking runs: texts left unlinked, "fr: 12"
    scope: list[str] | None = None  # linking runs with --sources: the registries whose text was read; None: all
    quarantine_file: str | None = None
    paths: list[Path] = field(default_factory=list, repr=False)
    started: str = field(default_factory=run_time)
    finished: str | None = None
    seconds: float = 0.0
    identity: IdentityReport | None = field(default=None, repr=False)  # the regrouping the load caused, if any
    host: str = field(default_factory=socket.gethostname)  # with pid: whether a running run's process still lives
    pid: int = field(default_factory=os.getpid)

    @property
    def partial(self) -> bool:
        """Whether some input was not read: a file quarantined whole, or one that ended early (its tail unread).

        The CLI then exits 2 and the ``LoadRun`` is stored as ``partial``, so that scripts notice: the records
        before a cut are whole and loaded, but the graph does not hold everything the download should have.
        """
        return self.files_quarantined > 0 or self.files_truncated > 0

    @property
    def accepted(self) -> int:
        return self.written + self.unchanged + self.superseded

    def as_dict(self) -> dict[str, Any]:
        data = {**asdict(self), "accepted": self.accepted}
        del data["paths"]  # the same as ``files``, as Path objects
        del data["identity"]  # reported on its own (a map is no property of the run record)
        return data


class Quarantine:
    """Append-only JSONL of rejected inputs, opened on the first rejection only."""

    def __init__(self, folder: Path, source: str, run_id: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self.path = folder / f"{source}-{stamp}-{run_id[:8]}.jsonl"
        self._handle: IO[str] | None = None

    def add(self, item: Quarantined, run_id: str) -> None:
        if item.whole_file:  # a file that could not be read at all: no record to name
            self._write({"file": item.origin, "reason": item.reason, "kind": "file", "load_run": run_id})
            return
        entry = {"file": item.origin, "record": item.record_id, "reason": item.reason, "load_run": run_id}
        if item.truncated:  # the file ended early here: nothing after this point was read
            entry["kind"] = "truncated"
        self._write(entry)

    def add_field_issues(self, item: Any, run_id: str) -> None:
        """Values dropped from a record that still loads: filed with ``"kind": "field"`` so none is lost silently."""
        for reason in item.issues:
            self._write(
                {"file": item.origin, "record": item.record_id, "reason": reason, "kind": "field", "load_run": run_id}
            )

    def _write(self, entry: dict[str, Any]) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        self._handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def close(self) -> str | None:
        if self._handle is None:
            return None
        self._handle.close()
        return str(self.path)


def write_batch(
    driver: neo4j.Driver, loader: RecordSource, batch: dict[str, Staged], database: str
) -> tuple[int, int, int]:
    """Write one batch in one transaction. Returns (written, unchanged, superseded)."""

    def work(tx: neo4j.ManagedTransaction) -> tuple[int, int, int]:
        stored = {
            row["record_id"]: row
            for row in tx.run(cypher.load("write/find_record_versions"), record_ids=list(batch)).data()
        }
        to_write: list[Staged] = []
        unchanged = superseded = 0
        for staged in batch.values():
            existing = stored.get(staged.record_id)
            if existing is None:
                to_write.append(staged)
            elif existing["content_hash"] == staged.content_hash:
                unchanged += 1
            elif (existing["precedence"] or "") > staged.precedence:
                superseded += 1
            else:
                to_write.append(staged)
        replaced = [s.record_id for s in to_write if s.record_id in stored]
        if replaced:
            for statement in loader.delete_statements:
                tx.run(cypher.load(f"write/{statement}"), record_ids=replaced).consume()
        for statement in loader.write_order:
            rows = [row for staged in to_write for row in staged.rows.get(statement, ())]
            if rows:
                tx.run(cypher.load(f"write/{statement}"), rows=rows).consume()
        return len(to_write), unchanged, superseded

    with driver.session(database=database) as session:
        return session.execute_write(work)


_NOT_DATA_ERRORS = (
    "Neo.ClientError.Security.",
    "Neo.ClientError.Statement.SyntaxError",
    "Neo.ClientError.Statement.ParameterMissing",
    "Neo.ClientError.Procedure.",
    "Neo.ClientError.Database.",
    "Neo.ClientError.Cluster.",
    "Neo.ClientError.Transaction.",
    "Neo.ClientError.Request.",
)
"""Client errors that say nothing about a record (our Cypher, permissions, the server's state): never bisected."""

_DATA_DATABASE_ERRORS = ("Property value is too large to index",)
"""Messages of ``Neo.DatabaseError`` codes that are in fact caused by a value (Neo4j 5 reports an over-long
indexed value as ``Neo.DatabaseError.Statement.ExecutionFailed``); any other database error ends the load."""


def is_data_error(error: BaseException) -> bool:
    """Whether Neo4j refused a write because of the values in it, so that a smaller batch may succeed.

    Why: a transient error (deadlock, leader switch) or a lost connection is no fault of a record and is
    retried or reported as the load's failure; only a client error about the data (a value too large to
    index, a constraint, a type) is isolated to the records that cause it.
    """
    if isinstance(error, DatabaseError):  # the server's own failure, except for values its indexes cannot hold
        return any(text in str(error.message or "") for text in _DATA_DATABASE_ERRORS)
    if not isinstance(error, ClientError):
        return False
    code = error.code or ""
    return not code.startswith(_NOT_DATA_ERRORS)


@dataclass(slots=True)
class BatchOutcome:
    """What :func:`write_isolating` did with one batch: the counts, and the records Neo4j refused, with why."""

    written: int = 0
    unchanged: int = 0
    superseded: int = 0
    refused: list[Quarantined] = field(default_factory=list)

    def add(self, counts: tuple[int, int, int]) -> None:
        self.written += counts[0]
        self.unchanged += counts[1]
        self.superseded += counts[2]


def write_isolating(
    write: Callable[[dict[str, Any]], tuple[int, int, int]],
    batch: dict[str, Any],
    describe: Callable[[str, Any], tuple[str, str | None]],
) -> BatchOutcome:
    """Write ``batch`` with ``write``; when Neo4j refuses it for a data reason, bisect to the refused records.

    Why: one oversized value must not cost the other 199 records of its batch, nor the load. Halves
    are written in their own transactions, so the good records land and each refused record is named
    with Neo4j's own message. A race with another load (:func:`trialgraph.kg.contention.is_race`) is first run
    again: the retry finds the other load's nodes and writes only what differs. Any other error (connection,
    our own Cypher) still ends the load.

    Args:
        write: writes a (sub-)batch in one transaction; returns (written, unchanged, superseded).
        batch: record key → the item to write.
        describe: (key, item) → (origin, record id) for the quarantine line.
    """
    outcome = BatchOutcome()
    pending = [batch]
    while pending:
        part = pending.pop()
        try:
            outcome.add(retry_races(lambda part=part: write(part)))  # another load writing the same keys
        except Neo4jError as e:
            if not is_data_error(e):
                raise
            if len(part) > 1:
                keys = list(part)
                half = len(keys) // 2
                pending.append({k: part[k] for k in keys[half:]})
                pending.append({k: part[k] for k in keys[:half]})
                continue
            ((key, item),) = part.items()
            origin, record = describe(key, item)
            reason = f"Neo4j refused the record: {one_line_message(e)}"
            outcome.refused.append(Quarantined(origin=origin, reason=reason, record_id=record))
    return outcome


def one_line_message(error: Neo4jError) -> str:
    """Neo4j's message, whitespace folded, with its status code: one line for a quarantine reason."""
    message = " ".join(str(getattr(error, "message", None) or error).split())
    return f"{message} ({error.code})" if error.code else message


def write_batch_isolating(
    driver: neo4j.Driver, loader: RecordSource, batch: dict[str, Staged], database: str
) -> BatchOutcome:
    """:func:`write_batch` with refused records isolated (:func:`write_isolating`)."""
    return write_isolating(
        lambda part: write_batch(driver, loader, part, database),
        batch,
        lambda _key, staged: (staged.origin, staged.record_id),
    )


@dataclass(frozen=True, slots=True)
class WriteContext:
    """What a graph writer needs to know about the load it serves."""

    driver: neo4j.Driver
    source: Source
    load_run: str
    batch_size: int
    database: str


Work = Callable[[], BatchOutcome]
"""One transaction's worth of writing (a full batch, a deletion), run by the load's writer thread in order. It
retries its own races with another load (``retry_races``; inside :func:`write_isolating` per part), so a retry
never nests inside another and a genuine constraint violation is isolated after one round of tries."""


def rows_work(context: WriteContext, statement: str, rows: list[dict[str, Any]], written: int, **params: Any) -> Work:
    """One batch of rows through one write statement (``cypher/<statement>.cypher``), as :data:`Work`.

    Why shared: the inferred-edge writers (condition links, text mentions) differ only in their statement, rows
    and provenance parameters; each builds its batch and hands it here.
    """

    def work() -> BatchOutcome:
        query = cypher.load(statement)
        with context.driver.session(database=context.database) as session:
            session.execute_write(lambda tx: tx.run(query, rows=rows, **params).consume())
        return BatchOutcome(written=written)

    return work


class GraphWriter(Protocol):
    """The graph side of one kind of source: it gathers items into batches and says what to write.

    The one load loop (:func:`load`) owns reading, counting, the ``LoadRun``, quarantine and the writer
    thread; a writer only decides what a batch is and how it is written. It is made per load with a
    :class:`WriteContext`, and registered in ``GRAPH_WRITERS`` under the name sources give as ``graph_writer``.
    """

    def add(self, item: Any, report: LoadReport) -> list[Work]:
        """Take one item; return the work now due (a full batch, or a barrier such as a deletion), in order."""
        ...

    def close(self) -> list[Work]:
        """The work still due at the end of the input (the last partial batch)."""
        ...

    def finish(self, report: LoadReport, quarantine: Quarantine) -> None:
        """Checks once every write has landed (a vocabulary's dangling parents); most writers do nothing."""
        ...


GRAPH_WRITERS: Registry[GraphWriter] = Registry("graph writer")


@GRAPH_WRITERS.register("records")
class RecordWriter:
    """Registry records: batches keyed by record id, the later or higher-precedence copy kept within a batch."""

    def __init__(self, context: WriteContext) -> None:
        self.context = context
        self.batch: dict[str, Staged] = {}

    def add(self, item: Staged, report: LoadReport) -> list[Work]:
        _add_to_batch(self.batch, item, report)
        return self._take() if len(self.batch) >= self.context.batch_size else []

    def close(self) -> list[Work]:
        return self._take() if self.batch else []

    def finish(self, report: LoadReport, quarantine: Quarantine) -> None:
        return None

    def _take(self) -> list[Work]:
        batch, self.batch = self.batch, {}
        c = self.context
        return [lambda: write_batch_isolating(c.driver, c.source, batch, c.database)]  # type: ignore[arg-type]


@contextmanager
def tracked_run(
    driver: neo4j.Driver,
    source: str,
    paths: Iterable[Path],
    batch_size: int,
    quarantine_dir: Path,
    database: str,
    scope: list[str] | None = None,
) -> Iterator[tuple[LoadReport, Quarantine]]:
    """The frame every load runs in: inputs checked, a ``LoadRun`` node kept up to date, quarantine closed.

    Every writer (registries, vocabularies, publications) loads inside it, so they all report, fail and
    quarantine the same way: a database error ends the load as ``failed`` with a one-line ``GraphError``. A
    load that ends normally is stored as ``completed``, or ``partial`` when some input was not read
    (:attr:`LoadReport.partial`): ``trialgraph runs`` then tells a cut download from a whole one. ``scope``: the
    registries a linking run reads (``--sources``), on the ``LoadRun`` from its first write, so that a run killed
    midway still says what it covered.
    """
    report = LoadReport(run_id=uuid.uuid4().hex, source=source, files=[], batch_size=batch_size, scope=scope)
    report.paths = [Path(p) for p in paths]
    require_paths(report.paths)
    run_clock = RunClock.of_server(driver, database)
    report.started = run_clock.now()
    mark_interrupted_runs(driver, database, run_clock)
    report.files = [str(p) for p in report.paths]
    quarantine = Quarantine(quarantine_dir, source, report.run_id)
    record_run(driver, report, "running", database)
    clock = datetime.now(UTC)
    try:
        yield report, quarantine
    except (Neo4jError, DriverError) as e:
        report.finished = run_clock.now()  # its writes ended here
        _record_run_quietly(driver, report, "failed", database)
        raise GraphError(f"Neo4j refused a batch: {getattr(e, 'message', None) or e}") from e
    except BaseException:
        report.finished = run_clock.now()
        _record_run_quietly(driver, report, "failed", database)
        raise
    finally:
        report.quarantine_file = quarantine.close()
    report.finished = run_clock.now()
    report.seconds = (datetime.now(UTC) - clock).total_seconds()
    record_run(driver, report, "partial" if report.partial else "completed", database)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def mark_interrupted_runs(driver: neo4j.Driver, database: str = "neo4j", clock: RunClock | None = None) -> list[str]:
    """Runs recorded as running by a process of this machine that no longer exists become ``interrupted``, seen so
    at ``clock``'s now (the server's clock, read here when not given).

    Runs of other machines are left alone: whether their process lives cannot be seen from here.
    """
    try:
        with driver.session(database=database) as session:
            running = session.execute_read(
                lambda tx: tx.run(cypher.load("read/running_load_runs"), host=socket.gethostname()).data()
            )
            ended = [row["run_id"] for row in running if not _process_alive(int(row["pid"]))]
            if ended:
                session.execute_write(
                    lambda tx: tx.run(
                        cypher.load("write/mark_interrupted_runs"),
                        run_ids=ended,
                        now=(clock or RunClock.of_server(driver, database)).now(),
                    ).consume()
                )
    except (Neo4jError, DriverError) as e:
        raise GraphError(f"could not check earlier load runs: {getattr(e, 'message', None) or e}") from e
    return ended


def require_paths(paths: list[Path]) -> None:
    """Check every input exists before anything is written: a typo in the third path must not load the first two."""
    for path in paths:  # check_input names the reason: missing, a link loop, not a regular file
        check_input(path)


def _add_to_batch(batch: dict[str, Staged], item: Staged, report: LoadReport) -> None:
    """The same record twice in one batch: keep the one with higher precedence (later input on a tie)."""
    previous = batch.get(item.record_id)
    if previous is None:
        batch[item.record_id] = item
    elif previous.content_hash == item.content_hash:
        report.unchanged += 1
    elif item.precedence >= previous.precedence:
        batch[item.record_id] = item
        report.superseded += 1
    else:
        report.superseded += 1


def record_run(driver: neo4j.Driver, report: LoadReport, status: str, database: str) -> None:
    props = {k: v for k, v in report.as_dict().items() if k != "run_id"}
    props.update(status=status, software_version=__version__)
    try:
        with driver.session(database=database) as session:
            session.execute_write(
                lambda tx: tx.run(cypher.load("write/merge_load_run"), run_id=report.run_id, props=props).consume()
            )
    except (Neo4jError, DriverError) as e:
        raise GraphError(f"could not record the load run: {getattr(e, 'message', None) or e}") from e


def _record_run_quietly(driver: neo4j.Driver, report: LoadReport, status: str, database: str) -> None:
    """Best effort while another error is already on its way to the user."""
    try:
        record_run(driver, report, status, database)
    except GraphError:
        log.warning("could not mark load run %s as %s", report.run_id, status)
