"""Every kind of source, killed mid-load and loaded again, ends with the graph of one clean load.

``test_resume.py`` does this for CT.gov; here a registry export (ICTRP), a vocabulary (MeSH RDF) and PubMed
citations go through the same kill: a ``trialgraph load`` process is killed with SIGKILL once some of its
batches have committed, the load is run again, and the graph is compared with a clean load of the same files
(every node and relationship, with their properties; which run wrote them left out).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import neo4j
import pytest

from tests.conftest import wipe
from tests.data import shared
from tests.graphcheck import count, fingerprint
from trialgraph.kg.load import load
from trialgraph.loaders.base import discover


@dataclass(frozen=True)
class Case:
    source: str
    path: str  # under the shared data folder
    written: str  # a count of what the load has committed so far
    kill_at: int  # kill once this many are in the graph
    batch_size: int


CASES = {
    "registry": Case(
        "ictrp",
        "registries/ictrp/ictrp_covid19_web_2020-04-15.csv.gz",
        "MATCH (r:RegistryRecord {source: 'ictrp'}) RETURN count(r)",
        150,
        10,
    ),
    "vocabulary": Case(
        "mesh",
        "ontologies/mesh/mesh2022-core.nt.gz",
        "MATCH (c:Concept) WHERE c.stub IS NULL RETURN count(c)",
        4000,
        500,
    ),
    "publications": Case(
        "pubmed",
        "pubmed",
        "MATCH (p:Publication) WHERE p.pubmed_precedence IS NOT NULL RETURN count(p)",
        200,
        10,
    ),
}


def _kill_mid_load(graph: neo4j.Driver, case: Case, path: Path) -> int:
    """Start ``trialgraph load`` in a process of its own, SIGKILL it once ``case.kill_at`` items committed."""
    argv = [sys.executable, "-m", "trialgraph", "load", case.source, str(path), "--batch-size", str(case.batch_size)]
    process = subprocess.Popen(argv, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if count(graph, case.written) >= case.kill_at:
            break
        time.sleep(0.05)
    assert process.poll() is None, f"the load ended before it could be killed: {process.stderr.read()!r}"
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stderr.close()
    return count(graph, case.written)


@pytest.mark.parametrize("kind", list(CASES))
def test_a_killed_load_of_any_kind_of_source_resumes_to_the_clean_graph(
    graph: neo4j.Driver, tmp_path: Path, kind: str
) -> None:
    case = CASES[kind]
    path = shared(case.path)
    source = discover().create(case.source)

    partial = _kill_mid_load(graph, case, path)
    assert count(graph, "MATCH (l:LoadRun {status: 'running'}) RETURN count(l)") == 1
    resumed = load(graph, source, [path], quarantine_dir=tmp_path / "q", batch_size=case.batch_size)
    total = count(graph, case.written)
    assert case.kill_at <= partial < total, "killed mid-way: some batches committed, not all of them"
    # what the killed load committed is found unchanged (up to the batch in flight when it was killed)
    assert resumed.unchanged >= partial - case.batch_size
    after_resume = fingerprint(graph)

    wipe(graph)
    clean = load(graph, source, [path], quarantine_dir=tmp_path / "q2", batch_size=case.batch_size)
    assert clean.read == resumed.read and clean.written > resumed.written
    assert fingerprint(graph) == after_resume
