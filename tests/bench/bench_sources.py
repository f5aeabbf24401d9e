"""Benchmark (not a test): vocabulary and publication loads into the graph, with rates and peak memory.

Runs against the server in the environment (``TRIALGRAPH_HOME``/ports or ``NEO4J_URI``) and WIPES it.

Usage:
    python -m tests.bench.bench_sources mesh       # MeSH 2022 core: load, then reload (idempotent)
    python -m tests.bench.bench_sources mesh --copies 5   # a generated file 5x the core (bench_mesh.scaled_copy)
    python -m tests.bench.bench_sources medline    # every shared PubMed file
    python -m tests.bench.bench_sources all
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.bench_mesh import scaled_copy
from tests.data import shared_data_dir
from trialgraph.api import TrialGraph

MESH = shared_data_dir() / "ontologies" / "mesh" / "mesh2022-core.nt.gz"
PUBMED = shared_data_dir() / "pubmed"


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _wipe(tg: TrialGraph) -> None:
    with tg.driver.session() as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS").consume()


def bench_mesh(tg: TrialGraph, copies: int = 1) -> dict[str, float | int]:
    """Load MeSH, then load it again. Peak RSS is this process's (reader, records, driver); the server's memory
    is its configured heap and page cache. With ``copies`` > 1 the file is a renumbered multiple of the core, so
    whether the loader's memory grows with the file shows between two runs (each in a process of its own)."""
    if copies == 1:
        return _bench_mesh_file(tg, MESH)
    with tempfile.TemporaryDirectory() as folder:
        path = scaled_copy(MESH, copies, Path(folder) / f"mesh2022-x{copies}.nt.gz")
        return _bench_mesh_file(tg, path) | {"copies": copies}


def _bench_mesh_file(tg: TrialGraph, path: Path) -> dict[str, float | int]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        triples = sum(1 for line in fh if line.strip() and not line.startswith("#"))
    _wipe(tg)
    start = time.perf_counter()
    report = tg.load("mesh", [path], batch_size=2000)
    first = time.perf_counter() - start
    start = time.perf_counter()
    tg.load("mesh", [path], batch_size=2000)
    again = time.perf_counter() - start
    return {
        "mesh_triples": triples,
        "mesh_concepts": report.written,
        "mesh_load_seconds": round(first, 1),
        "mesh_triples_per_s": round(triples / first),
        "mesh_concepts_per_s": round(report.written / first),
        "mesh_reload_seconds": round(again, 1),
        "peak_rss_mb": peak_rss_mb(),
    }


def bench_medline(tg: TrialGraph) -> dict[str, float | int]:
    _wipe(tg)
    start = time.perf_counter()
    report = tg.load("pubmed", [PUBMED])
    seconds = time.perf_counter() - start
    citations = tg.run_cypher("MATCH (p:Publication) WHERE p.title IS NOT NULL RETURN count(p) AS n")[0]["n"]
    return {
        "medline_items_read": report.read,
        "medline_publications_with_title": citations,
        "medline_seconds": round(seconds, 1),
        "medline_items_per_s": round(report.read / seconds),
        "peak_rss_mb": peak_rss_mb(),
    }


BENCHES = {"mesh": bench_mesh, "medline": bench_medline}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=[*BENCHES, "all"])
    parser.add_argument("--copies", type=int, default=1, help="mesh: a generated file of this many renumbered copies")
    args = parser.parse_args()
    names = list(BENCHES) if args.what == "all" else [args.what]
    with TrialGraph.connect() as tg:
        tg.ensure_schema()
        results = {name: BENCHES[name](tg, args.copies) if name == "mesh" else BENCHES[name](tg) for name in names}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
