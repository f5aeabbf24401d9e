"""A cut OBO file loaded over the complete one leaves the graph as it was (issue 18: a cut term lost its parents).

The input is the start of the real DOID release, cut inside a term's second ``is_a`` line as a failed download
would cut it; expectations are read from the raw text with regexes.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import neo4j
import pytest

from tests.data import shared
from trialgraph.api import TrialGraph
from trialgraph.kg.dump import compare_dumps, write_dump
from trialgraph.settings import Settings

DOID = "ontologies/doid/doid.obo.gz"
AFTER = 3  # terms kept after the cut one: the cut must leave them as they were


@pytest.fixture()
def tg(graph: neo4j.Driver, neo4j_server: Settings) -> Iterator[TrialGraph]:
    client = TrialGraph.connect(neo4j_server)
    yield client
    client.close()


def _release_start() -> str:
    """The DOID release up to the third term after its first term with two parents, each stanza whole."""
    with gzip.open(shared(DOID), "rt", encoding="utf-8") as handle:
        text = handle.read()
    headers = [match.start() for match in re.finditer(r"^\[Term\]\n", text, re.MULTILINE)]
    stanzas = [text[start:end] for start, end in pairwise(headers)]
    first = next(i for i, stanza in enumerate(stanzas) if len(re.findall(r"^is_a: ", stanza, re.MULTILINE)) >= 2)
    return text[: headers[first + AFTER + 1]]


def _parents(tg: TrialGraph, curie: str) -> set[str]:
    rows = tg.run_cypher("MATCH (:Concept {curie: $c})-[:BROADER]->(p) RETURN p.curie AS p", c=curie)
    return {row["p"] for row in rows}


def test_a_term_cut_inside_its_second_parent_keeps_both_parents_and_the_graph_is_unchanged(
    tg: TrialGraph, tmp_path: Path
) -> None:
    text = _release_start()
    stanza = next(
        match
        for match in re.finditer(r"^\[Term\]\nid: (\S+)\n((?:.+\n)+)", text, re.MULTILINE)
        if len(re.findall(r"^is_a: ", match.group(2), re.MULTILINE)) >= 2
    )
    term_id = stanza.group(1)
    parents = set(re.findall(r"^is_a: (\S+)", stanza.group(2), re.MULTILINE))
    second_is_a = text.index("\nis_a: ", text.index("\nis_a: ", stanza.start()) + 1)
    cut = second_is_a + len("\nis_a: DOI")
    (tmp_path / "complete").mkdir()
    (tmp_path / "cut").mkdir()
    complete, truncated = tmp_path / "complete" / "doid.obo", tmp_path / "cut" / "doid.obo"
    complete.write_text(text, encoding="utf-8")
    truncated.write_text(text[:cut], encoding="utf-8")

    first = tg.load("obo", [complete])
    assert first.rejected == 0 and _parents(tg, term_id) == parents and len(parents) >= 2
    before = tmp_path / "before.jsonl.gz"
    write_dump(tg.driver, before)

    report = tg.load("obo", [truncated])

    assert report.rejected == 1
    entries = [json.loads(line) for line in Path(report.quarantine_file or "").read_text().splitlines()]
    [entry] = [e for e in entries if not e["reason"].startswith("dangling parent")]  # the slice's outer parents
    assert entry["record"] == term_id and f"term {term_id} of doid.obo not loaded" in entry["reason"]
    assert _parents(tg, term_id) == parents
    after = tmp_path / "after.jsonl.gz"
    write_dump(tg.driver, after)
    difference = compare_dumps(before, after)
    assert difference.identical, difference.examples
