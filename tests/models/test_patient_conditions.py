"""The patient's conditions for `match`, offline: the real linker (gazetteer, TF-IDF, negation cues) over a small
index built with the project's own builder, two vocabularies naming one disease alike."""

from __future__ import annotations

from pathlib import Path

from trialgraph.kg.retrieval.patient_concepts import PatientConcepts
from trialgraph.link import Linker
from trialgraph.models.linking.tfidf import LinkerConcept, build_index

CONCEPTS = [
    LinkerConcept("MESH:D003924", "Diabetes Mellitus, Type 2", ("Type 2 Diabetes", "NIDDM"), ("C",)),
    LinkerConcept("DOID:9352", "type 2 diabetes mellitus", ("type 2 diabetes",), ("C",)),
    LinkerConcept("HP:0005978", "Type II diabetes mellitus", ("Type 2 diabetes",), ("C",)),
    LinkerConcept("MESH:D001249", "Asthma", ("Bronchial Asthma",), ("C",)),
    LinkerConcept("MESH:D008687", "Metformin", ("Dimethylbiguanidine",), ("D",)),
    LinkerConcept("MESH:D006331", "Heart Diseases", ("Heart Disease",), ("C",)),
    LinkerConcept("MESH:D000068878", "Type 2 diabetes education", ("type 2 diabetes",), ("E",)),
]


def test_a_condition_stands_for_every_condition_concept_of_its_name_and_negated_ones_are_not_the_patients(
    tmp_path: Path,
) -> None:
    build_index(CONCEPTS, tmp_path, vocabulary_versions={"MESH": "test", "DOID": "test", "HP": "test"})
    stage = PatientConcepts(driver=None, linker=Linker(tmp_path))  # type: ignore[arg-type]  # no graph needed
    conditions = stage.conditions("58-year-old woman with type 2 diabetes on metformin; no history of asthma.")
    assert list(conditions) == ["type 2 diabetes"]  # metformin is a drug, asthma is negated
    linked, *same_name = conditions["type 2 diabetes"]
    # the linked concept first, then the other condition concepts whose name or synonym it is (not the E concept)
    assert {linked, *same_name} == {"MESH:D003924", "DOID:9352", "HP:0005978"}
    assert same_name == sorted(same_name) and len(same_name) == 2
    assert stage.conditions("History of heart disease.") == {"heart disease": ["MESH:D006331"]}  # history stays


def test_a_condition_named_twice_or_by_a_synonym_is_one_condition(tmp_path: Path) -> None:
    build_index(CONCEPTS, tmp_path, vocabulary_versions={"MESH": "test", "DOID": "test", "HP": "test"})
    stage = PatientConcepts(driver=None, linker=Linker(tmp_path))  # type: ignore[arg-type]
    assert list(stage.conditions("Asthma since childhood; asthma poorly controlled.")) == ["Asthma"]
    (label, curies), *others = stage.conditions("NIDDM, that is type 2 diabetes, with asthma.").items()
    assert label == "NIDDM" and set(curies) == {"MESH:D003924", "DOID:9352", "HP:0005978"}
    assert [text for text, _ in others] == ["asthma"]
