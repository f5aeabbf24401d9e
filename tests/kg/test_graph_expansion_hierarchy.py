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

    def roles(self, seed: str) -> dict[Meaning, bool]:
        """The seed's meaning, each marked parent (True) or its own (False): its own wins when it is both."""
        records = [r for r, t in self.trial_of.items() if t == seed]
        parent = {("concept", p): True for r in records for c in self.concepts[r] for p in self.parents[c]}
        return parent | {meaning: False for r in records for meaning in self.direct[r]}

    def scores(self, seeds: dict[str, float], max_df: int, hierarchy_weight: float) -> dict[str, tuple[float, str]]:
        """Each trial's score over ``seeds`` (trial id → weight) and the smallest id of its records reached."""
        total = len(self.trial_of)
        scores: dict[str, float] = defaultdict(float)
        first: dict[str, str] = {}
        for seed, seed_weight in seeds.items():
            for meaning, parent in self.roles(seed).items():
                reached = self.reach(meaning, parent)
                if not 0 < len(reached) <= max_df:
                    continue
                for record in reached:
                    trial = self.trial_of[record]
                    first[trial] = min(first.get(trial, record), record)
                for trial in {self.trial_of[r] for r in reached}:
                    scores[trial] += (
                        seed_weight * (hierarchy_weight if parent else 1.0) * math.log(total / len(reached))
                    )
        return {trial: (score, first[trial]) for trial, score in scores.items()}


def _expansion(graph: TrialGraph, seeds: dict[str, float], max_df: int) -> dict[str, tuple[float, str]]:
    params = {
        "seeds": [{"trial_id": seed, "weight": weight} for seed, weight in seeds.items()],
        "records": _count(graph),
        "max_df": max_df,
        "hierarchy_weight": GRAPH_HIERARCHY_WEIGHT,
        "exclude_records": [],
        "limit": 10_000,
    }
    found = graph.run_cypher(cypher.load("retrieval/graph_expansion"), **params)
    return {r["trial_id"]: (r["score"], r["record_id"]) for r in found}


def _count(graph: TrialGraph) -> int:
    return graph.run_cypher("MATCH (r:RegistryRecord) RETURN count(r) AS n")[0]["n"]


def _same(found: dict[str, tuple[float, str]], expected: dict[str, tuple[float, str]]) -> bool:
    return found.keys() == expected.keys() and all(
        found[t][0] == pytest.approx(expected[t][0]) and found[t][1] == expected[t][1] for t in expected
    )


def test_expansion_scores_equal_the_oracle_and_the_hierarchy_reaches_siblings(graph: TrialGraph) -> None:
    oracle = Oracle(graph.driver)
    total = len(oracle.trial_of)
    assert total == _count(graph) and oracle.parents
    # every kind of meaning is in the data: linked conditions and interventions, headings, sponsors, and a seed
    # concept that is also the parent of another of its concepts (its own role wins)
    kinds = {kind for found in oracle.direct.values() for kind, _ in found}
    assert kinds == {"mesh", "concept", "org"}
    mentioned = graph.run_cypher("MATCH (:Intervention)-[m:MENTIONS]->() RETURN count(m) AS n")[0]["n"]
    assert mentioned > 0
    seeds = sorted(set(oracle.trial_of.values()))
    roles = {seed: oracle.roles(seed) for seed in seeds}
    records = {seed: [r for r, t in oracle.trial_of.items() if t == seed] for seed in seeds}
    assert any(
        ("concept", p) in oracle.direct[r]
        for seed in seeds
        for r in records[seed]
        for c in oracle.concepts[r]
        for p in oracle.parents[c]
    )
    # the max_df cut of 3 drops some meaning the uncut run counts
    assert any(len(oracle.reach(m, parent)) > 3 for seed in seeds for m, parent in roles[seed].items())
    sibling_only = 0
    for seed in seeds:
        for max_df in (total, max(1, int(total * 0.05)), 3):
            expected = oracle.scores({seed: 1.0}, max_df, GRAPH_HIERARCHY_WEIGHT)
            assert _same(_expansion(graph, {seed: 1.0}, max_df), expected), (seed, max_df)
        flat = oracle.scores({seed: 1.0}, total, 0.0)
        with_parents = oracle.scores({seed: 1.0}, total, GRAPH_HIERARCHY_WEIGHT)
        sibling_only += sum(1 for t, (score, _) in with_parents.items() if score > 1e-9 and flat[t][0] < 1e-9)
    assert sibling_only > 0  # the hierarchy alone brings in trials: the feature is exercised, not just harmless
    # several seeds at once, weighted by rank as the retriever sends them: their meaning shared, the sums the same
    for start in range(0, len(seeds), 7):
        ranked = {seed: 1.0 / rank for rank, seed in enumerate(seeds[start : start + 7], 1)}
        for max_df in (total, max(1, int(total * 0.05))):
            expected = oracle.scores(ranked, max_df, GRAPH_HIERARCHY_WEIGHT)
            assert _same(_expansion(graph, ranked, max_df), expected), (ranked, max_df)
