"""Writing a synthetic batch: the kept rows as JSON lines and the batch report beside them, for every generator.

The rows file appears whole or not at all (written to a ``.partial`` file, then renamed), so an interrupted run
never leaves a half batch that looks complete; the report is ``<name>.report.json`` next to ``<name>.jsonl``.
The items themselves are kept as they are made in ``<name>.journal.jsonl`` (:class:`Journal`, filled chunk by
chunk by :func:`fill_journal`), so a killed run resumes where it stopped; trials and patients share both.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "Journal",
    "digest",
    "fill_journal",
    "journal_path_for",
    "report_path_for",
    "write_rows_and_report",
]


def report_path_for(out: Path) -> Path:
    return out.with_name(out.name.removesuffix(".jsonl") + ".report.json")


def write_rows_and_report(rows: Iterable[dict[str, Any]], report: dict[str, Any], out: Path) -> Path:
    """Write ``rows`` to ``out`` and ``report`` beside it; returns the report's path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    partial.replace(out)
    path = report_path_for(out)
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


JOURNAL_VERSION = 1


def journal_path_for(out: Path) -> Path:
    """Where a batch's items are written as they are made: ``<name>.journal.jsonl`` next to ``<name>.jsonl``."""
    return out.with_name(out.name.removesuffix(".jsonl") + ".journal.jsonl")


class Journal:
    """Append-only record of a batch's finished items, each line flushed and fsynced before the next item.

    Why: generation is slow, and a batch written only at the end is lost whole when the run is killed. The first
    line fixes the batch's settings (its fingerprint) and creation time; a rerun with the same fingerprint reads
    the items already done and goes on, and one with another fingerprint is refused, so two batches never mix.
    """

    def __init__(self, path: Path, fingerprint: dict[str, Any], created: str | None = None) -> None:
        """``created`` stamps a new journal (default: now); a resumed one keeps the stamp it was made with."""
        self.path = path
        self.created = created or datetime.now(UTC).isoformat(timespec="seconds")
        self.done: dict[int, dict[str, Any]] = {}
        self._open(fingerprint)

    def _open(self, fingerprint: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        good = 0  # bytes of whole lines: a line cut by a kill is dropped and written again
        if self.path.exists():
            data = self.path.read_bytes()
            for line in data.splitlines(keepends=True):
                try:
                    entry = json.loads(line) if line.endswith(b"\n") else None
                except json.JSONDecodeError:
                    entry = None
                if not isinstance(entry, dict):
                    break
                if good == 0:
                    self._check_header(entry, fingerprint)
                else:
                    self.done[int(entry["index"])] = entry
                good += len(line)
        with self.path.open("r+b" if self.path.exists() else "wb") as handle:
            handle.truncate(good)
        self._handle = self.path.open("a", encoding="utf-8")
        if good == 0:
            self.append({"journal": JOURNAL_VERSION, "fingerprint": fingerprint, "created": self.created})

    def _check_header(self, header: dict[str, Any], fingerprint: dict[str, Any]) -> None:
        from trialgraph.errors import ConfigError

        stored = header.get("fingerprint")
        if header.get("journal") != JOURNAL_VERSION or not isinstance(stored, dict):
            raise ConfigError(f"{self.path} is not a batch journal; move it away or choose another --out")
        if stored != fingerprint:
            changed = sorted(k for k in {*stored, *fingerprint} if stored.get(k) != fingerprint.get(k))
            raise ConfigError(
                f"{self.path} holds a batch made with other settings ({', '.join(changed)} differ): "
                "rerun with the same settings to finish it, or choose another --out"
            )
        self.created = str(header["created"])

    def append(self, entry: dict[str, Any]) -> None:
        """Write one line and make it durable before returning: what a kill after this call cannot lose."""
        self._handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()


def digest(value: Any) -> str:
    """A short, stable hash of JSON-able inputs (sets sorted): how a fingerprint names a seed set or trial set
    without holding it whole."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=sorted).encode()).hexdigest()[:16]


MakeChunk = Callable[[range], Iterable[dict[str, Any]]]


def fill_journal(
    journal: Journal, count: int, chunk: int, make: MakeChunk, on_item: Callable[[int], None] | None = None
) -> list[dict[str, Any]]:
    """Make the ``count`` items of a batch that ``journal`` lacks, in fixed chunks, each finished item journalled.

    Why fixed chunks, made whole: a batched model call's reply can depend on what else is in the batch, so a chunk
    with any item left is made again whole (``make`` gets its positions and returns one entry, with its
    ``"index"``, per position) and only the missing entries are kept; each item then always sees the same call,
    and a resumed batch equals an uninterrupted one. ``on_item`` gets each index once its line is durable
    (progress; a test stops the run there). Closes the journal; returns every entry, in index order.

    Raises:
        RuntimeError: ``make`` left a position of its chunk without an entry (nothing would say what became of it).
    """
    try:
        for start in range(0, count, chunk):
            positions = range(start, min(start + chunk, count))
            if all(i in journal.done for i in positions):
                continue
            made = {int(entry["index"]): entry for entry in make(positions)}
            missing = [i for i in positions if i not in made]
            if missing:
                raise RuntimeError(f"chunk {start}..{positions[-1]} made no entry for items {missing}")
            for index in positions:
                if index not in journal.done:
                    journal.append(made[index])
                    journal.done[index] = made[index]
                    if on_item is not None:
                        on_item(index)
    finally:
        journal.close()
    return [journal.done[i] for i in sorted(journal.done)]
