"""Mapping sets are named by what a file says it is, and a reload of a set replaces what it stated (issue 18).

A truncated copy of DOID saved under another name once added 15,225 ``MAPS_TO`` edges that no reload of the real
file removed: the set was named by the file name. The input here is the start of the real DOID release; which
edges must go or stay is read from its text with regexes, not from the parser.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest

from tests.data import shared
from trialgraph.api import TrialGraph
from trialgraph.settings import Settings

DOID = "ontologies/doid/doid.obo.gz"
TERMS = 150  # terms in the slice: enough for a few hundred xrefs, quick to load
DROPPED = 4  # terms that lose their first xref line in the "next release"


@pytest.fixture()
def tg(graph: neo4j.Driver, neo4j_server: Settings) -> Iterator[TrialGraph]:
    client = TrialGraph.connect(neo4j_server)
    yield client
    client.close()


def _slice() -> str:
    """The DOID release's header and its first TERMS terms, each stanza whole (ending in its blank line)."""
    with gzip.open(shared(DOID), "rt", encoding="utf-8") as handle:
        text = handle.read()
    headers = [match.start() for match in re.finditer(r"^\[Term\]\n", text, re.MULTILINE)]
    return text[: headers[TERMS]]


def _without_first_xrefs(text: str) -> tuple[str, list[int]]:
    """The slice with the first ``xref:`` line of DROPPED terms that have two or more removed, and those lines'
    numbers (1-based, in ``text``): each such term keeps other mappings, so only the dropped edges may go."""
    removed: list[int] = []
    for match in re.finditer(r"^\[Term\]\n((?:.+\n)+)", text, re.MULTILINE):
        if len(re.findall(r"^xref: ", match.group(1), re.MULTILINE)) >= 2:
            first = text.index("\nxref: ", match.start()) + 1
            removed.append(text.count("\n", 0, first) + 1)
        if len(removed) == DROPPED:
            break
    assert len(removed) == DROPPED  # premise: the slice has such terms
    lines = text.splitlines(keepends=True)
    return "".join(line for number, line in enumerate(lines, start=1) if number not in removed), removed


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _edges(tg: TrialGraph) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    """Every MAPS_TO edge by (subject, predicate, object, mapping set), with its properties."""
    rows = tg.run_cypher(
        "MATCH (s:Concept)-[m:MAPS_TO]->(o:Concept) RETURN s.curie AS s, o.curie AS o, properties(m) AS p"
    )
    edges = {(r["s"], r["p"]["predicate"], r["o"], r["p"]["mapping_set"]): r["p"] for r in rows}
    assert len(edges) == len(rows)  # one edge per key
    return edges


def _stable(props: dict[str, Any]) -> dict[str, Any]:
    """An edge's properties less the ones naming the load and line that last wrote it."""
    return {key: value for key, value in props.items() if key not in {"load_run", "source_file"}}


def test_a_renamed_copy_adds_nothing_and_a_release_without_some_xrefs_removes_exactly_those(
    tg: TrialGraph, tmp_path: Path
) -> None:
    text = _slice()
    mapping_lines = len(re.findall(r"^(?:xref: |property_value: (?:skos:)?\w+Match )", text, re.MULTILINE))
    first = tg.load("obo", [_write(tmp_path / "release", "doid.obo", text)])
    loaded = _edges(tg)
    assert first.rejected == 0 and not first.partial
    assert len(loaded) == mapping_lines > 100  # premise: xrefs and skos matches, none repeated
    assert {key[3] for key in loaded} == {"obo:doid"}

    copy = tg.load("obo", [_write(tmp_path / "copy", "doid-truncated-copy.obo", text)])
    assert copy.rejected == 0 and copy.field_issues == 0
    assert {key: _stable(p) for key, p in _edges(tg).items()} == {key: _stable(p) for key, p in loaded.items()}

    reduced, removed_lines = _without_first_xrefs(text)
    gone = {key for key, props in loaded.items() if int(props["source_file"].rsplit(":", 1)[1]) in removed_lines}
    assert len(gone) == DROPPED  # premise: one edge per removed line
    nxt = tg.load("obo", [_write(tmp_path / "next", "doid (next release).obo", reduced)])
    after = _edges(tg)
    assert nxt.rejected == 0 and not nxt.partial
    assert set(after) == set(loaded) - gone
    assert {key: _stable(after[key]) for key in after} == {key: _stable(loaded[key]) for key in after}
    assert {props["load_run"] for props in after.values()} == {nxt.run_id}


def test_a_cut_release_removes_no_mapping(tg: TrialGraph, tmp_path: Path) -> None:
    """A cut download states less than the release: what it did not reach must stay (the load is partial)."""
    text = _slice()
    tg.load("obo", [_write(tmp_path / "release", "doid.obo", text)])
    loaded = _edges(tg)
    reduced, _ = _without_first_xrefs(text)
    cut = reduced[: reduced.rindex("\nxref: ") + len("\nxref: DO")]  # inside the last term's last xref
    report = tg.load("obo", [_write(tmp_path / "cut", "doid.obo", cut)])
    assert report.partial and report.rejected == 1
    assert set(_edges(tg)) == set(loaded)


def test_edges_an_older_graph_named_by_the_file_are_replaced_on_reload(tg: TrialGraph, tmp_path: Path) -> None:
    """Graphs written before sets were named by content hold ``mapping_set: doid.obo``: a reload must not leave
    those beside the new ``obo:doid`` edges (each xref would be stated twice)."""
    text = _slice()
    path = _write(tmp_path / "release", "doid.obo", text)
    tg.load("obo", [path])
    loaded = _edges(tg)
    with tg.driver.session() as session:
        session.run("MATCH ()-[m:MAPS_TO]->() SET m.mapping_set = 'doid.obo', m.load_run = 'before'").consume()
    assert {key[3] for key in _edges(tg)} == {"doid.obo"}  # premise: the older graph
    tg.load("obo", [path])
    assert set(_edges(tg)) == set(loaded)


def test_a_file_that_declares_no_ontology_loads_under_its_file_name_with_one_warning(
    tg: TrialGraph, tmp_path: Path
) -> None:
    text = re.sub(r"^ontology: \S+\n", "", _slice(), count=1, flags=re.MULTILINE)
    report = tg.load("obo", [_write(tmp_path / "release", "diseases.obo", text)])
    assert report.rejected == 0 and report.field_issues == 1
    assert {key[3] for key in _edges(tg)} == {"diseases.obo"}
    entries = [json.loads(line) for line in Path(report.quarantine_file or "").read_text().splitlines()]
    [warning] = [entry for entry in entries if entry.get("kind") == "field"]
    assert warning["record"] == "diseases.obo" and "named by its file name 'diseases.obo'" in warning["reason"]


def test_a_subset_file_of_the_same_set_removes_nothing_of_the_rest(tg: TrialGraph, tmp_path: Path) -> None:
    """A slice of an ontology declares the same ``ontology:`` (MONDO's shared subset says ``mondo``): loading it
    after the whole must not strip the mappings of the terms it leaves out."""
    text = _slice()
    tg.load("obo", [_write(tmp_path / "release", "doid.obo", text)])
    whole = _edges(tg)
    headers = [match.start() for match in re.finditer(r"^\[Term\]\n", text, re.MULTILINE)]
    subset = text[: headers[TERMS // 3]]  # the header and the first third of the terms, each stanza whole
    report = tg.load("obo", [_write(tmp_path / "subset", "doid-subset.obo", subset)])
    assert report.rejected == 0 and not report.partial
    assert {key: _stable(p) for key, p in _edges(tg).items()} == {key: _stable(p) for key, p in whole.items()}


MAPPING_LINE = re.compile(r"^(?:xref: |property_value: (?:skos:)?\w+Match ).*\n", re.MULTILINE)


def _term_spans(text: str) -> list[tuple[int, int, str]]:
    """Each ``[Term]`` stanza of ``text``: its start, end (after its blank line) and id."""
    spans = []
    for match in re.finditer(r"^\[Term\]\nid: (\S+)\n(?:.+\n)*\n?", text, re.MULTILINE):
        spans.append((match.start(), match.end(), match.group(1)))
    return spans


def test_a_term_a_release_keeps_without_its_xrefs_loses_them_and_a_term_it_drops_keeps_them(
    tg: TrialGraph, tmp_path: Path
) -> None:
    """A new release that keeps a term but states none of its mappings (DOID's obsoleted terms lose their xrefs)
    must remove them: the term was restated. A term the release leaves out entirely keeps its mappings, as its
    node keeps its old version: a subset file names the set too, so absence is not a statement."""
    text = _slice()
    tg.load("obo", [_write(tmp_path / "release", "doid.obo", text)])
    loaded = _edges(tg)
    with_mappings = [span for span in _term_spans(text) if MAPPING_LINE.search(text, span[0], span[1])]
    assert len(with_mappings) > DROPPED + 1  # premise
    stripped = {span[2] for span in with_mappings[:DROPPED]}
    drop_start, _, dropped_term = with_mappings[DROPPED]
    parts, cursor = [], 0
    for start, end, term in _term_spans(text):
        parts.append(text[cursor:start])
        stanza = text[start:end]
        if term in stripped:
            stanza = MAPPING_LINE.sub("", stanza)
        if start != drop_start:
            parts.append(stanza)
        cursor = end
    parts.append(text[cursor:])
    nxt = tg.load("obo", [_write(tmp_path / "next", "doid.obo", "".join(parts))])
    assert nxt.rejected == 0 and not nxt.partial and nxt.superseded == 0
    after = _edges(tg)
    gone = {key for key in loaded if key[0] in stripped}
    kept = {key for key in loaded if key[0] == dropped_term}
    assert len(gone) >= DROPPED and kept  # premise: each stripped term had mappings, the dropped one too
    assert set(after) == set(loaded) - gone
    assert all(after[key]["load_run"] != nxt.run_id for key in kept)  # the dropped term's: the old release's


SSSOM = "ontologies/mondo/sssom/mondo_exactmatch_icd10cm.sssom.tsv"


def test_an_sssom_release_without_some_rows_removes_them_from_subjects_it_restates(
    tg: TrialGraph, tmp_path: Path
) -> None:
    """SSSOM states no terms, only rows: a row the next release drops goes when its subject keeps another row
    (the subject was restated); a subject the release drops entirely keeps its row, as the README says (a subset
    file names its set too)."""
    text = shared(SSSOM).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    body = [number for number, line in enumerate(lines) if not line.startswith("#")][1:]  # after the header
    by_subject: dict[str, list[int]] = {}
    for number in body:
        by_subject.setdefault(lines[number].split("\t", 1)[0], []).append(number)
    several = [numbers for numbers in by_subject.values() if len(numbers) >= 2][:3]
    single = next(numbers for numbers in by_subject.values() if len(numbers) == 1)
    assert len(several) == 3  # premise
    dropped = {numbers[0] for numbers in several} | set(single)
    tg.load("sssom", [_write(tmp_path / "release", Path(SSSOM).name, text)])
    loaded = _edges(tg)
    assert len(loaded) == len(body)  # premise: one edge per row

    def row_key(number: int) -> tuple[str, str, str]:
        subject, _, predicate, obj = lines[number].split("\t")[:4]
        return subject, predicate, obj

    gone = {key for key in loaded if key[:3] in {row_key(n) for n in dropped if n not in single}}
    kept = {key for key in loaded if key[:3] == row_key(single[0])}
    assert len(gone) == 3 and len(kept) == 1  # premise: the keys read the rows as the loader does
    reduced = "".join(line for number, line in enumerate(lines) if number not in dropped)
    report = tg.load("sssom", [_write(tmp_path / "next", Path(SSSOM).name, reduced)])
    assert report.rejected == 0 and not report.partial
    assert set(_edges(tg)) == set(loaded) - gone


def test_a_plain_sssom_file_cut_between_two_rows_of_a_subject_removes_none_of_its_edges(
    tg: TrialGraph, tmp_path: Path
) -> None:
    """A plain file cut exactly at a line end reads as whole. Cut after the first row of a subject with two rows,
    it restates that subject with one row: without the mark on the file's last row, the reload would remove the
    other row's edge. Every edge stays."""
    text = shared(SSSOM).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    body = [number for number, line in enumerate(lines) if not line.startswith("#")][1:]
    subjects = [lines[number].split("\t", 1)[0] for number in body]
    at = next(i for i in range(len(body) - 1) if subjects[i] == subjects[i + 1] and i > 0)
    tg.load("sssom", [_write(tmp_path / "release", Path(SSSOM).name, text)])
    loaded = _edges(tg)

    cut = "".join(lines[: body[at] + 1])
    report = tg.load("sssom", [_write(tmp_path / "cut", Path(SSSOM).name, cut)])

    assert report.rejected == 0 and not report.partial
    assert set(_edges(tg)) == set(loaded)


def test_a_plain_sssom_file_whose_subjects_are_not_grouped_removes_nothing_and_says_why(
    tg: TrialGraph, tmp_path: Path
) -> None:
    """When a plain file states a subject's rows apart, any subject's rows may go on past a cut at a line end: a
    release without some rows then removes none of the set's edges, and one field line says why."""
    text = shared(SSSOM).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    body = [number for number, line in enumerate(lines) if not line.startswith("#")][1:]
    subjects = [lines[number].split("\t", 1)[0] for number in body]
    several = [body[i] for i in range(len(body) - 1) if subjects[i] == subjects[i + 1]]  # subjects of 2+ rows
    first, dropped = several[0], several[1]  # one stated apart, one losing a row (it keeps another: restated)
    assert subjects[body.index(first)] != subjects[body.index(dropped)] and dropped < body[len(body) // 2]
    tg.load("sssom", [_write(tmp_path / "release", Path(SSSOM).name, text)])
    loaded = _edges(tg)
    kept = [line for number, line in enumerate(lines) if number not in (first, dropped)]
    kept.insert(body[len(body) // 2], lines[first])  # stated again mid-file, after other subjects' rows
    apart = "".join(kept)

    report = tg.load("sssom", [_write(tmp_path / "apart", Path(SSSOM).name, apart)])

    assert set(_edges(tg)) == set(loaded)
    entries = [json.loads(line) for line in Path(report.quarantine_file or "").read_text().splitlines()]
    assert [e for e in entries if "rows of one subject stated apart" in json.dumps(e)]
