"""A resolution clears only the pending flags it read: a load that lands between its read and its write keeps its flags.

The race is played out step by step, with no threads and no mocks: the resolution's read step runs, then a second
load rewrites a record (or restates a curated pair) already in the set read, through the real writer from a real
file, then the resolution's resolve and write steps run. The rewrite was never weighed, so it must stay pending
until the next resolution; everything else the first read saw is cleared.
"""

from __future__ import annotations

import json
from pathlib import Path

import neo4j

from tests.data import shared
from tests.graphcheck import rows
from trialgraph.kg.identity import plan_identities, read_identities, resolve_identities, write_identities
from trialgraph.kg.load import load
from trialgraph.loaders.base import discover

STUDIES = "ctgov/v2/studies"
REWRITTEN = "NCT00000410"  # one of the studies, loaded again in a changed version
RECORD = f"ctgov:{REWRITTEN}"
CURATED = "links/intovalue/registry-crossreg.csv"
PENDING_NODES = (
    "MATCH (n) WHERE n.identity_pending IS NOT NULL "
    "RETURN coalesce(n.record_id, n.id) AS key, n.identity_pending AS token ORDER BY key"
)
PENDING_PAIRS = (
    "MATCH (a)-[s:SAME_TRIAL_AS]->(b) WHERE s.identity_pending IS NOT NULL "
    "RETURN a.id + ' ' + b.id AS key, s.identity_pending AS token ORDER BY key"
)


def _pending(graph: neo4j.Driver, statement: str) -> dict[str, str]:
    return {row["key"]: row["token"] for row in rows(graph, statement)}


def _changed_study(tmp_path: Path) -> Path:
    """The shared CT.gov v2 record as a later registry version would give it: an amended title."""
    study = json.loads((shared(STUDIES) / f"{REWRITTEN}.json").read_text(encoding="utf-8"))
    study["protocolSection"]["identificationModule"]["briefTitle"] += " (amended)"
    path = tmp_path / "changed.jsonl"
    path.write_text(json.dumps(study) + "\n", encoding="utf-8")
    return path


def _curated_rows(tmp_path: Path, name: str, count: int) -> Path:
    """The first ``count`` rows of the shared IntoValue cross-registrations, as a file of their own."""
    with shared(CURATED).open(encoding="utf-8", newline="") as fh:
        lines = fh.read().splitlines(keepends=True)
    path = tmp_path / name
    path.write_text("".join(lines[: count + 1]), encoding="utf-8")
    return path


def _load(graph: neo4j.Driver, source: str, paths: list[Path], quarantine: Path) -> None:
    report = load(graph, discover().create(source), paths, quarantine_dir=quarantine)
    assert report.rejected == 0 and report.written > 0


def test_a_record_rewritten_between_read_and_clear_stays_pending_for_the_next_resolution(
    graph: neo4j.Driver, tmp_path: Path
) -> None:
    _load(graph, "ctgov", [shared(STUDIES)], tmp_path / "q1")
    with graph.session() as session:
        read = read_identities(session, "pending")
    tokens = {row["record_id"]: row["token"] for row in read.pending.records}
    assert RECORD in tokens and len(tokens) > 1

    _load(graph, "ctgov", [_changed_study(tmp_path)], tmp_path / "q2")  # the concurrent load
    rewritten = _pending(graph, PENDING_NODES)[RECORD]
    assert rewritten != tokens[RECORD]

    with graph.session() as session:
        write_identities(session, plan_identities(read))
    # the rewrite was never weighed: it alone is still pending, with the token its load wrote
    assert _pending(graph, PENDING_NODES) == {RECORD: rewritten}
    [title] = rows(graph, "MATCH (r:RegistryRecord {record_id: $id}) RETURN r.brief_title AS t", id=RECORD)
    assert title["t"].endswith("(amended)")

    report = resolve_identities(graph, scope="pending")
    assert report.records >= 1
    assert _pending(graph, PENDING_NODES) == {}


def test_a_curated_pair_restated_between_read_and_clear_stays_pending(graph: neo4j.Driver, tmp_path: Path) -> None:
    _load(graph, "crossreg", [_curated_rows(tmp_path, "pairs.csv", 5)], tmp_path / "q1")
    with graph.session() as session:
        read = read_identities(session, "pending")
    assert len(read.pending.pairs) == 5 and len(read.pending.ids) == 10

    _load(graph, "crossreg", [_curated_rows(tmp_path, "again.csv", 1)], tmp_path / "q2")  # restates the first pair
    restated = _pending(graph, PENDING_PAIRS)
    with graph.session() as session:
        write_identities(session, plan_identities(read))
    [pair] = restated.keys() & _pending(graph, PENDING_PAIRS).keys()
    assert _pending(graph, PENDING_PAIRS) == {pair: restated[pair]}
    assert _pending(graph, PENDING_NODES) == {}  # its ids existed already: no new flag on them

    resolve_identities(graph, scope="pending")
    assert _pending(graph, PENDING_PAIRS) == {}


def test_an_uninterrupted_resolution_clears_every_flag(graph: neo4j.Driver, tmp_path: Path) -> None:
    _load(graph, "ctgov", [shared(STUDIES)], tmp_path / "q1")
    _load(graph, "crossreg", [_curated_rows(tmp_path, "pairs.csv", 5)], tmp_path / "q2")
    before = _pending(graph, PENDING_NODES)
    assert len(before) > 10 and len(_pending(graph, PENDING_PAIRS)) == 5

    report = resolve_identities(graph, scope="pending")
    assert report.records == sum(1 for key in before if key.startswith("ctgov:"))
    assert _pending(graph, PENDING_NODES) == {} and _pending(graph, PENDING_PAIRS) == {}
