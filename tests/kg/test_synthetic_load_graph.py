"""``trialgraph load synthetic``: a batch of synthetic trials in a real graph, beside the demo's real trials.

What is checked is the issue's rule: synthetic records get their own label and source, link to the real trials
they were grounded in, and change nothing any registry query returns; a second load writes nothing; a rejected
or malformed line is quarantined with its reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import neo4j
import pytest

from tests.data import REPO_ROOT
from trialgraph.api import TrialGraph
from trialgraph.kg import synth_load  # noqa: F401  (registers the synthetic-trials writer; see the report)
from trialgraph.settings import Settings

pytestmark = pytest.mark.neo4j
BATCH = REPO_ROOT / "tests" / "fixtures" / "synth" / "synthetic_trials_batch.jsonl"
DEMO = REPO_ROOT / "trialgraph" / "samples" / "ctgov-demo.jsonl.gz"


def _rows() -> list[dict]:
    return [json.loads(line) for line in BATCH.read_text(encoding="utf-8").splitlines()[:2]]


def _named(tg: TrialGraph) -> dict[str, list[dict]]:
    """What the registry queries return; none may change when synthetic trials are loaded."""
    return {
        "count": tg.run_query("count_trials"),
        "ed": tg.run_query("trials_for_condition", condition="Erectile Dysfunction", limit=100),
        "nsclc": tg.run_query("trials_for_condition", condition="Carcinoma, Non-Small-Cell Lung", limit=100),
    }


def test_a_synthetic_batch_loads_apart_from_real_trials_grounded_in_them(
    graph: neo4j.Driver, neo4j_server: Settings
) -> None:
    with TrialGraph.connect(neo4j_server) as tg:
        tg.load("ctgov", [DEMO])
        before = _named(tg)
        assert before["ed"] and before["nsclc"]  # the queries see real trials, so an unchanged answer means something
        report = tg.load("synthetic", [BATCH])
        assert (report.read, report.written, report.unchanged, report.rejected) == (5, 2, 0, 3)
        assert _named(tg) == before
        again = tg.load("synthetic", [BATCH])
        assert (again.written, again.unchanged, again.rejected) == (0, 2, 3)
    quarantined = [json.loads(line) for line in Path(report.quarantine_file).read_text().splitlines()]
    reasons = {entry["file"].rsplit(":", 1)[1]: entry["reason"] for entry in quarantined}
    assert reasons["3"] == "rejected by generation: rationale cites a trial it was not shown"
    assert reasons["4"].startswith("not a synthetic trial: enrollment:")
    assert reasons["5"].startswith("invalid JSON")
    with graph.session() as session:
        nodes = session.run(
            "MATCH (s:SyntheticTrial) RETURN s.key AS key, labels(s) AS labels, s AS props ORDER BY key"
        ).data()
        edges = session.run(
            "MATCH (s:SyntheticTrial)-[g:GROUNDED_IN]->(t:Trial) RETURN s.key AS key, g.role AS role, "
            "t.trial_id AS trial ORDER BY key, trial"
        ).data()
        runs = session.run(
            "MATCH (l:LoadRun {source: 'synthetic'}) RETURN l.written AS written ORDER BY written"
        ).data()
    rows = {row["id"]: row for row in _rows()}
    assert [n["key"] for n in nodes] == sorted(rows)
    for node in nodes:
        row, props = rows[node["key"]], node["props"]
        assert node["labels"] == ["SyntheticTrial"]
        assert (props["title"], props["phase"], props["label"]) == (row["title"], row["phase"], row["label"])
        assert props["conditions"] == row["conditions"] and props["enrollment"] == row["enrollment"]
        assert props["interventions"] == [i["name"] for i in row["interventions"]]
        assert props["inclusion_criteria"] == row["inclusion_criteria"] and props["rationale"] == row["rationale"]
        assert (props["model"], props["model_version"]) == ("smollm2-135m-instruct", "q8_0")
        assert props["prompt_version"] == row["provenance"]["prompt_version"] and props["source"] == "synthetic"
        assert len(props["batch_hash"]) == 16 and props["load_run"] == report.run_id
    expected = sorted(
        [
            (key, "exemplar", t)
            for key, row in rows.items()
            for t in row["provenance"]["grounded_on"]
            if t != "NCT99999991"
        ]
        + [
            (key, "seed", row["provenance"]["seed_trial"])
            for key, row in rows.items()
            if row["provenance"]["seed_trial"]
        ],
        key=lambda e: (e[0], e[2]),
    )
    assert [(e["key"], e["role"], e["trial"]) for e in edges] == expected
    assert [r["written"] for r in runs] == [0, 2]
    with graph.session() as session:  # nothing synthetic under a registry label, and no registry node touched
        mixed = session.run(
            "MATCH (n) WHERE (n:Trial OR n:RegistryRecord OR n:RecordFact OR n:Condition OR n:TrialId) "
            "AND (n:SyntheticTrial OR any(v IN [n.trial_id, n.record_id, n.id, n.key] "
            "WHERE v STARTS WITH 'synthetic:')) "
            "RETURN count(n) AS n"
        ).single()["n"]
    assert mixed == 0


def test_the_synthetic_trials_query_asks_for_them_on_purpose(graph: neo4j.Driver, neo4j_server: Settings) -> None:
    with TrialGraph.connect(neo4j_server) as tg:
        tg.load("ctgov", [DEMO])
        assert tg.run_query("synthetic_trials") == []
        tg.load("synthetic", [BATCH])
        everything = tg.run_query("synthetic_trials", limit=100)
        with graph.session() as session:
            edges = session.run(
                "MATCH (s:SyntheticTrial)-[g:GROUNDED_IN]->(t:Trial) "
                "RETURN s.key AS key, collect({trial_id: t.trial_id, role: g.role}) AS grounded"
            ).data()
        rows = {row["id"]: row for row in _rows()}
        assert [r["key"] for r in everything] == sorted(rows)
        grounded = {e["key"]: sorted(e["grounded"], key=lambda g: (g["trial_id"], g["role"])) for e in edges}
        for row in everything:
            source = rows[row["key"]]
            assert (row["title"], row["label"], row["model"]) == (
                source["title"],
                source["label"],
                "smollm2-135m-instruct",
            )
            assert row["grounded_in"] == grounded.get(row["key"], [])
        first = everything[0]
        condition = first["conditions"][0]
        by_condition = tg.run_query("synthetic_trials", condition=condition.upper(), limit=100)
        assert first["key"] in {r["key"] for r in by_condition}
        assert all(any(condition.lower() in c.lower() for c in r["conditions"]) for r in by_condition)
        trial = first["grounded_in"][0]["trial_id"]
        by_trial = tg.run_query("synthetic_trials", trial=trial, limit=100)
        assert [r["key"] for r in by_trial] == sorted(
            k for k, g in grounded.items() if trial in {x["trial_id"] for x in g}
        )
        assert tg.run_query("synthetic_trials", condition="no such condition anywhere") == []
