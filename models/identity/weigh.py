"""Weigh each statement that two ids are one trial by what the records on both sides say (identity evidence).

Pure: record identities, stated evidence (claims, curated pairs), pipeline candidates and the facts of the
records involved in; one :class:`Weighed` per statement out, with the decision of
``trialgraph.model.identity_evidence.decide``. A side is the records whose own trial key is that id (a CT.gov
record and its ICTRP copy, the member-state records of one EudraCT number); for a claim, the claiming record is
its side. The pair of records that agree best speaks for the statement, so that one sparse copy cannot veto it.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from trialgraph.model.identity_evidence import METHOD, Agreement, RecordFacts, agreement, decide
from trialgraph.models.identity.resolve import Evidence, RecordIdentity

__all__ = ["Weighed", "records_to_read", "weigh", "without_conflicts"]

MAX_RECORDS_PER_SIDE = 8  # a side with more copies is compared on its first 8 records (by id)

Kind = Literal["claim", "pair"]


@dataclass(frozen=True, slots=True)
class Weighed:
    kind: Kind  # "claim": a record's claim (evidence.source is the record id); "pair": curated pair or candidate
    evidence: Evidence
    decision: str  # applied, weak, conflict, unscored, joined, candidate
    best: Agreement | None

    @property
    def applies(self) -> bool:
        return self.decision in {"applied", "weak", "unscored", "joined"}

    def marks(self) -> dict[str, object] | None:
        """The identity_* properties for the edge (None: nothing weighed, no marks)."""
        if self.best is None or self.best.score is None:
            return None
        return {
            "identity_method": METHOD,
            "identity_decision": self.decision,
            "identity_score": self.best.score,
            "identity_signals": [s.label() for s in self.best.signals],
            "identity_reason": self.best.reason() if self.decision in {"conflict", "weak"} else None,
            "identity_records": [self.best.record_a, self.best.record_b],
            "applied_by": METHOD if self.decision == "joined" else None,
        }


def _owners(records: Iterable[RecordIdentity]) -> dict[str, list[str]]:
    owners: defaultdict[str, list[str]] = defaultdict(list)
    for record in sorted(records, key=lambda r: r.record_id):
        owners[record.own_id].append(record.record_id)
    return {key: ids[:MAX_RECORDS_PER_SIDE] for key, ids in owners.items()}


def _sides(kind: Kind, evidence: Evidence, owners: Mapping[str, list[str]]) -> tuple[list[str], list[str]]:
    if evidence.id_a == evidence.id_b:  # a member-state record naming its own EudraCT number: nothing to weigh
        return [], []
    left = [evidence.source] if kind == "claim" else owners.get(evidence.id_a, [])
    right = [r for r in owners.get(evidence.id_b, []) if r not in left]
    return left, right


def _statements(
    records: Iterable[RecordIdentity], curated: Iterable[Evidence], candidates: Iterable[Evidence]
) -> list[tuple[Kind, Evidence, bool]]:
    claims = [("claim", claim, True) for record in records for claim in record.claims]
    pairs = [("pair", e, True) for e in curated] + [("pair", e, False) for e in candidates]
    return claims + pairs  # type: ignore[return-value]


def records_to_read(
    records: list[RecordIdentity], curated: Iterable[Evidence], candidates: Iterable[Evidence]
) -> set[str]:
    """The records whose facts weighing needs: both sides of every statement that has two loaded sides."""
    owners = _owners(records)
    needed: set[str] = set()
    for kind, evidence, _ in _statements(records, curated, candidates):
        left, right = _sides(kind, evidence, owners)
        if left and right:
            needed.update(left, right)
    return needed


def weigh(
    records: list[RecordIdentity],
    curated: Iterable[Evidence],
    candidates: Iterable[Evidence],
    facts: Mapping[str, RecordFacts],
) -> list[Weighed]:
    """Every claim, curated pair and candidate with its best-agreeing pair of records and its decision."""
    owners = _owners(records)
    weighed = []
    for kind, evidence, stated in _statements(records, curated, candidates):
        left, right = _sides(kind, evidence, owners)
        scored = [agreement(facts[a], facts[b]) for a, b in itertools.product(left, right) if a in facts and b in facts]
        scored = [s for s in scored if s.score is not None]
        best = max(scored, key=lambda s: (s.score, len(s.signals)), default=None)
        weighed.append(Weighed(kind, evidence, decide(best, stated=stated), best))
    return weighed


def without_conflicts(records: list[RecordIdentity], weighed: Iterable[Weighed]) -> list[RecordIdentity]:
    """The records with the claims that evidence contradicts taken out (they are flagged, not applied)."""
    dropped = {(w.evidence.source, w.evidence) for w in weighed if w.kind == "claim" and not w.applies}
    sources = {source for source, _ in dropped}
    return [
        dataclasses.replace(r, claims=tuple(c for c in r.claims if (r.record_id, c) not in dropped))
        if r.record_id in sources
        else r
        for r in records
    ]
