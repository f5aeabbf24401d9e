"""Vocabulary loads: dangling references reported, the concept full-text index, a stub filled by its record.

Small inputs (a hand-written OBO file, the demo's MeSH slice); the full files are covered by
``test_vocabulary_graph.py``.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import date
from pathlib import Path

import neo4j
import pytest

from trialgraph.api import TrialGraph
from trialgraph.demo import sample_path
from trialgraph.kg.concepts import version_key
from trialgraph.settings import Settings

DANGLING_OBO = """format-version: 1.2
data-version: test-1

[Term]
id: TST:0000001
name: root

[Term]
id: TST:0000002
name: child
synonym: "little one" EXACT []
is_a: TST:0000001 ! root
is_a: TST:0000099 ! not defined anywhere

"""


@pytest.fixture()
def tg(graph: neo4j.Driver, neo4j_server: Settings) -> TrialGraph:
    client = TrialGraph.connect(neo4j_server)
    yield client
    client.close()


def test_a_parent_no_record_defines_is_reported_and_quarantined(tg: TrialGraph, tmp_path: Path) -> None:
    path = tmp_path / "dangling.obo"
    path.write_text(DANGLING_OBO)
    report = tg.load("obo", [path])
    assert (report.read, report.written, report.rejected, report.dangling) == (2, 2, 0, 1)
    [entry] = [json.loads(line) for line in Path(report.quarantine_file or "").read_text().splitlines()]
    assert entry["record"] == "TST:0000099" and "TST:0000002" in entry["reason"]
    parents = tg.run_cypher(
        "MATCH (:Concept {curie: 'TST:0000002'})-[:BROADER]->(p) RETURN p.curie AS c, p.stub AS stub"
    )
    assert {(r["c"], r["stub"]) for r in parents} == {("TST:0000001", None), ("TST:0000099", True)}

    again = tg.load("obo", [path])  # idempotent: same concepts, same edges, the same dangling report
    assert again.dangling == 1
    counts = tg.run_cypher("MATCH (c:Concept) RETURN count(c) AS n, COUNT { ()-[:BROADER]->() } AS broader")
    assert counts == [{"n": 3, "broader": 2}]


def test_a_reload_of_the_same_content_is_unchanged_and_a_changed_concept_is_rewritten(
    tg: TrialGraph, tmp_path: Path
) -> None:
    path = tmp_path / "dangling.obo"
    path.write_text(DANGLING_OBO)
    first = tg.load("obo", [path])
    assert (first.read, first.written, first.unchanged) == (2, 2, 0)
    stored = tg.run_cypher("MATCH (c:Concept) WHERE c.stub IS NULL RETURN c.curie AS c, c.load_run AS run")
    assert {r["run"] for r in stored} == {first.run_id}

    again = tg.load("obo", [path])  # nothing differs: nothing is written, and the report says so
    assert (again.read, again.written, again.unchanged, again.superseded) == (2, 0, 2, 0)
    copy = tmp_path / "renamed-copy.obo"  # the same release under another name is the same content
    copy.write_text(DANGLING_OBO)
    renamed = tg.load("obo", [copy])
    assert (renamed.written, renamed.unchanged) == (0, 2)
    runs = tg.run_cypher("MATCH (c:Concept) WHERE c.stub IS NULL RETURN DISTINCT c.load_run AS run")
    assert runs == [{"run": first.run_id}]

    changed = tmp_path / "changed.obo"  # one synonym differs: that concept alone is rewritten
    changed.write_text(DANGLING_OBO.replace('"little one"', '"small one"'))
    edited = tg.load("obo", [changed])
    assert (edited.written, edited.unchanged) == (1, 1)
    child = tg.run_cypher(
        "MATCH (c:Concept {curie: 'TST:0000002'})-[:BROADER]->(p) RETURN c.synonyms AS s, c.load_run AS run, "
        "collect(p.curie) AS parents"
    )
    assert child[0]["s"] == ["small one"] and child[0]["run"] == edited.run_id
    assert sorted(child[0]["parents"]) == ["TST:0000001", "TST:0000099"]


def _mesh_labels(descriptor: str) -> set[str]:
    """Labels of a descriptor's terms, read from the demo MeSH slice with plain regexes."""
    with gzip.open(sample_path("mesh-demo.nt.gz"), "rt", encoding="utf-8") as fh:
        triples = fh.read().splitlines()
    pattern = re.compile(r"^<[^>]*/([A-Z]\d+)> <[^>]*#(\w+)> (.*) \.$")
    edges: dict[str, set[str]] = {}
    labels: dict[str, set[str]] = {}
    for line in triples:
        match = pattern.match(line)
        if not match:
            continue
        subject, predicate, obj = match.groups()
        if predicate in ("concept", "preferredConcept", "term", "preferredTerm"):
            edges.setdefault(subject, set()).add(obj.rsplit("/", 1)[-1].rstrip(">"))
        elif predicate in ("prefLabel", "altLabel"):
            labels.setdefault(subject, set()).add(obj.split('"')[1])
    terms = {t for concept in edges.get(descriptor, ()) for t in edges.get(concept, ())}
    return {label for term in terms for label in labels.get(term, ())}


def test_full_text_index_finds_concepts_by_synonym(tg: TrialGraph) -> None:
    tg.load("mesh", [sample_path("mesh-demo.nt.gz")])
    synonyms = _mesh_labels("D007172") - {"Erectile Dysfunction"}
    assert synonyms, "the slice holds entry terms of Erectile Dysfunction"
    for synonym in sorted(synonyms)[:3]:
        rows = tg.run_cypher(
            "CALL db.index.fulltext.queryNodes('concept_text', $q) YIELD node, score "
            "RETURN node.curie AS curie ORDER BY score DESC LIMIT 5",
            q=f'"{synonym}"',
        )
        assert "MESH:D007172" in [r["curie"] for r in rows], synonym


def test_a_stub_made_by_a_mapping_is_filled_by_its_own_record(tg: TrialGraph, tmp_path: Path) -> None:
    tg.load("sssom", [sample_path("mondo-mesh-demo.sssom.tsv")])  # MESH concepts exist only as mapping targets
    rows = [line.split("\t") for line in sample_path("mondo-mesh-demo.sssom.tsv").read_text().splitlines()]
    header = next(r for r in rows if r[0] == "subject_id")
    [mondo] = [dict(zip(header, r, strict=True)) for r in rows if len(r) > 3 and r[3].endswith("D007172")]
    before = tg.run_cypher(
        "MATCH (m:Concept)-[:MAPS_TO]->(c:Concept {curie: 'MESH:D007172'}) "
        "RETURN m.curie AS subject, m.name AS name, m.stub AS subject_stub, c.stub AS object_stub"
    )
    assert before == [
        {"subject": mondo["subject_id"], "name": mondo["subject_label"], "subject_stub": True, "object_stub": True}
    ]
    tg.load("mesh", [sample_path("mesh-demo.nt.gz")])
    after = tg.run_cypher(
        "MATCH (c:Concept {curie: 'MESH:D007172'}) "
        "RETURN c.stub AS stub, c.version AS version, COUNT { (c)<-[:MAPS_TO]-() } AS mappings"
    )
    assert after == [{"stub": None, "version": "2022", "mappings": 1}]


def test_release_versions_order_by_their_date_or_number_and_nonsense_comes_first() -> None:
    today = date(2026, 12, 6)
    schemes = [  # each vocabulary's releases in the order they came out
        ["test-1", "test-2"],
        ["244", "245"],  # ChEBI
        ["releases/v3.9.0/efo.owl", "releases/v3.62.0/efo.owl"],  # EFO: part by part, not as text
        [
            "2022",  # MeSH: a year
            "2024-01-31",
            "http://snomed.info/sct/900000000000207008/version/20240301",  # compact, not the 9000 inside the id
            "releases/2026-07-31/doid.owl",
            "2027-01-01",  # next year: still a date
        ],
    ]
    for ascending in schemes:
        keys = [version_key(v, today=today) for v in ascending]
        assert "" not in keys and keys == sorted(keys) and len(set(keys)) == len(keys), keys
    assert version_key("2024-01-31", today=today) == version_key("releases/2024-01-31/doid.obo", today=today)
    for nonsense in ("zzz", "2024-13-45", "releases/2023-02-30", "9999-01-01", "2028-01-01", "20241345"):
        assert version_key(nonsense, today=today) == "", nonsense  # before every release above


def test_a_release_with_an_impossible_version_neither_replaces_nor_blocks_a_dated_one(
    tg: TrialGraph, tmp_path: Path
) -> None:
    """A 2024-13-45 release compared as written sorted after every real one: it replaced the graph's concepts and
    then kept the next real release out as ``superseded``."""

    def release(version: str, synonym: str) -> Path:
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.obo"
        path.write_text(
            DANGLING_OBO.replace("data-version: test-1", f"data-version: {version}").replace(
                '"little one"', f'"{synonym}"'
            )
        )
        return path

    def synonyms() -> list[str]:
        return tg.run_cypher("MATCH (c:Concept {curie: 'TST:0000002'}) RETURN c.synonyms AS s")[0]["s"]

    first = tg.load("obo", [release("releases/2024-01-31", "dated one")])
    assert first.written == 2 and synonyms() == ["dated one"]
    for bad in ("releases/2024-13-45", "9999-01-01", "zzz"):
        report = tg.load("obo", [release(bad, f"from {bad}")])
        assert (report.written, report.superseded) == (0, 2), bad  # both: a concept states its release
        assert synonyms() == ["dated one"]
    later = tg.load("obo", [release("releases/2024-06-30", "dated two")])
    assert (later.written, later.superseded) == (2, 0)
    assert synonyms() == ["dated two"]


@pytest.mark.parametrize(
    ("source", "relative", "version", "warned"),
    [
        ("mesh", "ontologies/mesh/samples-2014/desc2014-head.nt", "2014", True),  # unversioned URIs
        ("mesh", "ontologies/mesh/xml/desc2014-head.xml", "2014", True),  # MeSH XML states no year
        ("atc", "ontologies/atc/WHO_ATC-DDD_2026-04-25.csv", "2026-04-25", True),  # WHO's export has no version
        ("mesh", None, "2022", False),  # the demo slice: versioned URIs (mesh/2022/...) state it
    ],
)
def test_a_version_read_from_the_file_name_is_warned_once(
    tg: TrialGraph, source: str, relative: str | None, version: str, warned: bool
) -> None:
    """A version that only the file's name gives changes when the file is renamed: the report says so, once."""
    from tests.data import shared

    path = shared(relative) if relative else sample_path("mesh-demo.nt.gz")
    report = tg.load(source, [path])
    assert report.written > 0
    stored = tg.run_cypher("MATCH (c:Concept) WHERE c.stub IS NULL RETURN DISTINCT c.version AS v")
    assert stored == [{"v": version}]
    entries = (
        [json.loads(line) for line in Path(report.quarantine_file or "").read_text().splitlines()]
        if (report.quarantine_file and Path(report.quarantine_file).exists())
        else []
    )
    warnings = [e for e in entries if e.get("kind") == "field" and "read from the file name" in e["reason"]]
    assert report.field_issues == len(warnings) == (1 if warned else 0)
    if warned:
        assert warnings[0]["reason"].startswith(f"version {version} read from the file name")
        assert warnings[0]["record"] == f"{source}:{path.name}"
