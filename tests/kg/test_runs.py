"""Run records tell the truth: a run whose process died unfinished shows as interrupted; `trialgraph runs` lists."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import neo4j
from typer.testing import CliRunner

from tests.data import shared
from tests.graphcheck import rows, value
from trialgraph import TrialGraph
from trialgraph.cli import app
from trialgraph.settings import Settings


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_unfinished_runs_of_dead_processes_become_interrupted_and_others_stay(
    graph: neo4j.Driver, neo4j_server: Settings
) -> None:
    here = socket.gethostname()
    for run_id, host, pid in (
        ("dead", here, _dead_pid()),
        ("alive", here, os.getpid()),
        ("elsewhere", "another-host", _dead_pid()),
        ("no-pid", here, None),  # e.g. an update feed's own run record, resumed by its window
    ):
        rows(
            graph,
            "CREATE (:LoadRun {run_id: $id, status: 'running', host: $host, pid: $pid, source: 'ctgov', "
            "started: '2026-01-01T00:00:00+00:00'})",
            id=run_id,
            host=host,
            pid=pid,
        )
    with TrialGraph.connect(neo4j_server) as tg:
        listed = {r["run_id"]: r["status"] for r in tg.runs(limit=10)}
        assert listed == {"dead": "interrupted", "alive": "running", "elsewhere": "running", "no-pid": "running"}
        report = tg.load("ctgov", [shared("ctgov/v2/studies")])
    status = value(graph, "MATCH (l:LoadRun {run_id: $id}) RETURN l.status", id=report.run_id)
    assert status == "completed"
    stored = rows(graph, "MATCH (l:LoadRun {run_id: $id}) RETURN l.host AS host, l.pid AS pid", id=report.run_id)
    assert stored == [{"host": here, "pid": os.getpid()}]

    result = CliRunner().invoke(app, ["runs", "--limit", "1", "--json"])
    assert result.exit_code == 0, result.output
    (newest,) = json.loads(result.output)
    assert (newest["run_id"], newest["status"], newest["read"]) == (report.run_id, "completed", 8)
