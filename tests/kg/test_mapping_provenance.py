"""A copy of a release under another file name leaves the set's mapping edges as they were (issue 18).

The set is named by the file's content, so the copy states the same edges; it rewrote each one's ``source_file``
to the copy's name and counted it ``written``. Now such an edge moves only its load run (which the removal of
stale mappings reads) and is counted ``unchanged``, as its concepts are. The input is the start of the real
DOID release.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest

from tests.data import shared
from trialgraph.api import TrialGraph
from trialgraph.settings import Settings

TERMS = 40  # terms in the slice: some 70 xrefs, quick to load


@pytest.fixture()
def tg(graph: neo4j.Driver, neo4j_server: Settings) -> Iterator[TrialGraph]:
    client = TrialGraph.connect(neo4j_server)
    yield client
    client.close()


def _slice() -> str:
    """The DOID release's header and its first TERMS terms, each stanza whole."""
    with gzip.open(shared("ontologies/doid/doid.obo.gz"), "rt", encoding="utf-8") as handle:
        text = handle.read()
    headers = [match.start() for match in re.finditer(r"^\[Term\]\n", text, re.MULTILINE)]
    return text[: headers[TERMS]]


def _edges(tg: TrialGraph) -> dict[tuple[str, str, str], dict[str, Any]]:
    rows = tg.run_cypher(
        "MATCH (s:Concept)-[m:MAPS_TO]->(o:Concept) RETURN s.curie AS s, o.curie AS o, properties(m) AS p"
    )
    return {(r["s"], r["p"]["predicate"], r["o"]): r["p"] for r in rows}


def _load(tg: TrialGraph, folder: Path, name: str, text: str) -> Any:
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")
    return tg.load("obo", [folder / name])


def test_a_copy_under_another_name_rewrites_no_mapping_and_counts_them_unchanged(
    tg: TrialGraph, tmp_path: Path
) -> None:
    text = _slice()
    first = _load(tg, tmp_path / "release", "doid.obo", text)
    before = _edges(tg)
    assert len(before) > 50 and first.written == first.read  # premise: concepts and mappings, all new
    copy = _load(tg, tmp_path / "copy", "doid-copy.obo", text)
    after = _edges(tg)
    assert (copy.read, copy.written, copy.unchanged, copy.rejected) == (first.read, 0, first.read, 0)
    assert {key: {**props, "load_run": ""} for key, props in after.items()} == {
        key: {**props, "load_run": ""} for key, props in before.items()
    }
    assert all(props["source_file"].startswith("doid.obo:") for props in after.values())
    assert {props["load_run"] for props in after.values()} == {copy.run_id}  # current: stale removal spares them


def test_a_mapping_whose_evidence_changed_is_rewritten_whole(tg: TrialGraph, tmp_path: Path) -> None:
    """An edge stored with other evidence than the file now gives is rewritten, its old evidence removed; the
    edges the file states as they are stay untouched."""
    text = _slice()
    _load(tg, tmp_path / "release", "doid.obo", text)
    key = sorted(_edges(tg))[0]
    with tg.driver.session() as session:  # as if an older release had stated it with other evidence
        session.run(
            "MATCH (:Concept {curie: $s})-[m:MAPS_TO {predicate: $p}]->(:Concept {curie: $o}) "
            "SET m.justification = 'semapv:Older', m.confidence = 0.5",
            s=key[0],
            p=key[1],
            o=key[2],
        ).consume()
    again = _load(tg, tmp_path / "again", "doid-again.obo", text)
    after = _edges(tg)
    assert again.written == 1
    assert "justification" not in after[key] and "confidence" not in after[key]  # DOID xrefs state neither
    assert [k for k, p in after.items() if p["source_file"].startswith("doid-again.obo:")] == [key]
