"""Benchmark (not a test): registry parse rates per format, and identity resolution as records grow.

Usage:
    python -m tests.bench.bench_registries parse              # records/s for every shared registry file
    python -m tests.bench.bench_registries identity           # resolve() on 25k, 50k, 100k generated records
    python -m tests.bench.bench_registries graph              # load all shared registry files, time the resolution

``identity`` multiplies the claim structure of the real records with new ids (for scale only): each copy
of a real record keeps its registry and its claims' shape, so duplicate rates stay those of the real data.
``graph`` needs a server in the environment and WIPES it.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.data import shared_data_dir
from trialgraph.loaders.base import discover
from trialgraph.model.staged import Quarantined
from trialgraph.models.identity.resolve import Evidence, RecordIdentity, resolve

REGISTRIES = shared_data_dir() / "registries"
FILES = {
    "ictrp-csv": ("ictrp", REGISTRIES / "ictrp" / "ictrp_full_export_sample.csv"),
    "ictrp-covid-csv": ("ictrp", REGISTRIES / "ictrp" / "ictrp_covid19_web_2020-04-15.csv.gz"),
    "ictrp-xml": ("ictrp", REGISTRIES / "ictrp" / "ICTRP-Results_2020-03-18.xml.gz"),
    "euctr-text": ("euctr", REGISTRIES / "euctr" / "euctr_fulltext_2021-002179-21_2022-002568-62.txt"),
    "euctr-json": ("euctr", REGISTRIES / "euctr" / "euctr_ctrdata_json.jsonl"),
    "ctis-json": ("ctis", REGISTRIES / "ctis" / "ctis_trials.jsonl"),
    "isrctn-json": ("isrctn", REGISTRIES / "isrctn" / "isrctn_trials_ctrdata_json.jsonl"),
    "isrctn-xml": ("isrctn", REGISTRIES / "isrctn" / "SYNTHETIC_isrctn_api_allTrials.xml"),
    "anzctr-xml": ("anzctr", REGISTRIES / "anzctr" / "SYNTHETIC_anzctr_trials.xml"),
}


def bench_parse(repeat: int = 5) -> dict[str, float]:
    """Read + parse + rows (the whole staging path), best of ``repeat`` runs: the files are small."""
    out: dict[str, float] = {}
    for label, (source, path) in FILES.items():
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            items = list(discover().create(source).read([path], load_run="bench"))
            best = min(best, time.perf_counter() - start)
        staged = sum(1 for i in items if not isinstance(i, Quarantined))
        out[f"{label}_records"] = staged
        out[f"{label}_records_per_s"] = round(staged / best)
    return out


def _real_identities() -> list[RecordIdentity]:
    found = []
    for source, path in FILES.values():
        for item in discover().create(source).read([path], load_run="bench"):
            if isinstance(item, Quarantined):
                continue
            [record] = item.rows["merge_records"]
            own = record["props"]["trial_key"]
            claims = tuple(
                Evidence(own, c["trial_id"], item.record_id, c["evidence"], c["relation"])
                for c in item.rows.get("merge_id_claims", [])
            )
            found.append(RecordIdentity(item.record_id, own, record["props"]["registry"], claims))
    return found


def _scaled(real: list[RecordIdentity], size: int) -> list[RecordIdentity]:
    """``size`` records: copies of the real ones whose ids (own and claimed) get a copy suffix."""
    out = []
    for copy in range(size // len(real) + 1):
        for r in real:
            if len(out) == size:
                return out
            tag = f"~{copy}"
            out.append(
                RecordIdentity(
                    f"{r.record_id}{tag}",
                    f"{r.own_id}{tag}",
                    r.registry,
                    tuple(Evidence(e.id_a + tag, e.id_b + tag, e.source + tag, e.field, e.relation) for e in r.claims),
                )
            )
    return out


def bench_identity() -> dict[str, float]:
    real = _real_identities()
    out: dict[str, float] = {"real_records": len(real), "real_claims": sum(len(r.claims) for r in real)}
    for size in (25_000, 50_000, 100_000):
        records = _scaled(real, size)
        start = time.perf_counter()
        resolution = resolve(records)
        seconds = time.perf_counter() - start
        out[f"resolve_{size}_seconds"] = round(seconds, 2)
        out[f"resolve_{size}_records_per_s"] = round(size / seconds)
        out[f"resolve_{size}_trials"] = len(set(resolution.trial_of_record.values()))
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def bench_graph() -> dict[str, float]:
    from trialgraph.api import TrialGraph

    out: dict[str, float] = {}
    with TrialGraph.connect() as tg:
        with tg.driver.session() as s:
            s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS").consume()
        tg.ensure_schema()
        start = time.perf_counter()
        for source, path in FILES.values():
            tg.load(source, [path])
        out["load_all_registry_files_seconds"] = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        report = tg.resolve_identities()
        out["resolve_identities_seconds"] = round(time.perf_counter() - start, 2)
        out.update(records=report.records, trials=report.trials, ambiguous=len(report.ambiguous))
    return out


BENCHES = {"parse": bench_parse, "identity": bench_identity, "graph": bench_graph}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=[*BENCHES, "all"])
    names = list(BENCHES) if (what := parser.parse_args().what) == "all" else [what]
    print(json.dumps({name: BENCHES[name]() for name in names}, indent=2))


if __name__ == "__main__":
    main()
