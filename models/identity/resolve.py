"""Identity across registries: which registry records describe the same trial, and on what evidence.

Pure: records (each with its own trial key and the ids it claims) and curated pairs in, groups out.
Union-find over ids, so the cost grows with the number of ids and claims, never with their square.

A group must not hold two different records' own ids from one registry (two NCT records, two ChiCTR
records): such a pair is two trials. A claim or curated pair that would join them is not applied; it is
reported as ambiguous with the ids it would have joined. Claims are applied in a fixed order (records
by id, then curated pairs), so the outcome does not depend on load order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["Ambiguity", "Evidence", "RecordIdentity", "Resolution", "resolve"]

# Which registry's id names a trial when records of several registries are grouped (then the smallest id).
REGISTRY_PRECEDENCE = ("ClinicalTrials.gov", "EUCTR", "EudraCT", "CTIS", "ISRCTN", "ANZCTR", "DRKS", "ChiCTR", "CTRI")


_WITHIN_REGISTRY = frozenset({"subregistry_transfer"})  # relations that join two ids of one registry on purpose


@dataclass(frozen=True, slots=True)
class Evidence:
    """One statement that two ids are the same trial: a record's claim, or a curated pair."""

    id_a: str
    id_b: str
    source: str  # the record id that claims it, or the curated set ("intovalue-registry-crossreg"...)
    field: str  # the field or column stating it
    relation: str = "same_trial"


@dataclass(frozen=True, slots=True)
class RecordIdentity:
    record_id: str  # "ctgov:NCT01234567"
    own_id: str  # the trial key the record itself gives (canonical id)
    registry: str  # registry of own_id
    claims: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Ambiguity:
    evidence: Evidence
    conflicting: tuple[str, ...]  # the records' own ids the evidence would have put in one trial


@dataclass(slots=True)
class Resolution:
    trial_of_record: dict[str, str] = field(default_factory=dict)  # record id → trial id
    evidence_of_trial: dict[str, list[Evidence]] = field(default_factory=dict)  # applied evidence per trial
    ambiguous: list[Ambiguity] = field(default_factory=list)
    trial_of_id: dict[str, str] = field(default_factory=dict)  # every id seen → trial id


class _Groups:
    """Union-find over ids; each root knows the records' own ids it holds, by registry."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.anchors: dict[str, dict[str, set[str]]] = {}  # root → registry → own ids

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def anchor(self, own_id: str, registry: str) -> None:
        self.anchors.setdefault(self.find(own_id), {}).setdefault(registry, set()).add(own_id)

    def conflicts(self, a: str, b: str) -> tuple[str, ...]:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return ()
        left, right = self.anchors.get(root_a, {}), self.anchors.get(root_b, {})
        clash = [ids for registry in left.keys() & right.keys() for ids in (left[registry] | right[registry],)]
        return tuple(sorted(i for ids in clash for i in ids)) if clash else ()

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        if root_a > root_b:  # deterministic roots
            root_a, root_b = root_b, root_a
        self.parent[root_b] = root_a
        merged = self.anchors.setdefault(root_a, {})
        for registry, ids in self.anchors.pop(root_b, {}).items():
            merged.setdefault(registry, set()).update(ids)


def _trial_name(anchors: dict[str, set[str]], root: str) -> str:
    for registry in REGISTRY_PRECEDENCE:
        if anchors.get(registry):
            return min(anchors[registry])
    ids = [i for held in anchors.values() for i in held]
    return min(ids) if ids else root


def resolve(
    records: Iterable[RecordIdentity], curated: Iterable[Evidence] = (), joined: Iterable[Evidence] = ()
) -> Resolution:
    """Group records into trials by their own ids, their claims and curated pairs (see the module doc).

    ``joined``: pairs no registry states that identity evidence found strong; applied last, so that a stated
    pair always wins a clash with one.
    """
    records = sorted(records, key=lambda r: r.record_id)
    groups = _Groups()
    for record in records:
        groups.anchor(record.own_id, record.registry)
    applied: list[Evidence] = []
    resolution = Resolution()
    order = lambda e: (e.source, e.id_a, e.id_b)  # noqa: E731
    for evidence in (
        [claim for record in records for claim in record.claims]
        + sorted(curated, key=order)
        + sorted(joined, key=order)
    ):
        # A JPRN record naming its former UMIN id (or the reverse) is a transfer within one registry, not a clash.
        clash = () if evidence.relation in _WITHIN_REGISTRY else groups.conflicts(evidence.id_a, evidence.id_b)
        if clash:
            resolution.ambiguous.append(Ambiguity(evidence, clash))
            continue
        groups.union(evidence.id_a, evidence.id_b)
        applied.append(evidence)
    names: dict[str, str] = {}
    for item in list(groups.parent):
        root = groups.find(item)
        if root not in names:
            names[root] = _trial_name(groups.anchors.get(root, {}), root)
        resolution.trial_of_id[item] = names[root]
    for record in records:
        resolution.trial_of_record[record.record_id] = resolution.trial_of_id[record.own_id]
    by_trial: defaultdict[str, list[Evidence]] = defaultdict(list)
    for evidence in applied:
        by_trial[resolution.trial_of_id[evidence.id_a]].append(evidence)
    resolution.evidence_of_trial = dict(by_trial)
    return resolution
