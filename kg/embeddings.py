"""Writes record embeddings into Neo4j: one vector index per (encoder, rendering), filled incrementally.

A record is (re-)encoded exactly when its rendered text changed since its embedding was made (the text hash
is kept on the embedding), so a second run after a load encodes only what the load changed. Each batch is
committed before the next is encoded, so a killed run resumes where it stopped. The run is a ``LoadRun``
like every load (``source = embed:<index>``): ``read`` records, ``written`` encoded, ``unchanged`` skipped.

Names: the index of encoder key ``minilm_l6_v2`` under rendering ``trial-text-1`` is
``embedding_minilm_l6_v2_trial_text_1`` over nodes labelled ``Embedding_minilm_l6_v2_trial_text_1``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import neo4j

from trialgraph.errors import ConfigError
from trialgraph.kg import cypher
from trialgraph.kg.graph import run_read
from trialgraph.kg.writer import LoadReport, tracked_run
from trialgraph.models.encoders import Encoder, EncoderSpec
from trialgraph.models.retrieval.rendering import RENDERING_VERSION, RecordText, render, text_hash

__all__ = ["EmbeddingIndex", "embed_records", "embedding_index", "require_index"]

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class EmbeddingIndex:
    """The names one (encoder, rendering) pair uses in the graph."""

    name: str
    label: str
    spec: EncoderSpec
    rendering: str


def embedding_index(spec: EncoderSpec, rendering: str = RENDERING_VERSION) -> EmbeddingIndex:
    """The index for ``spec`` under ``rendering``; the names are identifiers checked here, never user text."""
    stem = f"{spec.key}_{rendering.replace('-', '_')}"
    if not _IDENTIFIER.fullmatch(stem):
        raise ConfigError(f"encoder key {spec.key!r} and rendering {rendering!r} do not make an index name")
    return EmbeddingIndex(name=f"embedding_{stem}", label=f"Embedding_{stem}", spec=spec, rendering=rendering)


def require_index(driver: neo4j.Driver, index: EmbeddingIndex, database: str) -> None:
    """A one-line error naming ``trialgraph embed`` when the graph holds no embeddings for ``index``."""
    known = {row["name"] for row in run_read(driver, cypher.load("read/embedding_indexes"), database=database)}
    if index.name not in known:
        raise ConfigError(
            f"the graph has no embedding index {index.name!r}: run `trialgraph embed` first"
            + (f" (it has: {', '.join(sorted(known))})" if known else "")
        )


def _ensure_index(driver: neo4j.Driver, index: EmbeddingIndex, database: str) -> None:
    template = cypher.load("write/create_vector_index")  # holds Cypher map braces: no str.format
    statement = template.replace("{name}", index.name).replace("{label}", index.label)
    with driver.session(database=database) as session:
        session.run(statement, dimensions=index.spec.dimensions).consume()


def embed_records(
    driver: neo4j.Driver,
    encoder: Encoder,
    *,
    quarantine_dir: Path,
    rendering: str = RENDERING_VERSION,
    batch_size: int = 256,
    database: str = "neo4j",
    on_batch: Callable[[LoadReport], None] | None = None,
) -> LoadReport:
    """Encode every registry record whose rendered text has no current embedding in the encoder's index."""
    if rendering != RENDERING_VERSION:
        raise ConfigError(f"unknown rendering {rendering!r}; this version renders {RENDERING_VERSION!r}")
    index = embedding_index(encoder.spec, rendering)
    _ensure_index(driver, index, database)
    params = {
        "index": index.name,
        "label": index.label,
        "model": encoder.spec.model,
        "model_version": encoder.spec.version(),
        "rendering": rendering,
    }
    with tracked_run(driver, f"embed:{index.name}", [], batch_size, quarantine_dir, database) as (report, _):
        after = ""
        while True:
            page = run_read(
                driver,
                cypher.load("read/records_to_embed"),
                {"after": after, "limit": batch_size, "index": index.name},
                database=database,
            )
            if not page:
                break
            after = page[-1]["record_id"]
            report.read += len(page)
            todo = _changed(page)
            report.unchanged += len(page) - len(todo)
            if todo:
                vectors = encoder.encode([text for _, text in todo], batch_size=min(batch_size, 64))
                rows = [
                    {"record_id": rid, "key": f"{rid}|{index.name}", "vector": vector, "text_hash": text_hash(text)}
                    for (rid, text), vector in zip(todo, vectors, strict=True)
                ]
                made_at = datetime.now(UTC).isoformat(timespec="seconds")
                with driver.session(database=database) as session:
                    session.execute_write(
                        lambda tx, r=rows, m=made_at: tx.run(
                            cypher.load("write/merge_embeddings"), rows=r, made_at=m, **params
                        ).consume()
                    )
                report.written += len(rows)
            if on_batch:
                on_batch(report)
        _record_index(driver, index, params, database)
    return report


def _changed(page: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(record id, text) of the records whose rendering differs from what their embedding was made from."""
    todo = []
    for row in page:
        text = render(RecordText.from_row(row))
        if row["embedded_hash"] != text_hash(text):
            todo.append((row["record_id"], text))
    return todo


def _record_index(driver: neo4j.Driver, index: EmbeddingIndex, params: dict[str, Any], database: str) -> None:
    counted = run_read(driver, cypher.load("read/embedding_count"), {"index": index.name}, database=database)
    made_at = datetime.now(UTC).isoformat(timespec="seconds")
    with driver.session(database=database) as session:
        session.execute_write(
            lambda tx: tx.run(
                cypher.load("write/merge_embedding_index"),
                dimensions=index.spec.dimensions,
                made_at=made_at,
                records=counted[0]["embeddings"],
                **params,
            ).consume()
        )
        session.run(cypher.load("write/await_indexes")).consume()
