"""Negation and history cues on the free-text linker's spans (negspacy's NegEx over our own mentions)."""

from __future__ import annotations

import pytest

from trialgraph.link import Linker
from trialgraph.models.linking.tfidf import LinkerConcept, build_index

CONCEPTS = [
    LinkerConcept("MESH:D003924", "Diabetes Mellitus, Type 2", ("Type 2 Diabetes", "NIDDM"), ("C",)),
    LinkerConcept("MESH:D003920", "Diabetes Mellitus", ("Diabetes",), ("C",)),
    LinkerConcept("MESH:D001249", "Asthma", ("Bronchial Asthma",), ("C",)),
    LinkerConcept("MESH:D008687", "Metformin", (), ("D",)),
    LinkerConcept("MESH:D009369", "Neoplasms", ("Cancer", "Malignancy"), ("C",)),
    LinkerConcept("MESH:D011247", "Pregnancy", (), ("G",)),
]


@pytest.fixture(scope="module")
def linker(tmp_path_factory: pytest.TempPathFactory) -> Linker:
    folder = tmp_path_factory.mktemp("index")
    build_index(CONCEPTS, folder)
    return Linker(folder)


def _cues(linker: Linker, text: str) -> dict[str, tuple[bool, bool]]:
    return {span.text.lower(): (span.negated, span.history) for span in linker(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Type 2 diabetes", {"type 2 diabetes": (False, False)}),
        ("No history of asthma", {"asthma": (True, True)}),
        ("Without bronchial asthma", {"bronchial asthma": (True, False)}),
        ("Prior treatment with metformin", {"metformin": (False, True)}),
        ("History of cancer within the last 5 years", {"cancer": (False, True)}),
        ("Negative for pregnancy", {"pregnancy": (True, False)}),
        # a termination word ends the cue's reach: asthma is stated, diabetes denied
        ("Asthma but no diabetes", {"asthma": (False, False), "diabetes": (True, False)}),
        # the cue reaches forward only within its sentence
        ("No asthma. Diabetes is required.", {"asthma": (True, False), "diabetes": (False, False)}),
    ],
)
def test_each_mention_records_its_negation_and_history_cues(
    linker: Linker, text: str, expected: dict[str, tuple[bool, bool]]
) -> None:
    assert _cues(linker, text) == expected


def test_an_abbreviation_use_gets_the_cues_of_its_own_position(linker: Linker) -> None:
    text = "Diabetes mellitus (DM) allowed. Patients without DM control are excluded."
    spans = [(s.text, s.matched_on, s.negated, s.curie) for s in linker(text)]
    assert spans == [
        ("Diabetes mellitus", "gazetteer", False, "MESH:D003920"),
        ("DM", "abbreviation", False, "MESH:D003920"),  # the definition itself
        ("DM", "abbreviation", True, "MESH:D003920"),  # the second use, after "without"
    ]


def test_many_texts_at_once_equal_one_at_a_time(linker: Linker) -> None:
    texts = ["No history of asthma", "", "   ", "Prior metformin; pregnancy", "nothing indexed here"]
    assert linker.link_many(texts) == [linker(text) for text in texts]
    assert linker.link_many(texts)[1:3] == [[], []]
    assert [s.curie for s in linker.link_many(texts, types=["C"])[3]] == []
    assert [s.curie for s in linker.link_many(texts, types=["D", "G"])[3]] == ["MESH:D008687", "MESH:D011247"]
