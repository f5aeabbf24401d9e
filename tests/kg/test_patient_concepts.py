"""`match` with the patient's condition concepts (the linker over the graph's own index), on the real Neo4j with
the demo's MeSH slice and 40 CT.gov records and the real MiniLM encoder. Expected trials and scores come from the
records' own NLM headings read here, not from the retriever's statement."""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Iterator

import neo4j
import pytest
from typer.testing import CliRunner

from tests.conftest import wipe
from tests.graphcheck import rows, value
from trialgraph.api import TrialGraph
from trialgraph.cli import app
from trialgraph.demo import sample_path
from trialgraph.kg.retrieval.patient_concepts import CONCEPT_MAX_DF_SHARE
from trialgraph.kg.retrieval.retrievers import FullTextRetriever, HybridRetriever, PatientRetriever, VectorRetriever
from trialgraph.settings import Settings

pytestmark = pytest.mark.neo4j
runner = CliRunner()

# A condition heading of few records (at most the concept stage's share), a disease (tree C or F), whose concept
# name is written as a record's condition heading: the trials that name it, per concept.
RARE_DISEASES = """
MATCH (k:Concept)<-[:IS_CONCEPT]-(m:MeshTerm)<-[:HAS_CONDITION_MESH {ancestor: false}]-(r:RegistryRecord)
      -[:RECORD_OF]->(t:Trial)
WHERE any(n IN coalesce(k.tree_numbers, []) WHERE n STARTS WITH 'C' OR n STARTS WITH 'F')
WITH k, collect(DISTINCT r.record_id) AS records, collect(DISTINCT t.trial_id) AS trials
WHERE size(records) <= $max_df AND size(k.name) > 8 AND NOT k.name CONTAINS ','
RETURN k.curie AS curie, k.name AS name, size(records) AS df, trials
ORDER BY size(records), curie
"""


@pytest.fixture(scope="module")
def graph(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> Iterator[TrialGraph]:
    wipe(neo4j_driver)
    shutil.rmtree(neo4j_server.home / "linker", ignore_errors=True)
    with TrialGraph.connect(neo4j_server) as client:
        client.load("mesh", [sample_path("mesh-demo.nt.gz")])
        client.load("ctgov", [sample_path()])
        client.embed()
        yield client


def _records(driver: neo4j.Driver) -> int:
    return int(value(driver, "MATCH (r:RegistryRecord) RETURN count(r)"))


def test_without_an_index_match_ranks_by_text_and_says_why(graph: TrialGraph) -> None:
    found = graph.match_patient("A 40-year-old woman with asthma.", top_k=5)
    assert found.concepts is None and "trialgraph link build-index" in str(found.concepts_skipped)
    assert found.hits and all("concepts" not in h.components for h in found.hits)


def test_the_patients_condition_concept_brings_the_trials_that_study_it(graph: TrialGraph) -> None:
    driver = graph.driver
    records = _records(driver)
    assert runner.invoke(app, ["link", "build-index"]).exit_code == 0
    candidates = rows(driver, RARE_DISEASES, max_df=max(1, int(records * CONCEPT_MAX_DF_SHARE)))
    assert candidates, "the demo records have no rare disease heading"
    chosen = candidates[0]
    description = f"A patient with {chosen['name'].lower()}, referred for a trial."  # no age or sex: none excluded
    text_only = PatientRetriever(HybridRetriever(FullTextRetriever(driver), VectorRetriever(driver, "minilm")))
    before = [h.trial_id for h in text_only.match(description, top_k=records).hits]
    found = graph.match_patient(description, top_k=records)  # the index is new: the stage is loaded again
    assert found.concepts is not None and found.concepts[chosen["curie"]].lower() == chosen["name"].lower()
    by_trial = {h.trial_id: h for h in found.hits}
    expected = math.log(records / chosen["df"])
    after = [h.trial_id for h in found.hits]
    reached = {h.trial_id for h in found.hits if "concepts" in h.components}
    assert found.excluded == []
    for trial_id in chosen["trials"]:
        hit = by_trial[trial_id]
        assert hit.components["concepts"] == pytest.approx(expected) and hit.components["concepts_rank"] >= 1
        rerun = graph.run_cypher(hit.cypher[-1], **hit.parameters[-1])
        assert {r["trial_id"]: r["score"] for r in rerun}[trial_id] == pytest.approx(hit.components["concepts"])
        # against the same search by text alone, no trial the concepts did not reach overtakes it
        above_after = set(after[: after.index(trial_id)]) - reached
        above_before = set(before[: before.index(trial_id)]) if trial_id in before else set(before)
        assert above_after <= above_before


def test_a_negated_condition_is_not_the_patients(graph: TrialGraph) -> None:
    driver = graph.driver
    records = _records(driver)
    chosen = rows(driver, RARE_DISEASES, max_df=max(1, int(records * CONCEPT_MAX_DF_SHARE)))[0]
    found = graph.match_patient(f"A 40-year-old woman with no history of {chosen['name'].lower()}.", top_k=5)
    assert found.concepts is not None and chosen["curie"] not in found.concepts
    result = runner.invoke(app, ["match", f"A 40-year-old woman with {chosen['name'].lower()}.", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert chosen["curie"] in data["concepts"] and data["concepts_skipped"] is None


def test_a_graph_changed_under_a_cached_stage_is_checked_again_and_skipped(graph: TrialGraph) -> None:
    assert graph.match_patient("A 40-year-old woman with asthma.", top_k=5).concepts is not None  # cached, current
    with graph.driver.session() as session:
        session.run("CREATE (:Concept {curie: 'MESH:D999999', name: 'Test condition', vocabulary: 'MESH'})").consume()
    try:
        found = graph.match_patient("A 40-year-old woman with asthma.", top_k=5)  # the same, long-lived client
        assert found.concepts is None and "rebuild it with `trialgraph link build-index`" in str(found.concepts_skipped)
        assert found.hits
    finally:
        with graph.driver.session() as session:
            session.run("MATCH (c:Concept {curie: 'MESH:D999999'}) DETACH DELETE c").consume()
    assert graph.match_patient("A 40-year-old woman with asthma.", top_k=5).concepts is not None


@pytest.mark.parametrize(
    ("written", "why"),
    [('{"method_version": "a newer one", "unknown": 1}', "linker index not used"), ("{", "not used")],
)
def test_an_index_that_cannot_be_read_leaves_match_to_text_and_says_why(
    graph: TrialGraph, neo4j_server: Settings, written: str, why: str
) -> None:
    manifest = neo4j_server.home / "linker" / "tfidf" / "manifest.json"
    kept = manifest.read_text(encoding="utf-8")
    manifest.write_text(written, encoding="utf-8")
    try:
        result = runner.invoke(app, ["match", "A 40-year-old woman with asthma.", "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert data["concepts"] is None and why in data["concepts_skipped"] and data["hits"]
        text_only = runner.invoke(app, ["match", "A 40-year-old woman with asthma.", "--json", "--no-concepts"])
        assert json.loads(text_only.output)["concepts_skipped"] == "not asked for"
    finally:
        manifest.write_text(kept, encoding="utf-8")
