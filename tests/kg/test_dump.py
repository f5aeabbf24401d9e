"""The graph dump compares two loads: equal graphs give identical dumps, one changed fact is reported by kind."""

from __future__ import annotations

from pathlib import Path

import neo4j
import pytest
from typer.testing import CliRunner

from tests.data import shared
from trialgraph import TrialGraph, compare_dumps
from trialgraph.cli import app
from trialgraph.settings import Settings


@pytest.fixture()
def client(graph: neo4j.Driver, neo4j_server: Settings) -> TrialGraph:
    return TrialGraph(graph, neo4j_server)


def test_a_reload_dumps_identical_and_a_changed_fact_is_found(client: TrialGraph, tmp_path: Path) -> None:
    studies = shared("ctgov/v2/studies")
    client.load("ctgov", [studies])
    first, again, changed = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz", tmp_path / "c.jsonl.gz"
    lines = client.dump(first)
    assert lines > 8  # eight studies, each with many nodes and edges

    # a second load of the same files adds a LoadRun and rewrites load_run properties: both are left out
    client.load("ctgov", [studies])
    assert client.dump(again) == lines
    assert compare_dumps(first, again).identical

    with client.driver.session() as session:
        session.run("MATCH (t:Trial) WITH t ORDER BY t.trial_id LIMIT 1 SET t.brief_title = 'changed'").consume()
        degree = session.run(
            "MATCH (t:Trial) WHERE t.brief_title = 'changed' RETURN COUNT { (t)--(x) WHERE NOT x:LoadRun } AS d"
        ).single(strict=True)["d"]
    client.dump(changed)
    difference = compare_dumps(first, changed)
    assert not difference.identical
    assert difference.only_in_first["Trial"] == difference.only_in_second["Trial"] == 1
    # node kinds are label sets ("Trial", "RegistryRecord"), relationship kinds their upper-case types
    assert {kind for kind in difference.only_in_first if not kind.isupper()} == {"Trial"}
    assert sum(difference.only_in_first.values()) == 1 + degree  # the node and every edge that names it
    assert any("changed" in line for line in difference.examples)


def test_cli_compare_dumps_exit_codes(client: TrialGraph, tmp_path: Path) -> None:
    client.load("ctgov", [shared("ctgov/v2/studies")])
    first, second = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    client.dump(first)
    runner = CliRunner()
    assert runner.invoke(app, ["compare-dumps", str(first), str(first)]).exit_code == 0
    with client.driver.session() as session:
        session.run("MATCH (t:Trial) WITH t LIMIT 1 SET t.extra = 1").consume()
    client.dump(second)
    result = runner.invoke(app, ["compare-dumps", str(first), str(second)])
    assert result.exit_code == 1
    assert "the graphs differ" in result.output and "Trial" in result.output
