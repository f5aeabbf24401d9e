"""The publication writer: PubMed citations, deletions and trial–publication links → the graph.

Why this shape: a publication is keyed like the registry references that cite it (``pmid:…``), so a
paper a trial record lists and the same paper loaded from MEDLINE are one node, filled in by whichever
arrives second. Every trial link is an edge ``MENTIONS_TRIAL {source}`` to a ``TrialId`` node, kept even
when no registry record of that trial is loaded (nothing is lost), and tied to the ``Trial`` when one is.
A citation seen in several files keeps its highest version (then latest revision); deletions apply in
file order. A citation whose stored ``pubmed_content_hash`` equals what this load would write (its properties,
MeSH indexing and the trial links it states) is skipped with its own links and counted ``unchanged``. Links
from link files (IntoValue…) are merged each time and counted written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import neo4j
import orjson

from trialgraph.kg import cypher
from trialgraph.kg.contention import retry_races
from trialgraph.kg.writer import (
    GRAPH_WRITERS,
    BatchOutcome,
    LoadReport,
    Quarantine,
    Work,
    WriteContext,
    write_isolating,
)
from trialgraph.model.keys import publication_key
from trialgraph.model.publication import DeletedCitation, PublicationRecord
from trialgraph.model.publication_link import (
    SOURCE_MEDLINE_DATABANK,
    SOURCE_PATTERN_ABSTRACT,
    SOURCE_PATTERN_TITLE,
    TrialPublicationLink,
)

__all__ = ["PublicationWriter"]


def _precedence(record: PublicationRecord) -> str:
    """Comparable as a string: zero-padded version, then the revision date."""
    return f"{record.version:04d}|{record.date_revised or ''}"


def _publication_props(record: PublicationRecord, load_run: str) -> dict[str, Any]:
    journal = record.journal
    authors = [a.collective or " ".join(x for x in (a.last, a.initials) if x) for a in record.authors]
    return {
        "pmid": record.pmid,
        "pubmed_version": record.version,
        "pubmed_precedence": _precedence(record),
        "title": record.title,
        "abstract": record.abstract_text,
        "abstract_sections": [s.label or "" for s in record.abstract] or None,
        "journal": journal.title if journal else None,
        "journal_iso": journal.iso_abbreviation if journal else None,
        "issn": journal.issn_linking or journal.issn if journal else None,
        "pub_date": record.pub_date,
        "year": record.year,
        "authors": [a for a in authors if a] or None,
        "affiliations": list(dict.fromkeys(aff for a in record.authors for aff in a.affiliations)) or None,
        "publication_types": [t.name for t in record.publication_types] or None,
        "mesh_headings": [h.descriptor_name for h in record.mesh_headings] or None,
        "databanks": [f"{d.databank}:{d.accession}" for d in record.databanks] or None,
        "keywords": list(record.keywords) or None,
        "languages": list(record.languages) or None,
        "doi": record.doi,
        "pmc": record.pmc,
        "medline_status": record.status,
        "date_revised": record.date_revised,
        "source_file": record.origin,
        "load_run": load_run,
    }


def _heading_rows(key: str, record: PublicationRecord) -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "curie": f"MESH:{h.descriptor_ui}" if h.descriptor_ui else None,
            "name": h.descriptor_name,
            "props": {
                "major": h.major,
                "major_topic": h.is_major_topic,
                "qualifiers": [q.name for q in h.qualifiers] or None,
                "major_qualifiers": [q.name for q in h.qualifiers if q.major] or None,
            },
        }
        for h in record.mesh_headings
    ]


def _link_row(link: TrialPublicationLink, load_run: str) -> dict[str, Any]:
    return {
        "pub_key": publication_key(link.pmid, link.doi),
        "pmid": link.pmid,
        "doi": link.doi,
        "trial_id": link.trial_id,
        "registry": link.registry,
        "source": link.source,
        "props": {"evidence": list(link.evidence) or None, "source_file": link.origin, "load_run": load_run},
    }


@dataclass(slots=True)
class _Batch:
    records: dict[str, PublicationRecord] = field(default_factory=dict)
    links: list[TrialPublicationLink] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.records) + len(self.links)


_CITATION_SOURCES = frozenset({SOURCE_MEDLINE_DATABANK, SOURCE_PATTERN_TITLE, SOURCE_PATTERN_ABSTRACT})


PUBLICATION_ROWS_VERSION = "publication-rows-1"
"""Bump when what a citation's rows put in the graph changes, so reloads rewrite citations written by older code."""


def _own_links(batch: _Batch) -> dict[str, list[TrialPublicationLink]]:
    """Per citation of the batch, the trial links it states itself (databank accessions, ids in its text)."""
    links: dict[str, list[TrialPublicationLink]] = {key: [] for key in batch.records}
    for link in batch.links:
        key = publication_key(link.pmid, link.doi)
        record = batch.records.get(key)
        if record is not None and link.source in _CITATION_SOURCES and link.origin == record.origin:
            links[key].append(link)
    return links


def publication_content_hash(key: str, record: PublicationRecord, links: list[TrialPublicationLink]) -> str:
    """Hash of what writing ``record`` and its own links puts in the graph (load run and file name left out)."""
    props = _publication_props(record, load_run="")
    del props["load_run"], props["source_file"]
    link_rows = sorted(
        orjson.dumps({k: v for k, v in _link_row(link, "").items() if k != "props"} | {"evidence": list(link.evidence)})
        for link in links
    )
    payload = [PUBLICATION_ROWS_VERSION, key, props, _heading_rows(key, record), [r.decode() for r in link_rows]]
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _link_is_current(link: TrialPublicationLink, batch: _Batch, current: dict[str, PublicationRecord]) -> bool:
    """A link a citation states itself counts only if that citation is the version being written."""
    if link.source not in _CITATION_SOURCES:
        return True
    key = publication_key(link.pmid, link.doi)
    if key not in batch.records:
        return True
    return key in current and current[key].origin == link.origin


def _write_batch(driver: neo4j.Driver, batch: _Batch, *, load_run: str, database: str) -> tuple[int, int, int]:
    """One transaction: newer citations replace older ones' indexing and links; unchanged ones are skipped.
    Returns (written, unchanged, superseded)."""
    own_links = _own_links(batch)
    hashes = {key: publication_content_hash(key, r, own_links[key]) for key, r in batch.records.items()}

    def work(tx: neo4j.ManagedTransaction) -> tuple[int, int, int]:
        stored = {
            row["key"]: row
            for row in tx.run(cypher.load("write/find_publication_versions"), keys=list(batch.records)).data()
        }
        same = {k for k in batch.records if (stored.get(k) or {}).get("content_hash") == hashes[k]}
        current = {
            k: r
            for k, r in batch.records.items()
            if k not in same and _precedence(r) >= ((stored.get(k) or {}).get("precedence") or "")
        }
        links = [link for link in batch.links if _link_is_current(link, batch, current)]
        unchanged = len(same) + sum(len(own_links[k]) for k in same)
        if current:
            tx.run(
                cypher.load("write/delete_publication_indexing"), keys=list(current), sources=sorted(_CITATION_SOURCES)
            ).consume()
        statements = (
            (
                "merge_publications",
                [
                    {"key": k, "props": _publication_props(r, load_run) | {"pubmed_content_hash": hashes[k]}}
                    for k, r in current.items()
                ],
            ),
            ("merge_mesh_headings", [row for k, r in current.items() for row in _heading_rows(k, r)]),
            ("merge_trial_links", [_link_row(link, load_run) for link in links]),
        )
        for statement, rows in statements:
            if rows:
                tx.run(cypher.load(f"write/{statement}"), rows=rows).consume()
        superseded = len(batch.records) + len(batch.links) - len(current) - len(links) - unchanged
        return len(current) + len(links), unchanged, superseded

    with driver.session(database=database) as session:
        return session.execute_write(work)


_Group = tuple[PublicationRecord | None, list[TrialPublicationLink]]
"""A publication's citation (when the batch holds one) and the links to it: what is isolated together."""


def _groups(batch: _Batch) -> dict[str, _Group]:
    groups: dict[str, _Group] = {key: (record, []) for key, record in batch.records.items()}
    for link in batch.links:
        groups.setdefault(publication_key(link.pmid, link.doi), (None, []))[1].append(link)
    return groups


def _batch_of(groups: dict[str, _Group]) -> _Batch:
    return _Batch(
        records={key: record for key, (record, _) in groups.items() if record is not None},
        links=[link for _, links in groups.values() for link in links],
    )


def _write_batch_isolating(driver: neo4j.Driver, batch: _Batch, *, load_run: str, database: str) -> BatchOutcome:
    """:func:`_write_batch`, with a publication Neo4j refuses for its data quarantined alone (its citation and its
    links), so that one over-long DOI or heading does not cost the batch or the load."""

    def write(part: dict[str, _Group]) -> tuple[int, int, int]:
        return _write_batch(driver, _batch_of(part), load_run=load_run, database=database)

    def describe(key: str, group: _Group) -> tuple[str, str | None]:
        record, links = group
        return (record.origin if record is not None else links[0].origin), key

    return write_isolating(write, _groups(batch), describe)


def _delete(driver: neo4j.Driver, deletion: DeletedCitation, database: str) -> BatchOutcome:
    """Apply one deletion notice in its own transaction; it counts as one item, written or (when the graph holds
    the deletion already, as on a reload) unchanged."""
    keys = [publication_key(pmid, None) for pmid in deletion.pmids]

    def delete() -> int:
        with driver.session(database=database) as session:
            return session.execute_write(
                lambda tx: tx.run(
                    cypher.load("write/delete_publications"), keys=keys, sources=sorted(_CITATION_SOURCES)
                ).single(strict=True)["deleted"]
            )

    changed = retry_races(delete)  # a race with another load: run again
    return BatchOutcome(written=1) if changed else BatchOutcome(unchanged=1)


@GRAPH_WRITERS.register("publications")
class PublicationWriter:
    """Citations, deletion notices and links; ``written`` counts citations, deletions and links alike.

    A batch is cut only between citations, because a citation's links follow it in the input; a deletion
    is a barrier that applies to everything read before it.
    """

    def __init__(self, context: WriteContext) -> None:
        self.context = context
        self.batch = _Batch()

    def add(self, item: PublicationRecord | DeletedCitation | TrialPublicationLink, report: LoadReport) -> list[Work]:
        c = self.context
        if isinstance(item, DeletedCitation):
            return [*self.close(), lambda: _delete(c.driver, item, c.database)]
        if isinstance(item, PublicationRecord):
            due = self._take() if len(self.batch) >= c.batch_size else []
            key = publication_key(item.pmid, None)
            previous = self.batch.records.get(key)
            if previous is not None:
                report.superseded += 1  # the same PMID twice in one batch: keep the higher version
            if previous is None or _precedence(item) >= _precedence(previous):
                self.batch.records[key] = item
            return due
        self.batch.links.append(item)
        if not self.batch.records and len(self.batch) >= c.batch_size:  # a link-only source (IntoValue)
            return self._take()
        return []

    def close(self) -> list[Work]:
        return self._take() if len(self.batch) else []

    def finish(self, report: LoadReport, quarantine: Quarantine) -> None:
        return None

    def _take(self) -> list[Work]:
        batch, self.batch = self.batch, _Batch()
        c = self.context

        return [lambda: _write_batch_isolating(c.driver, batch, load_run=c.load_run, database=c.database)]
