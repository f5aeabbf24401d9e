"""Identity resolution in the graph: regroup registry records under trials after every registry load.

After a load it weighs only what the load touched: records written, trial ids created and curated pairs stated
carry ``identity_pending`` until a resolution has weighed them, and the scope is closed over everything whose
grouping they can change (:func:`identity_scope`), so its cost grows with the load, not with the graph. Grouping
is per connected component of records and ids, so a closed scope resolves exactly as the whole graph would
(``tests/kg/test_identity_scope.py`` checks that a full resolution afterwards changes nothing).

Reads each record's own trial key and claims, the curated pairs and the pipeline candidates, weighs each
statement by what the records on both sides say (``trialgraph.models.identity.weigh``, evidence-v1), resolves
them with the pure ``trialgraph.models.identity.resolve.resolve``, and writes only the difference: records
that move to another trial, trials refreshed or removed, trial ids tied to their trial, ambiguous claims
flagged, identity evidence (score, signals, decision, reason) on the claims and pairs it weighed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import neo4j

from trialgraph.kg import cypher
from trialgraph.model.identity_evidence import METHOD, RecordFacts
from trialgraph.model.trial_ids import canonical_trial_id
from trialgraph.models.identity.resolve import Evidence, RecordIdentity, Resolution, resolve
from trialgraph.models.identity.weigh import Weighed, records_to_read, weigh, without_conflicts

__all__ = ["IdentityPlan", "IdentityRead", "IdentityReport", "IdentityScope", "PendingFlags", "canonical_id",
           "id_lookup", "identity_scope", "plan_identities", "read_identities", "read_pending", "record_lookup",
           "resolve_identities", "write_identities"]  # fmt: skip

Scope = Literal["pending", "all"]


@dataclass(slots=True)
class IdentityReport:
    records: int = 0
    trials: int = 0
    moved: int = 0  # records that changed trial in this run
    ambiguous: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # stated pairs evidence contradicts: not applied
    joined: int = 0  # pipeline candidates strong enough to join
    marked: int = 0  # claims and pairs whose identity evidence was written (changed) in this run
    scope: Scope = "all"  # "pending": only what loads touched and its groups (records, trials count those)

    def as_dict(self) -> dict[str, Any]:
        return {"records": self.records, "trials": self.trials, "moved": self.moved, "ambiguous": self.ambiguous,
                "conflicts": self.conflicts, "joined": self.joined, "marked": self.marked,
                "scope": self.scope}  # fmt: skip


@dataclass(frozen=True, slots=True)
class IdentityScope:
    """The records and trial ids one resolution reads: closed, so no grouping outside it can change."""

    record_ids: frozenset[str]
    ids: frozenset[str]
    rounds: int = 0  # closure steps taken (each one read of the neighbours of the newest additions)

    def params(self) -> dict[str, list[str]]:
        return {"record_ids": sorted(self.record_ids), "ids": sorted(self.ids)}


def identity_scope(session: neo4j.Session, scope: Scope, pending: PendingFlags | None = None) -> IdentityScope:
    """What a resolution must read: everything (``all``), or what loads left pending closed over its groups.

    ``pending`` is the set the closure starts from (read now when not given). The closure follows every edge
    identity resolution reads (claims, own trial keys, SAME_TRIAL_AS, current trials and the ids tied to them)
    until nothing new is reached, one read per step, starting from the newest additions only.
    """
    if scope == "all":
        start = session.execute_read(lambda tx: tx.run(cypher.load("write/read_identity_all")).single(strict=True))
        return IdentityScope(frozenset(start["record_ids"]), frozenset(i for i in start["ids"] if i))
    pending = pending if pending is not None else read_pending(session)
    records = {row["record_id"] for row in pending.records}
    named = [row["id"] for row in pending.ids] + [p[k] for p in pending.pairs for k in ("id_a", "id_b")]
    ids = {i for i in named if i}
    new_records, new_ids, rounds = set(records), set(ids), 0
    while new_records or new_ids:
        rounds += 1
        rows = session.execute_read(_neighbours, sorted(new_records), sorted(new_ids))
        reached: dict[str, set[str]] = {"record": set(), "id": set()}
        for row in rows:
            if row["value"]:
                reached[row["kind"]].add(row["value"])
        new_records, new_ids = reached["record"] - records, reached["id"] - ids
        records |= new_records
        ids |= new_ids
    return IdentityScope(frozenset(records), frozenset(ids), rounds)


@dataclass(slots=True)
class _GraphState:
    records: list[dict[str, Any]]
    curated: list[Evidence]
    candidates: list[Evidence]
    trial_id_links: dict[str, list[str]]  # TrialId → the trials it is tied to now
    flagged: list[dict[str, Any]]  # claims flagged ambiguous now
    marks: dict[tuple[str, str, str, str], dict[str, Any]]  # identity evidence written before, by edge


def _neighbours(tx: neo4j.ManagedTransaction, record_ids: list[str], ids: list[str]) -> list[dict[str, Any]]:
    return tx.run(cypher.load("write/read_identity_neighbours"), record_ids=record_ids, ids=ids).data()


def _read(tx: neo4j.ManagedTransaction, scope: IdentityScope) -> _GraphState:
    params = scope.params()

    def rows(statement: str) -> list[dict[str, Any]]:
        return tx.run(cypher.load(f"write/{statement}"), **params).data()

    def pairs(statement: str) -> list[Evidence]:
        return [Evidence(r["id_a"], r["id_b"], r["source"], r["evidence"] or "") for r in rows(statement)]

    return _GraphState(
        records=rows("read_record_identities"),
        curated=pairs("read_curated_pairs"),
        candidates=pairs("read_candidate_pairs"),
        trial_id_links={row["id"]: row["trials"] for row in rows("read_trial_id_links")},
        flagged=rows("read_ambiguous_claims"),
        marks={(r.pop("kind"), r.pop("a"), r.pop("b"), r.pop("key")): r for r in rows("read_identity_marks")},
    )


def _facts(session: neo4j.Session, record_ids: set[str]) -> dict[str, RecordFacts]:
    rows = session.execute_read(
        lambda tx: tx.run(cypher.load("read/record_identity_facts"), record_ids=sorted(record_ids)).data()
    )
    return {
        row["record_id"]: RecordFacts(
            row["record_id"], row["brief_title"], row["official_title"], tuple(sorted(row["sponsors"])),
            row["start_date"], row["enrollment"], tuple(sorted(row["conditions"])),
        )
        for row in rows
    }  # fmt: skip


def _edge(w: Weighed) -> tuple[str, str, str, str]:
    """The edge a statement was read from: (kind, a, b, key) as ``mark_identity_evidence`` matches it."""
    if w.kind == "claim":
        return ("claim", w.evidence.source, w.evidence.id_b, w.evidence.field)
    return ("pair", w.evidence.id_a, w.evidence.id_b, w.evidence.source)


def _mark_rows(weighed: list[Weighed], before: dict[tuple[str, str, str, str], dict[str, Any]]) -> list[dict]:
    """Identity evidence to write: the edges whose marks changed, and those no longer weighed (cleared)."""
    now = {_edge(w): w.marks() for w in weighed}
    rows = []
    for edge in sorted(now.keys() | before.keys()):
        props = now.get(edge)
        old = before.get(edge)
        same = (props is None and old is None) or (
            props is not None and old is not None and all(old.get(k[9:]) == v for k, v in props.items()
                                                          if k.startswith("identity_"))
        )  # fmt: skip
        if not same:
            rows.append({"kind": edge[0], "a": edge[1], "b": edge[2], "key": edge[3], "props": props})
    return rows


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


@dataclass(frozen=True, slots=True)
class PendingFlags:
    """The pending flags one resolution read, with their tokens: exactly what its write step may clear.

    The flag is a token rather than ``true`` so a concurrent load cannot have its work cleared unweighed: every
    write sets a fresh ``randomUUID()`` (per row, in the writers; ``uuid4`` per node in the bulk importer), and
    the clear removes a flag only where it still holds the token read here. A random token needs no coordination
    between processes or parser workers and never repeats, so a flag cleared and set again by a later write cannot
    be mistaken for the one read (a per-record counter would repeat after a clear; a load run id alone would not
    tell two writes of one load apart).
    """

    records: tuple[dict[str, str], ...] = ()  # {record_id, token}
    ids: tuple[dict[str, str], ...] = ()  # {id, token}
    pairs: tuple[dict[str, str], ...] = ()  # {id_a, id_b, source, token}

    def params(self) -> dict[str, list[dict[str, str]]]:
        return {"records": list(self.records), "ids": list(self.ids), "pairs": list(self.pairs)}


def read_pending(session: neo4j.Session) -> PendingFlags:
    """The flags loads left pending and their tokens, read in one statement before anything else is read."""
    row = session.execute_read(lambda tx: tx.run(cypher.load("write/read_identity_pending")).single(strict=True))
    return PendingFlags(tuple(row["records"]), tuple(row["ids"]), tuple(row["pairs"]))


@dataclass(slots=True)
class IdentityRead:
    """The read step's result: the pending flags (read first), the closed scope and the graph state within it."""

    scope: Scope
    pending: PendingFlags
    closed: IdentityScope
    state: _GraphState
    identities: list[RecordIdentity]
    facts: dict[str, RecordFacts]


@dataclass(slots=True)
class IdentityPlan:
    """The resolve step's result: the statements to write (each a name and its parameters) and the report."""

    statements: list[tuple[str, dict[str, Any]]]
    pending: PendingFlags
    report: IdentityReport
    writes: bool  # false when the scope was empty: nothing is written, not even a clear


def read_identities(session: neo4j.Session, scope: Scope = "all") -> IdentityRead:
    """Read step: the pending tokens first, then the scope and the state; a write after the tokens stays pending."""
    pending = read_pending(session)
    closed = identity_scope(session, scope, pending)
    state = session.execute_read(_read, closed)
    identities = _identities(state.records)
    facts = _facts(session, records_to_read(identities, state.curated, state.candidates))
    return IdentityRead(scope, pending, closed, state, identities, facts)


def plan_identities(read: IdentityRead) -> IdentityPlan:
    """Resolve step, pure: weigh the statements, resolve, and diff against the state read."""
    state, identities = read.state, read.identities
    weighed = weigh(identities, state.curated, state.candidates, read.facts)
    joined = [
        dataclasses.replace(w.evidence, field=f"{METHOD} joined candidate ({w.evidence.field})")
        for w in weighed
        if w.decision == "joined"
    ]
    stated_pairs = [w.evidence for w in weighed if w.kind == "pair" and w.applies and w.decision != "joined"]
    resolution = resolve(without_conflicts(identities, weighed), stated_pairs, joined)
    marks = _mark_rows(weighed, state.marks)
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
    statements: list[tuple[str, dict[str, Any]]] = [
        ("regroup_records", {"rows": moves}),
        ("refresh_trials", {"trial_ids": touched}),
        ("link_trial_ids", {"rows": links}),
        ("mark_ambiguous_claims", {"clear": state.flagged, "rows": ambiguous}),
        ("mark_identity_evidence", {"rows": marks}),
    ]
    report = IdentityReport(
        records=len(identities), trials=len(set(resolution.trial_of_record.values())), moved=len(moves),
        scope=read.scope, joined=len(joined), marked=len(marks),
    )  # fmt: skip
    report.ambiguous = [
        {"source": a.evidence.source, "field": a.evidence.field, "ids": [a.evidence.id_a, a.evidence.id_b],
         "would_join": list(a.conflicting)}
        for a in resolution.ambiguous
    ]  # fmt: skip
    report.conflicts = [
        {"source": w.evidence.source, "field": w.evidence.field, "ids": [w.evidence.id_a, w.evidence.id_b],
         "score": w.best.score if w.best else None, "reason": w.best.reason() if w.best else ""}
        for w in weighed
        if w.decision == "conflict"
    ]  # fmt: skip
    return IdentityPlan(statements, read.pending, report, bool(read.closed.record_ids or read.closed.ids))


def write_identities(session: neo4j.Session, plan: IdentityPlan) -> None:
    """Write step, one transaction: the changes, then the pending flags cleared where they still hold the token read."""

    def write(tx: neo4j.ManagedTransaction) -> None:
        for statement, params in plan.statements:
            tx.run(cypher.load(f"write/{statement}"), **params).consume()
        tx.run(cypher.load("write/clear_identity_pending"), **plan.pending.params()).consume()

    if plan.writes:
        session.execute_write(write)


def resolve_identities(driver: neo4j.Driver, *, database: str = "neo4j", scope: Scope = "all") -> IdentityReport:
    """Regroup records under trials from the evidence in the graph; idempotent, writes only what changed.

    ``scope="pending"`` (after a load) reads only what loads touched since the last resolution, closed over its
    groups; ``"all"`` reads the whole graph (``trialgraph resolve``, and a check that nothing was missed). The
    three steps are separate so a test can interleave a concurrent load between them
    (``tests/kg/test_identity_pending_race.py``).
    """
    with driver.session(database=database) as session:
        plan = plan_identities(read_identities(session, scope))
        write_identities(session, plan)
    return plan.report


def id_lookup(driver: neo4j.Driver, *, database: str = "neo4j") -> Callable[[str], str | None]:
    """The graph's trial for an id as written: a record's raw id, its trial key, or a trial id it resolved."""
    return _lookups(driver, database)[0]


def record_lookup(driver: neo4j.Driver, *, database: str = "neo4j") -> Callable[[str], bool]:
    """Whether a registry record with this id (as written, or its canonical id) is loaded: only then can identity
    evidence weigh a pair that names it."""
    return _lookups(driver, database)[1]


def _lookups(driver: neo4j.Driver, database: str) -> tuple[Callable[[str], str | None], Callable[[str], bool]]:
    with driver.session(database=database) as session:
        rows = session.execute_read(lambda tx: tx.run(cypher.load("read/trial_ids_known")).data())
    known = {row["id"]: row["trial"] for row in rows}
    records = {row["id"] for row in rows if row["record"]}

    def trial_of(value: str) -> str | None:
        if value in known:
            return known[value]
        match = canonical_trial_id(value)
        return known.get(match.trial_id) if match else None

    def loaded(value: str) -> bool:
        match = canonical_trial_id(value)
        return value in records or (match is not None and match.trial_id in records)

    return trial_of, loaded


def canonical_id(value: str) -> str:
    """The canonical trial id a string holds (``EUCTR2015-002276-25-PL`` → ``2015-002276-25``), else itself."""
    match = canonical_trial_id(value)
    return match.trial_id if match else value
