"""Writing a synthetic batch: the kept rows as JSON lines and the batch report beside them, for every generator.

The rows file appears whole or not at all (written to a ``.partial`` file, then renamed), so an interrupted run
never leaves a half batch that looks complete; the report is ``<name>.report.json`` next to ``<name>.jsonl``.
The items themselves are kept as they are made in ``<name>.journal.jsonl`` (:class:`Journal`), so a killed run
resumes where it stopped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["Journal", "journal_path_for", "report_path_for", "write_rows_and_report"]


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

    def __init__(self, path: Path, fingerprint: dict[str, Any], created: str) -> None:
        self.path = path
        self.created = created
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
