"""Graph expansion's scoring, against an oracle computed here from the graph's plain edges: direct meaning (NLM's
headings, linked condition and intervention concepts, the lead sponsor) and one step up the vocabulary's hierarchy
(a parent of a seed's concept, reached by a trial through that parent or a child of it), each shared node weighted
by ln(records / df) and a parent by the hierarchy weight. The demo CT.gov records and MeSH slice, conditions and
interventions linked."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator

import neo4j
import pytest
from typer.testing import CliRunner

from tests.graphcheck import rows
from trialgraph import cypher
from trialgraph.api import TrialGraph
from trialgraph.cli import app
from trialgraph.demo import sample_path
from trialgraph.kg.retrieval.retrievers import GRAPH_HIERARCHY_WEIGHT
from trialgraph.settings import Settings

runner = CliRunner()
Meaning = tuple[str, str]  # (kind, id): ("mesh", heading), ("concept", curie), ("org", name)


@pytest.fixture(scope="module")
def graph(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> Iterator[TrialGraph]:
    import shutil

    from tests.conftest import wipe

    wipe(neo4j_driver)
    shutil.rmtree(neo4j_server.home / "linker", ignore_errors=True)
    for source, name in (("mesh", "mesh-demo.nt.gz"), ("ctgov", "ctgov-demo.jsonl.gz")):
        assert runner.invoke(app, ["load", source, str(sample_path(name))]).exit_code == 0
    for args in (["link", "build-index"], ["link"], ["link", "--fields", "interventions"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    with TrialGraph.connect(neo4j_server) as client:
        yield client


class Oracle:
    """Each record's meaning and concepts and each concept's parents, read edge by edge; the scores from those."""

    def __init__(self, driver: neo4j.Driver) -> None:
        self.trial_of = {r["r"]: r["t"] for r in rows(driver, "MATCH (r:RegistryRecord)-[:RECORD_OF]->(t:Trial) "
                                                              "RETURN r.record_id AS r, t.trial_id AS t")}  # fmt: skip
        self.direct: dict[str, set[Meaning]] = defaultdict(set)
        self.concepts: dict[str, set[str]] = defaultdict(set)
        for row in rows(driver, "MATCH (r:RegistryRecord)-[e:HAS_CONDITION_MESH|HAS_INTERVENTION_MESH]->(m:MeshTerm) "
                                "WHERE e.ancestor = false OPTIONAL MATCH (m)-[:IS_CONCEPT]->(k:Concept) "
                                "RETURN r.record_id AS r, m.name AS m, k.curie AS k"):  # fmt: skip
            self.direct[row["r"]].add(("mesh", row["m"]))
            if row["k"]:
                self.concepts[row["r"]].add(row["k"])
        for row in rows(driver, "MATCH (r:RegistryRecord)-[:STUDIES_CONDITION]->(:Condition)-[:IS_CONCEPT]->(k) "
                                "RETURN r.record_id AS r, k.curie AS k UNION "
                                "MATCH (r:RegistryRecord)-[:HAS_INTERVENTION]->(:Intervention)-[e:MENTIONS]->(k) "
                                "WHERE e.negated = false RETURN r.record_id AS r, k.curie AS k"):  # fmt: skip
            self.direct[row["r"]].add(("concept", row["k"]))
            self.concepts[row["r"]].add(row["k"])
        for row in rows(driver, "MATCH (r:RegistryRecord)-[s:SPONSORED_BY]->(o:Organization) WHERE s.role = 'LEAD' "
                                "RETURN r.record_id AS r, o.name AS o"):  # fmt: skip
            self.direct[row["r"]].add(("org", row["o"]))
        self.parents: dict[str, set[str]] = defaultdict(set)
        for row in rows(driver, "MATCH (c:Concept)-[:BROADER]->(p:Concept) RETURN c.curie AS c, p.curie AS p"):
            self.parents[row["c"]].add(row["p"])

    def reach(self, meaning: Meaning, as_parent: bool) -> set[str]:
        kind, key = meaning
        if kind != "concept":
            return {r for r, found in self.direct.items() if meaning in found}
        return {
            r
            for r, curies in self.concepts.items()
            if key in curies or (as_parent and any(key in self.parents[c] for c in curies))
        }

    def scores(self, seed: str, max_df: int, hierarchy_weight: float) -> dict[str, float]:
        records = [r for r, t in self.trial_of.items() if t == seed]
        factor: dict[Meaning, float] = {}
        for r in records:
            for curie in self.concepts[r]:
                for parent in self.parents[curie]:
                    factor[("concept", parent)] = hierarchy_weight
        for r in records:
            factor.update(dict.fromkeys(self.direct[r], 1.0))  # its own meaning counts as its own
        total = len(self.trial_of)
        scores: dict[str, float] = defaultdict(float)
        for meaning, weight in factor.items():
            reached = self.reach(meaning, weight < 1.0)
            if 0 < len(reached) <= max_df:
                for trial in {self.trial_of[r] for r in reached}:
                    scores[trial] += weight * math.log(total / len(reached))
        return dict(scores)


def _expansion(graph: TrialGraph, seed: str, max_df: int) -> dict[str, float]:
    params = {
        "seeds": [{"trial_id": seed, "weight": 1.0}],
        "records": _count(graph),
        "max_df": max_df,
        "hierarchy_weight": GRAPH_HIERARCHY_WEIGHT,
        "limit": 10_000,
    }
    return {r["trial_id"]: r["score"] for r in graph.run_cypher(cypher.load("retrieval/graph_expansion"), **params)}


def _count(graph: TrialGraph) -> int:
    return graph.run_cypher("MATCH (r:RegistryRecord) RETURN count(r) AS n")[0]["n"]


def test_expansion_scores_equal_the_oracle_and_the_hierarchy_reaches_siblings(graph: TrialGraph) -> None:
    oracle = Oracle(graph.driver)
    total = len(oracle.trial_of)
    assert total == _count(graph) and oracle.parents and any(oracle.concepts.values())
    assert any(kind == "concept" for found in oracle.direct.values() for kind, _ in found)  # conditions linked
    seeds = sorted(set(oracle.trial_of.values()))
    # the seeds for which the hierarchy alone brings in a trial: the feature is exercised, not just harmless
    sibling_only = 0
    for seed in seeds:
        for max_df in (total, max(1, int(total * 0.05)), 3):
            expected = oracle.scores(seed, max_df, GRAPH_HIERARCHY_WEIGHT)
            found = _expansion(graph, seed, max_df)
            assert found.keys() == expected.keys(), (seed, max_df)
            assert all(found[t] == pytest.approx(expected[t]) for t in expected), (seed, max_df)
        flat = oracle.scores(seed, total, 0.0)
        with_parents = oracle.scores(seed, total, GRAPH_HIERARCHY_WEIGHT)
        sibling_only += sum(1 for t, score in with_parents.items() if score > 1e-9 and flat.get(t, 0.0) < 1e-9)
    assert sibling_only > 0
