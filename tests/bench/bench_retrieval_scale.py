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
degenerate. With ``--meaning`` each copy also keeps what graph expansion walks: its source's direct condition and
intervention MeSH headings, lead sponsor and condition strings, shared by every copy of that source (so a heading
held by 3 source records is held by about 3 × records / source records copies), with the condition strings'
linked concepts and those concepts' parents as the source graph states them. Without it the expansion finds no
shared meaning and its latency is only a floor. Nothing else of a record is copied: these records are for timing
searches, not for answers. The schema and the vector index are the real ones (``apply_schema``, the embedding
index for MiniLM).
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
       r.brief_summary AS brief_summary, e.vector AS vector,
       [(r)-[:HAS_CONDITION_MESH {ancestor: false}]->(m:MeshTerm) | m.name] AS condition_headings,
       [(r)-[:HAS_INTERVENTION_MESH {ancestor: false}]->(m:MeshTerm) | m.name] AS intervention_headings,
       [(r)-[:SPONSORED_BY {role: 'LEAD'}]->(o:Organization) | o.key] AS sponsors,
       [(r)-[:STUDIES_CONDITION]->(c:Condition) | c {.key, .name}] AS conditions
ORDER BY record_id
"""
# The meaning nodes the copies share: condition strings with their linked concepts, and every BROADER step from
# those concepts and from the headings' concepts (one step: what the expansion walks).
_EXPORT_CONCEPTS = """
CALL () {
  MATCH (:Condition)-[:IS_CONCEPT]->(k:Concept) RETURN DISTINCT k
  UNION
  MATCH (:MeshTerm)-[:IS_CONCEPT]->(k:Concept) RETURN DISTINCT k
}
RETURN k.curie AS curie, [(k)-[:BROADER]->(p:Concept) | p.curie] AS parents,
       [(m:MeshTerm)-[:IS_CONCEPT]->(k) | m.name] AS headings,
       [(c:Condition)-[:IS_CONCEPT]->(k) | c {.key, .name}] AS conditions
ORDER BY curie
"""
_MEANING_NODES = """
UNWIND $concepts AS row
MERGE (k:Concept {curie: row.curie})
FOREACH (parent IN row.parents | MERGE (p:Concept {curie: parent}) MERGE (k)-[:BROADER]->(p))
FOREACH (name IN row.headings | MERGE (m:MeshTerm {name: name}) MERGE (m)-[:IS_CONCEPT]->(k))
FOREACH (condition IN row.conditions |
  MERGE (c:Condition {key: condition.key}) ON CREATE SET c.name = condition.name MERGE (c)-[:IS_CONCEPT]->(k))
"""
_MEANING_EDGES = """
UNWIND $rows AS row
MATCH (r:RegistryRecord {record_id: row.id})
FOREACH (name IN row.condition_headings |
  MERGE (m:MeshTerm {name: name}) CREATE (r)-[:HAS_CONDITION_MESH {ancestor: false}]->(m))
FOREACH (name IN row.intervention_headings |
  MERGE (m:MeshTerm {name: name}) CREATE (r)-[:HAS_INTERVENTION_MESH {ancestor: false}]->(m))
FOREACH (key IN row.sponsors | MERGE (o:Organization {key: key}) CREATE (r)-[:SPONSORED_BY {role: 'LEAD'}]->(o))
FOREACH (condition IN row.conditions |
  MERGE (c:Condition {key: condition.key}) ON CREATE SET c.name = condition.name
  CREATE (r)-[:STUDIES_CONDITION]->(c))
"""
# The generated records and their trials; the embedding goes through the project's own statement afterwards.
_RECORDS = """
UNWIND $rows AS row
CREATE (r:RegistryRecord {record_id: row.id, registry: 'scale', raw_id: row.id, brief_title: row.brief_title,
                          official_title: row.official_title, brief_summary: row.brief_summary})
CREATE (t:Trial {trial_id: row.id})
CREATE (r)-[:RECORD_OF]->(t)
"""


_MEANING_KEYS = ("condition_headings", "intervention_headings", "sponsors", "conditions")


def _export(out: Path) -> None:
    from trialgraph.api import TrialGraph
    from trialgraph.kg.embeddings import embedding_index
    from trialgraph.kg.graph import run_read
    from trialgraph.models.encoders import ENCODERS

    index = embedding_index(ENCODERS["minilm"])
    with TrialGraph.connect() as tg:
        rows = run_read(tg.driver, _EXPORT, {"index": index.name}, database=tg.settings.neo4j_database)
        concepts = run_read(tg.driver, _EXPORT_CONCEPTS, database=tg.settings.neo4j_database)
    if not rows:
        sys.exit(f"no embeddings in {index.name}: run `trialgraph embed` on the source graph first")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"records": [dict(r) for r in rows], "concepts": [dict(c) for c in concepts]}))
    print(json.dumps({"records": len(rows), "concepts": len(concepts), "out": str(out)}))


def _generate(source: Path, records: int, batch: int, noise: float, meaning: bool) -> None:
    import numpy as np

    from trialgraph.api import TrialGraph
    from trialgraph.kg import cypher
    from trialgraph.kg.embeddings import _ensure_index, _record_index, embedding_index
    from trialgraph.kg.graph import run_read
    from trialgraph.models.encoders import ENCODERS

    exported = json.loads(source.read_text(encoding="utf-8"))  # written by `export` above
    rows, concepts = exported["records"], exported["concepts"]
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
        if meaning:
            with driver.session(database=database) as session:
                for at in range(0, len(concepts), 1_000):
                    part = concepts[at : at + 1_000]
                    session.execute_write(lambda tx, c=part: tx.run(_MEANING_NODES, concepts=c).consume())
            timings["concepts_s"] = time.perf_counter() - start
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
                    **{k: p[k] for k in _MEANING_KEYS},
                }
                for n, p in zip(ids, picks, strict=True)
            ]
            vector_rows = [
                {"id": f"scale:{n}", "key": f"scale:{n}|{index.name}", "vector": v.tolist(), "text_hash": "scale"}
                for n, v in zip(ids, vectors, strict=True)
            ]
            with driver.session(database=database) as session:
                session.execute_write(lambda tx, r=record_rows: tx.run(_RECORDS, rows=r).consume())
                if meaning:
                    session.execute_write(lambda tx, r=record_rows: tx.run(_MEANING_EDGES, rows=r).consume())
                session.execute_write(
                    lambda tx, r=vector_rows, m=made_at: tx.run(write_embeddings, rows=r, made_at=m, **params).consume()
                )
            if (first // batch) % 20 == 0:
                print(f"{first + len(ids)} records, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
        timings["write_s"] = time.perf_counter() - start
        start = time.perf_counter()
        _record_index(driver, index, params, database)  # waits for every index to come online
        timings["indexes_online_s"] = time.perf_counter() - start
    shown = {k: round(v, 1) for k, v in timings.items()}
    print(json.dumps({"records": records, "source_records": len(rows), "meaning": meaning, **shown}))


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
    generate.add_argument("--meaning", action="store_true", help="copy headings, sponsors, conditions and concepts")
    args = parser.parse_args()
    if args.phase == "export":
        _export(args.out)
    else:
        _generate(args.source, args.records, args.batch, args.noise, args.meaning)


if __name__ == "__main__":
    main()
