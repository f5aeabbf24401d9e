"""Benchmark (not a test): parse rates and end-to-end load rate into Neo4j, with peak memory.

Usage (against the server in TRIALGRAPH_HOME / NEO4J_URI; the database is WIPED):
    python tests/bench/bench_load.py parse
    python tests/bench/bench_load.py load --batch-size 500
    python tests/bench/bench_load.py bulk                                 # neo4j-admin import path, shared files
    python tests/bench/bench_load.py scale --copies 22 --batch-size 500   # real records, new ids, ~100k studies
    python tests/bench/bench_load.py scale --copies 22 --bulk             # the same set through the bulk path
    python tests/bench/bench_load.py scale --copies 80 --formats v2 --bulk  # ~100k API v2 studies, bulk path
    python tests/bench/bench_load.py profile --copies 4   # server time per write statement, v2 records
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import logging
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import neo4j
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.data import shared_data_dir
from trialgraph.kg.bulk import bulk_import
from trialgraph.kg.graph import apply_schema, connect
from trialgraph.kg.load import load
from trialgraph.loaders.base import discover
from trialgraph.loaders.ctgov import legacy, v2
from trialgraph.loaders.ctgov.read import RawStudy, iter_raw
from trialgraph.settings import get_settings

DATA = shared_data_dir() / "ctgov"
V2 = DATA / "v2" / "studies.jsonl.gz"
LEGACY = DATA / "legacy" / "AllPublicXML-subset.zip"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_parse() -> dict[str, float]:
    out = {}
    for name, path, parser in (("v2", V2, v2.parse_study), ("legacy", LEGACY, legacy.parse_study)):
        items = [i for i in iter_raw([path]) if isinstance(i, RawStudy)]
        start = time.perf_counter()
        for item in items:
            parser(item.payload, expected_id=item.expected_id)
        out[f"parse_{name}_studies_per_s"] = len(items) / (time.perf_counter() - start)
        start = time.perf_counter()
        n = sum(1 for _ in discover().create("ctgov").read([path], load_run="bench"))
        out[f"read_parse_rows_{name}_studies_per_s"] = n / (time.perf_counter() - start)
    return out


def _wipe(driver) -> None:
    with driver.session() as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS").consume()


def bench_load(paths: list[Path], batch_size: int, label: str, wipe: bool = True) -> dict[str, float]:
    settings = get_settings()
    driver = connect(settings)
    if wipe:
        _wipe(driver)
    apply_schema(driver)
    with tempfile.TemporaryDirectory() as q:
        report = load(driver, discover().create("ctgov"), paths, quarantine_dir=Path(q), batch_size=batch_size)
    driver.close()
    return {
        f"{label}_studies": report.accepted,
        f"{label}_seconds": round(report.seconds, 1),
        f"{label}_studies_per_s": round(report.accepted / report.seconds, 1),
    }


def bench_bulk(paths: list[Path], label: str) -> dict[str, float]:
    settings = get_settings()
    report = bulk_import(settings, discover().create("ctgov"), paths, replace=True)
    return {
        f"{label}_studies": report.accepted,
        f"{label}_seconds": round(report.seconds, 1),
        f"{label}_studies_per_s": round(report.accepted / report.seconds, 1),
    }


def make_scaled(copies: int, folder: Path, formats: str = "both") -> list[Path]:
    """Real v2 and/or legacy records repeated with new NCT ids (NCT9…/NCT8…), for scale only."""
    with gzip.open(V2, "rb") as handle:
        v2_lines = handle.read().splitlines()
    paths = []
    for copy in range(copies):
        if formats != "legacy":
            path = folder / f"scaled-{copy:03d}.jsonl"
            with path.open("wb") as out:
                for n, line in enumerate(v2_lines):
                    study = orjson.loads(line)
                    new_id = f"NCT9{copy:03d}{n:04d}"
                    study["protocolSection"]["identificationModule"]["nctId"] = new_id
                    study["protocolSection"]["identificationModule"].pop("nctIdAliases", None)
                    out.write(orjson.dumps(study) + b"\n")
            paths.append(path)
        if formats != "v2":
            zpath = folder / f"scaled-{copy:03d}.zip"
            with zipfile.ZipFile(LEGACY) as src, zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as dst:
                for n, member in enumerate(src.namelist()):
                    new_id = f"NCT8{copy:03d}{n:04d}"
                    xml = src.read(member)
                    start = xml.index(b"<nct_id>") + len(b"<nct_id>")
                    xml = xml[:start] + new_id.encode() + xml[start + 11 :]
                    dst.writestr(f"{new_id}.xml", xml)
            paths.append(zpath)
    return paths


def bench_profile(copies: int, batch_size: int) -> dict[str, object]:
    """Where a transactional load spends its time: Neo4j's own time per write statement (from each result's
    summary: available + consumed), the wall time per statement as the driver saw it, and the whole load.

    The records are the scaled API v2 set, loaded once into an empty graph: first writes, the common case."""
    by_statement: dict[str, list[float]] = {}
    names = {}
    original = neo4j.Result.consume
    original_run = neo4j.ManagedTransaction.run
    run_wall: dict[str, float] = {}

    def timed_run(self, query, parameters=None, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        result = original_run(self, query, parameters, **kwargs)
        name = names.setdefault(query, _statement_name(query))
        run_wall[name] = run_wall.get(name, 0.0) + time.perf_counter() - start
        return result

    def timed_consume(self):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        summary = original(self)
        wall = time.perf_counter() - start
        text = summary.query if isinstance(summary.query, str) else str(summary.query)
        name = names.setdefault(text, _statement_name(text))
        server = ((summary.result_available_after or 0) + (summary.result_consumed_after or 0)) / 1000
        totals = by_statement.setdefault(name, [0.0, 0.0, 0])
        totals[0] += server
        totals[1] += wall
        totals[2] += 1
        return summary

    with tempfile.TemporaryDirectory() as folder:
        paths = make_scaled(copies, Path(folder), "v2")
        neo4j.Result.consume = timed_consume
        neo4j.ManagedTransaction.run = timed_run
        try:
            results = bench_load(paths, batch_size, "profiled")
        finally:
            neo4j.Result.consume = original
            neo4j.ManagedTransaction.run = original_run
    ranked = sorted(by_statement.items(), key=lambda kv: -kv[1][0])
    results["server_seconds_total"] = round(sum(v[0] for v in by_statement.values()), 2)
    results["run_wall_seconds_total"] = round(sum(run_wall.values()), 2)
    results["statements"] = {
        name: {
            "server_s": round(v[0], 2),
            "run_s": round(run_wall.get(name, 0.0), 2),
            "consume_s": round(v[1], 2),
            "runs": v[2],
        }
        for name, v in ranked
    }
    return results


def _statement_name(text: str) -> str:
    """The ``write/…`` file a statement text came from (the writer runs them by name)."""
    for path in sorted((Path(__file__).resolve().parents[2] / "cypher" / "write").glob("*.cypher")):
        if path.read_text(encoding="utf-8").strip() == text.strip():
            return path.stem
    return text.split("\n", 1)[0][:60]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["parse", "load", "bulk", "scale", "profile"])
    parser.add_argument("--bulk", action="store_true", help="scale: use the bulk import path")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--copies", type=int, default=22)
    parser.add_argument("--formats", choices=["both", "v2", "legacy"], default="both", help="scale: which records")
    parser.add_argument("-v", action="store_true", help="debug logging")
    args = parser.parse_args()
    results: dict[str, object] = {"batch_size": args.batch_size}
    if args.what == "parse":
        results.update(bench_parse())
    elif args.what == "load":
        results.update(bench_load([V2], args.batch_size, "v2"))
        results.update(bench_load([LEGACY], args.batch_size, "legacy"))
    elif args.what == "bulk":
        results.update(bench_bulk([V2, LEGACY], "v2_and_legacy_bulk"))
    elif args.what == "profile":
        results.update(bench_profile(args.copies, args.batch_size))
    else:
        with tempfile.TemporaryDirectory() as folder:
            paths = make_scaled(args.copies, Path(folder), args.formats)
            print(f"generated {len(paths)} files", flush=True)
            if args.bulk:
                results.update(bench_bulk(paths, "scaled_bulk"))
                results["peak_rss_mb"] = round(peak_rss_mb(), 1)
                print(json.dumps(results, indent=1))
                return
            driver = connect(get_settings())
            _wipe(driver)
            driver.close()
            # load in slices so the note shows how the rate holds as the graph grows
            step = max(1, len(paths) // 5)
            for i in range(0, len(paths), step):
                results.update(bench_load(paths[i : i + step], args.batch_size, f"slice{i // step}", wipe=False))
                print(json.dumps(results), flush=True)
    results["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    logging.basicConfig(level=logging.DEBUG if "-v" in sys.argv else logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("neo4j").setLevel(logging.WARNING)
    io.DEFAULT_BUFFER_SIZE = 1 << 16
    main()
