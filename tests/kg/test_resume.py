"""A load killed mid-way and run again ends with the same graph as one clean run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import neo4j

from tests.conftest import wipe
from tests.data import shared
from tests.graphcheck import count, fingerprint
from trialgraph.kg.load import load
from trialgraph.loaders.base import discover


def test_killed_load_resumes_to_the_clean_graph(graph: neo4j.Driver, tmp_path: Path) -> None:
    source = shared("ctgov/legacy/AllPublicXML-subset.zip")
    process = subprocess.Popen(
        [sys.executable, "-m", "trialgraph", "load", "ctgov", str(source), "--batch-size", "100", "--json"],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 300
    records = 0
    while time.monotonic() < deadline and process.poll() is None:
        records = count(graph, "MATCH (r:RegistryRecord) RETURN count(r)")
        if records >= 500:
            break
        time.sleep(0.2)
    assert process.poll() is None, f"load ended before it could be killed: {process.stderr.read()!r}"
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stderr.close()
    partial = count(graph, "MATCH (r:RegistryRecord) RETURN count(r)")
    assert 500 <= partial < 3422  # killed mid-way: whole batches committed, not all of them
    assert count(graph, "MATCH (l:LoadRun {status: 'running'}) RETURN count(l)") == 1

    resumed = load(graph, discover().create("ctgov"), [source], quarantine_dir=tmp_path / "q", batch_size=100)
    assert resumed.unchanged >= partial - 100 and resumed.written <= 3422 - partial + 100
    after_resume = fingerprint(graph)

    wipe(graph)
    load(graph, discover().create("ctgov"), [source], quarantine_dir=tmp_path / "q", batch_size=100)
    assert fingerprint(graph) == after_resume
