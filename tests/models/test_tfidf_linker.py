"""The TF-IDF linker: scispaCy's knowledge base and candidate contract over an index built from our concepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scispacy.candidate_generation import MentionCandidate
from scispacy.linking_utils import KnowledgeBase

from trialgraph.errors import ConfigError
from trialgraph.models.linking import tfidf
from trialgraph.models.linking.tfidf import (
    LinkerConcept,
    SparseCandidateGenerator,
    TfidfLinker,
    build_index,
    mesh_types,
)

CONCEPTS = [
    LinkerConcept("MESH:D003920", "Diabetes Mellitus", ("Diabetes",), ("C",)),
    LinkerConcept("MESH:D003924", "Diabetes Mellitus, Type 2", ("Type 2 Diabetes", "NIDDM"), ("C",)),
    LinkerConcept("MESH:D001241", "Aspirin", ("Acetylsalicylic Acid",), ("D",)),
    LinkerConcept("MESH:D001249", "Asthma", ("Bronchial Asthma",), ("C",)),
    LinkerConcept("MESH:D006973", "Hypertension", ("High Blood Pressure",), ("C",)),
    LinkerConcept("MESH:D008687", "Metformin", ("Dimethylbiguanidine",), ("D",)),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("index")
    manifest = build_index(CONCEPTS, folder, vocabulary_versions={"MESH": "test"})
    assert (manifest.concepts, manifest.vocabulary_versions) == (6, {"MESH": "test"})
    assert manifest.aliases == 13  # every name and synonym, lower-cased, once
    return folder


def test_the_index_is_in_scispacys_layout_and_its_kb_loads(index: Path) -> None:
    kb = KnowledgeBase(str(index / "kb.jsonl"))
    assert kb.cui_to_entity["MESH:D001241"].canonical_name == "Aspirin"
    assert kb.cui_to_entity["MESH:D001241"].types == ["D"]
    assert kb.alias_to_cuis["acetylsalicylic acid"] == {"MESH:D001241"}


def test_an_alias_is_its_own_nearest_neighbour_with_similarity_one(index: Path) -> None:
    generator = SparseCandidateGenerator(index)
    (candidates,) = generator(["Bronchial Asthma"], k=5)
    assert all(isinstance(c, MentionCandidate) for c in candidates)
    best = max(candidates, key=lambda c: max(c.similarities))
    assert best.concept_id == "MESH:D001249" and max(best.similarities) == pytest.approx(1.0, abs=1e-5)
    assert generator([], k=5) == []
    assert generator(["@@@"], k=5) == [[]]  # no 3-gram in common: no candidates, no crash


def test_linking_tolerates_misspelling_and_respects_types_and_threshold(index: Path) -> None:
    linker = TfidfLinker(index)
    misspelt, drug_as_condition, unrelated, empty = linker.link_many(
        ["diabetes melitus type 2", "Aspirin", "Fractured femur", ""], frozenset({"C"})
    )
    assert misspelt is not None and misspelt.curie == "MESH:D003924" and 0.7 <= misspelt.score < 1.0
    assert drug_as_condition is None  # the only close concept is a drug
    assert unrelated is None and empty is None
    drug, rare = linker.link_many(["aspirin", "niddm"], frozenset({"D", "C"}))
    assert drug is not None and (drug.curie, drug.score) == ("MESH:D001241", 1.0)
    assert rare is not None and rare.curie == "MESH:D003924"  # an alias with unique 3-grams is still found
    assert linker.method_version.startswith(f"{tfidf.METHOD_VERSION}+")


def test_a_missing_index_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no linker index at .* run `trialgraph link build-index`"):
        TfidfLinker(tmp_path)
    with pytest.raises(ConfigError, match="no concepts to index"):
        build_index([], tmp_path / "empty")


def test_mesh_types_come_from_tree_branches_or_the_scr_class() -> None:
    assert mesh_types(["C18.452.394", "C19.246"], "TopicalDescriptor") == ("C",)
    assert mesh_types(["D02.455", "E02.319"], None) == ("D", "E")
    assert mesh_types([], "SCR_Chemical") == ("D",)
    assert mesh_types([], "SCR_Rare") == ()


LOOK_ALIKES = [
    LinkerConcept("MESH:D001769", "Blood", (), ("A",)),  # the tissue: anatomy, not a condition
    LinkerConcept("MESH:D006402", "Hematologic Diseases", ("Blood Diseases",), ("C",)),
    LinkerConcept("MESH:D011358", "Program", ("Programs",), ("N",)),  # health care: neither drug nor procedure
    LinkerConcept("MESH:D014572", "Urography", ("Urogram", "Pyelogram"), ("E",)),
    LinkerConcept("MESH:D003866", "Depressive Disorder", ("Depression",), ("F",)),
    LinkerConcept("MESH:D003863", "Depression", (), ("F", "G")),  # the same name in an allowed and another type
]
LOW = 0.55  # a tiny index weighs 3-grams unlike MeSH's: a lower threshold lets its look-alikes pass, as MeSH's did


@pytest.fixture(scope="module")
def look_alike_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("look-alikes")
    build_index(LOOK_ALIKES, folder)
    return folder


def test_an_exact_name_of_a_disallowed_concept_is_not_linked_to_an_allowed_look_alike(look_alike_index: Path) -> None:
    linker = TfidfLinker(look_alike_index, threshold=LOW)
    # the premise: each text is exactly a disallowed concept's name, and an allowed look-alike passes the threshold
    premises = [("blood", "MESH:D001769", "MESH:D006402"), ("program", "MESH:D011358", "MESH:D014572")]
    for text, named, look_alike in premises:
        (candidates,) = linker.generator([text], k=10)
        scores = {c.concept_id: max(c.similarities) for c in candidates}
        assert scores[named] >= tfidf.EXACT and LOW <= scores[look_alike] < tfidf.EXACT, (text, scores)
    blood, disease, misspelt, depression = linker.link_many(
        ["Blood", "blood diseases", "blood diseasess", "Depression"], frozenset({"C", "F"})
    )
    assert blood is None  # it names the tissue, a type a condition may not have
    assert disease is not None and (disease.curie, disease.score) == ("MESH:D006402", 1.0)
    assert misspelt is not None and misspelt.curie == "MESH:D006402"  # no exact name elsewhere: still linked
    assert depression is not None and depression.score == 1.0  # an allowed concept has the exact name too
    (program,) = linker.link_many(["Program"], frozenset({"D", "E"}))
    assert program is None  # not Urography
    # with every type allowed, an exact name is linked to the concept it names
    tissue, plan = linker.link_many(["Blood", "Program"])
    assert (tissue and tissue.curie, plan and plan.curie) == ("MESH:D001769", "MESH:D011358")
    assert f"+{tfidf.DECISION_RULES}+" in linker.method_version


ORGANISMS = [
    LinkerConcept("MESH:D017934", "Coronavirus", ("Coronaviruses",), ("B",)),
    LinkerConcept("MESH:D018352", "Coronavirus Infections", (), ("C",)),
    LinkerConcept("MESH:D000086402", "SARS-CoV-2", ("2019-nCoV", "COVID-19 Virus"), ("B",)),
    LinkerConcept("MESH:D000086382", "COVID-19", ("SARS-CoV-2 Infection", "2019-nCoV Infection"), ("C",)),
    LinkerConcept("MESH:D010963", "Plasmodium falciparum", (), ("B",)),  # no heading named after it
    LinkerConcept("MESH:D016778", "Malaria, Falciparum", (), ("C",)),
    LinkerConcept("MESH:D001769", "Blood", (), ("A",)),  # not an organism: the look-alike rule as before
    LinkerConcept("MESH:D006402", "Hematologic Diseases", ("Blood Diseases",), ("C",)),
]


def test_a_condition_that_names_an_organism_is_linked_to_the_infection_named_after_it(tmp_path: Path) -> None:
    build_index(ORGANISMS, tmp_path)
    linker = TfidfLinker(tmp_path, threshold=LOW)
    texts = ["Coronavirus", "coronaviruses", "2019-nCoV", "SARS-CoV-2", "Plasmodium falciparum", "Blood"]
    decided = linker.link_many(texts, frozenset({"C", "F"}))
    assert [(d.curie, d.matched_on, d.score) if d else None for d in decided] == [
        ("MESH:D018352", "organism-infection", 1.0),  # "<name> Infections"
        (
            "MESH:D018352",
            "organism-infection",
            1.0,
        ),  # an entry term of the organism: its preferred name names the heading
        ("MESH:D000086382", "organism-infection", 1.0),  # an entry term of the organism, "2019-nCoV Infection"
        ("MESH:D000086382", "organism-infection", 1.0),  # COVID-19's entry term "SARS-CoV-2 Infection"
        None,  # no heading is named after it: refused, as any exact name of another type
        None,  # not an organism: no look-alike
    ]
    # where organisms are allowed, the name is the organism's, as before; a disease text keeps its own link
    organism, disease = linker.link_many(["Coronavirus", "Coronavirus Infections"], frozenset({"B", "C"}))
    assert (organism and (organism.curie, organism.matched_on)) == ("MESH:D017934", "tfidf")
    assert (disease and (disease.curie, disease.matched_on)) == ("MESH:D018352", "tfidf")
    assert "+organism-infection-1" in linker.method_version


def test_the_stored_respellings_give_the_map_an_older_index_computes_at_load(tmp_path: Path) -> None:
    british = [
        LinkerConcept("MESH:D004941", "Esophagitis", ("Oesophagitis",), ("C",)),
        LinkerConcept("MESH:D000740", "Anemia", ("Anaemia", "Anaemias"), ("C",)),
        LinkerConcept("MESH:D006470", "Hemorrhage", ("Haemorrhage", "Bleeding"), ("C",)),
        *CONCEPTS,
    ]
    built = tmp_path / "built"
    build_index(british, built, vocabulary_versions={"MESH": "test"})
    respelled = json.loads((built / tfidf.RESPELLED).read_text(encoding="utf-8"))
    assert respelled == {
        "anemia": ["MESH:D000740"],
        "anemias": ["MESH:D000740"],
        "esophagitis": ["MESH:D004941"],
        "hemorrhage": ["MESH:D006470"],
    }
    stored = SparseCandidateGenerator(built)
    older = tmp_path / "older"  # the same index as one built before the respellings were stored
    older.mkdir()
    for path in built.iterdir():
        if path.name != tfidf.RESPELLED:
            (older / path.name).write_bytes(path.read_bytes())
    computed = SparseCandidateGenerator(older)
    assert stored.kb.alias_to_cuis == computed.kb.alias_to_cuis
    assert stored.kb.alias_to_cuis["anemias"] == {"MESH:D000740"}  # only "Anaemias" is written so
    assert "anaemias" in stored.kb.alias_to_cuis  # the name as written stays findable
    (candidates,) = stored(["Oesophagitis"], k=3)
    assert max(candidates, key=lambda c: max(c.similarities)).concept_id == "MESH:D004941"


@pytest.mark.parametrize("written", ["{", '{"method_version": "x", "from_a_newer_version": 1}', "[]"])
def test_a_manifest_cut_short_or_from_another_version_is_one_line_naming_the_rebuild(
    index: Path, tmp_path: Path, written: str
) -> None:
    copy = tmp_path / "index"
    copy.mkdir()
    for path in index.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    (copy / "manifest.json").write_text(written, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cannot be read .*trialgraph link build-index"):
        SparseCandidateGenerator(copy)
