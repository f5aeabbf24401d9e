"""Benchmark (not a test): embedding throughput and retrieval latency on the graph the settings point at.

Usage (the graph must be loaded and embedded; ``trialgraph embed`` first):
    python -m tests.bench.bench_retrieval [--queries N] [--embed-sample N]   # 0: latency only

- Embedding throughput: the encoder on ``--embed-sample`` records' renderings, in batches of 64, records/s
  (the encoder alone, no graph writes; the GPU when one is present).
- Retrieval latency per retriever, p50 and p95 over the cohort queries of the shared TrialGPT sets (one warm-up
  query first). Query embedding is excluded: every query is encoded once up front, and the vector, hybrid and
  similar figures use the stored vectors; ``graph`` is the graph-expanded retriever over that hybrid. Context
  building is measured on each query's top 10 full-text hits.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.data import shared_data_dir


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(p95 * 1000, 1), "n": len(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--embed-sample", type=int, default=256)
    args = parser.parse_args()

    from trialgraph.api import TrialGraph
    from trialgraph.kg import cypher
    from trialgraph.kg.graph import run_read
    from trialgraph.kg.retrieval.context import build_context
    from trialgraph.kg.retrieval.retrievers import (
        FullTextRetriever,
        GraphExpandedRetriever,
        HybridRetriever,
        VectorRetriever,
    )
    from trialgraph.models.encoders import load_encoder
    from trialgraph.models.retrieval.evaluate import read_cohort
    from trialgraph.models.retrieval.rendering import RecordText, render

    root = shared_data_dir() / "benchmarks" / "trials" / "trialgpt-trec-ct-qrels"
    texts = [t for name in ("sigir", "trec_2021", "trec_2022") for t in read_cohort(root / name).queries.values()]
    texts = texts[: args.queries]
    encoder = load_encoder("minilm")
    out: dict[str, object] = {"queries": len(texts)}
    with TrialGraph.connect() as tg:
        database = tg.settings.neo4j_database
        if args.embed_sample:  # 0: latency only (a generated graph has no records to render)
            page = run_read(
                tg.driver,
                cypher.load("read/records_to_embed"),
                {"after": "", "limit": args.embed_sample, "index": "none"},
                database=database,
            )
            renderings = [render(RecordText.from_row(row)) for row in page]
            start = time.perf_counter()
            encoder.encode(renderings, batch_size=64)
            seconds = time.perf_counter() - start
            out["embedding"] = {
                "records": len(renderings),
                "records_per_s": round(len(renderings) / seconds, 1),
                "device": getattr(encoder, "device", "?"),
            }
        out["records_in_graph"] = run_read(tg.driver, "MATCH (r:RegistryRecord) RETURN count(r) AS n")[0]["n"]

        vectors = encoder.encode(texts)
        fulltext = FullTextRetriever(tg.driver, database)
        vector = VectorRetriever(tg.driver, "minilm", database)

        class _Cached:  # the hybrid retriever's vector side, with the query vectors computed up front
            name = "vector"

            def hits(self, query: str, *, top_k: int = 10, exclude_records: frozenset[str] = frozenset()) -> list:
                return vector.search_vector(vectors[texts.index(query)], top_k=top_k, exclude_records=exclude_records)

        hybrid = HybridRetriever(fulltext, _Cached())  # type: ignore[arg-type]
        graph = GraphExpandedRetriever(hybrid)
        runs = {
            "fulltext": lambda i: fulltext.hits(texts[i], top_k=10),
            "vector": lambda i: vector.search_vector(vectors[i], top_k=10),
            "hybrid": lambda i: hybrid.hits(texts[i], top_k=10),
            "graph": lambda i: graph.hits(texts[i], top_k=10),
            "context_top10": lambda i: build_context(
                tg.driver, [h.trial_id for h in fulltext.hits(texts[i], top_k=10)], database=database
            ),
        }
        latency = {}
        for name, run in runs.items():
            run(0)
            timings = []
            for i in range(len(texts)):
                start = time.perf_counter()
                run(i)
                timings.append(time.perf_counter() - start)
            latency[name] = _percentiles(timings)
        out["latency"] = latency
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
