"""Paper embeddings and paper retrieval by meaning, against the real Neo4j with the real MiniLM encoder.

The graph is the one ``test_publication_retrieval`` searches: CT.gov study NCT00636688 (its BACKGROUND reference
PMID 12899583 stays a citation-only stub, its RESULT reference 15213209 is the PubMed fixture), the 100 records
of ``pubmed/KerstenDoering_PubMedPortable`` and PubMed 29768149 (as-needed budesonide-formoterol in mild asthma).
Expected counts come from Cypher over the graph and expected texts from the XML read with ``xml.etree``, never
from the code under test. Tests run in file order: the first searches before anything is embedded.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from xml.etree import ElementTree as ET

import neo4j
import pytest
from typer.testing import CliRunner

from tests.conftest import wipe
from tests.data import shared
from tests.graphcheck import description_mismatches, rows, value
from tests.kg.test_publication_retrieval import ASTHMA, ASTHMA_PMID, CITING_TRIAL, load_trial_and_papers
from trialgraph.api import TrialGraph
from trialgraph.cli import app
from trialgraph.errors import ConfigError, UnknownNameError
from trialgraph.kg.embeddings import embedding_index
from trialgraph.models.encoders import ENCODERS
from trialgraph.models.retrieval.rendering import PAPER_RENDERING_VERSION
from trialgraph.settings import Settings

pytestmark = pytest.mark.neo4j
runner = CliRunner()
PAPERS = embedding_index(ENCODERS["minilm"], PAPER_RENDERING_VERSION)
RECORDS = embedding_index(ENCODERS["minilm"])
STUB_PMID = "12899583"  # NCT00636688's BACKGROUND reference: only a citation, no PubMed record loaded
# A lay paraphrase of PubMed 29768149 (as-needed budesonide-formoterol in mild asthma) that shares no word with
# its title or abstract; the test checks that against the XML.
PARAPHRASE = "reliever inhaler: steroid + bronchodilator, taken during occasional wheezing attacks"
WITH_TEXT = (
    "MATCH (p:Publication) WHERE trim(coalesce(p.title, '')) <> '' OR trim(coalesce(p.abstract, '')) <> '' "
    "RETURN count(p)"
)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _asthma_text() -> str:
    with gzip.open(shared(ASTHMA), "rb") as handle:
        citation = next(ET.parse(handle).getroot().iter("MedlineCitation"))
    title = "".join(citation.find(".//ArticleTitle").itertext())
    return title + " " + " ".join("".join(a.itertext()) for a in citation.iter("AbstractText"))


def _snapshot(driver: neo4j.Driver, index: str) -> dict[str, tuple]:
    """Every embedding of ``index`` by the id of the node it embeds, with what it was made from; its index node."""
    found = {
        r["target"]: (r["hash"], r["made"], r["key"], tuple(r["vector"]))
        for r in rows(
            driver,
            "MATCH (e:Embedding {index: $i})-[:EMBEDS]->(n) "
            "RETURN e.key AS key, e.text_hash AS hash, e.made_at AS made, e.vector AS vector, "
            "coalesce(n.record_id, n.key) AS target",
            i=index,
        )
    }
    node = rows(driver, "MATCH (x:EmbeddingIndex {name: $i}) RETURN properties(x) AS p", i=index)
    found["<index>"] = tuple(sorted(node[0]["p"].items())) if node else ()
    return found


@pytest.fixture(scope="module")
def papers(
    neo4j_server: Settings, neo4j_driver: neo4j.Driver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TrialGraph]:
    """The trial, its cited paper and stub, and the real PubMed slice; nothing embedded yet."""
    wipe(neo4j_driver)
    with neo4j_driver.session() as session:  # indexes from an earlier run of this module
        for index in (PAPERS, RECORDS):
            session.run(f"DROP INDEX {index.name} IF EXISTS").consume()
    with TrialGraph.connect(neo4j_server) as client:
        load_trial_and_papers(client, tmp_path_factory.mktemp("study"))
        yield client


def test_searching_papers_by_vector_before_embedding_names_the_command(papers: TrialGraph) -> None:
    for retriever in ("vector", "hybrid"):
        with pytest.raises(ConfigError, match=r"run `trialgraph embed --target publications` first") as raised:
            papers.search_publications("asthma", retriever=retriever)
        assert "\n" not in str(raised.value)
        result = runner.invoke(app, ["search-papers", "asthma", "--retriever", retriever])
        assert result.exit_code == 1, result.output
        assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output
        assert "trialgraph embed --target publications" in result.output
    assert papers.search_publications("asthma")[0].pmid == ASTHMA_PMID  # BM25 needs no embeddings
    with pytest.raises(UnknownNameError, match="unknown retriever 'graph'"):
        papers.search_publications("asthma", retriever="graph")
    with pytest.raises(UnknownNameError, match="unknown embedding target 'trials'"):
        papers.embed(target="trials")
    result = runner.invoke(app, ["embed", "--target", "trials"])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "records, publications" in result.output


def test_papers_are_embedded_once_stubs_never_and_only_a_changed_abstract_again(papers: TrialGraph) -> None:
    driver = papers.driver
    with_text = value(driver, WITH_TEXT)
    stub = rows(
        driver, "MATCH (p:Publication {pmid: $p}) RETURN p.title AS t, p.abstract AS a, p.citation AS c", p=STUB_PMID
    )
    assert stub and stub[0]["t"] is None and stub[0]["a"] is None and stub[0]["c"]  # a citation-only stub
    assert value(driver, "MATCH (p:Publication) RETURN count(p)") > with_text > 100

    first = papers.embed(target="publications")
    assert (first.read, first.written, first.unchanged) == (with_text, with_text, 0)
    vectors = rows(
        driver,
        f"MATCH (e:{PAPERS.label})-[:EMBEDS]->(p:Publication) RETURN p.key AS key, e.vector AS v, e.rendering AS r, "
        "e.publication_key AS k",
    )
    assert len(vectors) == len({r["key"] for r in vectors}) == with_text
    assert all(r["k"] == r["key"] and r["r"] == PAPER_RENDERING_VERSION for r in vectors)
    assert all(len(r["v"]) == 384 and abs(sum(x * x for x in r["v"]) - 1) < 1e-3 for r in vectors)
    assert value(driver, "MATCH (:Publication {pmid: $p})<-[:EMBEDS]-(e) RETURN count(e)", p=STUB_PMID) == 0
    index = [i for i in papers.embedding_indexes() if i["name"] == PAPERS.name]
    assert [(i["rendering"], i["dimensions"], i["embeddings"]) for i in index] == [
        (PAPER_RENDERING_VERSION, 384, with_text)
    ]
    online = value(
        driver,
        "SHOW VECTOR INDEXES YIELD name, state, labelsOrTypes WHERE name = $n RETURN [state, labelsOrTypes[0]]",
        n=PAPERS.name,
    )
    assert online == ["ONLINE", PAPERS.label]
    # Embeddings, their edges to papers and the papers themselves as cypher/graph.toml types them.
    assert description_mismatches(driver) == []
    assert f"embed:{PAPERS.name}" in {r["source"] for r in papers.runs(limit=50)}

    second = papers.embed(target="publications")
    assert (second.read, second.written, second.unchanged) == (with_text, 0, with_text)

    key = f"pmid:{ASTHMA_PMID}"
    before = _snapshot(driver, PAPERS.name)
    with driver.session() as session:
        abstract = session.run("MATCH (p:Publication {key: $k}) RETURN p.abstract", k=key).single(strict=True)[0]
        session.run("MATCH (p:Publication {key: $k}) SET p.abstract = 'Yoga for low back pain.'", k=key).consume()
    third = papers.embed(target="publications")
    assert (third.written, third.unchanged) == (1, with_text - 1)
    after = _snapshot(driver, PAPERS.name)
    assert after[key][0] != before[key][0] and after[key][3] != before[key][3]
    assert {k: v for k, v in after.items() if k not in (key, "<index>")} == {
        k: v for k, v in before.items() if k not in (key, "<index>")
    }
    with driver.session() as session:  # the real abstract back: the same text, so the same hash as at first
        session.run("MATCH (p:Publication {key: $k}) SET p.abstract = $a", k=key, a=abstract).consume()
    assert papers.embed(target="publications").written == 1
    assert _snapshot(driver, PAPERS.name)[key][0] == before[key][0]


def test_record_and_paper_indexes_leave_each_other_alone(papers: TrialGraph) -> None:
    driver = papers.driver
    records = papers.embed()  # records: the default target, as before
    assert records.written == value(driver, "MATCH (r:RegistryRecord) RETURN count(r)") == 1
    record_side, paper_side = _snapshot(driver, RECORDS.name), _snapshot(driver, PAPERS.name)
    assert set(record_side) == {f"ctgov:{CITING_TRIAL}", "<index>"}

    with driver.session() as session:  # every paper changes: each is re-encoded, no record is
        session.run("MATCH (p:Publication) WHERE p.title IS NOT NULL SET p.title = p.title + ' (revised)'").consume()
    redone = papers.embed(target="publications")
    assert redone.written == value(driver, WITH_TEXT)
    assert _snapshot(driver, RECORDS.name) == record_side
    assert _snapshot(driver, PAPERS.name) != paper_side
    paper_side = _snapshot(driver, PAPERS.name)

    with driver.session() as session:  # the record changes: it is re-encoded, no paper is
        session.run(
            "MATCH (r:RegistryRecord) SET r.brief_title = 'Mediterranean diet for erectile dysfunction'"
        ).consume()
    assert papers.embed().written == 1
    assert _snapshot(driver, PAPERS.name) == paper_side
    assert _snapshot(driver, RECORDS.name) != record_side

    # Each index answers only for its own kind of node: trial searches find trials, paper searches papers.
    assert [h.trial_id for h in papers.search("erectile dysfunction", retriever="vector")] == [CITING_TRIAL]
    keys = {h.key for h in papers.search_publications("erectile dysfunction", retriever="vector", limit=1000)}
    assert keys == {r["k"] for r in rows(driver, f"MATCH (e:{PAPERS.label}) RETURN e.publication_key AS k")}


def test_vector_search_finds_a_paraphrased_abstract_that_bm25_cannot(papers: TrialGraph) -> None:
    assert _words(PARAPHRASE) & _words(_asthma_text()) == set()  # not one shared word, rare or common
    fulltext = papers.search_publications(PARAPHRASE, limit=1000)
    assert ASTHMA_PMID not in {h.pmid for h in fulltext}
    vector = papers.search_publications(PARAPHRASE, retriever="vector", limit=5)
    assert vector[0].pmid == ASTHMA_PMID, [(h.pmid, h.title) for h in vector]
    assert vector[0].score > vector[1].score
    assert (vector[0].retriever, vector[0].components) == ("vector", {"vector": vector[0].score})
    assert vector[0].unloaded_trial_ids == ("NCT02149199",)  # the paper keeps its links, as in BM25 hits
    # Neo4j's cosine score is (1 + cos) / 2: recompute it from the stored vector and a fresh query vector.
    from trialgraph.models.encoders import load_encoder

    query = load_encoder("minilm").encode([PARAPHRASE])[0]
    stored = value(papers.driver, "MATCH (e:Embedding {publication_key: $k}) RETURN e.vector", k=vector[0].key)
    assert vector[0].score == pytest.approx((1 + sum(a * b for a, b in zip(query, stored, strict=True))) / 2, abs=1e-4)
    # The hit's Cypher and parameters rerun the search in a read-only transaction.
    again = papers.run_cypher(vector[0].cypher[0], **vector[0].parameters[0])
    assert [r["key"] for r in again] == [h.key for h in vector]
    assert vector[0].as_dict()["parameters"][0]["query_vector"] == "<384 floats>"


def test_hybrid_is_the_rank_fused_union_with_both_component_ranks(papers: TrialGraph) -> None:
    query = "budesonide for wheezing attacks"  # BM25 matches one rare word, vectors the meaning
    fulltext = [h.key for h in papers.search_publications(query, limit=1000)]
    vector = [h.key for h in papers.search_publications(query, retriever="vector", limit=1000)]
    assert fulltext and set(fulltext) != set(vector)
    hybrid = papers.search_publications(query, retriever="hybrid", limit=1000)
    assert {h.key for h in hybrid} == set(fulltext) | set(vector)
    for hit in hybrid:
        ranks = {
            name: float(found.index(hit.key) + 1)
            for name, found in (("fulltext", fulltext), ("vector", vector))
            if hit.key in found
        }
        assert {k: v for k, v in hit.components.items() if k.endswith("_rank")} == {
            f"{k}_rank": v for k, v in ranks.items()
        }
        assert hit.score == pytest.approx(sum(1 / (60 + r) for r in ranks.values()))
        assert len(hit.cypher) == len(hit.parameters) == len(ranks) and hit.retriever == "hybrid"
    top = hybrid[0]
    assert top.pmid == ASTHMA_PMID and {"fulltext", "vector", "fulltext_rank", "vector_rank"} == set(top.components)
    assert [h.score for h in hybrid] == sorted((h.score for h in hybrid), reverse=True)
    for statement, params in zip(top.cypher, top.parameters, strict=True):  # each component reruns and finds it
        assert top.key in {r["key"] for r in papers.run_cypher(statement, **params)}
    # A short list fuses each component's first 100 (the depth chosen for trials): recomputed here by hand.
    short = {name: found[:100] for name, found in (("fulltext", fulltext), ("vector", vector))}
    fused = {
        key: sum(1 / (60 + found.index(key) + 1) for found in short.values() if key in found)
        for key in set(short["fulltext"]) | set(short["vector"])
    }
    expected = sorted(fused, key=lambda key: (-fused[key], key))[:10]
    assert [h.key for h in papers.search_publications(query, retriever="hybrid", limit=10)] == expected


def test_cli_embeds_papers_and_prints_the_same_hits_as_the_api(papers: TrialGraph) -> None:
    result = runner.invoke(app, ["embed", "--target", "publications", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["written"], report["unchanged"]) == (0, value(papers.driver, WITH_TEXT))
    args = ["search-papers", "budesonide for wheezing attacks", "--retriever", "hybrid", "-n", "5", "--json"]
    printed = runner.invoke(app, args)
    assert printed.exit_code == 0, printed.output
    api = papers.search_publications("budesonide for wheezing attacks", retriever="hybrid", limit=5)
    assert json.loads(printed.output) == [h.as_dict() for h in api]


def test_a_paper_pubmed_deletes_loses_its_embedding_and_leaves_no_orphan(
    papers: TrialGraph, tmp_path_factory: pytest.TempPathFactory
) -> None:
    driver = papers.driver
    papers.embed(target="publications")
    cited = "15213209"  # NCT00636688 cites it: it stays, as a stub
    alone = next(  # a pancreatic paper only its MeSH indexing (PubMed's, deleted with it) and embedding touch
        r["pmid"]
        for r in rows(
            driver,
            "MATCH (p:Publication)<-[:EMBEDS]-(:Embedding) WHERE p.pmid <> $c "
            "AND NOT EXISTS { (p)--(x) WHERE NOT (x:Embedding OR x:Concept) } "
            "RETURN p.pmid AS pmid ORDER BY pmid",
            c=cited,
        )
    )
    deletion = tmp_path_factory.mktemp("deletion") / "pubmed_delete.xml"
    deletion.write_text(
        "<PubmedArticleSet><DeleteCitation>"
        + "".join(f'<PMID Version="1">{p}</PMID>' for p in (cited, alone))
        + "</DeleteCitation></PubmedArticleSet>",
        encoding="utf-8",
    )
    embedded = value(driver, f"MATCH (e:{PAPERS.label}) RETURN count(e)")
    papers.load("pubmed", [deletion])
    assert value(driver, "MATCH (p:Publication {pmid: $p}) RETURN p.stub", p=cited) is True
    assert value(driver, "MATCH (p:Publication {pmid: $p}) RETURN count(p)", p=alone) == 0
    keys = [f"pmid:{p}|{PAPERS.name}" for p in (cited, alone)]
    assert value(driver, "MATCH (e:Embedding) WHERE e.key IN $k RETURN count(e)", k=keys) == 0
    assert value(driver, f"MATCH (e:{PAPERS.label}) RETURN count(e)") == embedded - 2
    assert value(driver, f"MATCH (e:{PAPERS.label}) WHERE NOT (e)-[:EMBEDS]->() RETURN count(e)") == 0
    again = papers.embed(target="publications")
    assert (again.read, again.written) == (value(driver, WITH_TEXT), 0) == (embedded - 2, 0)
    found = {
        h.pmid for h in papers.search_publications("erectile dysfunction obese men", retriever="vector", limit=200)
    }
    assert cited not in found and alone not in found
