"""``Linker(..., languages=True)``: a text reliably in another language than English reports its language and is
not linked; English text is linked as without the check."""

from __future__ import annotations

from pathlib import Path

from trialgraph.link import Linker
from trialgraph.models.linking.language import LANGUAGE_RULES
from trialgraph.models.linking.tfidf import LinkerConcept, build_index

CONCEPTS = [
    LinkerConcept("MESH:D003924", "Diabetes Mellitus, Type 2", ("Type 2 Diabetes", "NIDDM"), ("C",)),
    LinkerConcept("MESH:D003920", "Diabetes Mellitus", ("Diabetes",), ("C",)),
    LinkerConcept("MESH:D001249", "Asthma", ("Bronchial Asthma",), ("C",)),
    LinkerConcept("MESH:D008687", "Metformin", (), ("D",)),
]


def test_with_the_language_check_a_german_text_reports_its_language_instead_of_links(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    build_index(CONCEPTS, folder)
    plain, checked = Linker(folder), Linker(folder, languages=True)
    german = "Patienten mit Diabetes mellitus Typ 2, die seit mindestens drei Monaten mit Metformin behandelt werden"
    assert [s.curie for s in plain(german)] == ["MESH:D003920", "MESH:D008687"]  # words that match English names
    found = checked(german)
    assert found == [] and found.language is not None and (found.language.code, found.language.reliable) == ("de", True)
    english = "Adults with Type 2 diabetes on metformin, without bronchial asthma, for at least three months."
    assert checked(english) == plain(english) and len(plain(english)) == 3
    assert checked(english).language.code == "en" and plain(english).language is None  # type: ignore[union-attr]
    assert checked("Asthma") == plain("Asthma") and checked("Asthma").language.code == "und"  # type: ignore[union-attr]
    assert checked.method_version == f"{plain.method_version}+{LANGUAGE_RULES}" and not plain.languages
