"""An impossible registry last-update date is dropped and filed, and a later valid update still wins (issue 18).

Stored as a version, "2023-13-45" would sort after every real 2023 date, so the valid update of December 2023
below would be ``superseded`` for good. Through the real CTIS loader and writer: the record with the impossible
date loads without it (its version falls back to its registration date), the valid update replaces it, and the
impossible copy loaded again does not replace the update.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import neo4j

from tests.data import shared
from tests.graphcheck import count
from trialgraph.kg.load import load
from trialgraph.kg.writer import LoadReport
from trialgraph.loaders.base import discover

CTIS = "registries/ctis/ctis_trials.jsonl"
RECORD = "ctis:2022-500244-37-00"


def _write(path: Path, trial: dict[str, Any], last_updated: str, enrolled: int) -> Path:
    changed = dict(trial, lastUpdated=last_updated, totalNumberEnrolled=enrolled)
    path.write_text(json.dumps(changed) + "\n", encoding="utf-8")
    return path


def _load(graph: neo4j.Driver, path: Path, quarantine: Path) -> LoadReport:
    return load(graph, discover().create("ctis"), [path], quarantine_dir=quarantine)


def _stored(graph: neo4j.Driver) -> tuple[Any, ...]:
    row = graph.execute_query(
        "MATCH (r:RegistryRecord {record_id: $id}) "
        "RETURN r.last_update_date AS d, r.precedence AS p, r.enrollment AS e",
        id=RECORD,
    ).records[0]
    return row["d"], row["p"], row["e"]


def test_an_impossible_last_update_is_filed_and_a_later_valid_update_still_wins(
    graph: neo4j.Driver, tmp_path: Path
) -> None:
    trial = json.loads(shared(CTIS).read_text(encoding="utf-8").splitlines()[0])
    assert (trial["ctNumber"], trial["submissionDate"]) == ("2022-500244-37-00", "2022-04-19")
    bad = _write(tmp_path / "bad.jsonl", trial, "2023-13-45", 12)
    report = _load(graph, bad, tmp_path / "q")
    assert (report.written, report.rejected, report.field_issues) == (1, 0, 1)
    entries = [json.loads(line) for line in Path(report.quarantine_file or "").read_text().splitlines()]
    assert entries == [
        {
            "file": f"{bad}:1",
            "record": RECORD,
            "reason": "lastUpdated '2023-13-45' is not a calendar date; stored without it",
            "kind": "field",
            "load_run": report.run_id,
        }
    ]
    assert _stored(graph) == (None, "2022-04-19|0", 12)  # versioned by its registration date

    newer = _write(tmp_path / "newer.jsonl", trial, "2023-12-20", 99)
    report = _load(graph, newer, tmp_path / "q")
    assert (report.written, report.superseded, report.field_issues) == (1, 0, 0)
    assert _stored(graph) == ("2023-12-20", "2023-12-20|0", 99)

    report = _load(graph, bad, tmp_path / "q")  # the impossible copy again: older than the update now held
    assert (report.written, report.superseded) == (0, 1)
    assert _stored(graph) == ("2023-12-20", "2023-12-20|0", 99)
    assert count(graph, "MATCH (r:RegistryRecord) RETURN count(r)") == 1
