"""Publications in the graph say what PubMed, CT.gov and IntoValue say: loaded into the real Neo4j and read back.

Expected values are computed here from the raw files (``xml.etree`` for PubMed XML, ``json`` for CT.gov,
``csv`` for IntoValue), never through TrialGraph's parsers. The shared PubMed files hold no paper that a
shared CT.gov study cites (the one PMID in common, 19692680, occurs only inside a CommentsCorrections list),
so the "one node for both" and DeleteCitation cases use a two-file fixture in ``tests/fixtures/graph/``
built around PMID 15213209, the RESULT reference of study NCT00636688.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import neo4j
import pytest

from tests.conftest import wipe
from tests.data import REPO_ROOT, shared
from tests.graphcheck import rows as _rows
from tests.graphcheck import shape as _shape
from tests.graphcheck import value as _value
from trialgraph.api import TrialGraph
from trialgraph.kg.writer import LoadReport

PUBMED = "pubmed"
STUDIES = "ctgov/v2/studies.jsonl.gz"
INTOVALUE = "links/intovalue/trials.csv.gz"
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "graph" / "pubmed_update"
ARTICLE = FIXTURES / "0001_pubmed_article.xml"
DELETION = FIXTURES / "0002_pubmed_delete.xml"
CITED_PMID, CITING_TRIAL = "15213209", "NCT00636688"

# PROVENANCE.md of pubmed/: 1,458 records, 1,438 distinct PMIDs.
PROVENANCE_RECORDS = 1_458
PROVENANCE_PMIDS = 1_438


# ------------------------------------------------------------------ raw PubMed, read with xml.etree
def _text(element: ET.Element | None) -> str | None:
    if element is None:
        return None
    return " ".join("".join(element.itertext()).split()) or None


@dataclass
class Article:
    pmid: str
    file: str
    title: str | None
    headings: list[ET.Element]
    databanks: list[tuple[str, str]]  # (DataBankName, AccessionNumber)


@dataclass
class RawPubmed:
    articles: list[Article] = field(default_factory=list)
    present: set[str] = field(default_factory=set)  # PMIDs whose last event, in file order, is an article
    deleted: set[str] = field(default_factory=set)  # PMIDs whose last event is a DeleteCitation

    def by_pmid(self) -> dict[str, list[Article]]:
        grouped: defaultdict[str, list[Article]] = defaultdict(list)
        for article in self.articles:
            grouped[article.pmid].append(article)
        return dict(grouped)


def _files(folder: Path) -> list[Path]:
    """PubMed files in load order: the folder walked recursively, sorted (as the loader documents)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith((".xml", ".xml.gz")))


def _read_pubmed(paths: list[Path]) -> RawPubmed:
    raw = RawPubmed()
    for path in paths:
        data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
        for unit in ET.fromstring(data):
            if unit.tag in ("PubmedArticle", "MedlineCitation"):
                citation = unit if unit.tag == "MedlineCitation" else unit.find("MedlineCitation")
                assert citation is not None
                pmid = _text(citation.find("PMID"))
                assert pmid
                article = citation.find("Article")
                assert article is not None
                title = _text(article.find("ArticleTitle")) or _text(article.find("VernacularTitle"))
                banks = [
                    (_text(bank.find("DataBankName")) or "", _text(acc) or "")
                    for bank in article.iterfind("DataBankList/DataBank")
                    for acc in bank.iterfind("AccessionNumberList/AccessionNumber")
                ]
                headings = list(citation.iterfind("MeshHeadingList/MeshHeading"))
                raw.articles.append(Article(pmid, path.name, title, headings, banks))
                raw.present.add(pmid)
                raw.deleted.discard(pmid)
            elif unit.tag == "DeleteCitation":
                for el in unit.iterfind("PMID"):
                    raw.deleted.add(el.text or "")
                    raw.present.discard(el.text or "")
    return raw


@pytest.fixture(scope="module")
def raw_pubmed() -> RawPubmed:
    return _read_pubmed(_files(shared(PUBMED)))


@pytest.fixture(scope="module")
def studies() -> list[dict[str, Any]]:
    with gzip.open(shared(STUDIES), "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@dataclass
class Loaded:
    tg: TrialGraph
    reports: dict[str, LoadReport]


_LOADED: dict[str, LoadReport] = {}


@pytest.fixture()
def publications(tg: TrialGraph, module_driver: neo4j.Driver) -> Loaded:
    """CT.gov studies, every shared PubMed file, IntoValue: loaded once, reloaded if a wiping test ran between."""
    held = _rows(
        module_driver,
        "CALL () { MATCH (r:RegistryRecord) RETURN count(r) AS records } "
        "CALL () { MATCH (p:Publication) WHERE p.title IS NOT NULL RETURN count(p) AS titled } "
        "CALL () { MATCH ()-[m:MENTIONS_TRIAL {source: 'intovalue'}]->() RETURN count(m) AS intovalue } "
        "RETURN records, titled, intovalue",
    )[0]
    if not _LOADED or not all(held.values()):
        wipe(module_driver)
        _LOADED["ctgov"] = tg.load("ctgov", [shared(STUDIES)])
        _LOADED["pubmed"] = tg.load("pubmed", [shared(PUBMED)])
        _LOADED["intovalue"] = tg.load("intovalue", [shared(INTOVALUE)])
    return Loaded(tg, dict(_LOADED))


# ------------------------------------------------------------------ 1. every live PMID has a titled Publication
def test_raw_pubmed_matches_provenance(raw_pubmed: RawPubmed) -> None:
    assert len(raw_pubmed.articles) == PROVENANCE_RECORDS
    assert len(raw_pubmed.by_pmid()) == PROVENANCE_PMIDS
    assert raw_pubmed.deleted, "the shared update files carry DeleteCitation blocks"


def test_every_live_pmid_has_a_titled_publication(publications: Loaded, raw_pubmed: RawPubmed) -> None:
    driver = publications.tg.driver
    assert publications.reports["pubmed"].rejected == 0
    stored = {
        r["pmid"]: r
        for r in _rows(
            driver,
            "MATCH (p:Publication) WHERE p.pmid IS NOT NULL "
            "RETURN p.pmid AS pmid, p.key AS key, p.title AS title, p.stub AS stub",
        )
    }
    grouped = raw_pubmed.by_pmid()
    for pmid in raw_pubmed.present:
        row = stored.get(pmid)
        assert row is not None, pmid
        assert row["key"] == f"pmid:{pmid}"
        assert row["stub"] is None, pmid
        titles = {a.title for a in grouped[pmid]}
        assert row["title"] is not None and row["title"] in titles, (pmid, row["title"], titles)
    titled = {pmid for pmid, row in stored.items() if row["title"] is not None}
    assert titled == raw_pubmed.present
    assert not titled & raw_pubmed.deleted


# ------------------------------------------------------------------ 2. one article's MeSH indexing
def test_spot_check_mesh_headings(publications: Loaded, raw_pubmed: RawPubmed) -> None:
    grouped = raw_pubmed.by_pmid()

    def indexed_fully(article: Article) -> bool:
        descriptors = [h.find("DescriptorName") for h in article.headings]
        flags = {d.get("MajorTopicYN") for d in descriptors if d is not None}
        return (
            len(grouped[article.pmid]) == 1
            and len(descriptors) >= 8
            and all(d is not None and d.get("UI") for d in descriptors)
            and flags == {"Y", "N"}
            and any(q.get("MajorTopicYN") == "Y" for h in article.headings for q in h.iterfind("QualifierName"))
        )

    article = next(a for a in raw_pubmed.articles if a.pmid in raw_pubmed.present and indexed_fully(a))
    expected = {}
    for heading in article.headings:
        descriptor = heading.find("DescriptorName")
        assert descriptor is not None
        qualifiers = list(heading.iterfind("QualifierName"))
        major = descriptor.get("MajorTopicYN") == "Y"
        expected[f"MESH:{descriptor.get('UI')}"] = {
            "major": major,
            "major_topic": major or any(q.get("MajorTopicYN") == "Y" for q in qualifiers),
            "qualifiers": sorted(_text(q) or "" for q in qualifiers),
        }
    rows = _rows(
        publications.tg.driver,
        "MATCH (:Publication {key: $key})-[h:HAS_MESH_HEADING]->(c:Concept) "
        "RETURN c.curie AS curie, h.major AS major, h.major_topic AS major_topic, h.qualifiers AS qualifiers",
        key=f"pmid:{article.pmid}",
    )
    got = {
        r["curie"]: {
            "major": r["major"],
            "major_topic": r["major_topic"],
            "qualifiers": sorted(r["qualifiers"] or []),
        }
        for r in rows
    }
    assert len(rows) == len(article.headings), article.pmid
    assert got == expected, article.pmid


# ------------------------------------------------------------------ 3. DataBank accessions -> MENTIONS_TRIAL
def test_databank_accessions_become_trial_links(publications: Loaded, raw_pubmed: RawPubmed) -> None:
    expected = {
        (a.pmid, accession.strip().upper())
        for a in raw_pubmed.articles
        if a.pmid in raw_pubmed.present
        for bank, accession in a.databanks
        if bank.lower() == "clinicaltrials.gov"
    }
    assert len({pmid for pmid, _ in expected}) >= 30  # PROVENANCE: 32 records with an NCT accession
    rows = _rows(
        publications.tg.driver,
        "MATCH (p:Publication)-[m:MENTIONS_TRIAL {source: 'medline-databank'}]->(i:TrialId) "
        "WHERE i.id STARTS WITH 'NCT' RETURN p.pmid AS pmid, i.id AS id, i.registry AS registry",
    )
    got = {(r["pmid"], r["id"]) for r in rows}
    assert expected <= got, sorted(expected - got)
    assert got == expected
    assert {r["registry"] for r in rows} <= {"ClinicalTrials.gov"}


# ------------------------------------------------------------------ 4. reloading changes nothing
def test_pubmed_reload_is_idempotent(publications: Loaded) -> None:
    driver = publications.tg.driver
    before = _shape(driver)
    report = publications.tg.load("pubmed", [shared(PUBMED)])
    assert report.rejected == 0
    assert _shape(driver) == before
    # nothing differs, so nothing is written and the report says so (an older version of a citation that a
    # later file restates stays superseded, as in the first load)
    assert report.written == 0 and report.unchanged == report.read - report.superseded > 1000
    report = publications.tg.load("intovalue", [shared(INTOVALUE)])
    assert report.rejected == 0
    assert _shape(driver) == before


# ------------------------------------------------------------------ 6. IntoValue
def _intovalue_links() -> set[tuple[str, str | None, str | None]]:
    def value(v: str | None) -> str | None:
        return None if v is None or v.strip() in ("", "NA") else v.strip()

    links = set()
    with gzip.open(shared(INTOVALUE), "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            pmid, doi = value(row["pmid"]), value(row["doi"])
            if pmid is not None or doi is not None:
                links.add((row["id"].strip(), pmid, doi.lower() if doi else None))
    return links


def test_intovalue_links(publications: Loaded, studies: list[dict[str, Any]]) -> None:
    expected = _intovalue_links()
    driver = publications.tg.driver
    count = _value(driver, "MATCH ()-[m:MENTIONS_TRIAL {source: 'intovalue'}]->() RETURN count(m)")
    assert count == len(expected)
    trial_ids = {
        r["id"] for r in _rows(driver, "MATCH ()-[:MENTIONS_TRIAL {source: 'intovalue'}]->(i) RETURN i.id AS id")
    }
    assert trial_ids == {trial for trial, _, _ in expected}
    loaded = {s["protocolSection"]["identificationModule"]["nctId"] for s in studies}
    answer = [r for r in publications.tg.run_query("publication_links_by_source") if r["source"] == "intovalue"]
    assert answer == [
        {
            "source": "intovalue",
            "detail": None,
            "links": len(expected),
            "to_loaded_trials": sum(1 for trial, _, _ in expected if trial in loaded),
        }
    ]


# ------------------------------------------------------------------ 5. a cited paper loaded from PubMed is one node
def _one_study(studies: list[dict[str, Any]], nct: str, folder: Path) -> Path:
    path = folder / f"{nct}.jsonl"
    path.write_text(
        json.dumps(next(s for s in studies if s["protocolSection"]["identificationModule"]["nctId"] == nct)) + "\n",
        encoding="utf-8",
    )
    return path


def _reference_types(studies: list[dict[str, Any]], nct: str, pmid: str) -> list[str]:
    study = next(s for s in studies if s["protocolSection"]["identificationModule"]["nctId"] == nct)
    refs = study["protocolSection"].get("referencesModule", {}).get("references", [])
    return sorted({r["type"] for r in refs if r.get("pmid") == pmid})


def test_cited_paper_from_pubmed_is_one_publication(
    graph: neo4j.Driver, tg: TrialGraph, studies: list[dict[str, Any]], tmp_path: Path
) -> None:
    types = _reference_types(studies, CITING_TRIAL, CITED_PMID)
    assert types == ["RESULT"], "the fixture is built around this registry reference"
    fixture = _read_pubmed([ARTICLE])
    title = fixture.articles[0].title
    study = _one_study(studies, CITING_TRIAL, tmp_path)

    for order in (("ctgov", "pubmed"), ("pubmed", "ctgov")):
        wipe(graph)
        for source in order:
            tg.load(source, [study if source == "ctgov" else ARTICLE])
        nodes = _rows(
            graph,
            "MATCH (p:Publication) WHERE p.pmid = $pmid OR p.key = $key "
            "RETURN p.key AS key, p.title AS title, p.stub AS stub, "
            "count { (:RegistryRecord)-[:HAS_REFERENCE]->(p) } AS cited_by",
            pmid=CITED_PMID,
            key=f"pmid:{CITED_PMID}",
        )
        assert nodes == [{"key": f"pmid:{CITED_PMID}", "title": title, "stub": None, "cited_by": 1}], order
        rows = [r for r in tg.run_query("trial_publications", trial_id=CITING_TRIAL) if r["pmid"] == CITED_PMID]
        assert len(rows) == 1, order
        assert rows[0]["publication"] == title
        assert rows[0]["reference_types"] == types
        assert sorted(rows[0]["sources"]) == ["ctgov-reference", "medline-databank"], order


# ------------------------------------------------------------------ 7. DeleteCitation
def test_deleted_citation_loses_pubmed_content(graph: neo4j.Driver, tg: TrialGraph) -> None:
    report = tg.load("pubmed", [FIXTURES])  # the article, then (file order) its deletion
    assert report.rejected == 0
    key = f"pmid:{CITED_PMID}"
    assert _value(graph, "MATCH ()-[h:HAS_MESH_HEADING]->() RETURN count(h)") == 0
    rows = _rows(graph, "MATCH (p:Publication {key: $key}) RETURN p.title AS title", key=key)
    assert rows == []  # nothing else cites it: the node is gone
    assert _value(graph, "MATCH (p:Publication) WHERE p.title IS NOT NULL RETURN count(p)") == 0


def test_deleted_citation_cited_by_a_registry_stays_a_stub(
    graph: neo4j.Driver, tg: TrialGraph, studies: list[dict[str, Any]], tmp_path: Path
) -> None:
    key = f"pmid:{CITED_PMID}"
    tg.load("ctgov", [_one_study(studies, CITING_TRIAL, tmp_path)])
    tg.load("pubmed", [ARTICLE])
    headings = len(_read_pubmed([ARTICLE]).articles[0].headings)
    assert _value(graph, "MATCH (:Publication {key: $key})-[h:HAS_MESH_HEADING]->() RETURN count(h)", key=key) == (
        headings
    )

    tg.load("pubmed", [DELETION])
    rows = _rows(
        graph,
        "MATCH (p:Publication {key: $key}) "
        "RETURN p.title AS title, p.abstract AS abstract, p.stub AS stub, p.deleted_in_pubmed AS deleted, "
        "count { (p)-[:HAS_MESH_HEADING]->() } AS headings, "
        "count { (p)-[:MENTIONS_TRIAL {source: 'medline-databank'}]->() } AS databank, "
        "count { (:RegistryRecord)-[:HAS_REFERENCE]->(p) } AS cited_by",
        key=key,
    )
    assert rows == [
        {"title": None, "abstract": None, "stub": True, "deleted": True, "headings": 0, "databank": 0, "cited_by": 1}
    ]
    answer = [r for r in tg.run_query("trial_publications", trial_id=CITING_TRIAL) if r["pmid"] == CITED_PMID]
    assert [r["sources"] for r in answer] == [["ctgov-reference"]]


def test_deleted_citation_keeps_no_pubmed_metadata(
    graph: neo4j.Driver, tg: TrialGraph, studies: list[dict[str, Any]], tmp_path: Path
) -> None:
    """A citation PubMed withdrew keeps nothing PubMed said about it, even while a registry still cites it."""
    tg.load("ctgov", [_one_study(studies, CITING_TRIAL, tmp_path)])
    registry_only = _value(graph, "MATCH (p:Publication {key: $key}) RETURN keys(p)", key=f"pmid:{CITED_PMID}")
    tg.load("pubmed", [ARTICLE])
    tg.load("pubmed", [DELETION])
    props = _value(graph, "MATCH (p:Publication {key: $key}) RETURN keys(p)", key=f"pmid:{CITED_PMID}")
    # Identifiers (doi, like pmid) and load bookkeeping may stay; PubMed's content may not.
    leftover = set(props) - set(registry_only) - {"stub", "deleted_in_pubmed", "doi", "load_run"}
    assert sorted(leftover) == []
