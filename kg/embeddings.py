"""Writes embeddings into Neo4j: one vector index per (encoder, rendering), filled incrementally.

What is embedded is a *target* (:data:`TARGETS`): registry records (rendering ``trial-text-1``), PubMed papers
(``paper-text-1``; CT.gov reference stubs, which hold only a citation, have no text and are skipped) or
eligibility items (``criterion-text-1``: one vector per ``Criterion`` node with text, inclusion and exclusion
alike; the criteria retriever keeps inclusion items only). A target is a
row of data, not a branch: the label it embeds, the statements that read and write it, its rendering and the
command that fills it; the loop below is the same for all.

An item is (re-)encoded exactly when its rendered text changed since its embedding was made (the text hash is
kept on the embedding), so a second run after a load encodes only what the load changed. Each batch is
committed before the next is encoded, so a killed run resumes where it stopped. The run is a ``LoadRun`` like
every load (``source = embed:<index>``): ``read`` items, ``written`` encoded, ``unchanged`` skipped.

Names: the index of encoder key ``minilm_l6_v2`` under rendering ``trial-text-1`` is
``embedding_minilm_l6_v2_trial_text_1`` over nodes labelled ``Embedding_minilm_l6_v2_trial_text_1``; under
``paper-text-1`` it is ``embedding_minilm_l6_v2_paper_text_1``; under ``criterion-text-1``,
``embedding_minilm_l6_v2_criterion_text_1``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import neo4j

from trialgraph.errors import ConfigError, UnknownNameError
from trialgraph.kg import cypher
from trialgraph.kg.graph import run_read
from trialgraph.kg.writer import GRAPH_WRITERS, BatchOutcome, LoadReport, Quarantine, Work, WriteContext
from trialgraph.models.encoders import Encoder, EncoderSpec
from trialgraph.models.retrieval.rendering import (
    CRITERION_RENDERING_VERSION,
    PAPER_RENDERING_VERSION,
    RENDERING_VERSION,
    PaperText,
    RecordText,
    render,
    render_criterion,
    render_paper,
    text_hash,
)

__all__ = [
    "TARGETS",
    "EmbeddingIndex",
    "EmbeddingSource",
    "EmbeddingTarget",
    "EmbeddingWriter",
    "RecordVector",
    "embed_records",
    "embedding_index",
    "embedding_target",
    "has_index",
    "require_index",
]


@dataclass(frozen=True, slots=True)
class EmbeddingTarget:
    """What one kind of node is embedded from, and how.

    ``read`` pages through the nodes in ``id_column`` order (parameters ``$after``, ``$limit``, ``$index``) and
    returns, per node, what ``render`` reads plus ``embedded_hash``, the text hash of the embedding the index
    holds for it (null when none). ``write`` merges rows ``{id, key, vector, text_hash}`` into embeddings with
    ``EMBEDS`` to the node.
    """

    name: str
    label: str
    id_column: str
    rendering: str
    read: str
    write: str
    render: Callable[[Mapping[str, Any]], str]
    command: str


TARGETS: dict[str, EmbeddingTarget] = {
    "records": EmbeddingTarget(
        name="records",
        label="RegistryRecord",
        id_column="record_id",
        rendering=RENDERING_VERSION,
        read="read/records_to_embed",
        write="write/merge_embeddings",
        render=lambda row: render(RecordText.from_row(row)),
        command="trialgraph embed",
    ),
    "publications": EmbeddingTarget(
        name="publications",
        label="Publication",
        id_column="key",
        rendering=PAPER_RENDERING_VERSION,
        read="read/publications_to_embed",
        write="write/merge_publication_embeddings",
        render=lambda row: render_paper(PaperText.from_row(row)),
        command="trialgraph embed --target publications",
    ),
    "criteria": EmbeddingTarget(
        name="criteria",
        label="Criterion",
        id_column="key",
        rendering=CRITERION_RENDERING_VERSION,
        read="read/criteria_to_embed",
        write="write/merge_criterion_embeddings",
        render=lambda row: render_criterion(row.get("text")),
        command="trialgraph embed --target criteria",
    ),
}
_BY_RENDERING = {t.rendering: t for t in TARGETS.values()}


def embedding_target(name: str) -> EmbeddingTarget:
    """The target called ``name`` (``records``, ``publications``, ``criteria``); a one-line error for any other."""
    if name not in TARGETS:
        raise UnknownNameError(f"unknown embedding target {name!r}; known: {', '.join(TARGETS)}")
    return TARGETS[name]


_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class EmbeddingIndex:
    """The names one (encoder, rendering) pair uses in the graph."""

    name: str
    label: str
    spec: EncoderSpec
    rendering: str

    @property
    def target(self) -> EmbeddingTarget:
        """What the rendering renders: records, papers or eligibility items."""
        return _BY_RENDERING[self.rendering]


def embedding_index(spec: EncoderSpec, rendering: str = RENDERING_VERSION) -> EmbeddingIndex:
    """The index for ``spec`` under ``rendering``; the names are identifiers checked here, never user text."""
    if rendering not in _BY_RENDERING:
        raise ConfigError(f"unknown rendering {rendering!r}; this version renders {', '.join(_BY_RENDERING)}")
    stem = f"{spec.key}_{rendering.replace('-', '_')}"
    if not _IDENTIFIER.fullmatch(stem):
        raise ConfigError(f"encoder key {spec.key!r} and rendering {rendering!r} do not make an index name")
    return EmbeddingIndex(name=f"embedding_{stem}", label=f"Embedding_{stem}", spec=spec, rendering=rendering)


def _indexes_with_embeddings(driver: neo4j.Driver, database: str) -> set[str]:
    return {row["name"] for row in run_read(driver, cypher.load("read/embedding_indexes"), database=database)}


def has_index(driver: neo4j.Driver, index: EmbeddingIndex, database: str) -> bool:
    """Whether the graph holds embeddings for ``index`` (what :func:`require_index` asks, without failing)."""
    return index.name in _indexes_with_embeddings(driver, database)


def require_index(driver: neo4j.Driver, index: EmbeddingIndex, database: str) -> None:
    """A one-line error naming the command that fills ``index`` when the graph holds no embeddings for it."""
    known = _indexes_with_embeddings(driver, database)
    if index.name not in known:
        raise ConfigError(
            f"the graph has no embedding index {index.name!r}: run `{index.target.command}` first"
            + (f" (it has: {', '.join(sorted(known))})" if known else "")
        )


def _ensure_index(driver: neo4j.Driver, index: EmbeddingIndex, database: str) -> None:
    template = cypher.load("write/create_vector_index")  # holds Cypher map braces: no str.format
    statement = template.replace("{name}", index.name).replace("{label}", index.label)
    with driver.session(database=database) as session:
        session.run(statement, dimensions=index.spec.dimensions).consume()


@dataclass(frozen=True, slots=True)
class RecordVector:
    """One node's embedding to write, or (``vector`` None) a node whose embedding is still current.

    ``record_id`` is the node's id in its target's ``id_column`` (a record id, a publication key, a criterion key).
    """

    record_id: str
    vector: list[float] | None = None
    text_hash: str | None = None


class EmbeddingSource:
    """An encoder as a source: it pages through the graph's nodes of the index's target, not files, and yields
    their vectors.

    Only nodes whose rendered text changed since their embedding was made are encoded, a page at a time
    (the encoder is fastest on batches). The one load loop (``kg/load.py``) writes them through
    :class:`EmbeddingWriter`, one page behind, so encoding and writing overlap and a killed run resumes.
    """

    graph_writer = "embeddings"
    detection = None

    def __init__(self, driver: neo4j.Driver, encoder: Encoder, index: EmbeddingIndex, page: int, database: str) -> None:
        self.name = f"embed:{index.name}"
        self.encoder = encoder
        self.index = index
        self._driver = driver
        self._page = page
        self._database = database

    def read(self, paths: Iterable[Path], *, load_run: str = "") -> Iterator[RecordVector]:
        target, after = self.index.target, ""
        while page := run_read(
            self._driver,
            cypher.load(target.read),
            {"after": after, "limit": self._page, "index": self.index.name},
            database=self._database,
        ):
            after = page[-1][target.id_column]
            todo = dict(_changed(page, target))
            vectors = iter(self.encoder.encode(list(todo.values()), batch_size=min(self._page, 64)) if todo else [])
            for row in page:
                rid = row[target.id_column]
                yield RecordVector(rid, next(vectors), text_hash(todo[rid])) if rid in todo else RecordVector(rid)


@GRAPH_WRITERS.register("embeddings")
class EmbeddingWriter:
    """Embedding nodes beside the nodes they embed, one batch per transaction; at the end, the index's description.

    ``written`` counts nodes encoded, ``unchanged`` those whose embedding was current.
    """

    def __init__(self, context: WriteContext) -> None:
        self.context = context
        self.rows: list[dict[str, Any]] = []

    def add(self, item: RecordVector, report: LoadReport) -> list[Work]:
        if item.vector is None:
            report.unchanged += 1
            return []
        key = f"{item.record_id}|{self._index.name}"
        self.rows.append({"id": item.record_id, "key": key, "vector": item.vector, "text_hash": item.text_hash})
        return self._take() if len(self.rows) >= self.context.batch_size else []

    def close(self) -> list[Work]:
        return self._take() if self.rows else []

    def finish(self, report: LoadReport, quarantine: Quarantine) -> None:
        _record_index(self.context.driver, self._index, self._params, self.context.database)

    @property
    def _index(self) -> EmbeddingIndex:
        return self.context.source.index  # type: ignore[attr-defined,no-any-return]

    @property
    def _params(self) -> dict[str, Any]:
        encoder: Encoder = self.context.source.encoder  # type: ignore[attr-defined]
        return {
            "index": self._index.name,
            "label": self._index.label,
            "model": encoder.spec.model,
            "model_version": encoder.spec.version(),
            "rendering": self._index.rendering,
        }

    def _take(self) -> list[Work]:
        rows, self.rows = self.rows, []
        c, params, statement = self.context, self._params, cypher.load(self._index.target.write)

        def work() -> BatchOutcome:
            made_at = datetime.now(UTC).isoformat(timespec="seconds")
            with c.driver.session(database=c.database) as session:
                session.execute_write(lambda tx: tx.run(statement, rows=rows, made_at=made_at, **params).consume())
            return BatchOutcome(written=len(rows))

        return [work]


def embed_records(
    driver: neo4j.Driver,
    encoder: Encoder,
    *,
    quarantine_dir: Path,
    target: str = "records",
    rendering: str | None = None,
    batch_size: int = 256,
    database: str = "neo4j",
    on_batch: Callable[[LoadReport], None] | None = None,
) -> LoadReport:
    """Encode every node of ``target`` (registry records, publications or eligibility items) whose rendered text
    has no current embedding in the encoder's index for that target's rendering.

    It runs through the one load loop (``kg/load.py``): :class:`EmbeddingSource` reads and encodes,
    :class:`EmbeddingWriter` writes. ``on_batch`` is called as nodes are read (progress display).
    """
    from trialgraph.kg.load import load  # kg.load imports the writers of files; this one registers itself here

    chosen = embedding_target(target)
    if rendering not in (None, chosen.rendering):
        raise ConfigError(f"unknown rendering {rendering!r}; {chosen.name} are rendered {chosen.rendering!r}")
    index = embedding_index(encoder.spec, chosen.rendering)
    _ensure_index(driver, index, database)
    source = EmbeddingSource(driver, encoder, index, batch_size, database)
    return load(
        driver, source, [], quarantine_dir=quarantine_dir, batch_size=batch_size, database=database, on_item=on_batch
    )


def _changed(page: list[dict[str, Any]], target: EmbeddingTarget) -> list[tuple[str, str]]:
    """(id, text) of the nodes whose rendering differs from what their embedding was made from."""
    todo = []
    for row in page:
        text = target.render(row)
        if row["embedded_hash"] != text_hash(text):
            todo.append((row[target.id_column], text))
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
