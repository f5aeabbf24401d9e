"""The knowledge tasks built from real vocabularies in the real Neo4j, each item checked against the graph with
Cypher written here: the demo MeSH slice (with pharmacological actions), a slice of HPO 2016 and the C group of
the shared ATC export, loaded through the CLI's loaders, built through ``trialgraph tasks build``."""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from typer.testing import CliRunner

from tests.conftest import wipe
from tests.data import shared
from trialgraph.api import TrialGraph
from trialgraph.cli import app
from trialgraph.demo import sample_path
from trialgraph.models.tasks.dataset import read_task
from trialgraph.settings import Settings

pytestmark = pytest.mark.neo4j
runner = CliRunner()
TASKS = ["knowledge_hierarchy", "knowledge_synonyms", "knowledge_atc_class", "knowledge_pharmacological_action"]
HPO_TERMS = 700  # the first terms of hp.obo: parents outside the slice are stubs, which the tasks leave out


def _hpo_slice(folder: Path) -> Path:
    path = folder / "hp-slice.obo"
    with gzip.open(shared("ontologies/hpo/hp.obo.gz"), "rt", encoding="utf-8") as handle:
        text = handle.read()
    stanzas = text.split("\n[Term]\n")
    path.write_text("\n[Term]\n".join(stanzas[: HPO_TERMS + 1]).split("\n[Typedef]\n")[0] + "\n")
    return path


def _atc_slice(folder: Path) -> Path:
    path = folder / "WHO_ATC-DDD_2026-04-25.csv"  # the loader reads the version from the file name
    with open(shared("ontologies/atc/WHO_ATC-DDD_2026-04-25.csv"), newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([rows[0], *(r for r in rows[1:] if r[0].startswith("C"))])
    return path


@pytest.fixture(scope="module")
def built(
    neo4j_server: Settings, neo4j_driver: neo4j.Driver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    wipe(neo4j_driver)
    folder = tmp_path_factory.mktemp("knowledge")
    with TrialGraph.connect(neo4j_server) as client:
        client.load("mesh", [sample_path("mesh-demo.nt.gz")])
        client.load("obo", [_hpo_slice(folder)])
        client.load("atc", [_atc_slice(folder)])
    out = folder / "tasks"
    result = runner.invoke(app, ["tasks", "build", "--out", str(out), *(x for t in TASKS for x in ("--tasks", t))])
    assert result.exit_code == 0, result.output
    yield out


def _graph(driver: neo4j.Driver, statement: str, **params: object) -> list[dict]:
    with driver.session() as session:
        return [r.data() for r in session.run(statement, params)]


def _rows(built: Path, task: str) -> list[dict]:
    dataset = read_task(built / task)
    return [json.loads(row["record"]) | {"_split": row["split"]} for split in dataset.rows.values() for row in split]


def test_each_task_has_items_from_the_loaded_vocabularies_and_a_card_with_their_versions(built: Path) -> None:
    expected = {
        "knowledge_hierarchy": {"MESH", "HP", "ATC"},
        "knowledge_synonyms": {"MESH", "HP"},
        "knowledge_atc_class": {"ATC"},
        "knowledge_pharmacological_action": {"MESH"},
    }
    for task, vocabularies in expected.items():
        manifest = read_task(built / task).manifest
        assert set(manifest["vocabularies"]) == vocabularies, task
        card = (built / task / "README.md").read_text()
        for name, entry in manifest["vocabularies"].items():
            assert sum(entry["items"].values()) >= 10, (task, name)
            assert f"| {name} | {', '.join(entry['versions'])} |" in card
        assert manifest["vocabularies"].get("ATC", {"versions": ["2026-04-25"]})["versions"] == ["2026-04-25"]
    skipped = read_task(built / "knowledge_hierarchy").manifest["skipped"]
    assert skipped["MONDO: no concepts in the graph (load the vocabulary first)"] == 1


def test_hierarchy_answers_are_broader_edges_and_distractors_are_not_ancestors(
    built: Path, neo4j_driver: neo4j.Driver
) -> None:
    for record in _rows(built, "knowledge_hierarchy"):
        meta = record["metadata"]
        [row] = _graph(
            neo4j_driver,
            "MATCH (s:Concept {curie: $s}), (a:Concept {curie: $a}) "
            "RETURN EXISTS { (s)-[:BROADER]->(a) } AS parent, a.name AS name, coalesce(a.obsolete, false) AS obs, "
            "[d IN $d WHERE EXISTS { (s)-[:BROADER*0..]->(:Concept {curie: d}) } "
            " OR EXISTS { (:Concept {curie: d})-[:BROADER*0..]->(s) }] AS related",
            s=meta["subject"],
            a=meta["answer_curie"],
            d=meta["distractor_curies"],
        )
        assert row["parent"] and not row["obs"] and row["related"] == [], record["id"]
        assert record["options"][record["answer"]].casefold() == row["name"].casefold()


def test_synonym_answers_are_the_subjects_and_no_distractor_is_a_string_of_a_concept_sharing_one(
    built: Path, neo4j_driver: neo4j.Driver
) -> None:
    for record in _rows(built, "knowledge_synonyms"):
        wrong = [t for letter, t in record["options"].items() if letter != record["answer"]]
        [row] = _graph(
            neo4j_driver,
            "MATCH (s:Concept {curie: $s}) "
            "WITH s, [x IN s.synonyms | toLower(x)] + toLower(s.name) AS own "
            "OPTIONAL MATCH (o:Concept {vocabulary: s.vocabulary}) "
            "WHERE o.name IS NOT NULL AND any(x IN coalesce(o.synonyms, []) + o.name WHERE toLower(x) IN own) "
            "WITH s, collect(DISTINCT o) AS sharing "
            "UNWIND sharing AS o "
            "UNWIND coalesce(o.synonyms, []) + o.name AS text "
            "RETURN [x IN s.synonyms | toLower(x)] AS synonyms, collect(DISTINCT toLower(text)) AS blocked",
            s=record["metadata"]["subject"],
        )
        assert record["options"][record["answer"]].casefold() in row["synonyms"], record["id"]
        assert not {t.casefold() for t in wrong} & set(row["blocked"]), record["id"]


def test_atc_and_action_answers_are_in_the_graph_and_distractors_are_not(
    built: Path, neo4j_driver: neo4j.Driver
) -> None:
    for record in _rows(built, "knowledge_atc_class"):
        meta = record["metadata"]
        [row] = _graph(
            neo4j_driver,
            "MATCH (s:Concept {curie: $s})-[:BROADER]->(a:Concept {curie: $a}) "
            "OPTIONAL MATCH (same:Concept {vocabulary: 'ATC', kind: 'ATC level 5'})-[:BROADER]->(c:Concept) "
            "WHERE toLower(same.name) = toLower(s.name) "
            "RETURN a.kind AS kind, collect(c.curie) AS classes",
            s=meta["subject"],
            a=meta["answer_curie"],
        )
        assert row["kind"] == "ATC level 4" and not set(row["classes"]) & set(meta["distractor_curies"])
    actions = _rows(built, "knowledge_pharmacological_action")
    for record in actions:
        meta = record["metadata"]
        [row] = _graph(
            neo4j_driver,
            "MATCH (s:Concept {curie: $s}) "
            "RETURN EXISTS { (s)-[:RELATED_TO {predicate: 'pharmacologicalAction'}]->(:Concept {curie: $a}) } AS ok, "
            "[d IN $d WHERE EXISTS { (s)-[:RELATED_TO {predicate: 'pharmacologicalAction'}]->(:Concept)"
            "-[:BROADER*0..]->(:Concept {curie: d}) } OR EXISTS { (s)-[:RELATED_TO {predicate: "
            "'pharmacologicalAction'}]->(:Concept)<-[:BROADER*0..]-(:Concept {curie: d}) }] AS own",
            s=meta["subject"],
            a=meta["answer_curie"],
            d=meta["distractor_curies"],
        )
        assert row["ok"] and row["own"] == [], record["id"]


def test_subjects_never_straddle_splits_and_eval_runs_with_a_graph_context_that_is_empty(
    built: Path, tmp_path: Path
) -> None:
    sides: dict[str, set[str]] = {}
    for task in TASKS:
        for record in _rows(built, task):
            sides.setdefault(record["metadata"]["subject"], set()).add(record["_split"])
    assert all(len(s) == 1 for s in sides.values())
    for model, context in (("majority", "none"), ("overlap", "none"), ("nearest", "graph")):
        args = ["tasks", "eval", "--model", model, "--context", context, "--data", str(built), "--out", str(tmp_path)]
        result = runner.invoke(app, [*args, *(x for t in TASKS for x in ("--tasks", t))])
        assert result.exit_code == 0, result.output
    runs = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
    assert {r["model"] for r in runs} == {"majority", "overlap", "nearest"}
    for run in runs:
        assert set(run["tasks"]) == set(TASKS)
        assert all(t["metrics"]["items"] > 0 and t["metrics"]["malformed"] == 0 for t in run["tasks"].values())
    assert all(row["graph_context"] == "" for row in read_task(built / "knowledge_hierarchy").rows["test"])
