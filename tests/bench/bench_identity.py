"""Benchmark (not a test): identity resolution after a load, scoped to what the load touched vs the whole graph.

Usage (against the local server in TRIALGRAPH_HOME; the database is REPLACED by a bulk import):
    python tests/bench/bench_identity.py --copies 20

The graph: the shared CT.gov v2 studies as they are, plus ``copies - 1`` copies with new NCT ids and without
secondary ids (so each copy is a distinct trial, as in a real registry, not 80 records claiming one EudraCT
number), bulk-imported; then every other registry's shared file loaded on top. Timed: a full resolution of
that graph, and the scoped resolution (``scope="pending"``) after each small load: each other registry, one
changed CT.gov study, a page of 1,000 changed studies (three rounds each). A full resolution afterwards must
change nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.data import shared_data_dir
from trialgraph.kg.bulk import bulk_import
from trialgraph.kg.graph import apply_schema, connect
from trialgraph.kg.identity import resolve_identities
from trialgraph.kg.load import load
from trialgraph.loaders.base import discover
from trialgraph.settings import get_settings

DATA = shared_data_dir()
V2 = DATA / "ctgov" / "v2" / "studies.jsonl.gz"
OTHER_REGISTRIES = (
    ("ictrp", "registries/ictrp/ictrp_full_export_sample.csv"),
    ("euctr", "registries/euctr"),
    ("ctis", "registries/ctis/ctis_trials.jsonl"),
    ("isrctn", "registries/isrctn/isrctn_trials_ctrdata_json.jsonl"),
    ("anzctr", "registries/anzctr/SYNTHETIC_anzctr_trials.xml"),
)


def studies() -> list[dict]:
    with gzip.open(V2, "rb") as handle:
        return [orjson.loads(line) for line in handle.read().splitlines()]


def make_copies(copies: int, folder: Path) -> list[Path]:
    """The shared studies, then copies as distinct trials: new NCT ids, no aliases, no secondary ids."""
    originals = studies()
    paths = [V2]
    for copy in range(1, copies):
        path = folder / f"copy-{copy:03d}.jsonl"
        with path.open("wb") as out:
            for n, study in enumerate(originals):
                ident = dict(study["protocolSection"]["identificationModule"], nctId=f"NCT9{copy:03d}{n:04d}")
                ident.pop("nctIdAliases", None)
                ident.pop("secondaryIdInfos", None)
                protocol = dict(study["protocolSection"], identificationModule=ident)
                out.write(orjson.dumps(dict(study, protocolSection=protocol)) + b"\n")
        paths.append(path)
    return paths


def changed_page(folder: Path, size: int, round_: int) -> Path:
    """``size`` shared studies with an amended title and a later update date: each is rewritten by a load."""
    path = folder / f"changed-{size}-{round_}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for study in studies()[:size]:
            protocol = study["protocolSection"]
            protocol["identificationModule"]["briefTitle"] += f" (amended {round_})"
            protocol.setdefault("statusModule", {}).setdefault("lastUpdatePostDateStruct", {})["date"] = "2026-12-01"
            out.write(json.dumps(study) + "\n")
    return path


def timed_resolution(driver, scope: str) -> dict[str, object]:
    start = time.perf_counter()
    report = resolve_identities(driver, scope=scope)
    return {"seconds": round(time.perf_counter() - start, 2), "records": report.records, "moved": report.moved,
            "marked": report.marked}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    settings = get_settings()
    results: dict[str, object] = {"copies": args.copies}
    with tempfile.TemporaryDirectory() as folder:
        paths = make_copies(args.copies, Path(folder))
        report = bulk_import(settings, discover().create("ctgov"), paths, replace=True)
        results["bulk_records"] = report.accepted
        with connect(settings) as driver:
            apply_schema(driver)
            results["full_first"] = timed_resolution(driver, "all")
            for source, path in OTHER_REGISTRIES:
                load(driver, discover().create(source), [DATA / path], quarantine_dir=Path(folder) / "q")
                results[f"scoped_after_{source}"] = timed_resolution(driver, "pending")
            for size in (1, 1000):  # three rounds each: the first pays for query planning after the loads
                for round_ in range(3):
                    page = changed_page(Path(folder), size, round_)
                    load(driver, discover().create("ctgov"), [page], quarantine_dir=Path(folder) / "q")
                    results[f"scoped_after_{size}_changed_round_{round_}"] = timed_resolution(driver, "pending")
            results["full_after"] = timed_resolution(driver, "all")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
