"""OBO parser: counts and spot checks against the real HPO/DOID/MONDO files, expectations read with regexes."""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

import pytest

from tests.data import REPO_ROOT, shared
from trialgraph.errors import SourceError
from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.concepts.source import VocabularyItem
from trialgraph.loaders.obo.loader import OboSource
from trialgraph.loaders.obo.obo import parse_obo
from trialgraph.model.concept import ConceptRecord, MappingRecord, Rejected

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "ontology"
HPO, DOID = "ontologies/hpo/hp.obo.gz", "ontologies/doid/doid.obo.gz"
MONDO = "ontologies/mondo/mondo-rare-diabetes-cancer.assembled.obo"
FILES = (HPO, DOID, MONDO)


@cache
def _parsed(relative: str) -> tuple[VocabularyItem, ...]:
    return tuple(parse_obo(shared(relative)))


@cache
def _text(relative: str) -> str:
    path = shared(relative)
    return gzip.open(path, "rt", encoding="utf-8").read() if path.suffix == ".gz" else path.read_text("utf-8")


def _concepts(relative: str) -> dict[str, ConceptRecord]:
    return {item.curie: item for item in _parsed(relative) if isinstance(item, ConceptRecord)}


def _stanza(relative: str, term_id: str) -> str:
    match = re.search(rf"^\[Term\]\nid: {re.escape(term_id)}\n(.*?)(?:\n\n|\Z)", _text(relative), re.M | re.S)
    assert match, f"{term_id} not in {relative}"
    return match.group(1)


def _stanzas(relative: str) -> list[str]:
    return [block for block in re.split(r"\n(?=\[)", _text(relative)) if block.startswith("[Term]")]


@pytest.mark.slow
@pytest.mark.parametrize("relative", FILES)
def test_one_concept_per_term_stanza(relative: str) -> None:
    expected = len(re.findall(r"^\[Term\]\s*$", _text(relative), re.M))
    assert len(_concepts(relative)) == expected
    assert sum(isinstance(item, ConceptRecord) for item in _parsed(relative)) == expected  # no duplicates


@pytest.mark.slow
@pytest.mark.parametrize("relative", FILES)
def test_obsolete_counts(relative: str) -> None:
    expected = sum(bool(re.search(r"^is_obsolete: true\s*$", block, re.M)) for block in _stanzas(relative))
    assert sum(concept.obsolete for concept in _concepts(relative).values()) == expected


@pytest.mark.slow
def test_known_counts_match_provenance() -> None:
    counts = {rel: (len(_concepts(rel)), sum(c.obsolete for c in _concepts(rel).values())) for rel in FILES}
    assert counts == {HPO: (11_785, 112), DOID: (13_982, 2_481), MONDO: (2_774, 0)}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("relative", "term_id", "name"),
    [
        (HPO, "HP:0000822", "Hypertension"),
        (DOID, "DOID:9352", "type 2 diabetes mellitus"),
        (MONDO, "MONDO:0005015", None),
    ],
)
def test_spot_check_parents_and_synonyms(relative: str, term_id: str, name: str | None) -> None:
    stanza = _stanza(relative, term_id)
    concept = _concepts(relative)[term_id]
    assert set(concept.broader) == set(re.findall(r"^is_a: (\S+)", stanza, re.M))
    assert concept.broader
    assert set(concept.synonyms) == set(re.findall(r'^synonym: "((?:[^"\\]|\\.)*)"', stanza, re.M))
    expected_name = re.search(r"^name: (.*)$", stanza, re.M)
    assert concept.name == (expected_name.group(1).strip() if expected_name else None)
    if name:
        assert concept.name == name
    assert concept.vocabulary == term_id.split(":")[0]


@pytest.mark.slow
def test_versions_come_from_header() -> None:
    assert _concepts(HPO)["HP:0000822"].version == "releases/2016-04-01"
    assert _concepts(DOID)["DOID:9352"].version == "releases/2024-01-31/doid.obo"


@pytest.mark.slow
def test_malformed_xref_list_is_quarantined_and_term_still_loads() -> None:
    line = _text(HPO).splitlines()[5386]
    assert line.startswith("synonym:") and "; http" in line  # the known bad line, read independently
    rejected = [item for item in _parsed(HPO) if isinstance(item, Rejected) and item.origin == "hp.obo.gz:5387"]
    assert len(rejected) == 1
    assert "malformed xref" in rejected[0].reason
    term_id = rejected[0].record_id
    assert term_id is not None
    assert term_id in _concepts(HPO)
    assert "Enlarged eyeball" in _concepts(HPO)[term_id].synonyms


@pytest.mark.slow
def test_mondo_xrefs_and_exact_matches_become_mappings() -> None:
    text = _text(MONDO)
    mappings = [item for item in _parsed(MONDO) if isinstance(item, MappingRecord)]
    xrefs = [m for m in mappings if m.predicate == "oboInOwl:hasDbXref"]
    exact = [m for m in mappings if m.predicate == "skos:exactMatch"]
    assert len(xrefs) == len(re.findall(r"^xref: ", text, re.M))
    assert len(exact) == len(re.findall(r"^property_value: skos:exactMatch ", text, re.M))
    stanza = _stanza(MONDO, "MONDO:0000001")
    assert {m.object for m in exact if m.subject == "MONDO:0000001"} == {
        "MESH:" + target.split(":", 1)[1] if target.lower().startswith("mesh:") else target
        for target in re.findall(r"^property_value: skos:exactMatch (\S+)", stanza, re.M)
    }
    assert {m.mapping_set for m in mappings} == {"mondo-rare-diabetes-cancer.assembled.obo"}
    assert all(not concept.xrefs for concept in _concepts(MONDO).values())  # one fact, one record


@pytest.mark.slow
def test_mondo_relationship_targets_written_as_iris_are_kept() -> None:
    lines = re.findall(r"^relationship: (\S+) (\S+)", _text(MONDO), re.M)
    relations = [r for concept in _concepts(MONDO).values() for r in concept.relations]
    assert len(relations) == len(lines)
    assert {r.target.split(":")[0] for r in relations} == {"HGNC"}


def test_fixture_duplicates_cycles_and_bad_lines_are_rejected_while_the_rest_loads() -> None:
    items = list(parse_obo(FIXTURES / "bad.obo"))
    concepts = {item.curie: item for item in items if isinstance(item, ConceptRecord)}
    rejected = [item for item in items if isinstance(item, Rejected)]
    reasons = " | ".join(f"{r.origin} {r.reason}" for r in rejected)
    assert set(concepts) == {f"TST:000000{n}" for n in range(1, 6)}
    assert concepts["TST:0000002"].name == "child"  # the first of a duplicated id wins
    assert "bad.obo:23 duplicated id TST:0000002" in reasons
    assert "is_a cycle: TST:0000003 → TST:0000004 → TST:0000003" in reasons
    assert "bad.obo:36 not a 'tag: value' line" in reasons
    assert "bad.obo:15 malformed xref" in reasons
    assert "bad.obo:17 malformed xref 'http://example.org/bare'" in reasons
    child = concepts["TST:0000002"]
    assert child.synonyms == ("kid", "offspring")
    assert child.definition == 'A child "term" of the root.'
    assert child.broader == ("TST:0000001",)
    assert [(r.predicate, r.target) for r in child.relations] == [("RO:0004003", "HGNC:7325")]
    retired = concepts["TST:0000005"]
    assert retired.obsolete and retired.replaced_by == ("TST:0000002",)
    assert ("consider", "TST:0000001") in retired.properties
    mappings = {(m.predicate, m.object) for m in items if isinstance(m, MappingRecord)}
    assert mappings == {
        ("oboInOwl:hasDbXref", "MESH:D000001"),
        ("skos:exactMatch", "DOID:4"),
        ("skos:exactMatch", "MESH:D000002"),
    }


def test_source_is_registered_walks_folders_and_rejects_foreign_files(tmp_path: Path) -> None:
    assert isinstance(SOURCES.create("obo"), OboSource)
    from_folder = list(OboSource().read([FIXTURES]))
    assert sum(isinstance(item, ConceptRecord) for item in from_folder) == 5
    stray = tmp_path / "notes.txt"
    stray.write_text("x")
    [item] = OboSource().read([stray])
    assert isinstance(item, Rejected) and "unsupported file type" in item.reason


def test_missing_path_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        OboSource().read([tmp_path / "absent.obo"])
