"""Two ``trialgraph load`` processes at once, on a database without its schema yet, both succeed with one graph.

They race for the schema lock (both create every constraint and index) and for the same keyed nodes (both write
the same records); the graph must be the one a single clean load builds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import neo4j

from tests.conftest import wipe
from tests.data import shared
from tests.graphcheck import fingerprint
from trialgraph.api import TrialGraph
from trialgraph.settings import Settings


def _drop_schema(driver: neo4j.Driver) -> None:
    """Remove every constraint and index the project creates, so that both loads create the schema at once."""
    with driver.session() as session:
        for row in session.run("SHOW CONSTRAINTS YIELD name").data():
            session.run(f"DROP CONSTRAINT `{row['name']}`").consume()
        for row in session.run("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'").data():
            session.run(f"DROP INDEX `{row['name']}`").consume()


def _start_load(paths: list[Path], batch_size: int, source: str = "ctgov") -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "trialgraph", "load", source, *map(str, paths),
               "--batch-size", str(batch_size), "--json"]  # fmt: skip
    return subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_loads_at_once_both_succeed_and_build_the_graph_of_one(graph: neo4j.Driver, neo4j_server: Settings) -> None:
    studies = shared("ctgov/v2/studies.jsonl.gz")
    _drop_schema(graph)
    processes = [_start_load([studies], 100), _start_load([studies], 150)]  # batches that overlap unevenly
    results = [process.communicate(timeout=1200) for process in processes]
    for process, (_, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err[-2000:]
        assert "Traceback" not in err
    reports = [json.loads(out) for out, _ in results]
    assert all(r["read"] == reports[0]["read"] > 0 and r["rejected"] == reports[0]["rejected"] for r in reports)
    # every record written by one load or the other: a record is written, or found unchanged (written by the other)
    assert all(r["written"] + r["unchanged"] + r["superseded"] == r["read"] - r["rejected"] for r in reports)
    together = fingerprint(graph)

    wipe(graph)
    with TrialGraph.connect(neo4j_server) as tg:
        tg.load("ctgov", [studies])
    assert fingerprint(graph) == together


def test_two_loads_of_overlapping_inputs_at_once_both_succeed_and_build_the_graph_of_one_load_of_both(
    graph: neo4j.Driver, neo4j_server: Settings
) -> None:
    """Different inputs that share records: the same studies from a JSON-lines file and from single-study files
    and an export (identical content), and legacy-free API files that both loads name (the middle of the list).
    Both race for the shared records and for the nodes different records share (sponsors, conditions, terms)."""
    jsonl = shared("ctgov/v2/studies.jsonl.gz")  # holds every study of studies/ and of the NSCLC export
    singles = sorted(shared("ctgov/v2/studies").glob("*.json"))
    export = shared("ctgov/v2/ctg-studies_NSCLC-export.json")
    aact = sorted(shared("ctgov/v2/aact").glob("*.json"))
    first, second = [jsonl, *aact[:10]], [*singles, export, *aact[4:]]  # aact[4:10] named by both
    wipe(graph)
    _drop_schema(graph)
    processes = [_start_load(first, 100), _start_load(second, 40)]
    results = [process.communicate(timeout=1200) for process in processes]
    for process, (_, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err[-2000:]
        assert "Traceback" not in err
    reports = [json.loads(out) for out, _ in results]
    assert reports[0]["read"] == 1283 + 10 and reports[1]["read"] == len(singles) + 100 + len(aact) - 4
    assert all(r["written"] + r["unchanged"] + r["superseded"] == r["read"] - r["rejected"] for r in reports)
    # a record's source_file names the file its stored version was first read from: a later identical copy
    # from another file is unchanged and keeps it, so only that property depends on which load came first
    together = fingerprint(graph, ignore=["source_file"])

    wipe(graph)
    with TrialGraph.connect(neo4j_server) as tg:
        tg.load("ctgov", [*first, *second])
    assert fingerprint(graph, ignore=["source_file"]) == together


def test_two_vocabulary_loads_at_once_both_succeed_and_build_the_graph_of_one(
    graph: neo4j.Driver, neo4j_server: Settings
) -> None:
    """The same for a vocabulary (HPO, 11,785 terms): concepts, their parent edges and the stubs of parents
    defined later in the file are the keyed nodes both processes race to create."""
    hpo = shared("ontologies/hpo/hp.obo.gz")
    wipe(graph)
    _drop_schema(graph)
    processes = [_start_load([hpo], 500, "obo"), _start_load([hpo], 700, "obo")]
    results = [process.communicate(timeout=1200) for process in processes]
    for process, (_, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err[-2000:]
        assert "Traceback" not in err
    reports = [json.loads(out) for out, _ in results]
    assert reports[0]["read"] == reports[1]["read"] > 10_000
    assert reports[0]["rejected"] == reports[1]["rejected"]
    together = fingerprint(graph)

    wipe(graph)
    with TrialGraph.connect(neo4j_server) as tg:
        tg.load("obo", [hpo])
    assert fingerprint(graph) == together
