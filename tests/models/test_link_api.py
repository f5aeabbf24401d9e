"""``from trialgraph.link import Linker``: mentions found in free text by the gazetteer, linked offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialgraph.errors import ConfigError
from trialgraph.link import Linker, Span
from trialgraph.models.linking.tfidf import LinkerConcept, build_index
from trialgraph.settings import Settings

CONCEPTS = [
    LinkerConcept("MESH:D003924", "Diabetes Mellitus, Type 2", ("Type 2 Diabetes", "NIDDM"), ("C",)),
    LinkerConcept("MESH:D003920", "Diabetes Mellitus", ("Diabetes",), ("C",)),
    LinkerConcept("MESH:D001249", "Asthma", ("Bronchial Asthma",), ("C",)),
    LinkerConcept("MESH:D008687", "Metformin", (), ("D",)),
]


@pytest.fixture(scope="module")
def linker(tmp_path_factory: pytest.TempPathFactory) -> Linker:
    folder = tmp_path_factory.mktemp("index")
    build_index(CONCEPTS, folder)
    return Linker(folder)


def test_free_text_mentions_longest_first_with_offsets(linker: Linker) -> None:
    text = "Adults with Type 2 diabetes on metformin, without bronchial asthma."
    spans = linker(text)
    assert [(s.text, s.curie, s.name, s.score) for s in spans] == [
        ("Type 2 diabetes", "MESH:D003924", "Diabetes Mellitus, Type 2", 1.0),  # not the shorter "diabetes"
        ("metformin", "MESH:D008687", "Metformin", 1.0),
        ("bronchial asthma", "MESH:D001249", "Asthma", 1.0),
    ]
    assert all(text[s.start : s.end] == s.text for s in spans)
    assert [s.curie for s in linker(text, types=["C"])] == ["MESH:D003924", "MESH:D001249"]
    assert linker("") == [] and linker("   ") == [] and linker("nothing to find here") == []
    assert isinstance(spans[0], Span)


def test_loading_without_an_index_is_a_one_line_error(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    with pytest.raises(ConfigError, match="run `trialgraph link build-index`"):
        Linker.load(settings)


def test_gazetteer_built_in_chunks_matches_every_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The gazetteer adds its names a chunk at a time (to keep the peak down): every chunk's names must match, so
    a chunk of one name finds the same mentions as a single chunk of all of them."""
    build_index(CONCEPTS, tmp_path)
    text = "NIDDM or diabetes treated with metformin; asthma and bronchial asthma."
    whole = Linker(tmp_path)(text)
    monkeypatch.setattr(Linker, "GAZETTEER_CHUNK", 1)
    chunked = Linker(tmp_path)
    assert chunked(text) == whole
    assert [s.curie for s in whole] == ["MESH:D003924", "MESH:D003920", "MESH:D008687", "MESH:D001249", "MESH:D001249"]


def test_a_span_names_the_decision_rule_that_chose_its_concept(tmp_path: Path) -> None:
    """The organism rule (trialgraph.models.linking.tfidf) on free text: "HIV" in a criterion means the infection,
    and the span says so beside what found it."""
    build_index(
        [
            LinkerConcept("MESH:D006678", "HIV", ("Human Immunodeficiency Virus",), ("B",)),
            LinkerConcept("MESH:D015658", "HIV Infections", (), ("C",)),
        ],
        tmp_path,
    )
    (span,) = Linker(tmp_path)("Adults living with HIV for a year", types=["C"])
    assert (span.text, span.curie, span.matched_on) == ("HIV", "MESH:D015658", "gazetteer+organism-infection")
    (organism,) = Linker(tmp_path)("Adults living with HIV for a year", types=["B"])
    assert (organism.curie, organism.matched_on) == ("MESH:D006678", "gazetteer")
