"""Abbreviations: scispaCy's detector on real CT.gov prose, the mined dictionary, and linking through it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data import shared
from trialgraph.link import Linker
from trialgraph.model.keys import normalise_key
from trialgraph.model.study import StudyRecord
from trialgraph.models.linking import abbreviations, tfidf
from trialgraph.models.linking.abbreviations import AbbreviationDictionary, AbbreviationLinker, definitions, mine
from trialgraph.models.linking.evaluate import read_studies, study_text
from trialgraph.models.linking.tfidf import LinkerConcept, TfidfLinker, build_index

NSCLC = "MESH:D002289"
CONCEPTS = [
    LinkerConcept(
        NSCLC, "Carcinoma, Non-Small-Cell Lung", ("Non-Small Cell Lung Cancer", "Non-Small-Cell Lung Carcinoma"), ("C",)
    ),
    LinkerConcept("MESH:D009103", "Multiple Sclerosis", (), ("C",)),
    LinkerConcept("MESH:D008946", "Mitral Valve Stenosis", ("Mitral Stenosis",), ("C",)),
    LinkerConcept("MESH:D003924", "Diabetes Mellitus, Type 2", ("Type 2 Diabetes",), ("C",)),
]


def _shared() -> Path:
    return shared("ctgov/v2/ctg-studies_NSCLC-export.json")  # ../shared/data by default, like every test


@pytest.fixture(scope="module")
def records() -> list[StudyRecord]:
    """The 100 studies of the website's NSCLC export (vrinda2019/NSCLCBench), as the loader parses them."""
    return list(read_studies([_shared()]))


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("index")
    build_index(CONCEPTS, folder)
    return folder


@pytest.fixture(scope="module")
def nlp() -> object:
    return abbreviations.detector()


def _defining(records: list[StudyRecord], nlp: object) -> tuple[StudyRecord, list[abbreviations.Definition]]:
    """The first record whose prose defines NSCLC and uses it again after the definition."""
    for record in records:
        found = [d for d in definitions(nlp(study_text(record))) if d.short == "NSCLC"]  # type: ignore[operator]
        if len(found) == 1 and len(found[0].uses) > 1:
            return record, found
    raise AssertionError("no record of the NSCLC export defines and reuses NSCLC")


def test_detector_finds_real_definitions_and_every_use(records: list[StudyRecord], nlp: object) -> None:
    record, (found,) = _defining(records, nlp)
    text = study_text(record)
    assert normalise_key(found.long) in {"non small cell lung cancer", "non small cell lung carcinoma"}
    assert all(text[start:end] == "NSCLC" for start, end in found.uses)
    definition = text.index(f"({found.short})")
    assert any(start > definition + len(found.short) + 2 for start, _ in found.uses)  # a use after the definition


def test_free_text_links_a_defined_short_form_through_its_long_form(
    records: list[StudyRecord], nlp: object, index: Path
) -> None:
    record, (found,) = _defining(records, nlp)
    text = study_text(record)
    spans = Linker(index)(text)
    via = [s for s in spans if s.matched_on == "abbreviation"]
    assert {(s.start, s.end) for s in via} == set(found.uses)
    assert {(s.curie, s.text, s.long_form) for s in via} == {(NSCLC, "NSCLC", found.long)}
    # the long form itself is found by the gazetteer as before
    assert any(s.matched_on == "gazetteer" and s.curie == NSCLC for s in spans)


def test_condition_short_form_links_through_a_dictionary_mined_from_real_records(
    records: list[StudyRecord], index: Path
) -> None:
    mined = mine([study_text(r) for r in records], sources=("NSCLC export",))
    assert normalise_key(mined.expand("NSCLC") or "") in {"non small cell lung cancer", "non small cell lung carcinoma"}
    assert mined.expand("nsclc") is None  # case is kept: a lower-case word is not a short form
    assert mined.documents == sum(1 for r in records if "(" in study_text(r))

    plain = TfidfLinker(index)
    assert plain.link_many(["NSCLC"], frozenset({"C"})) == [None]  # 3-grams alone cannot reach the concept
    linker = AbbreviationLinker(plain, mined)
    (link,) = linker.link_many(["NSCLC"], frozenset({"C"}))
    assert link is not None and (link.key, link.curie, link.matched_on) == ("nsclc", NSCLC, "abbreviation")
    # a string that is not a short form goes to the TF-IDF linker unchanged
    assert linker.link_many(["Type 2 Diabetes"]) == plain.link_many(["Type 2 Diabetes"])
    # provenance: a new method version, and the dictionary as saved is the dictionary as loaded
    assert linker.method_version != plain.method_version
    assert linker.method_version.startswith(f"{tfidf.METHOD_VERSION}+") and abbreviations.METHOD_VERSION in (
        linker.method_version
    )
    assert AbbreviationDictionary.load(Path(mined.save(index / "mined")).parent) == mined


def test_ambiguous_short_form_is_not_linked(index: Path) -> None:
    texts = [f"Patients with multiple sclerosis (MS), cohort {i}." for i in range(3)]
    texts += [f"Patients with mitral stenosis (MS), cohort {i}." for i in range(3)]
    mined = mine(texts)
    assert mined.expand("MS") is None and mined.ambiguous == 1 and mined.defined == 1
    assert AbbreviationLinker(TfidfLinker(index), mined).link_many(["MS"]) == [None]


def test_dominance_and_frequency_thresholds(index: Path) -> None:
    four_to_one = [f"Patients with multiple sclerosis (MS), cohort {i}." for i in range(4)]
    four_to_one.append("Patients with mitral stenosis (MS).")
    assert mine(four_to_one).expand("MS") == "multiple sclerosis"  # 4/5 = MIN_SHARE
    assert mine(four_to_one[: abbreviations.MIN_DOCUMENTS - 1]).expand("MS") is None  # too rare to trust
    (link,) = AbbreviationLinker(TfidfLinker(index), mine(four_to_one)).link_many(["MS"])
    assert link is not None and link.curie == "MESH:D009103"
