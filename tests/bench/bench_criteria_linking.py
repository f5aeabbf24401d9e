"""Benchmark (not a test): eligibility items linked on the shared graph, with coverage per registry.

Usage (against the configured server, TRIALGRAPH_HOME / NEO4J_URI):
    python -m tests.bench.bench_criteria_linking --load     # wipe, load MeSH core and every shared registry first
    python -m tests.bench.bench_criteria_linking --reset    # the graph as it is, earlier mentions removed first

Phases, each timed on its own: the linker index build from the graph's concepts; the gazetteer build (one
PhraseMatcher pattern per indexed name, done once per process); for each kind of text (eligibility items,
outcomes, record summaries, PubMed titles and abstracts) the first run over the graph (read, spaCy, TF-IDF,
cues, write) and a second run, which must read nothing (incremental). Then the ``criteria_link_coverage`` query
per registry and the mentions per field and vocabulary. Peak RSS is the process's high-water mark.
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

LOADS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mesh", ("ontologies/mesh/mesh2022-core.nt.gz",)),
    ("ctgov", ("ctgov/v2/studies.jsonl.gz", "ctgov/legacy/AllPublicXML-subset.zip")),
    ("ictrp", ("registries/ictrp/ictrp_full_export_sample.csv",)),
    ("euctr", ("registries/euctr/euctr_ctrdata_json.jsonl",)),
    ("ctis", ("registries/ctis/ctis_trials.jsonl",)),
    ("isrctn", ("registries/isrctn/isrctn_trials_ctrdata_json.jsonl",)),
    ("anzctr", ("registries/anzctr/SYNTHETIC_anzctr_trials.xml",)),
    ("pubmed", ("pubmed/hugheylab_pmparser/baseline/*.xml.gz", "pubmed/hugheylab_pmparser/updatefiles/*.xml.gz")),
)
FIELDS = ("criteria", "outcomes", "summaries", "abstracts")


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _timed(figures: dict[str, object], name: str, start: float) -> None:
    figures[f"{name}_s"] = round(time.perf_counter() - start, 1)
    print(json.dumps({name: figures[f"{name}_s"], "peak_rss_mb": _rss_mb()}), file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--load", action="store_true", help="wipe the graph and load MeSH core and the registries")
    parser.add_argument("--reset", action="store_true", help="remove earlier MENTIONS edges and linked markers first")
    args = parser.parse_args()
    from trialgraph import TrialGraph
    from trialgraph.kg.mentions import graph_linker, link_mentions

    figures: dict[str, object] = {}
    with TrialGraph.connect() as tg:
        if args.load:
            with tg.driver.session() as session:
                session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS").consume()
            root = shared_data_dir()
            for source, paths in LOADS:
                start = time.perf_counter()
                tg.load(source, sorted(path for pattern in paths for path in root.glob(pattern)))
                _timed(figures, f"load_{source}", start)
        if args.reset:
            with tg.driver.session() as session:
                session.run("MATCH ()-[m:MENTIONS]->() CALL (m) { DELETE m } IN TRANSACTIONS OF 20000 ROWS").consume()
                session.run(
                    "MATCH (n) WHERE n.mentions_linked IS NOT NULL "
                    "CALL (n) { REMOVE n.mentions_linked, n.mentions_of } IN TRANSACTIONS OF 20000 ROWS"
                ).consume()
        start = time.perf_counter()
        manifest = tg.build_linker_index()
        _timed(figures, "build_index", start)
        figures.update(concepts=manifest.concepts, aliases=manifest.aliases)
        database = tg.settings.neo4j_database
        start = time.perf_counter()
        linker = graph_linker(tg.driver, tg.linker_index_folder, database)
        linker.link_many(["warm up"])  # builds the gazetteer
        _timed(figures, "gazetteer", start)
        for field in FIELDS:
            for run in ("first", "second"):
                start = time.perf_counter()
                report = link_mentions(
                    tg.driver, linker, field, quarantine_dir=tg.settings.quarantine_dir, database=database
                )
                _timed(figures, f"link_{field}_{run}", start)
                figures[f"link_{field}_{run}"] = {
                    k: getattr(report, k) for k in ("read", "written", "unchanged", "rejected")
                }
            seconds = float(figures[f"link_{field}_first_s"])  # type: ignore[arg-type]
            read = figures[f"link_{field}_first"]["read"]  # type: ignore[index]
            figures[f"{field}_per_s"] = round(read / seconds, 1) if seconds else None
        coverage = tg.run_query("criteria_link_coverage")
        figures["coverage"] = coverage
        records = sum(int(row["records_with_items"]) for row in coverage)
        figures["records_with_items"] = records
        seconds = float(figures["link_criteria_first_s"])  # type: ignore[arg-type]
        figures["records_per_s_criteria"] = round(records / seconds, 1) if seconds else None
        figures["mentions_by_vocabulary"] = tg.mentions_by_vocabulary()
    figures["peak_rss_mb"] = _rss_mb()
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
