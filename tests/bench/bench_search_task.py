"""How study search's evaluation cost grows with the corpus: BM25 index build and query time (issue 22).

Reads a built ``study_search`` folder (``trialgraph tasks build --tasks study_search``), copies its test corpus
``k`` times under new ids for each scale, and times building the index and running every test question as a query
(what the ``overlap`` baseline sends; a question's words include "interventional", which every interventional
trial's document holds, so a query scans most postings: the worst case of a keyword query here).

    .venv/bin/python tests/bench/bench_search_task.py ~/.trialgraph/tasks/study_search --scales 1 10 30
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from trialgraph.models.tasks.dataset import read_task
from trialgraph.models.tasks.search import Bm25Index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 30])
    args = parser.parse_args()
    dataset = read_task(args.folder)
    documents = dataset.corpus["test"]
    queries = [json.loads(row["record"])["inputs"]["selection criteria"] for row in dataset.rows["test"]]
    print(f"test corpus {len(documents)} documents, {len(queries)} queries")
    print("| documents | index build (s) | ms per query | peak RSS so far (MB) |")
    print("|---|---|---|---|")
    for scale in args.scales:
        scaled = [{"id": f"{doc['id']}#{k}", "text": doc["text"]} for k in range(scale) for doc in documents]
        started = time.perf_counter()
        index = Bm25Index(scaled)
        built = time.perf_counter() - started
        started = time.perf_counter()
        for query in queries:
            index.rank(query)
        per_query = (time.perf_counter() - started) / len(queries) * 1000
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"| {len(scaled):,} | {built:.2f} | {per_query:.1f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
