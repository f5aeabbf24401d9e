"""Linking from the CLI on the demo samples, and the one-line errors of a graph or index that is not ready."""

from __future__ import annotations

import json
import re
import shutil

import neo4j
from typer.testing import CliRunner

from tests.graphcheck import rows, value
from trialgraph.cli import app
from trialgraph.demo import sample_path
from trialgraph.models.encoders import ENCODERS
from trialgraph.models.linking.dense import DenseReranker
from trialgraph.models.linking.generic import generic_concepts
from trialgraph.models.linking.registry_labels import RULES as LABEL_RULES
from trialgraph.models.linking.spelling import american
from trialgraph.settings import Settings

runner = CliRunner()


def test_link_needs_concepts_and_an_index_then_links_the_demo_conditions(
    graph: neo4j.Driver, neo4j_server: Settings
) -> None:
    shutil.rmtree(neo4j_server.home / "linker", ignore_errors=True)  # no index left by an earlier run
    result = runner.invoke(app, ["link"])
    assert result.exit_code == 1 and "holds no vocabulary concepts" in result.output
    assert "Traceback" not in result.output
    assert runner.invoke(app, ["load", "ctgov", str(sample_path())]).exit_code == 0
    assert runner.invoke(app, ["load", "mesh", str(sample_path("mesh-demo.nt.gz"))]).exit_code == 0

    result = runner.invoke(app, ["link", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    linked = value(graph, "MATCH (c:Condition) WHERE EXISTS { (c)-[:IS_CONCEPT]->() } RETURN count(c)")
    assert report["source"] == "link:trialgraph-exact" and report["written"] == linked > 0
    assert report["read"] == value(graph, "MATCH (c:Condition) RETURN count(c)")

    result = runner.invoke(app, ["link", "--linker", "tfidf"])
    assert result.exit_code == 1 and "run `trialgraph link build-index`" in result.output
    result = runner.invoke(app, ["link", "build-index"])
    assert result.exit_code == 0 and "MESH" in result.output, result.output
    result = runner.invoke(app, ["link", "--linker", "tfidf", "--json"])
    assert result.exit_code == 0, result.output
    tfidf = json.loads(result.output)
    assert tfidf["written"] == value(
        graph, "MATCH (c:Condition) WHERE EXISTS { (c)-[:IS_CONCEPT {source: 'trialgraph-tfidf'}]->() } RETURN count(c)"
    )
    runs = value(graph, "MATCH (l:LoadRun) WHERE l.source STARTS WITH 'link:' RETURN count(l)")
    assert runs == 2  # the refused run records nothing

    # coverage by registry, against the same count done in Python from plain edge lists
    for trusted in (["trialgraph-exact"], ["ctgov-derived", "trialgraph-tfidf"]):
        conditions = rows(
            graph, "MATCH (r:RegistryRecord)-[:STUDIES_CONDITION]->(c) RETURN r.record_id AS r, c.key AS c"
        )
        linked_keys = {
            row["c"]
            for row in rows(
                graph, "MATCH (c:Condition)-[l:IS_CONCEPT]->() WHERE l.source IN $t RETURN c.key AS c", t=trusted
            )
        }
        by_mesh = {
            row["r"]
            for row in rows(
                graph,
                "MATCH (r:RegistryRecord)-[:HAS_CONDITION_MESH]->()-[l:IS_CONCEPT]->() WHERE l.source IN $t "
                "RETURN r.record_id AS r",
                t=trusted,
            )
        }
        stating = {row["r"] for row in conditions}
        linked = {row["r"] for row in conditions if row["c"] in linked_keys} | (by_mesh & stating)
        sources = {
            row["r"]: row["s"] for row in rows(graph, "MATCH (r:RegistryRecord) RETURN r.record_id AS r, r.source AS s")
        }
        result = runner.invoke(
            app, ["query", "condition_link_coverage", "-p", f"trusted={json.dumps(trusted)}", "--json"]
        )
        assert result.exit_code == 0, result.output
        expected = [
            {
                "source": source,
                "records": sum(1 for s in sources.values() if s == source),
                "with_conditions": sum(1 for r in stating if sources[r] == source),
                "linked": sum(1 for r in linked if sources[r] == source),
            }
            for source in sorted(set(sources.values()))
        ]
        got = json.loads(result.output)
        assert [{k: row[k] for k in ("source", "records", "with_conditions", "linked")} for row in got] == expected
        assert all(row["linked"] > 0 for row in got if row["source"] == "ctgov")

    # abbreviations: build-index mined a dictionary from the graph's own prose, with its provenance, and the
    # tfidf+abbrev run replaces plain TF-IDF's edges (same source) with edges of its own method version
    mined = json.loads((neo4j_server.home / "linker" / "tfidf" / "abbreviations.json").read_text(encoding="utf-8"))
    assert mined["method_version"] == "abbrev-sh-1" and (mined["min_documents"], mined["min_share"]) == (3, 0.8)
    assert mined["sources"][0].startswith("graph ") and mined["documents"] > 0
    result = runner.invoke(app, ["link", "--linker", "tfidf+abbrev", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["written"] == value(
        graph, "MATCH (c:Condition) WHERE EXISTS { (c)-[:IS_CONCEPT {source: 'trialgraph-tfidf'}]->() } RETURN count(c)"
    )
    versions = rows(
        graph, "MATCH ()-[l:IS_CONCEPT {source: 'trialgraph-tfidf'}]->() RETURN DISTINCT l.method_version AS v"
    )
    assert len(versions) == 1 and "+abbrev-sh-1+" in versions[0]["v"]

    # a re-ranker chooses among TF-IDF's candidates: the same conditions are linked (the threshold decides that),
    # its edges replace the plain ones and say which encoder chose; the exact linker has nothing to re-rank
    plain_query = "MATCH (c:Condition)-[:IS_CONCEPT {source: 'trialgraph-tfidf'}]->() RETURN c.key AS c"
    plain = {r["c"] for r in rows(graph, plain_query)}
    result = runner.invoke(app, ["link", "--linker", "tfidf+abbrev", "--reranker", "minilm", "--json"])
    assert result.exit_code == 0, result.output
    reranked = rows(
        graph,
        "MATCH (c:Condition)-[l:IS_CONCEPT {source: 'trialgraph-tfidf'}]->() RETURN c.key AS c, l.method_version AS v",
    )
    assert {r["c"] for r in reranked} == plain
    encoder = DenseReranker(ENCODERS["minilm"].model_path()).name
    assert {r["v"] for r in reranked} == {versions[0]["v"].replace("+abbrev-sh-1+", f"+rerank:{encoder}+abbrev-sh-1+")}
    result = runner.invoke(app, ["link", "--linker", "exact", "--reranker", "minilm"])
    assert result.exit_code == 1 and "no candidates to re-rank" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["link", "--linker", "tfidf", "--reranker", "no-such-encoder"])
    assert result.exit_code == 1 and "no encoder 'no-such-encoder'" in result.output

    # nested headings: the whole string's links stay as plain TF-IDF made them, and the added edges are exactly the
    # C/F concepts (not on the generic stop list) whose preferred name is a shorter run of the condition's words,
    # reckoned here from the graph's own names with a regular expression
    edge_query = (
        "MATCH (c:Condition)-[l:IS_CONCEPT {source: 'trialgraph-tfidf'}]->(k) "
        "RETURN coalesce(c.name, c.key) AS c, k.curie AS k, l.matched_on AS how, l.method_version AS v"
    )
    assert runner.invoke(app, ["link", "--linker", "tfidf"]).exit_code == 0
    whole = {(r["c"], r["k"]) for r in rows(graph, edge_query)}
    result = runner.invoke(app, ["link", "--linker", "tfidf+nested", "--json"])
    assert result.exit_code == 0, result.output
    edges = rows(graph, edge_query)
    assert {(r["c"], r["k"]) for r in edges if r["how"] != "nested"} == whole
    generic = generic_concepts()
    plain_version = versions[0]["v"].split("+abbrev-sh-1+")[0]
    assert {r["v"] for r in edges} == {f"{plain_version}+nested-heading-1+{generic.version}+{LABEL_RULES}"}
    concepts = rows(
        graph,
        "MATCH (k:Concept) WHERE any(t IN coalesce(k.tree_numbers, []) WHERE t =~ '[CF].*') "
        "OR (size(coalesce(k.tree_numbers, [])) = 0 AND k.kind = 'SCR_Disease') RETURN k.curie AS k, k.name AS name",
    )
    assert value(graph, "MATCH (k:Concept) WHERE k.vocabulary <> 'MESH' RETURN count(k)") == 0
    concepts = [c for c in concepts if c["k"] not in generic]
    names = [american(c["name"].lower()) for c in concepts]
    assert len(set(names)) == len(names)  # no two allowed concepts share a name here: no tie to break

    def words(text: str) -> int:  # words are letters and digits, joined by an apostrophe or a hyphen
        return len(re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", text))

    expected = set()
    for condition in (r["c"] for r in rows(graph, "MATCH (c:Condition) RETURN coalesce(c.name, c.key) AS c")):
        said = american(" ".join(condition.lower().split()))
        for concept, name in zip(concepts, names, strict=True):
            word = rf"(?<![^\W_]|['’-]){re.escape(name)}(?![^\W_]|['’-])"  # whole words only
            if words(name) < words(said) and re.search(word, said):
                expected.add((condition, concept["k"]))
    nested = {(r["c"], r["k"]) for r in edges if r["how"] == "nested"}
    assert nested == expected - whole and len(nested) >= 3
    again = runner.invoke(app, ["link", "--linker", "tfidf+nested", "--json"])
    assert again.exit_code == 0 and json.loads(again.output)["written"] == json.loads(result.output)["written"]
    assert sorted(map(str, rows(graph, edge_query))) == sorted(map(str, edges))
    assert runner.invoke(app, ["link", "--linker", "tfidf"]).exit_code == 0  # the plain linker's edges replace them
    assert {(r["c"], r["k"]) for r in rows(graph, edge_query)} == whole
