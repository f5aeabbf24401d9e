"""`trialgraph link --sources`: a run scoped to some registries reads only their records' text, leaves the rest
unmarked for a later run, and judges stale only the condition links it read (the demo samples: CT.gov and ICTRP
records, the MeSH slice). What each registry holds is counted here by walking the records' own edges, not by the
``record_id`` property the read queries filter on."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import neo4j
import pytest
from typer.testing import CliRunner

from tests.graphcheck import rows, value
from trialgraph.cli import app
from trialgraph.demo import sample_path
from trialgraph.settings import Settings

runner = CliRunner()

CRITERIA_BY_SOURCE = """
MATCH (r:RegistryRecord)-[:HAS_ELIGIBILITY]->(:Eligibility)-[:HAS_CRITERION]->(c:Criterion)
RETURN r.source AS source, count(c) AS items, count(c.mentions_linked) AS marked
"""
CONDITIONS_OF = """
MATCH (r:RegistryRecord)-[:STUDIES_CONDITION]->(c:Condition)
WITH c, collect(DISTINCT r.source) AS sources
RETURN c.key AS key, sources, EXISTS { (c)-[:IS_CONCEPT {source: 'trialgraph-exact'}]->(:Concept) } AS linked
"""


def _invoke(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["link", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def graph(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> Iterator[neo4j.Driver]:
    from tests.conftest import wipe

    wipe(neo4j_driver)
    shutil.rmtree(neo4j_server.home / "linker", ignore_errors=True)
    for source, name in (("mesh", "mesh-demo.nt.gz"), ("ctgov", "ctgov-demo.jsonl.gz"), ("ictrp", "ictrp-demo.csv")):
        assert runner.invoke(app, ["load", source, str(sample_path(name))]).exit_code == 0
    assert runner.invoke(app, ["link", "build-index"]).exit_code == 0
    yield neo4j_driver


def _criteria(graph: neo4j.Driver) -> dict[str, dict[str, int]]:
    return {r["source"]: {"items": r["items"], "marked": r["marked"]} for r in rows(graph, CRITERIA_BY_SOURCE)}


def test_a_scoped_run_reads_only_that_registrys_items_and_a_later_run_reads_the_rest(graph: neo4j.Driver) -> None:
    before = _criteria(graph)
    assert before["ictrp"]["items"] > 0 and before["ctgov"]["items"] > 0
    assert all(counts["marked"] == 0 for counts in before.values())

    scoped = _invoke("--fields", "criteria", "--fields", "summaries", "--sources", "ictrp")
    assert scoped["criteria"]["read"] == before["ictrp"]["items"]  # type: ignore[index]
    ictrp_summaries = value(graph, "MATCH (r:RegistryRecord {source: 'ictrp'}) RETURN count(r.brief_summary) AS n")
    assert scoped["summaries"]["read"] == ictrp_summaries  # type: ignore[index]
    after = _criteria(graph)
    assert after["ictrp"]["marked"] == after["ictrp"]["items"] and after["ctgov"]["marked"] == 0
    assert value(graph, "MATCH (r:RegistryRecord {source: 'ctgov'}) RETURN count(r.mentions_linked) AS n") == 0
    assert value(graph, "MATCH (c:Criterion)-[:MENTIONS]->() RETURN count(DISTINCT c.record_id) AS n") <= sum(
        1 for _ in rows(graph, "MATCH (r:RegistryRecord {source: 'ictrp'}) RETURN r.record_id")
    )

    rest = _invoke("--fields", "criteria")  # no scope: what the scoped run left, and nothing it linked
    assert rest["criteria"]["read"] == before["ctgov"]["items"]  # type: ignore[index]
    # each run's LoadRun says which registries it read (none: all of them)
    run_scope = "MATCH (l:LoadRun {run_id: $run_id}) RETURN l.scope AS scope, l.source AS source"
    for report, scope in ((scoped["criteria"], ["ictrp"]), (scoped["summaries"], ["ictrp"]), (rest["criteria"], None)):
        assert report["scope"] == scope  # type: ignore[index]
        stored = rows(graph, run_scope, run_id=report["run_id"])  # type: ignore[index]
        assert stored == [{"scope": scope, "source": report["source"]}]  # type: ignore[index]
    assert all(c["marked"] == c["items"] for c in _criteria(graph).values())
    assert _invoke("--fields", "criteria", "--sources", "ictrp")["criteria"]["read"] == 0  # type: ignore[index]


def test_publications_are_their_own_scope(graph: neo4j.Driver) -> None:
    assert _invoke("--fields", "criteria", "--sources", "pubmed")["criteria"]["read"] == 0  # type: ignore[index]


# Each record-held field, counted by walking the record's own edge to the fact (keywords: shared nodes any chosen
# record lists), against what a run scoped to that registry reads; then an unscoped run reads the rest.
FIELD_WALKS = {
    "outcomes": "MATCH (r:RegistryRecord {source: $source})-[:HAS_OUTCOME]->(n:Outcome) RETURN count(DISTINCT n)",
    "interventions": "MATCH (r:RegistryRecord {source: $source})-[:HAS_INTERVENTION]->(n:Intervention) "
    "RETURN count(DISTINCT n)",
    "adverse_events": "MATCH (r:RegistryRecord {source: $source})-[:HAS_ADVERSE_EVENT]->(n:AdverseEvent) "
    "RETURN count(DISTINCT n)",
    "keywords": "MATCH (r:RegistryRecord {source: $source})-[:HAS_KEYWORD]->(n:Keyword) RETURN count(DISTINCT n)",
}
TOTALS = {
    "outcomes": "MATCH (n:Outcome) RETURN count(n)",
    "interventions": "MATCH (n:Intervention) RETURN count(n)",
    "adverse_events": "MATCH (n:AdverseEvent) RETURN count(n)",
    "keywords": "MATCH (n:Keyword) RETURN count(n)",
}


@pytest.mark.parametrize("field", list(FIELD_WALKS))
def test_every_record_field_reads_only_the_chosen_registrys_facts(graph: neo4j.Driver, field: str) -> None:
    in_scope = value(graph, FIELD_WALKS[field], source="ictrp")
    total = value(graph, TOTALS[field])
    assert total > 0
    scoped = _invoke("--fields", field, "--sources", "ictrp")[field]["read"]  # type: ignore[index]
    assert scoped == in_scope
    assert _invoke("--fields", field)[field]["read"] == total - in_scope  # type: ignore[index]


def test_a_scoped_condition_run_links_its_strings_and_leaves_other_links_standing(graph: neo4j.Driver) -> None:
    conditions = rows(graph, CONDITIONS_OF)
    only_ctgov = {c["key"] for c in conditions if c["sources"] == ["ctgov"]}
    of_ictrp = {c["key"] for c in conditions if "ictrp" in c["sources"]}
    assert only_ctgov and of_ictrp

    everything = _invoke("--linker", "exact")
    linked = {c["key"] for c in rows(graph, CONDITIONS_OF) if c["linked"]}
    assert everything["read"] == len(conditions) and linked & only_ctgov and linked & of_ictrp

    # an edge an older run of this linker left on a string of each kind: the scoped run judges only the one it reads
    stale = "MATCH (c:Condition {key: $key}) MATCH (k:Concept) WITH c, k ORDER BY k.curie LIMIT 1 " + (
        "MERGE (c)-[:IS_CONCEPT {source: 'trialgraph-exact', load_run: 'an-older-run', matched_on: 'name'}]->(k)"
    )
    ictrp_key, ctgov_key = sorted(of_ictrp)[0], sorted(only_ctgov)[0]
    with graph.session() as session:
        for key in (ictrp_key, ctgov_key):
            session.run(stale, key=key).consume()
    old_edges = "MATCH (:Condition {key: $key})-[l:IS_CONCEPT {load_run: 'an-older-run'}]->() RETURN count(l)"
    assert [value(graph, old_edges, key=key) for key in (ictrp_key, ctgov_key)] == [1, 1]

    scoped = _invoke("--linker", "exact", "--sources", "ictrp")
    assert scoped["read"] == len(of_ictrp)
    assert value(graph, "MATCH (l:LoadRun {run_id: $id}) RETURN l.scope", id=scoped["run_id"]) == ["ictrp"]
    assert value(graph, old_edges, key=ictrp_key) == 0  # read, not asserted again: removed
    assert value(graph, old_edges, key=ctgov_key) == 1  # not read: not judged
    # the scoped run asserted only its strings' links again: the CT.gov-only strings' links are not stale
    assert {c["key"] for c in rows(graph, CONDITIONS_OF) if c["linked"]} >= linked
    _invoke("--linker", "exact")  # an unscoped run judges every string
    assert value(graph, old_edges, key=ctgov_key) == 0


def test_an_unknown_source_is_one_line_naming_the_known_ones(graph: neo4j.Driver) -> None:
    result = runner.invoke(app, ["link", "--fields", "criteria", "--sources", "clinicaltrials"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "unknown source 'clinicaltrials'" in result.output and "ictrp" in result.output
    assert "pubmed" in result.output and len(result.output.strip().splitlines()) == 1
