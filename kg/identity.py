"""Identity resolution in the graph: regroup registry records under trials after every registry load.

Reads every record's own trial key and claims, and the curated pairs, resolves them with the pure
``trialgraph.loaders.registries.identity.resolve``, and writes only the difference: records that move to
another trial, trials refreshed or removed, trial ids tied to their trial, ambiguous claims flagged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import neo4j

from trialgraph.kg import cypher
from trialgraph.loaders.registries.identity import Evidence, RecordIdentity, Resolution, resolve
from trialgraph.model.trial_ids import canonical_trial_id

__all__ = ["IdentityReport", "canonical_id", "id_lookup", "resolve_identities"]


@dataclass(slots=True)
class IdentityReport:
    records: int = 0
    trials: int = 0
    moved: int = 0  # records that changed trial in this run
    ambiguous: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"records": self.records, "trials": self.trials, "moved": self.moved, "ambiguous": self.ambiguous}


@dataclass(slots=True)
class _GraphState:
    records: list[dict[str, Any]]
    curated: list[Evidence]
    trial_id_links: dict[str, list[str]]  # TrialId → the trials it is tied to now
    flagged: list[dict[str, Any]]  # claims flagged ambiguous now


def _read(tx: neo4j.ManagedTransaction) -> _GraphState:
    return _GraphState(
        records=tx.run(cypher.load("write/read_record_identities")).data(),
        curated=[
            Evidence(row["id_a"], row["id_b"], row["source"], row["evidence"] or "")
            for row in tx.run(cypher.load("write/read_curated_pairs")).data()
        ],
        trial_id_links={row["id"]: row["trials"] for row in tx.run(cypher.load("write/read_trial_id_links")).data()},
        flagged=tx.run(cypher.load("write/read_ambiguous_claims")).data(),
    )


def _identities(rows: list[dict[str, Any]]) -> list[RecordIdentity]:
    return [
        RecordIdentity(
            record_id=row["record_id"],
            own_id=row["own_id"],
            registry=row["registry"],
            claims=tuple(
                Evidence(row["own_id"], claim["id"], row["record_id"], claim["evidence"], claim["relation"] or "")
                for claim in sorted(row["claims"], key=lambda c: (c["id"], c["evidence"]))
            ),
        )
        for row in rows
        if row["own_id"]
    ]


def _record_evidence(resolution: Resolution, record: RecordIdentity, trial_id: str) -> list[str]:
    if record.own_id == trial_id:
        return ["registry id"]
    return sorted(
        {f"{e.source} {e.field}: {e.id_a} = {e.id_b}" for e in resolution.evidence_of_trial.get(trial_id, [])}
    )[:20]


def resolve_identities(driver: neo4j.Driver, *, database: str = "neo4j") -> IdentityReport:
    """Regroup records under trials from all evidence in the graph; idempotent, writes only what changed."""
    with driver.session(database=database) as session:
        state = session.execute_read(_read)
        identities = _identities(state.records)
        resolution = resolve(identities, state.curated)
        current = {row["record_id"]: row["current_trials"] for row in state.records}
        moves = [
            {
                "record_id": record.record_id,
                "trial_id": resolution.trial_of_record[record.record_id],
                "evidence": _record_evidence(resolution, record, resolution.trial_of_record[record.record_id]),
            }
            for record in identities
            if current.get(record.record_id) != [resolution.trial_of_record[record.record_id]]
        ]
        left = {trial for m in moves for trial in current.get(m["record_id"], [])}
        touched = sorted({m["trial_id"] for m in moves} | left)
        links = [
            {"id": trial_id, "trial_id": resolution.trial_of_id.get(trial_id)}
            for trial_id, trials in state.trial_id_links.items()
            if trials != ([resolution.trial_of_id[trial_id]] if trial_id in resolution.trial_of_id else [])
        ]
        ambiguous = [
            {"record_id": a.evidence.source, "id": a.evidence.id_b, "evidence": a.evidence.field,
             "conflicts": list(a.conflicting)}
            for a in resolution.ambiguous
            if a.evidence.source in current  # a record's claim (curated pairs are reported, not marked)
        ]  # fmt: skip

        def write(tx: neo4j.ManagedTransaction) -> None:
            for statement, params in (
                ("regroup_records", {"rows": moves}),
                ("refresh_trials", {"trial_ids": touched}),
                ("link_trial_ids", {"rows": links}),
                ("mark_ambiguous_claims", {"clear": state.flagged, "rows": ambiguous}),
            ):
                tx.run(cypher.load(f"write/{statement}"), **params).consume()

        if moves or links or ambiguous or state.flagged:
            session.execute_write(write)
    report = IdentityReport(
        records=len(identities), trials=len(set(resolution.trial_of_record.values())), moved=len(moves)
    )
    report.ambiguous = [
        {"source": a.evidence.source, "field": a.evidence.field, "ids": [a.evidence.id_a, a.evidence.id_b],
         "would_join": list(a.conflicting)}
        for a in resolution.ambiguous
    ]  # fmt: skip
    return report


def id_lookup(driver: neo4j.Driver, *, database: str = "neo4j") -> Callable[[str], str | None]:
    """The graph's trial for an id as written: a record's raw id, its trial key, or a trial id it resolved."""
    with driver.session(database=database) as session:
        rows = session.execute_read(lambda tx: tx.run(cypher.load("read/trial_ids_known")).data())
    known = {row["id"]: row["trial"] for row in rows}

    def trial_of(value: str) -> str | None:
        if value in known:
            return known[value]
        match = canonical_trial_id(value)
        return known.get(match.trial_id) if match else None

    return trial_of


def canonical_id(value: str) -> str:
    """The canonical trial id a string holds (``EUCTR2015-002276-25-PL`` → ``2015-002276-25``), else itself."""
    match = canonical_trial_id(value)
    return match.trial_id if match else value
