"""OWL parser (owlready2): class counts and parents checked against the same files read with rdflib."""

from __future__ import annotations

import urllib.request
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS

from tests.data import REPO_ROOT, shared
from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.concepts.source import VocabularyItem
from trialgraph.loaders.obo.loader import OwlSource
from trialgraph.loaders.obo.owl import parse_owl
from trialgraph.model.concept import MAPPING_SET_WARNING, ConceptRecord, MappingRecord, Rejected, curie

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "ontology"
SLIM = "ontologies/doid/DO_cancer_slim.owl"
COVOC = "ontologies/mondo/mondo_import.covoc-2022-10-26.owl"
XREF = rdflib.URIRef("http://www.geneontology.org/formats/oboInOwl#hasDbXref")
XREF_CURIE = "oboInOwl:hasDbXref"


@cache
def _parsed(relative: str) -> tuple[VocabularyItem, ...]:
    return tuple(parse_owl(shared(relative)))


@cache
def _graph(relative: str) -> rdflib.Graph:
    return rdflib.Graph().parse(shared(relative), format="xml")


def _named_classes(relative: str) -> set[rdflib.URIRef]:
    return {s for s in _graph(relative).subjects(RDF.type, OWL.Class) if isinstance(s, rdflib.URIRef)}


def _curie(iri: Any) -> str:
    return str(iri).rsplit("/", 1)[1].replace("_", ":", 1)


def _concepts(relative: str) -> dict[str, ConceptRecord]:
    return {item.curie: item for item in _parsed(relative) if isinstance(item, ConceptRecord)}


@pytest.mark.parametrize("relative", [SLIM, COVOC])
def test_every_named_class_is_a_concept_or_a_declared_only_stub(relative: str) -> None:
    classes = _named_classes(relative)
    labelled = {c for c in classes if (c, RDFS.label, None) in _graph(relative)}
    stubs = [i for i in _parsed(relative) if isinstance(i, Rejected) and "only declared" in i.reason]
    assert set(_concepts(relative)) == {_curie(c) for c in labelled}
    assert len(_concepts(relative)) + len(stubs) == len(classes)


def test_known_class_counts() -> None:
    assert (len(_named_classes(SLIM)), len(_concepts(SLIM))) == (730, 730)
    assert (len(_named_classes(COVOC)), len(_concepts(COVOC))) == (53, 29)


@pytest.mark.parametrize("relative", [SLIM, COVOC])
def test_parents_are_named_superclasses(relative: str) -> None:
    graph = _graph(relative)
    for concept_iri in sorted(_named_classes(relative) & {s for s, _ in graph.subject_objects(RDFS.subClassOf)}):
        concept = _concepts(relative).get(_curie(concept_iri))
        if concept is None:
            continue
        expected = {_curie(o) for o in graph.objects(concept_iri, RDFS.subClassOf) if isinstance(o, rdflib.URIRef)}
        assert set(concept.broader) == expected, concept.curie


def test_spot_checks() -> None:
    mondo = _concepts(COVOC)["MONDO:0005015"]
    assert mondo.name == "diabetes mellitus"
    assert {"DM", "diabetes"} <= set(mondo.synonyms)
    assert mondo.definition and mondo.definition.startswith("A metabolic disorder")
    assert mondo.version == "http://purl.obolibrary.org/obo/covoc/releases/2022-10-26/imports/mondo_import.owl"
    assert _concepts(COVOC)["MONDO:0005091"].broader == ("MONDO:0005108",)
    slim = _concepts(SLIM)["DOID:0001816"]
    assert (slim.name, slim.broader) == ("angiosarcoma", ("DOID:162",))
    deprecated = {_curie(s) for s in _graph(COVOC).subjects(OWL.deprecated, None)}
    assert {c.curie for c in _concepts(COVOC).values() if c.obsolete} == deprecated
    assert len(deprecated) == 5


@pytest.mark.parametrize("relative", [SLIM, COVOC])
def test_xrefs_on_classes_become_mappings(relative: str) -> None:
    classes = _named_classes(relative)
    expected = {
        (_curie(s), curie(*str(o).split(":", 1))) for s, o in _graph(relative).subject_objects(XREF) if s in classes
    }
    got = {
        (m.subject, m.object) for m in _parsed(relative) if isinstance(m, MappingRecord) and m.predicate == XREF_CURIE
    }
    assert got == expected  # axiom annotations (hasDbXref on owl:Axiom) are not class xrefs


def test_fixture_never_goes_online_and_rejects_what_it_cannot_convert(monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*args: object, **kwargs: object) -> None:
        raise AssertionError("the OWL parser tried the network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    items = list(parse_owl(FIXTURES / "bad.owl"))
    concepts = {i.curie: i for i in items if isinstance(i, ConceptRecord)}
    reasons = [i.reason for i in items if isinstance(i, Rejected)]
    assert set(concepts) == {"TST:0000001", "TST:0000002", "TST:0000003"}
    child = concepts["TST:0000002"]
    assert (child.broader, child.synonyms, child.definition) == (
        ("TST:0000001",),
        ("kid", "offspring"),
        "A child of the root.",
    )
    assert concepts["TST:0000003"].obsolete and concepts["TST:0000003"].replaced_by == ("TST:0000002",)
    assert {(m.predicate, m.object) for m in items if isinstance(m, MappingRecord)} == {
        ("oboInOwl:hasDbXref", "MESH:D000001"),
        ("skos:exactMatch", "MESH:D000002"),
    }
    assert any("not-an-obo-purl has no CURIE form" in r for r in reasons)
    assert any("'not a curie'" in r for r in reasons)
    assert sum("only declared" in r for r in reasons) == 1  # NCBITaxon:9606 stub


def test_broken_file_is_one_rejection(tmp_path: Path) -> None:
    broken = tmp_path / "broken.owl"
    broken.write_text("<rdf:RDF this is not xml")
    [item] = parse_owl(broken)
    assert isinstance(item, Rejected) and item.origin == "broken.owl"


def test_source_is_registered() -> None:
    assert isinstance(SOURCES.create("owl"), OwlSource)
    assert sum(isinstance(i, ConceptRecord) for i in OwlSource().read([FIXTURES])) == 3


def _mapping_facts(items: list[VocabularyItem]) -> list[tuple[str, str, str, str | None]]:
    return [(m.subject, m.predicate, m.object, m.mapping_set) for m in items if isinstance(m, MappingRecord)]


@pytest.mark.parametrize("relative", [SLIM, COVOC])
def test_the_mapping_set_is_the_ontology_iri_and_a_renamed_copy_states_the_same_set(
    relative: str, tmp_path: Path
) -> None:
    [ontology] = list(_graph(relative).subjects(RDF.type, OWL.Ontology))  # read by rdflib, not the parser
    original = _mapping_facts(list(_parsed(relative)))
    copy = tmp_path / "renamed copy.owl"
    copy.write_bytes(shared(relative).read_bytes())
    assert original and {fact[3] for fact in original} == {str(ontology)}
    assert _mapping_facts(list(parse_owl(copy))) == original


def test_an_ontology_without_an_iri_is_named_by_its_file_name_and_says_so(tmp_path: Path) -> None:
    text = shared(COVOC).read_text(encoding="utf-8")
    [ontology] = list(_graph(COVOC).subjects(RDF.type, OWL.Ontology))
    anonymous = text.replace(f'<owl:Ontology rdf:about="{ontology}">', "<owl:Ontology>", 1)
    assert anonymous != text  # premise: the element was found
    path = tmp_path / "covoc-mondo.owl"
    path.write_text(anonymous, encoding="utf-8")
    mappings = [item for item in parse_owl(path) if isinstance(item, MappingRecord)]
    assert mappings and {m.mapping_set for m in mappings} == {"covoc-mondo.owl"}
    [warning] = {m.extra.get(MAPPING_SET_WARNING) for m in mappings}
    assert warning is not None and "\n" not in warning and "'covoc-mondo.owl'" in warning and "ontology IRI" in warning
