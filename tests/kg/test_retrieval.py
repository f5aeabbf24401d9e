"""Embeddings and retrievers against the real Neo4j, with the real MiniLM encoder, on the 40 demo records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from typer.testing import CliRunner

from tests.conftest import wipe
from tests.graphcheck import description_mismatches, rows, value
from trialgraph.api import TrialGraph
from trialgraph.cli import app
from trialgraph.demo import sample_path
from trialgraph.errors import ConfigError, UnknownNameError
from trialgraph.kg.embeddings import embedding_index
from trialgraph.models.encoders import ENCODERS, load_encoder
from trialgraph.models.retrieval.query_text import MAX_QUERY_CHARS, QueryTextError
from trialgraph.models.retrieval.rendering import RENDERING_VERSION
from trialgraph.settings import Settings

pytestmark = pytest.mark.neo4j
runner = CliRunner()
INDEX = embedding_index(ENCODERS["minilm"])


@pytest.fixture(scope="module")
def loaded(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> Iterator[TrialGraph]:
    """The demo records loaded, not yet embedded."""
    wipe(neo4j_driver)
    with neo4j_driver.session() as session:  # an index from an earlier run of an older configuration
        session.run(f"DROP INDEX {INDEX.name} IF EXISTS").consume()
    with TrialGraph.connect(neo4j_server) as client:
        report = client.load("ctgov", [sample_path()])
        assert report.written == 40
        yield client


def _title_of(driver: neo4j.Driver, trial_id: str) -> str:
    return value(
        driver,
        "MATCH (t:Trial {trial_id: $t})<-[:RECORD_OF]-(r) RETURN r.brief_title ORDER BY r.record_id LIMIT 1",
        t=trial_id,
    )


def test_search_before_embedding_names_the_embed_command(loaded: TrialGraph) -> None:
    with pytest.raises(ConfigError, match="run `trialgraph embed`"):
        loaded.search("asthma", retriever="vector")
    result = runner.invoke(app, ["search", "asthma", "--retriever", "vector"])
    assert result.exit_code == 1 and "trialgraph embed" in result.output and "Traceback" not in result.output


def test_embed_writes_one_vector_per_record_then_only_what_changed(loaded: TrialGraph) -> None:
    driver = loaded.driver
    records = value(driver, "MATCH (r:RegistryRecord) RETURN count(r)")
    first = loaded.embed()
    assert (first.read, first.written, first.unchanged) == (records, records, 0)
    vectors = rows(driver, f"MATCH (e:{INDEX.label})-[:EMBEDS]->(r:RegistryRecord) RETURN e.vector AS v, e.model AS m")
    assert len(vectors) == records
    assert all(len(r["v"]) == 384 and abs(sum(x * x for x in r["v"]) - 1) < 1e-3 for r in vectors)
    index = loaded.embedding_indexes()
    assert [(i["name"], i["model"], i["rendering"], i["dimensions"], i["embeddings"]) for i in index] == [
        (INDEX.name, "sentence-transformers/all-MiniLM-L6-v2", RENDERING_VERSION, 384, records)
    ]
    assert index[0]["model_version"] == ENCODERS["minilm"].version() != "unknown"
    online = value(driver, "SHOW VECTOR INDEXES YIELD name, state WHERE name = $n RETURN state", n=INDEX.name)
    assert online == "ONLINE"
    assert description_mismatches(driver) == []  # embeddings and their index as cypher/graph.toml types them

    second = loaded.embed()
    assert (second.written, second.unchanged) == (0, records)

    # A record whose text changes is encoded again, and only it; its vector follows the new text.
    record_id = value(driver, "MATCH (r:RegistryRecord) RETURN r.record_id ORDER BY r.record_id LIMIT 1")
    before = value(driver, "MATCH (e:Embedding {record_id: $r}) RETURN e.vector", r=record_id)
    with driver.session() as session:
        session.run(
            "MATCH (r:RegistryRecord {record_id: $r}) SET r.brief_title = 'Yoga for chronic low back pain'",
            r=record_id,
        ).consume()
    third = loaded.embed()
    assert (third.written, third.unchanged) == (1, records - 1)
    after = value(driver, "MATCH (e:Embedding {record_id: $r}) RETURN e.vector", r=record_id)
    assert after != before
    runs = {r["source"] for r in loaded.runs(limit=50)}
    assert f"embed:{INDEX.name}" in runs


def test_each_retriever_finds_a_trial_by_its_own_title_and_hits_rerun_in_cypher(loaded: TrialGraph) -> None:
    driver = loaded.driver
    loaded.embed()
    trial_ids = [r["t"] for r in rows(driver, "MATCH (t:Trial) RETURN t.trial_id AS t ORDER BY t LIMIT 5")]
    for trial_id in trial_ids:
        title = _title_of(driver, trial_id)
        for retriever in ("fulltext", "vector", "hybrid"):
            hits = loaded.search(title, retriever=retriever, top_k=5)
            assert hits[0].trial_id == trial_id, (retriever, title, [h.trial_id for h in hits])
            assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
            assert len({h.trial_id for h in hits}) == len(hits)  # one hit per trial
        hybrid = loaded.search(title, retriever="hybrid", top_k=5)[0]
        assert {"fulltext", "vector", "fulltext_rank", "vector_rank"} <= set(hybrid.components)
        assert hybrid.score == pytest.approx(
            1 / (60 + hybrid.components["fulltext_rank"]) + 1 / (60 + hybrid.components["vector_rank"])
        )
    # The Cypher and parameters of a hit give the same trials again, in a read-only transaction.
    for retriever in ("fulltext", "vector"):
        hits = loaded.search(_title_of(driver, trial_ids[0]), retriever=retriever, top_k=3)
        again = loaded.run_cypher(hits[0].cypher[0], **hits[0].parameters[0])
        assert trial_ids[0] in [r["trial_id"] for r in again]


def test_a_retriever_behind_neo4j_graphrag_s_interface_returns_the_same_trials_described(loaded: TrialGraph) -> None:
    """neo4j-graphrag's ``Retriever.search``: the same trials as ``search``, each item's content the context
    builder's description of its trial and its metadata the hit (scores and the Cypher that found it)."""
    from neo4j_graphrag.retrievers.base import Retriever
    from neo4j_graphrag.types import RetrieverResult

    loaded.embed()
    trial_id = value(loaded.driver, "MATCH (t:Trial) RETURN t.trial_id ORDER BY t.trial_id LIMIT 1")
    title = _title_of(loaded.driver, trial_id)
    for name in ("fulltext", "hybrid"):
        retriever = loaded.graphrag_retriever(name)
        assert isinstance(retriever, Retriever)
        result = retriever.search(query_text=title, top_k=3)
        assert isinstance(result, RetrieverResult) and result.metadata["trialgraph_retriever"] == name
        hits = loaded.search(title, retriever=name, top_k=3)
        assert [item.metadata["trial_id"] for item in result.items] == [h.trial_id for h in hits]
        assert [item.metadata["score"] for item in result.items] == [round(h.score, 6) for h in hits]
        first = result.items[0]
        assert first.content == loaded.context([trial_id], max_tokens=600).text and title in first.content
        assert first.metadata["cypher"] == list(hits[0].cypher)


def test_similar_leaves_the_trial_out_and_ranks_by_cosine(loaded: TrialGraph) -> None:
    driver = loaded.driver
    loaded.embed()
    trial_id = value(driver, "MATCH (t:Trial) RETURN t.trial_id ORDER BY t.trial_id LIMIT 1")
    hits = loaded.similar(trial_id, top_k=5)
    assert len(hits) == 5 and trial_id not in {h.trial_id for h in hits}
    # Neo4j's cosine score is (1 + cos) / 2: recompute it from the stored vectors.
    own = value(driver, "MATCH (e:Embedding {record_id: 'ctgov:' + $t}) RETURN e.vector", t=trial_id)
    for hit in hits:
        other = value(driver, "MATCH (e:Embedding {record_id: $r}) RETURN e.vector", r=hit.record_id)
        cosine = sum(a * b for a, b in zip(own, other, strict=True))
        assert hit.score == pytest.approx((1 + cosine) / 2, abs=1e-4)
    with pytest.raises(UnknownNameError, match="no trial"):
        loaded.similar("NCT99999999")


def test_bad_queries_are_one_line_errors(loaded: TrialGraph) -> None:
    for retriever in ("fulltext", "vector", "hybrid"):
        with pytest.raises(QueryTextError, match="empty"):
            loaded.search("   ", retriever=retriever)
        with pytest.raises(QueryTextError, match="limit"):
            loaded.search("asthma " * (MAX_QUERY_CHARS // 7 + 1), retriever=retriever)
    # Lucene syntax in user text is never passed through: these would be parse errors or other queries.
    for text in ("asthma AND (children", 'title:"x', "NOT", "a/b \\ c ~ ^2 [1 TO 5]", "+-!"):
        try:
            loaded.search(text, retriever="fulltext")
        except QueryTextError as e:
            assert "no words" in str(e)
    with pytest.raises(UnknownNameError, match="unknown retriever"):
        loaded.search("asthma", retriever="bm42")
    result = runner.invoke(app, ["search", "", "--retriever", "fulltext"])
    assert result.exit_code == 1 and "empty" in result.output and "Traceback" not in result.output


def test_cli_search_and_similar_json(loaded: TrialGraph) -> None:
    loaded.embed()
    trial_id = value(loaded.driver, "MATCH (t:Trial) RETURN t.trial_id ORDER BY t.trial_id LIMIT 1")
    result = runner.invoke(app, ["search", _title_of(loaded.driver, trial_id), "--json", "-k", "3"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert hits[0]["trial_id"] == trial_id and hits[0]["retriever"] == "hybrid"
    assert any(p.get("query_vector") == "<384 floats>" for p in hits[0]["parameters"])
    result = runner.invoke(app, ["similar", trial_id, "--json", "-k", "2"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)) == 2


def test_eval_retrieval_on_a_cohort_built_from_the_graph(loaded: TrialGraph, tmp_path: Path) -> None:
    """A cohort whose queries are trials' own titles, each judged eligible for its trial: every retriever
    should put it first, so nDCG@10 is 1 on the judged list; the counts follow the graph."""
    loaded.embed()
    driver = loaded.driver
    trials = [r["t"] for r in rows(driver, "MATCH (t:Trial) RETURN t.trial_id AS t ORDER BY t LIMIT 4")]
    folder = tmp_path / "titles"
    folder.mkdir()
    queries = [{"_id": f"q{i}", "text": _title_of(driver, t)} for i, t in enumerate(trials)]
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries))
    qrels = ["query-id\tcorpus-id\tscore"] + [f"q{i}\t{t}\t2" for i, t in enumerate(trials)]
    qrels.append("q0\tNCT99999999\t2")  # judged but absent from the graph: left out, not counted as a miss
    (folder / "qrels.tsv").write_text("\n".join(qrels) + "\n")
    # A TrialSim list whose similar candidate is the target's nearest trial by embedding, the other its farthest.
    target = trials[0]
    ranked = [h.trial_id for h in loaded.similar(target, top_k=100)]
    sim = tmp_path / "trialsim.tsv"
    sim.write_text(
        "list_id\ttarget_nct_id\trank\tcandidate_nct_id\trelevant\n"
        f"7\t{target}\t1\t{ranked[-1]}\t0\n7\t{target}\t2\t{ranked[0]}\t1\n"
        f"8\tNCT99999999\t1\t{ranked[0]}\t1\n"  # target not in the graph: not usable
    )
    command = ["eval", "retrieval", "--cohort", str(folder), "--trialsim", str(sim), "--no-papers", "--json"]
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert not [f for f in figures if f.get("task") == "paper_to_trial"]  # --no-papers
    similarity = [f for f in figures if f.get("task") == "trial_similarity"]
    twins = [f for f in figures if f.get("task") == "record_to_twin"]  # CT.gov records alone: no twin to ask
    assert [(f["retriever"], f["usable_queries"]) for f in twins] == [
        (n, 0) for n in ("fulltext", "vector", "hybrid", "graph")
    ]
    figures = [f for f in figures if f.get("task") not in ("trial_similarity", "record_to_twin")]
    assert [f["retriever"] for f in similarity] == ["fulltext", "vector", "hybrid", "graph", "match", "similar"]
    assert all((f["lists"], f["usable_lists"]) == (2, 1) for f in similarity)
    assert similarity[-1]["p@1"]["mean"] == 1.0 and similarity[-1]["p@5"]["mean"] == pytest.approx(0.2)
    assert [f["retriever"] for f in figures] == ["fulltext", "vector", "hybrid", "graph", "match"]
    for f in figures:
        assert (f["queries"], f["judged_trials_in_graph"]) == (4, 4)
        assert f["all"]["r@100"]["mean"] == 1.0 and f["all"]["p@10"]["mean"] == pytest.approx(0.1)
        if f["retriever"] != "graph":  # graph fuses in trials that share headings: its own test bounds its rank
            assert f["judged"]["ndcg@10"]["mean"] == 1.0
    result = runner.invoke(app, ["eval", "retrieval", "--cohort", str(tmp_path / "missing")])
    assert result.exit_code == 1 and "queries.jsonl" in result.output and "Traceback" not in result.output


def test_the_encoder_is_loaded_once_per_process() -> None:
    assert load_encoder("minilm") is load_encoder("minilm")
    with pytest.raises(UnknownNameError, match="unknown encoder"):
        load_encoder("biobert")


def test_match_patient_leaves_out_trials_whose_age_or_sex_limits_exclude_the_patient(loaded: TrialGraph) -> None:
    loaded.embed()
    driver = loaded.driver
    limits = rows(
        driver,
        "MATCH (t:Trial)<-[:RECORD_OF]-(r)-[:HAS_ELIGIBILITY]->(e) WHERE e.min_age STARTS WITH '18 Year'"
        " AND coalesce(e.sex, 'ALL') = 'ALL' RETURN t.trial_id AS t ORDER BY t LIMIT 1",
    )
    trial_id = limits[0]["t"]
    title = _title_of(driver, trial_id)
    adult = loaded.match_patient(f"A 40-year-old woman. {title}", top_k=5)
    assert adult.patient.age_years == 40 and adult.patient.sex == "FEMALE"
    assert adult.hits[0].trial_id == trial_id and adult.hits[0].retriever == "match"
    child = loaded.match_patient(f"A 5-year-old boy. {title}", top_k=5)
    assert trial_id not in {h.trial_id for h in child.hits}
    reasons = dict(child.excluded)
    assert reasons[trial_id].startswith("age 5 below the minimum 18 Year")
    # Every trial it kept admits a 5-year-old by its own stated limits.
    for hit in child.hits:
        stated = rows(
            driver,
            "MATCH (t:Trial {trial_id: $t})<-[:RECORD_OF]-(r)-[:HAS_ELIGIBILITY]->(e) RETURN e.min_age AS a",
            t=hit.trial_id,
        )
        assert any(not s["a"] or not s["a"].endswith("Years") or float(s["a"].split()[0]) <= 5 for s in stated)
    result = runner.invoke(app, ["match", f"A 5-year-old boy. {title}", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["patient"] == {"age_years": 5.0, "sex": "MALE"}


def test_context_is_deterministic_and_keeps_to_its_budget(loaded: TrialGraph) -> None:
    driver = loaded.driver
    trial_ids = [r["t"] for r in rows(driver, "MATCH (t:Trial) RETURN t.trial_id AS t ORDER BY t LIMIT 6")]
    first = loaded.context([*trial_ids, "NCT99999999"], max_tokens=100_000)
    again = loaded.context([*trial_ids, "NCT99999999"], max_tokens=100_000)
    assert first.text.encode() == again.text.encode() and first.as_json().encode() == again.as_json().encode()
    assert first.included == trial_ids and first.omitted == ["NCT99999999"]
    for trial_id in trial_ids:
        assert f"## {trial_id}: {_title_of(driver, trial_id)}" in first.text
    status = value(
        driver, "MATCH (r:RegistryRecord {record_id: 'ctgov:' + $t}) RETURN r.overall_status", t=trial_ids[0]
    )
    assert f"Status: {status}" in first.text
    budget = first.tokens // 2
    small = loaded.context(trial_ids, max_tokens=budget)
    assert small.tokens <= budget and small.included and small.omitted
    assert small.included == [t for t in trial_ids if t in small.included]  # hit order kept
    assert sorted(small.included + small.omitted) == sorted(trial_ids)
    assert loaded.context(trial_ids, max_tokens=1).included == []


def test_graph_expansion_adds_trials_that_share_rare_headings_and_its_scores_rerun(loaded: TrialGraph) -> None:
    import math

    loaded.embed()
    driver = loaded.driver
    records = value(driver, "MATCH (r:RegistryRecord) RETURN count(r)")
    pairs = rows(
        driver,
        "MATCH (m:MeshTerm)<-[:HAS_CONDITION_MESH {ancestor: false}]-(r:RegistryRecord)-[:RECORD_OF]->(t:Trial) "
        "WITH m, collect(DISTINCT t.trial_id) AS trials WHERE size(trials) = 2 "
        "RETURN trials[0] AS a, trials[1] AS b ORDER BY a, b LIMIT 1",
    )
    assert pairs, "the demo records share no rare condition heading"
    seed, sharer = pairs[0]["a"], pairs[0]["b"]
    hits = loaded.search(_title_of(driver, seed), retriever="graph", top_k=records)
    ranked = [h.trial_id for h in hits]
    # The seed is first in the hybrid ranking and in the expansion ranking's list: RRF keeps it in the top 2.
    assert ranked.index(seed) <= 1
    shared = next(h for h in hits if h.trial_id == sharer)
    assert shared.components["graph"] >= math.log(records / 2) - 1e-9  # at least the first seed's share (weight 1)
    # The expansion statement and its parameters, as the hit carries them, give the same score again.
    again = loaded.run_cypher(shared.cypher[-1], **shared.parameters[-1])
    assert {r["trial_id"]: r["score"] for r in again}[sharer] == pytest.approx(shared.components["graph"])
    # A trial that shares no heading or concept with any seed gets no graph component.
    assert all(("graph" in h.components) == (h.components.get("graph_rank") is not None) for h in hits)


_PAPER = """<?xml version="1.0" encoding="utf-8"?>
<PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">99000001</PMID>
<Article PubModel="Print"><ArticleTitle>{title}</ArticleTitle><Abstract><AbstractText>{summary} Registered as
{trial_id}.</AbstractText></Abstract><Language>eng</Language><DataBankList CompleteYN="Y"><DataBank>
<DataBankName>ClinicalTrials.gov</DataBankName><AccessionNumberList><AccessionNumber>{trial_id}</AccessionNumber>
</AccessionNumberList></DataBank></DataBankList></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""


def test_eval_retrieval_paper_to_trial_asks_with_registry_ids_cut_out(loaded: TrialGraph, tmp_path: Path) -> None:
    """A paper whose DataBank and abstract state a demo trial, its text that trial's title and summary: each
    retriever finds the trial in its top 10, BM25 first. The registry's own results references are the second
    query set, counted from the graph. (Last in this module: it adds a paper to the shared graph.)"""
    from xml.sax.saxutils import escape

    loaded.embed()
    driver = loaded.driver
    row = rows(
        driver,
        "MATCH (t:Trial)<-[:RECORD_OF]-(r:RegistryRecord) WHERE r.brief_summary IS NOT NULL "
        "RETURN t.trial_id AS trial_id, r.brief_title AS title, r.brief_summary AS summary ORDER BY t.trial_id "
        "LIMIT 1",
    )[0]
    paper = tmp_path / "paper.xml"
    paper.write_text(_PAPER.format(**{k: escape(v) for k, v in row.items()}), encoding="utf-8")
    assert loaded.load("pubmed", [paper]).written >= 1
    references = value(
        driver,
        "MATCH (p:Publication)<-[:HAS_REFERENCE {type: 'RESULT'}]-(:RegistryRecord)-[:RECORD_OF]->(:Trial) "
        "RETURN count(DISTINCT p)",
    )
    assert references > 0
    figures = [f.as_dict() for f in loaded.evaluate_retrieval([], papers=True)]
    stated = {f["retriever"]: f for f in figures if f["queries"] == "stated"}
    cited = {f["retriever"]: f for f in figures if f["queries"] == "registry_reference"}
    assert list(stated) == list(cited) == ["fulltext", "vector", "hybrid", "graph"]  # match reads patients only
    for f in stated.values():
        assert (f["task"], f["candidate_queries"], f["usable_queries"]) == ("paper_to_trial", 1, 1)
        assert f["r@10"]["mean"] == 1.0, f
    assert stated["fulltext"]["mrr"]["mean"] == 1.0 and stated["fulltext"]["r@1"]["mean"] == 1.0
    for f in cited.values():
        assert f["candidate_queries"] == f["usable_queries"] == references
        assert 0.0 <= f["r@1"]["mean"] <= f["mrr"]["mean"] <= 1.0 and f["r@1"]["mean"] <= f["r@10"]["mean"]
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "queries.jsonl").write_text(json.dumps({"_id": "q", "text": row["title"]}) + "\n")
    (folder / "qrels.tsv").write_text(f"query-id\tcorpus-id\tscore\nq\t{row['trial_id']}\t2\n")
    result = runner.invoke(app, ["eval", "retrieval", "--cohort", str(folder), "--retriever", "fulltext"])
    assert result.exit_code == 0, result.output
    assert "paper → registered trial" in result.output and "1 of 1" in result.output
