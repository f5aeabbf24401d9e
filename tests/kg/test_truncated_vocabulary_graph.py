"""A cut vocabulary file loaded over the complete one leaves the graph as it was (issue 18: a cut term lost its
parents; a plain file cut exactly at a line end reads as whole).

The input is the start of the real DOID release, cut inside a term's second ``is_a`` line as a failed download
would cut it; expectations are read from the raw text with regexes.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import neo4j
import pytest

from tests.data import shared
from trialgraph.api import TrialGraph
from trialgraph.kg.concepts import HELD_AT_UNPROVEN_END
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


# --- plain files cut exactly at a line end: nothing can see the cut ------------------------------------------------

ATC = "ontologies/atc/WHO_ATC-DDD_2026-04-25.csv"
MESH_2020 = "ontologies/mesh/samples-2020/mesh2020-subset.nt"


def _atc_release_and_cut() -> tuple[str, str, str]:
    """(the ATC export up to two rows after its first code with two DDD rows, that text cut after the code's first
    row, the code): the cut file ends on a whole row, so the code reads as having one DDD."""
    lines = shared(ATC).read_text(encoding="utf-8").splitlines(keepends=True)
    codes = [line.split(",", 1)[0] for line in lines]
    at = next(i for i in range(1, len(lines) - 1) if codes[i] == codes[i + 1])
    return "".join(lines[: at + 4]), "".join(lines[: at + 1]), codes[at]


def _quarantined(report: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(report.quarantine_file or "").read_text().splitlines()]


def _ddds(tg: TrialGraph, curie: str) -> tuple[list[str], bool | None]:
    rows = tg.run_cypher("MATCH (c:Concept {curie: $c}) RETURN c.ddd AS ddd, c.end_unproven AS unproven", c=curie)
    return sorted(rows[0]["ddd"] or []), rows[0]["unproven"]


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir()
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_plain_atc_file_cut_between_two_rows_of_a_code_does_not_replace_the_stored_code(
    tg: TrialGraph, tmp_path: Path
) -> None:
    text, cut_text, code = _atc_release_and_cut()
    name = shared(ATC).name
    complete, cut = _write(tmp_path / "complete", name, text), _write(tmp_path / "cut", name, cut_text)
    assert tg.load("atc", [complete]).rejected == 0
    curie = f"ATC:{code}"
    stored_ddds, unproven = _ddds(tg, curie)
    assert len(stored_ddds) == 2 and unproven is None
    before = tmp_path / "before.jsonl.gz"
    write_dump(tg.driver, before)

    report = tg.load("atc", [cut])

    held = [e for e in _quarantined(report) if e["reason"] == HELD_AT_UNPROVEN_END]
    assert [e["record"] for e in held] == [curie]
    assert report.rejected == 1 and not report.partial
    after = tmp_path / "after.jsonl.gz"
    write_dump(tg.driver, after)
    difference = compare_dumps(before, after)
    assert difference.identical, difference.examples


def test_a_code_first_written_from_a_plain_file_end_is_completed_by_the_whole_file(
    tg: TrialGraph, tmp_path: Path
) -> None:
    """Into an empty graph the cut file's last code is written (nothing stored to spoil), marked; the whole file,
    whose last code is another one, then replaces it and clears the mark."""
    text, cut_text, code = _atc_release_and_cut()
    name = shared(ATC).name
    complete, cut = _write(tmp_path / "complete", name, text), _write(tmp_path / "cut", name, cut_text)
    assert tg.load("atc", [cut]).rejected == 0
    first_ddds, unproven = _ddds(tg, f"ATC:{code}")
    assert len(first_ddds) == 1 and unproven is True

    report = tg.load("atc", [complete])

    assert report.rejected == 0
    ddds, unproven = _ddds(tg, f"ATC:{code}")
    assert len(ddds) == 2 and set(first_ddds) < set(ddds) and unproven is None


def test_a_plain_mesh_file_cut_inside_its_last_subject_does_not_replace_the_stored_record(
    tg: TrialGraph, tmp_path: Path
) -> None:
    """The 2020 subset, gzipped (its end proves it whole), is loaded; then the plain triples with one record's run
    moved last (still grouped by subject, its label line last) and cut before that line: the record reads whole,
    without its name. The graph keeps the complete copy and the load says why."""
    path = shared(MESH_2020)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    curie = "MESH:D003316"  # Corneal Diseases: a typed descriptor with a label, a tree number, parents, qualifiers
    own = [x for x in lines if x.split(" ", 1)[0].endswith(f"/{curie.removeprefix('MESH:')}>")]
    label = [x for x in own if "rdf-schema#label>" in x]
    assert len(label) == 1 and len(own) >= 3
    moved = [x for x in own if x not in label] + label  # the run, last in the file, its label line last
    cut = _write(tmp_path / "cut", path.name, "".join([x for x in lines if x not in own] + moved[:-1]))
    whole = tmp_path / "whole" / f"{path.name}.gz"
    whole.parent.mkdir()
    whole.write_bytes(gzip.compress(path.read_bytes(), mtime=0))
    tg.load("mesh", [whole])
    before = tmp_path / "before.jsonl.gz"
    write_dump(tg.driver, before)

    report = tg.load("mesh", [cut])

    held = [e for e in _quarantined(report) if e["reason"] == HELD_AT_UNPROVEN_END]
    assert [e["record"] for e in held] == [curie]
    assert not report.partial
    after = tmp_path / "after.jsonl.gz"
    write_dump(tg.driver, after)
    difference = compare_dumps(before, after)
    assert difference.identical, difference.examples


def test_a_whole_file_stating_the_same_code_clears_the_mark(tg: TrialGraph, tmp_path: Path) -> None:
    """A code written from a plain file's end is marked; a file that proves the same content whole (the code is
    no longer its last) rewrites it only to clear the mark: equal content alone would count it unchanged."""
    lines = shared(ATC).read_text(encoding="utf-8").splitlines(keepends=True)
    codes = [line.split(",", 1)[0] for line in lines]
    at = next(i for i in range(1, len(lines) - 1) if len(codes[i]) == 7 and codes[i + 1] != codes[i])
    name = shared(ATC).name
    cut = _write(tmp_path / "cut", name, "".join(lines[: at + 1]))
    whole = _write(tmp_path / "whole", name, "".join(lines[: at + 2]))
    tg.load("atc", [cut])
    curie = f"ATC:{codes[at]}"
    ddds, unproven = _ddds(tg, curie)
    assert unproven is True

    report = tg.load("atc", [whole])

    assert report.rejected == 0
    assert _ddds(tg, curie) == (ddds, None)


@pytest.mark.parametrize("stub_first", [False, True], ids=["new-node", "filling-a-stub"])
def test_a_marked_code_waits_for_a_load_writing_it_at_the_same_time_and_then_leaves_it_alone(
    tg: TrialGraph, tmp_path: Path, stub_first: bool
) -> None:
    """Another writer creates the code (whole), or fills the stub an edge made of it, and has not committed when
    the cut file's load writes: the load locks the code's key before it reads what is stored, so it waits, sees
    the other copy and holds its own back. (Reading first, it would have found nothing stored, or a stub, and
    overwritten the other copy once it committed.)"""
    _, cut_text, code = _atc_release_and_cut()
    cut = _write(tmp_path / "cut", shared(ATC).name, cut_text)
    curie = f"ATC:{code}"
    if stub_first:
        tg.driver.execute_query("CREATE (:Concept {curie: $curie, stub: true, vocabulary: 'ATC'})", curie=curie)
    outcome: dict[str, Any] = {}
    with tg.driver.session() as session:
        other = session.begin_transaction()
        other.run(
            "MERGE (c:Concept {curie: $curie}) SET c.name = 'the other copy', c.vocabulary = 'ATC', "
            "c.content_hash = 'other' REMOVE c.stub",
            curie=curie,
        ).consume()
        load = threading.Thread(target=lambda: outcome.update(report=tg.load("atc", [cut])))
        load.start()
        time.sleep(3)  # the load reaches its write transaction, which waits on the code's key
        assert load.is_alive(), "the load should be waiting for the other writer"
        other.commit()
    load.join(timeout=120)
    held = [e for e in _quarantined(outcome["report"]) if e["reason"] == HELD_AT_UNPROVEN_END]
    assert [e["record"] for e in held] == [curie]
    rows = tg.run_cypher("MATCH (c:Concept {curie: $c}) RETURN c.name AS name, c.ddd AS ddd", c=curie)
    assert rows == [{"name": "the other copy", "ddd": None}]
