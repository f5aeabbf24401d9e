"""Condition strings naming several headings: the whole string's TF-IDF decision plus the headings whose preferred
names are shorter runs of its words (rule nested-heading-1), over a real index built from a few MeSH concepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialgraph.models.linking.abbreviations import AbbreviationDictionary, AbbreviationLinker
from trialgraph.models.linking.dictionary import DictionaryLinker, Link
from trialgraph.models.linking.evaluate import LINKERS, MeshDictionary
from trialgraph.models.linking.generic import generic_concepts
from trialgraph.models.linking.nested import MAX_RUN_WORDS, NestedHeadingLinker, with_nested_headings, word_runs
from trialgraph.models.linking.tfidf import LinkerConcept, TfidfLinker, build_index

CONDITIONS = frozenset({"C", "F"})
CONCEPTS = [
    LinkerConcept("MESH:D008223", "Lymphoma", ("Lymphomas",), ("C",)),
    LinkerConcept("MESH:D008228", "Lymphoma, Non-Hodgkin", ("Non-Hodgkin's Lymphoma", "NHL"), ("C",)),
    LinkerConcept("MESH:D004487", "Edema", ("Dropsy",), ("C",)),
    LinkerConcept("MESH:D008269", "Macular Edema", ("Cystoid Macular Edema",), ("C",)),
    LinkerConcept("MESH:D009369", "Neoplasms", ("Cancer", "Tumor"), ("C",)),
    LinkerConcept("MESH:D001943", "Breast Neoplasms", ("Breast Cancer",), ("C",)),
    LinkerConcept("MESH:D001241", "Aspirin", ("Acetylsalicylic Acid",), ("D",)),
    LinkerConcept("MESH:D001249", "Asthma", ("Bronchial Asthma",), ("C",)),
    # two concepts share a preferred name: the first by id is taken, as TF-IDF breaks its ties
    LinkerConcept("MESH:D012140", "Anemia", (), ("C",)),
    LinkerConcept("MESH:D999999", "Anemia", (), ("C",)),
    LinkerConcept("MESH:D008193", "Lyme Disease", ("Lyme Borreliosis",), ("C",)),
    LinkerConcept("MESH:D004194", "Disease", ("Illness",), ("C",)),  # on the generic stop list
    LinkerConcept("MESH:A000001", "Sjögren Syndrome", (), ("C",)),
    LinkerConcept("MESH:D000000", "Stopped Name", (), ("C",)),  # stop-listed below, shares a name...
    LinkerConcept("MESH:D000001", "Stopped Name", (), ("C",)),  # ...with an allowed concept later by id
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("index")
    build_index(CONCEPTS, folder, vocabulary_versions={"MESH": "test"})
    return folder


@pytest.fixture(scope="module")
def tfidf(index: Path) -> TfidfLinker:
    return TfidfLinker(index)


def _curies(links: list[Link]) -> list[tuple[str, str]]:
    return [(link.curie, link.matched_on) for link in links]


def test_word_runs_are_every_shorter_contiguous_run_as_written() -> None:
    assert list(word_runs("Lymphoma, Non-Hodgkin")) == ["Lymphoma", "Non-Hodgkin"]  # a hyphenated word is one
    assert list(word_runs("Hodgkin's Lymphoma, Stage IV")) == [
        "Hodgkin's",
        "Hodgkin's Lymphoma",
        "Hodgkin's Lymphoma, Stage",
        "Lymphoma",
        "Lymphoma, Stage",
        "Lymphoma, Stage IV",
        "Stage",
        "Stage IV",
        "IV",
    ]
    assert list(word_runs("Diabetic Macular Edema")) == [
        "Diabetic",
        "Diabetic Macular",
        "Macular",
        "Macular Edema",
        "Edema",
    ]
    assert list(word_runs("Asthma")) == [] and list(word_runs("  ")) == [] and list(word_runs("")) == []
    # runs are bounded in length, so a long text costs a number of runs linear in its words
    many = " ".join(f"w{i}" for i in range(100))
    runs = list(word_runs(many))
    assert max(len(run.split()) for run in runs) == MAX_RUN_WORDS
    assert len(runs) == sum(min(MAX_RUN_WORDS, 100 - i) for i in range(100))


def test_the_whole_decision_comes_first_then_each_heading_a_shorter_run_names(tfidf: TfidfLinker) -> None:
    linker = NestedHeadingLinker(tfidf)
    nhl, dme, breast, mixed, plain, two, tie = linker.link_all(
        [
            "Non-Hodgkin's Lymphoma",
            "Diabetic Macular Edema",
            "Breast Cancer",
            "Asthma and Aspirin",
            "Asthma",
            "Asthma with Edema",
            "Anemia of Asthma",
        ],
        CONDITIONS,
    )
    assert _curies(nhl) == [("MESH:D008228", "tfidf"), ("MESH:D008223", "nested")]
    assert nhl[1].key == "lymphoma" and nhl[1].score == 1.0
    # "Macular Edema" and "Edema" are preferred names; "Diabetic Macular Edema" itself links to Macular Edema once
    assert _curies(dme) == [("MESH:D008269", "tfidf"), ("MESH:D004487", "nested")]
    # "Cancer" is only an entry term of Neoplasms: entry terms are not used for the runs
    assert _curies(breast) == [("MESH:D001943", "tfidf")]
    # Aspirin is a preferred name, but a drug is not an allowed type for a condition
    assert "MESH:D001241" not in {link.curie for link in mixed} and "MESH:D001249" in {link.curie for link in mixed}
    assert _curies(plain) == [("MESH:D001249", "tfidf")]  # one word: no shorter run
    # two headings in one string: the whole string's decision is one of them, its run adds the other, once each
    assert sorted(c for c, _ in _curies(two)) == ["MESH:D001249", "MESH:D004487"]
    assert [how for _, how in _curies(two)] == ["tfidf", "nested"]
    assert sorted(c for c, _ in _curies(tie)) == ["MESH:D001249", "MESH:D012140"]  # never the second Anemia
    # with every type allowed, the drug is found too
    (anything,) = linker.link_all(["Asthma and Aspirin"])
    assert {"MESH:D001241", "MESH:D001249"} <= {link.curie for link in anything}


def test_types_spelling_spacing_unicode_and_the_stop_list_decide_what_a_run_links(index: Path) -> None:
    # the real TF-IDF linker with a threshold no similarity reaches: no whole-string decision, only the runs' links
    nothing_whole = TfidfLinker(index, threshold=1.01)
    stop = frozenset({"MESH:D004194", "MESH:D000000"})
    linker = NestedHeadingLinker(nothing_whole, excluded=stop)
    drug, british, spaced, lyme, decomposed, tie = linker.link_all(
        [
            "Asthma and Aspirin",
            "Diabetic Macular Oedema",
            "Severe Macular   Edema of the left eye",
            "Chronic Lyme Disease",
            "Secondary Sjo\u0308gren Syndrome",  # "ö" as o + a combining diaeresis
            "Stopped Name, Relapsed",
        ],
        CONDITIONS,
    )
    assert _curies(drug) == [("MESH:D001249", "nested")]  # Aspirin: a drug is not a condition's type
    assert _curies(british) == [("MESH:D008269", "nested"), ("MESH:D004487", "nested")]  # Oedema is Edema
    assert _curies(spaced) == [("MESH:D008269", "nested"), ("MESH:D004487", "nested")]  # spaces collapsed
    assert _curies(lyme) == [("MESH:D008193", "nested")]  # never Disease: it is on the stop list
    assert _curies(decomposed) == [("MESH:A000001", "nested")]  # read after Unicode NFC
    assert _curies(tie) == [("MESH:D000001", "nested")]  # the stop-listed twin is left out before the tie-break
    runs = list(word_runs("Secondary Sjo\u0308gren Syndrome"))
    assert runs == ["Secondary", "Secondary Sjögren", "Sjögren", "Sjögren Syndrome", "Syndrome"]


def test_the_method_version_names_the_rule_and_the_abbreviation_step_composes(tfidf: TfidfLinker) -> None:
    plain = NestedHeadingLinker(tfidf)
    assert plain.method_version == f"{tfidf.method_version}+nested-heading-1"
    abbreviations = AbbreviationDictionary({"ME": "Macular Edema"}, content_hash="0123456789abcdef")
    composed = NestedHeadingLinker(AbbreviationLinker(tfidf, abbreviations))
    assert composed.method_version == f"{tfidf.method_version}+abbrev-sh-1+0123456789ab+nested-heading-1"
    short, spelled = composed.link_all(["ME", "Hodgkin's lymphomas, relapsed"], CONDITIONS)
    assert _curies(short) == [("MESH:D008269", "abbreviation")]  # through its long form; one word, no runs
    assert ("MESH:D008223", "nested") not in _curies(spelled)  # "lymphomas" is an entry term, not the name


def test_the_evaluation_registry_scores_the_nested_linkers_like_the_others() -> None:
    mesh = MeshDictionary(DictionaryLinker([]), {}, frozenset(c.curie for c in CONCEPTS), "test", tuple(CONCEPTS))
    nested, plain = LINKERS["tfidf+nested"](mesh, []), LINKERS["tfidf"](mesh, [])
    strings = ["Non-Hodgkin's Lymphoma", "Diabetic Macular Edema"]
    assert plain(strings, "conditions") == {"MESH:D008228", "MESH:D008269"}
    assert nested(strings, "conditions") == {"MESH:D008228", "MESH:D008223", "MESH:D008269", "MESH:D004487"}
    both = LINKERS["tfidf+abbrev+nested"](mesh, [])
    assert both(strings, "conditions") == nested(strings, "conditions")


def test_the_linker_every_caller_builds_leaves_out_the_shipped_stop_list(index: Path) -> None:
    """``with_nested_headings`` is what ``trialgraph link``, the API and the evaluation build: it must apply the
    shipped generic stop list (Disease, MESH:D004194, is on it), which a bare ``NestedHeadingLinker`` does not."""
    nothing_whole = TfidfLinker(index, threshold=1.01)
    assert "MESH:D004194" in generic_concepts().curies
    (bare,) = NestedHeadingLinker(nothing_whole).link_all(["Chronic Lyme Disease"], CONDITIONS)
    (shipped,) = with_nested_headings(nothing_whole).link_all(["Chronic Lyme Disease"], CONDITIONS)
    assert _curies(bare) == [("MESH:D008193", "nested"), ("MESH:D004194", "nested")]
    assert _curies(shipped) == [("MESH:D008193", "nested")]
