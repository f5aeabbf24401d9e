"""Run records tell the truth: a run whose process died unfinished shows as interrupted; `trialgraph runs` lists."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta, tzinfo

import neo4j
import pytest
from typer.testing import CliRunner

from tests.data import shared
from tests.graphcheck import rows, value
from trialgraph import TrialGraph
from trialgraph.cli import app
from trialgraph.kg import runclock
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


def _server_now(graph: neo4j.Driver) -> datetime:
    return datetime.fromtimestamp(value(graph, "RETURN datetime.realtime().epochMillis") / 1000, UTC)


class _HourBehind(datetime):
    """A wall clock an hour behind, as on a host whose clock is wrong."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        return datetime.now(tz) - timedelta(hours=1)


def test_a_host_whose_wall_clock_runs_an_hour_behind_records_its_run_on_the_servers_clock(
    graph: neo4j.Driver, neo4j_server: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run times decide which mappings a vocabulary load may remove (those of runs that ended before it began), and
    they come from many hosts: a host an hour behind would date a run that overlapped another before it began.
    The run clock's wall clock is turned back an hour; a real load's times must still fall on the server's."""
    monkeypatch.setattr(runclock, "datetime", _HourBehind)
    before = _server_now(graph)
    with TrialGraph.connect(neo4j_server) as tg:
        report = tg.load("ctgov", [shared("ctgov/v2/studies")])
    after = _server_now(graph)
    (run,) = rows(
        graph, "MATCH (l:LoadRun {run_id: $id}) RETURN l.started AS started, l.finished AS finished", id=report.run_id
    )
    started, finished = datetime.fromisoformat(run["started"]), datetime.fromisoformat(run["finished"])
    slack = timedelta(seconds=1)  # half a round trip, and the server's clock read in milliseconds
    assert before - slack <= started < finished <= after + slack


def test_run_times_move_on_from_the_servers_reading_by_the_time_elapsed(graph: neo4j.Driver) -> None:
    """After the one reading, a run's times are that reading plus the monotonic time elapsed (an NTP step of the
    wall clock mid-run cannot move them): here the monotonic clock says an hour and a half passed."""
    readings = iter([100.0, 100.2, 5500.1])  # sent, received, then now: 5400 s after the reading's midpoint
    before = _server_now(graph)
    clock = runclock.RunClock.of_server(graph, monotonic=lambda: next(readings))
    after = _server_now(graph)
    later = datetime.fromisoformat(clock.now()) - timedelta(seconds=5400)
    assert before - timedelta(seconds=1) <= later <= after + timedelta(seconds=1)
