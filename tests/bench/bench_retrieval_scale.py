"""Benchmark (not a test): retrieval latency on a generated graph of many records, for scale only.

Usage, two graphs (each phase reads the TRIALGRAPH_* settings of the graph it talks to):
    # 1. from a loaded and embedded graph (`trialgraph embed`): its records' text and MiniLM vectors
    python -m tests.bench.bench_retrieval_scale export --out /tmp/scale/source.json
    # 2. into an empty graph (its own TRIALGRAPH_HOME and ports, `trialgraph server start` first)
    python -m tests.bench.bench_retrieval_scale generate --source /tmp/scale/source.json --records 500000
    # 3. the latency of every retriever on that graph, as on the shared one
    python -m tests.bench.bench_retrieval --embed-sample 0

What is generated: the source's records copied round-robin with new ids (``scale:<n>``), each copy its own
trial, with the fields the retrievers read (titles and summary, which the ``trial_text`` index covers) and an
embedding written by the real statement (``write/merge_embeddings``): the source vector with Gaussian noise
(sigma ``--noise``, seed 0) added and renormalised, so no two vectors coincide and the HNSW graph is not
degenerate. Nothing else of a record is copied: these records are for timing searches, not for answers.
The schema and the vector index are the real ones (``apply_schema``, the embedding index for MiniLM).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

_EXPORT = """
MATCH (e:Embedding {index: $index})-[:EMBEDS]->(r:RegistryRecord)
RETURN r.record_id AS record_id, r.brief_title AS brief_title, r.official_title AS official_title,
       r.brief_summary AS brief_summary, e.vector AS vector
ORDER BY record_id
"""
# The generated records and their trials; the embedding goes through the project's own statement afterwards.
_RECORDS = """
UNWIND $rows AS row
CREATE (r:RegistryRecord {record_id: row.id, registry: 'scale', raw_id: row.id, brief_title: row.brief_title,
                          official_title: row.official_title, brief_summary: row.brief_summary})
CREATE (t:Trial {trial_id: row.id})
CREATE (r)-[:RECORD_OF]->(t)
"""


def _export(out: Path) -> None:
    from trialgraph.api import TrialGraph
    from trialgraph.kg.embeddings import embedding_index
    from trialgraph.kg.graph import run_read
    from trialgraph.models.encoders import ENCODERS

    index = embedding_index(ENCODERS["minilm"])
    with TrialGraph.connect() as tg:
        rows = run_read(tg.driver, _EXPORT, {"index": index.name}, database=tg.settings.neo4j_database)
    if not rows:
        sys.exit(f"no embeddings in {index.name}: run `trialgraph embed` on the source graph first")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps([dict(r) for r in rows]), encoding="utf-8")
    print(json.dumps({"records": len(rows), "out": str(out)}))


def _generate(source: Path, records: int, batch: int, noise: float) -> None:
    import numpy as np

    from trialgraph.api import TrialGraph
    from trialgraph.kg import cypher
    from trialgraph.kg.embeddings import _ensure_index, _record_index, embedding_index
    from trialgraph.kg.graph import run_read
    from trialgraph.models.encoders import ENCODERS

    rows = json.loads(source.read_text(encoding="utf-8"))  # written by `export` above
    base = np.asarray([r["vector"] for r in rows], dtype=np.float32)
    rng = np.random.default_rng(0)
    spec = ENCODERS["minilm"]
    index = embedding_index(spec)
    params = {
        "index": index.name,
        "label": index.label,
        "model": spec.model,
        "model_version": spec.version(),
        "rendering": index.rendering,
    }
    write_embeddings = cypher.load(index.target.write)
    timings: dict[str, float] = {}
    with TrialGraph.connect() as tg:
        driver, database = tg.driver, tg.settings.neo4j_database
        if run_read(driver, "MATCH (r:RegistryRecord) RETURN count(r) AS n", database=database)[0]["n"]:
            sys.exit("the target graph holds registry records: generate into an empty graph (its own TRIALGRAPH_HOME)")
        tg.ensure_schema()
        _ensure_index(driver, index, database)
        start = time.perf_counter()
        for first in range(0, records, batch):
            ids = range(first, min(first + batch, records))
            picks = [rows[n % len(rows)] for n in ids]
            vectors = base[[n % len(rows) for n in ids]] + rng.normal(0, noise, (len(ids), base.shape[1]))
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            made_at = datetime.now(UTC).isoformat(timespec="seconds")
            record_rows = [
                {
                    "id": f"scale:{n}",
                    "brief_title": p["brief_title"],
                    "official_title": p["official_title"],
                    "brief_summary": p["brief_summary"],
                }
                for n, p in zip(ids, picks, strict=True)
            ]
            vector_rows = [
                {"id": f"scale:{n}", "key": f"scale:{n}|{index.name}", "vector": v.tolist(), "text_hash": "scale"}
                for n, v in zip(ids, vectors, strict=True)
            ]
            with driver.session(database=database) as session:
                session.execute_write(lambda tx, r=record_rows: tx.run(_RECORDS, rows=r).consume())
                session.execute_write(
                    lambda tx, r=vector_rows, m=made_at: tx.run(write_embeddings, rows=r, made_at=m, **params).consume()
                )
            if (first // batch) % 20 == 0:
                print(f"{first + len(ids)} records, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
        timings["write_s"] = time.perf_counter() - start
        start = time.perf_counter()
        _record_index(driver, index, params, database)  # waits for every index to come online
        timings["indexes_online_s"] = time.perf_counter() - start
    print(json.dumps({"records": records, "source_records": len(rows), **{k: round(v, 1) for k, v in timings.items()}}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    phases = parser.add_subparsers(dest="phase", required=True)
    export = phases.add_parser("export")
    export.add_argument("--out", type=Path, required=True)
    generate = phases.add_parser("generate")
    generate.add_argument("--source", type=Path, required=True)
    generate.add_argument("--records", type=int, default=500_000)
    generate.add_argument("--batch", type=int, default=2_000)
    generate.add_argument("--noise", type=float, default=0.01)
    args = parser.parse_args()
    if args.phase == "export":
        _export(args.out)
    else:
        _generate(args.source, args.records, args.batch, args.noise)


if __name__ == "__main__":
    main()
