"""Benchmark (not a test): parse rates and end-to-end load rate into Neo4j, with peak memory.

Usage (against the server in TRIALGRAPH_HOME / NEO4J_URI; the database is WIPED):
    python tests/bench/bench_load.py parse
    python tests/bench/bench_load.py load --batch-size 500
    python tests/bench/bench_load.py bulk                                 # neo4j-admin import path, shared files
    python tests/bench/bench_load.py scale --copies 22 --batch-size 500   # real records, new ids, ~100k studies
    python tests/bench/bench_load.py scale --copies 22 --bulk             # the same set through the bulk path
    python tests/bench/bench_load.py scale --copies 80 --formats v2 --bulk  # ~100k API v2 studies, bulk path
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["parse", "load", "bulk", "scale"])
    parser.add_argument("--bulk", action="store_true", help="scale: use the bulk import path")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--copies", type=int, default=22)
    parser.add_argument("--formats", choices=["both", "v2", "legacy"], default="both", help="scale: which records")
    args = parser.parse_args()
    results: dict[str, object] = {"batch_size": args.batch_size}
    if args.what == "parse":
        results.update(bench_parse())
    elif args.what == "load":
        results.update(bench_load([V2], args.batch_size, "v2"))
        results.update(bench_load([LEGACY], args.batch_size, "legacy"))
    elif args.what == "bulk":
        results.update(bench_bulk([V2, LEGACY], "v2_and_legacy_bulk"))
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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("neo4j").setLevel(logging.WARNING)
    io.DEFAULT_BUFFER_SIZE = 1 << 16
    main()
