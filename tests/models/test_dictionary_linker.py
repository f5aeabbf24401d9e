"""The exact-match linker's rules: normalised equality, name before synonym, ambiguity left unlinked."""

from __future__ import annotations

from trialgraph.models.linking.dictionary import ConceptNames, DictionaryLinker, Link

CONCEPTS = [
    ConceptNames("MESH:D003924", "MESH", "Diabetes Mellitus, Type 2", ("Type 2 Diabetes", "NIDDM")),
    ConceptNames("MONDO:0005148", "MONDO", "type 2 diabetes mellitus", ("NIDDM",)),
    ConceptNames("MESH:D001249", "MESH", "Asthma", ()),
    ConceptNames("MESH:D000001", "MESH", "Cold", ()),  # two MeSH records named alike: ambiguous
    ConceptNames("MESH:D000002", "MESH", "COLD", ()),
    ConceptNames("MESH:D000003", "MESH", "Heart Attack Record", ("MI",)),  # a synonym of two records
    ConceptNames("MESH:D000004", "MESH", "Mitral Insufficiency", ("MI",)),
    ConceptNames("MESH:D000005", "MESH", "Wheeze", ("asthma",)),  # a synonym that is another record's name
]


def test_normalised_text_matches_names_and_synonyms_per_vocabulary() -> None:
    linker = DictionaryLinker(CONCEPTS)
    assert linker.link("diabetes mellitus type 2") == [Link("diabetes mellitus type 2", "MESH:D003924", "name")]
    assert linker.link("  Type-2 diabetes!") == [Link("type 2 diabetes", "MESH:D003924", "synonym")]
    assert linker.link("Type 2 Diabetes Mellitus") == [Link("type 2 diabetes mellitus", "MONDO:0005148", "name")]
    assert linker.link("NIDDM") == [Link("niddm", "MESH:D003924", "synonym"), Link("niddm", "MONDO:0005148", "synonym")]


def test_ambiguous_strings_stay_unlinked_and_a_name_beats_a_synonym() -> None:
    linker = DictionaryLinker(CONCEPTS)
    assert linker.link("cold") == []
    assert linker.link("MI") == []
    assert linker.link("ASTHMA") == [Link("asthma", "MESH:D001249", "name")]
    assert linker.link("unknown disease") == []
    assert linker.link("") == []
