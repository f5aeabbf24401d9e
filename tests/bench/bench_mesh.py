"""Benchmark (not a test): parse MeSH 2022 core N-Triples into records, with rates and peak memory.

Usage:
    python -m tests.bench.bench_mesh                  # wall time, rates, peak RSS
    python -m tests.bench.bench_mesh --tracemalloc    # also the Python heap peak (tracing slows parsing ~5x)
    python -m tests.bench.bench_mesh --path other.nt.gz
    python -m tests.bench.bench_mesh --copies 5       # a generated file 5x the core: every MeSH id renumbered per copy

Memory is the point of ``--copies``: the reader keeps every fact on disk (loaders/mesh/spill.py) and builds
records a page at a time (loaders/mesh/rdf_records.py), so its peak RSS should be the same for 1, 5 or 10 copies.
``cpu_s`` (user + system) is reported beside the wall time: on a shared machine it is the steadier of the two.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.data import shared_data_dir
from trialgraph.loaders.mesh.common import MeshStats
from trialgraph.loaders.mesh.rdf import parse_ntriples
from trialgraph.model.concept import ConceptRecord

CORE = shared_data_dir() / "ontologies" / "mesh" / "mesh2022-core.nt.gz"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bench(path: Path, trace: bool) -> dict[str, float | int | str]:
    if trace:
        tracemalloc.start()
    stats = MeshStats()
    start, cpu_start = time.perf_counter(), cpu_seconds()
    records = rejected = 0
    for item in parse_ntriples(path, stats):  # consumed as a loader would: one item at a time, none kept
        if isinstance(item, ConceptRecord):
            records += 1
        else:
            rejected += 1
    seconds = time.perf_counter() - start
    out: dict[str, float | int | str] = {
        "file": str(path),
        "triples": stats.triples,
        "records": records,
        "rejected": rejected,
        "wall_s": round(seconds, 2),
        "cpu_s": round(cpu_seconds() - cpu_start, 2),
        "triples_per_s": round(stats.triples / seconds),
        "records_per_s": round(records / seconds),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    if trace:
        out["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    return out


_LOCAL_ID = re.compile(rb"(/mesh/\d{4}/)([A-Z])(\d)")


def scaled_copy(source: Path, copies: int, target: Path) -> Path:
    """``copies`` renumbered copies of ``source`` in one gzipped file: copy k puts digit k after each id's letter
    (D000001 → D1000001, tree number C01.123 → C101.123), so records, concepts, terms and trees never collide."""
    with gzip.open(target, "wb", compresslevel=1) as out:
        for k in range(copies):
            with gzip.open(source, "rb") as lines:
                if k == 0:
                    shutil.copyfileobj(lines, out)
                    continue
                digit = str(k).encode()
                for line in lines:
                    out.write(_LOCAL_ID.sub(rb"\g<1>\g<2>" + digit + rb"\g<3>", line))
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=CORE)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--copies", type=int, default=1, help="parse a generated file of this many renumbered copies")
    args = parser.parse_args()
    if args.copies > 1:
        with tempfile.TemporaryDirectory() as folder:
            path = scaled_copy(args.path, args.copies, Path(folder) / f"mesh2022-x{args.copies}.nt.gz")
            print(json.dumps(bench(path, args.tracemalloc) | {"copies": args.copies}, indent=2))
        return
    print(json.dumps(bench(args.path, args.tracemalloc), indent=2))


if __name__ == "__main__":
    main()
