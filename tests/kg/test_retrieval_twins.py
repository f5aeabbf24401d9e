"""Registry record → its twin in another registry (``trialgraph eval retrieval --twins``), against the real Neo4j
and MiniLM: the demo CT.gov and ICTRP samples, plus one ICTRP row written here that states a demo CT.gov trial's
NCT id under another registry's own id (the shape of an ANZCTR record naming its CT.gov twin)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from typer.testing import CliRunner

from tests.conftest import wipe
from tests.graphcheck import rows, value
from trialgraph.api import TrialGraph
from trialgraph.cli import app
from trialgraph.demo import sample_path
from trialgraph.kg import cypher
from trialgraph.kg.retrieval.retrievers import FullTextRetriever, VectorRetriever, retriever_factory
from trialgraph.model.trial_ids import find_trial_ids
from trialgraph.models.retrieval.known_item import KNOWN_ITEM_DEPTH, TWIN_QUERY_SET, KnownItemQuery, twin_queries
from trialgraph.settings import Settings

pytestmark = pytest.mark.neo4j
runner = CliRunner()
TWIN_OWN_ID = "ACTRN12699000001001"  # not a real registration: the row is written by this test
TEXT_RETRIEVERS = ("fulltext", "vector", "hybrid", "graph")


def _twin_row(graph: TrialGraph, out: Path) -> str:
    """An ICTRP export row for a demo CT.gov trial, registered under an ANZCTR id, stating the NCT id in its
    secondary ids and in its title; returns that trial's id."""
    trial = rows(
        graph.driver,
        "MATCH (t:Trial)<-[:RECORD_OF]-(r:RegistryRecord {source: 'ctgov'}) "
        "WHERE r.official_title IS NOT NULL AND r.official_title <> r.brief_title "
        "RETURN t.trial_id AS trial, r.nct_id AS nct, r.official_title AS title, "
        "[(r)-[:STUDIES_CONDITION]->(c:Condition) | c.name] AS conditions, "
        "[(r)-[:HAS_INTERVENTION]->(i:Intervention) | i.name] AS interventions ORDER BY trial LIMIT 1",
    )[0]
    with sample_path("ictrp-demo.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        template, header = next(reader), reader.fieldnames
    assert header is not None
    kept = ("Last_Refreshed_on", "study_type", "Date_registration", "Recruitment_status")
    row = {name: (template[name] if name in kept else "NULL") for name in header}  # nothing of KEYNOTE-867's text
    row.update(
        TrialID=TWIN_OWN_ID,
        SecondaryIDs=trial["nct"],
        public_title=f"{trial['title']} ({trial['nct']})",
        Scientific_title=trial["title"],
        Conditions=";".join(trial["conditions"]),
        Interventions=";".join(trial["interventions"]),
    )
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerow(row)
    return trial["trial"]


@pytest.fixture(scope="module")
def twins(
    neo4j_server: Settings, neo4j_driver: neo4j.Driver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TrialGraph, str]]:
    wipe(neo4j_driver)
    with TrialGraph.connect(neo4j_server) as graph:
        graph.load("ctgov", [sample_path()])
        graph.load("ictrp", [sample_path("ictrp-demo.csv")])
        written = tmp_path_factory.mktemp("twins") / "anzctr-twin.csv"
        trial = _twin_row(graph, written)
        assert graph.load("ictrp", [written]).written == 1
        graph.embed()
        yield graph, trial


def _queries(graph: TrialGraph) -> dict[str, KnownItemQuery]:
    found = twin_queries(graph.run_cypher(cypher.load("read/known_item_twins")))[TWIN_QUERY_SET]
    return {q.query_id: q for q in found}


def test_twin_queries_are_the_records_that_state_a_twin_registered_elsewhere(twins: tuple[TrialGraph, str]) -> None:
    graph, trial = twins
    queries = _queries(graph)
    # The written row states the CT.gov trial; in the sample, the KEYNOTE-867 records of ICTRP state each other
    # (the NCT record names the EudraCT number, the HU member-state record the NCT id). The GB member-state record
    # states only its sibling's id, the same registration: no twin.
    twin_of = f"ictrp:{TWIN_OWN_ID}"
    assert set(queries) == {twin_of, "ictrp:EUCTR2018-004320-11-HU", "ictrp:NCT03924869"}
    asked = queries[twin_of]
    assert asked.targets == frozenset({trial}) and asked.exclude == frozenset({twin_of})
    # A EudraCT query leaves out its own registration's other member-state record, never the twin it names.
    keynote = queries["ictrp:EUCTR2018-004320-11-HU"]
    assert keynote.exclude == {"ictrp:EUCTR2018-004320-11-HU", "ictrp:EUCTR2018-004320-11-GB"}
    for query in queries.values():
        assert query.text and not list(find_trial_ids(query.text))
    title = value(graph.driver, "MATCH (r:RegistryRecord {record_id: $r}) RETURN r.brief_title", r=twin_of)
    assert asked.text.startswith(title.split(" (NCT")[0])


def test_each_text_retriever_finds_the_twin_without_using_the_excluded_records(twins: tuple[TrialGraph, str]) -> None:
    graph, trial = twins
    query = _queries(graph)[f"ictrp:{TWIN_OWN_ID}"]
    records = value(graph.driver, "MATCH (r:RegistryRecord) RETURN count(r)")
    for name in TEXT_RETRIEVERS:
        retriever = retriever_factory(name)(FullTextRetriever(graph.driver), VectorRetriever(graph.driver))
        # asked with its own text, the record itself finds its trial: what the twin task must not let it do
        plain = retriever.hits(query.text, top_k=records)
        assert f"ictrp:{TWIN_OWN_ID}" in {h.record_id for h in plain if h.trial_id == trial}, name
        hits = retriever.hits(query.text, top_k=records, exclude_records=query.exclude)
        assert not {h.record_id for h in hits} & query.exclude, name
        found = next(h for h in hits if h.trial_id == trial)
        assert found.record_id == f"ctgov:{trial}", name  # found through the CT.gov twin
        assert hits.index(found) == 0, name
        if name in ("hybrid", "graph"):  # the exclusion reaches the vector side and the expansion statement too
            alone = VectorRetriever(graph.driver).hits(query.text, top_k=records, exclude_records=query.exclude)
            vector_score = next(h.score for h in alone if h.trial_id == trial)
            assert found.components["vector"] == pytest.approx(vector_score), name
        if name == "graph":
            assert found.parameters[-1]["exclude_records"] == sorted(query.exclude)


def test_graph_expansion_reaches_nothing_through_an_excluded_record(twins: tuple[TrialGraph, str]) -> None:
    graph, trial = twins
    own = sorted(value(graph.driver, _RECORDS_OF, t=trial))
    records = value(graph.driver, "MATCH (r:RegistryRecord) RETURN count(r)")

    def expand(seed: str, exclude: list[str]) -> dict[str, tuple[float, str]]:
        params = {"seeds": [{"trial_id": seed, "weight": 1.0}], "records": records, "max_df": records}
        params |= {"hierarchy_weight": 0.5, "limit": 1000, "exclude_records": exclude}
        found = graph.run_cypher(cypher.load("retrieval/graph_expansion"), **params)
        return {r["trial_id"]: (r["score"], r["record_id"]) for r in found}

    reached = expand(trial, [])
    assert reached[trial][1] in own and len(reached) > 1  # a seed shares its own meaning, and others share it
    # Its records excluded, the trial lends the seed no meaning: nothing is reached.
    assert expand(trial, own) == {}
    # From another trial that shares its meaning, the excluded records reach nothing: the trial drops out.
    other = next(t for t in sorted(reached) if t != trial)
    assert trial in expand(other, [])
    without = expand(other, own)
    assert trial not in without and other in without


_RECORDS_OF = "MATCH (:Trial {trial_id: $t})<-[:RECORD_OF]-(r:RegistryRecord) RETURN collect(r.record_id)"


def test_eval_retrieval_reports_the_twin_task_beside_the_others(twins: tuple[TrialGraph, str], tmp_path: Path) -> None:
    graph, _ = twins
    cohort = tmp_path / "one"
    cohort.mkdir()
    (cohort / "queries.jsonl").write_text(json.dumps({"_id": "q1", "text": "lung cancer radiotherapy"}) + "\n")
    (cohort / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\tNCT03924869\t2\n")
    args = ["eval", "retrieval", "--cohort", str(cohort), "--no-papers", "--json"]
    result = runner.invoke(app, [*args, *(x for name in TEXT_RETRIEVERS for x in ("--retriever", name))])
    assert result.exit_code == 0, result.output
    twin = [d for d in json.loads(result.output) if d.get("task") == "record_to_twin"]
    assert [d["retriever"] for d in twin] == list(TEXT_RETRIEVERS)
    queries = _queries(graph).values()
    for figures in twin:
        assert (figures["candidate_queries"], figures["usable_queries"]) == (3, 3)
        # each query's rank, asked of the retriever directly with the records to leave out
        retriever = retriever_factory(figures["retriever"])(
            FullTextRetriever(graph.driver), VectorRetriever(graph.driver)
        )
        ranks = []
        for query in queries:
            ranked = [
                h.trial_id for h in retriever.hits(query.text, top_k=KNOWN_ITEM_DEPTH, exclude_records=query.exclude)
            ]
            ranks.append(next((i for i, t in enumerate(ranked, 1) if t in query.targets), None))
        expected = sum(1 / r for r in ranks if r) / len(ranks)
        rounded = 5e-5  # the JSON shows four decimals
        assert figures["mrr"]["mean"] == pytest.approx(expected, abs=rounded), figures["retriever"]
        found = sum(1 for r in ranks if r and r <= 10) / len(ranks)
        assert figures["r@10"]["mean"] == pytest.approx(found, abs=rounded)
    # the API leaves the task out unless asked, the CLI's --no-twins too
    figures = graph.evaluate_retrieval([cohort], retrievers=["fulltext"])
    assert not [f for f in figures if getattr(f, "task", None) == "record_to_twin"]
    quiet = runner.invoke(app, [*args, "--no-twins", "--retriever", "fulltext"])
    assert quiet.exit_code == 0 and "record_to_twin" not in quiet.output
