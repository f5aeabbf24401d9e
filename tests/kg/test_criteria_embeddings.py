"""Eligibility-item embeddings (``criterion-text-1``) and the ``criteria`` retriever, against the real Neo4j with the
real MiniLM encoder, on the 40 demo records.

Expected counts, texts and scores come from Cypher over the graph (``vector.similarity.cosine``, which scores as the
vector index does), never from the code under test. Tests run in file order: the first searches before anything is
embedded for the criteria.
"""

from __future__ import annotations

import json
from collections import Counter
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
from trialgraph.errors import ConfigError
from trialgraph.kg import cypher
from trialgraph.kg.embeddings import embedding_index
from trialgraph.kg.retrieval.retrievers import RETRIEVERS
from trialgraph.models.encoders import ENCODERS
from trialgraph.models.retrieval.rendering import CRITERION_RENDERING_VERSION
from trialgraph.settings import Settings

pytestmark = pytest.mark.neo4j
runner = CliRunner()
CRITERIA = embedding_index(ENCODERS["minilm"], CRITERION_RENDERING_VERSION)
RECORDS = embedding_index(ENCODERS["minilm"])
ITEMS = (
    "MATCH (t:Trial)<-[:RECORD_OF]-(r:RegistryRecord)-[:HAS_ELIGIBILITY]->(:Eligibility)"
    "-[:HAS_CRITERION]->(c:Criterion) "
    "WHERE trim(coalesce(c.text, '')) <> '' "
    "RETURN t.trial_id AS trial, r.record_id AS record, c.key AS key, c.kind AS kind, c.text AS text ORDER BY key"
)
NEW_TEXT = "Adults aged 18 to 65 years with chronic low back pain for at least three months"


@pytest.fixture(scope="module")
def loaded(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> Iterator[TrialGraph]:
    """The demo records loaded, not yet embedded."""
    wipe(neo4j_driver)
    with neo4j_driver.session() as session:  # indexes from an earlier run of an older configuration
        for index in (CRITERIA, RECORDS):
            session.run(f"DROP INDEX {index.name} IF EXISTS").consume()
    with TrialGraph.connect(neo4j_server) as client:
        report = client.load("ctgov", [sample_path()])
        assert report.written == 40
        yield client


def _fold(text: str) -> str:
    return " ".join(text.split())


def _unique_items(driver: neo4j.Driver, kind: str) -> list[dict]:
    """Items of ``kind`` whose folded text no other item in the graph has (of either kind), 40 to 1,000 characters
    (distinctive, and never cut by the rendering), the longest per trial, in trial order."""
    items = rows(driver, ITEMS)
    seen = Counter(_fold(i["text"]) for i in items)
    best: dict[str, dict] = {}
    for item in items:
        text = _fold(item["text"])
        if item["kind"] == kind and seen[text] == 1 and 40 <= len(text) <= 1000:
            kept = best.get(item["trial"])
            if kept is None or len(text) > len(_fold(kept["text"])):
                best[item["trial"]] = item
    return [best[t] for t in sorted(best)]


def _cohort(folder: Path, queries: list[tuple[str, str]]) -> Path:
    """A TrialGPT-layout cohort: each (text, trial) a query judged eligible for that trial."""
    folder.mkdir()
    (folder / "queries.jsonl").write_text(
        "\n".join(json.dumps({"_id": f"q{i}", "text": q}) for i, (q, _) in enumerate(queries))
    )
    qrels = ["query-id\tcorpus-id\tscore"] + [f"q{i}\t{t}\t2" for i, (_, t) in enumerate(queries)]
    (folder / "qrels.tsv").write_text("\n".join(qrels) + "\n")
    return folder


def test_search_before_embedding_names_the_command_and_evaluation_leaves_criteria_out(
    loaded: TrialGraph, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match=r"run `trialgraph embed --target criteria`"):
        loaded.search("adults with asthma", retriever="criteria")
    result = runner.invoke(app, ["search", "adults with asthma", "--retriever", "criteria"])
    assert result.exit_code == 1 and "trialgraph embed --target criteria" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    # The default evaluation runs every registered retriever and, with no criteria index, does not fail.
    loaded.embed()
    item = _unique_items(loaded.driver, "INCLUSION")[0]
    folder = _cohort(tmp_path / "items", [(_fold(item["text"]), item["trial"])])
    result = runner.invoke(app, ["eval", "retrieval", "--cohort", str(folder), "--no-papers", "--json"])
    assert result.exit_code == 0, result.output
    assert [f["retriever"] for f in json.loads(result.output) if "cohort" in f] == list(RETRIEVERS)


def test_embed_writes_one_vector_per_item_then_only_what_changed(loaded: TrialGraph) -> None:
    driver = loaded.driver
    items = value(driver, "MATCH (c:Criterion) WHERE trim(coalesce(c.text, '')) <> '' RETURN count(c)")
    assert items > 100
    first = loaded.embed(target="criteria")
    assert (first.read, first.written, first.unchanged) == (items, items, 0)
    vectors = rows(
        driver,
        f"MATCH (e:{CRITERIA.label})-[:EMBEDS]->(c:Criterion) "
        "RETURN c.key AS key, e.criterion_key AS ck, e.vector AS v, e.rendering AS rendering",
    )
    assert len(vectors) == len({r["key"] for r in vectors}) == items
    assert all(r["key"] == r["ck"] and r["rendering"] == CRITERION_RENDERING_VERSION for r in vectors)
    assert all(len(r["v"]) == 384 and abs(sum(x * x for x in r["v"]) - 1) < 1e-3 for r in vectors)
    # No item embedding lies on, or embeds, anything but a Criterion; the records' index is untouched.
    assert value(driver, f"MATCH (e:{CRITERIA.label})-[:EMBEDS]->(n) WHERE NOT n:Criterion RETURN count(e)") == 0
    assert value(driver, f"MATCH (e:{CRITERIA.label}) WHERE e:{RECORDS.label} RETURN count(e)") == 0
    index = {i["name"]: i for i in loaded.embedding_indexes()}[CRITERIA.name]
    assert (index["rendering"], index["dimensions"], index["embeddings"]) == (CRITERION_RENDERING_VERSION, 384, items)
    online = value(driver, "SHOW VECTOR INDEXES YIELD name, state WHERE name = $n RETURN state", n=CRITERIA.name)
    assert online == "ONLINE"
    assert description_mismatches(driver) == []  # the item embeddings as cypher/graph.toml types them

    second = loaded.embed(target="criteria")
    assert (second.read, second.written, second.unchanged) == (items, 0, items)

    # One item whose text changes is encoded again, and only it; its vector follows the new text.
    key = _unique_items(driver, "INCLUSION")[0]["key"]
    before = value(driver, "MATCH (e:Embedding {criterion_key: $k}) RETURN e.vector", k=key)
    with driver.session() as session:
        session.run("MATCH (c:Criterion {key: $k}) SET c.text = $t", k=key, t=NEW_TEXT).consume()
    third = loaded.embed(target="criteria")
    assert (third.written, third.unchanged) == (1, items - 1)
    after = value(driver, "MATCH (e:Embedding {criterion_key: $k}) RETURN e.vector", k=key)
    assert after != before
    assert value(driver, f"MATCH (e:{CRITERIA.label}) RETURN count(e)") == items
    assert f"embed:{CRITERIA.name}" in {r["source"] for r in loaded.runs(limit=50)}
    # The changed item is found by its new text.
    hits = loaded.search(NEW_TEXT, retriever="criteria", top_k=1)
    owner = value(
        driver,
        "MATCH (t:Trial)<-[:RECORD_OF]-(:RegistryRecord)-[:HAS_ELIGIBILITY]->()"
        "-[:HAS_CRITERION]->(c:Criterion {text: $t}) "
        "RETURN t.trial_id",
        t=NEW_TEXT,
    )
    assert hits[0].trial_id == owner and hits[0].score > 0.9999
    result = runner.invoke(app, ["search", NEW_TEXT, "--retriever", "criteria", "--json", "-k", "3"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["trial_id"] == owner
    # The CLI fills the same index: nothing left to encode.
    result = runner.invoke(app, ["embed", "--target", "criteria", "--json"])
    assert result.exit_code == 0, result.output
    assert (json.loads(result.output)["written"], json.loads(result.output)["unchanged"]) == (0, items)


def test_an_inclusion_items_own_text_finds_its_trial_first_and_the_hit_reruns(loaded: TrialGraph) -> None:
    loaded.embed(target="criteria")
    chosen = _unique_items(loaded.driver, "INCLUSION")[:5]
    assert len(chosen) == 5
    for item in chosen:
        hits = loaded.search(_fold(item["text"]), retriever="criteria", top_k=5)
        assert hits[0].trial_id == item["trial"], (item["text"], [h.trial_id for h in hits])
        assert hits[0].record_id == item["record"] and hits[0].retriever == "criteria"
        assert hits[0].score > 0.9999  # (1 + cos) / 2 of a text with itself
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        assert len({h.trial_id for h in hits}) == len(hits) == 5  # one hit per trial, and enough of them
        # The Cypher and parameters of the hit give the same trial again, in a read-only transaction.
        again = loaded.run_cypher(hits[0].cypher[0], **hits[0].parameters[0])
        assert item["trial"] in [r["trial_id"] for r in again]


def test_exclusion_items_never_make_a_hit(loaded: TrialGraph) -> None:
    """Asked with an exclusion item's exact text, its trial scores no more than its best inclusion item, which is
    not that text: had the exclusion item counted, its trial would come first at (1 + 1) / 2 = 1.0."""
    driver = loaded.driver
    loaded.embed(target="criteria")
    chosen = _unique_items(driver, "EXCLUSION")[:5]
    assert len(chosen) == 5
    for item in chosen:
        hits = loaded.search(_fold(item["text"]), retriever="criteria", top_k=40)
        assert hits and all(h.score < 0.9999 for h in hits), (item["text"], hits[0])
        query_vector = hits[0].parameters[0]["query_vector"]
        best = {
            r["trial"]: r["best"]
            for r in rows(
                driver,
                f"MATCH (t:Trial)<-[:RECORD_OF]-(:RegistryRecord)-[:HAS_ELIGIBILITY]->()-[:HAS_CRITERION]->"
                f"(c:Criterion)<-[:EMBEDS]-(e:{CRITERIA.label}) WHERE c.kind = 'INCLUSION' "
                "RETURN t.trial_id AS trial, max(vector.similarity.cosine(e.vector, $q)) AS best",
                q=query_vector,
            )
        }
        for hit in hits:  # every hit is scored by its trial's best inclusion item, exactly
            assert hit.score == pytest.approx(best[hit.trial_id], abs=1e-5), (hit.trial_id, item["text"])
        # The exclusion item itself is what the query is nearest to among all items of either kind.
        nearest = value(
            driver,
            f"MATCH (e:{CRITERIA.label})-[:EMBEDS]->(c:Criterion) "
            "RETURN c.key ORDER BY vector.similarity.cosine(e.vector, $q) DESC LIMIT 1",
            q=query_vector,
        )
        assert nearest == item["key"]


def test_default_evaluation_runs_criteria_once_its_index_exists(loaded: TrialGraph, tmp_path: Path) -> None:
    """A cohort whose queries are inclusion items' own texts: the criteria retriever puts each trial first."""
    loaded.embed()
    loaded.embed(target="criteria")
    chosen = _unique_items(loaded.driver, "INCLUSION")[:4]
    folder = _cohort(tmp_path / "items", [(_fold(i["text"]), i["trial"]) for i in chosen])
    result = runner.invoke(app, ["eval", "retrieval", "--cohort", str(folder), "--no-papers", "--json"])
    assert result.exit_code == 0, result.output
    figures = [f for f in json.loads(result.output) if "cohort" in f]  # the similarity task aside
    assert [f["retriever"] for f in figures] == [*RETRIEVERS, "criteria"]
    criteria = figures[-1]
    assert (criteria["queries"], criteria["judged_trials_in_graph"]) == (4, 4)
    assert criteria["judged"]["ndcg@10"]["mean"] == 1.0
    # Asked for by name, it is the one evaluated.
    result = runner.invoke(
        app, ["eval", "retrieval", "--cohort", str(folder), "--no-papers", "--json", "--retriever", "criteria"]
    )
    assert result.exit_code == 0, result.output
    assert [f["retriever"] for f in json.loads(result.output) if "cohort" in f] == ["criteria"]


def test_a_records_reload_drops_its_item_embeddings_with_its_items(loaded: TrialGraph) -> None:
    """Facts are replaced on reload (``delete_record_facts``): their embeddings go with them, none left dangling,
    and the next run encodes only the items the graph then holds."""
    driver = loaded.driver
    loaded.embed(target="criteria")
    record = _unique_items(driver, "INCLUSION")[0]["record"]
    own = value(
        driver, f"MATCH (e:{CRITERIA.label})-[:EMBEDS]->(:Criterion {{record_id: $r}}) RETURN count(e)", r=record
    )
    total = value(driver, f"MATCH (e:{CRITERIA.label}) RETURN count(e)")
    assert own > 0
    with driver.session() as session:
        session.run(cypher.load("write/delete_record_facts"), record_ids=[record]).consume()
    assert value(driver, f"MATCH (e:{CRITERIA.label}) RETURN count(e)") == total - own
    assert value(driver, f"MATCH (e:{CRITERIA.label}) WHERE NOT (e)-[:EMBEDS]->() RETURN count(e)") == 0
    report = loaded.embed(target="criteria")
    assert (report.read, report.written, report.unchanged) == (total - own, 0, total - own)
