"""Synthetic patients as structured facts, labelled by construction against a trial's structured criteria.

Pure and seeded. An eligible patient is built to meet every structured criterion; a near-miss is that patient with
every atom of exactly one criterion broken; a clearly ineligible patient lacks the studied condition or breaks two
criteria. Every label is then re-derived by :func:`criterion_status` on the facts themselves, and a patient whose
facts do not say what its label claims is not made (counted instead): the construction never trusts itself.

Only what a criterion asks for is put in the facts: an invented comorbidity could break a free-text criterion
nobody can check, and the label would then be wrong without anyone knowing.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from trialgraph.models.synth.criteria import Atom, Criterion, Interval
from trialgraph.models.synth.measures import MEASURES

__all__ = [
    "KINDS",
    "PatientFacts",
    "SyntheticPatient",
    "build_patient",
    "criterion_status",
]

PatientKind = Literal["eligible", "near_miss", "ineligible"]
KINDS: tuple[PatientKind, ...] = ("eligible", "near_miss", "ineligible")
Status = Literal["met", "violated", "partial", "unknown"]

ADULT = Interval(18, 85)
ANY_AGE = Interval(1, 100)


@dataclass(frozen=True)
class PatientFacts:
    """What a note states: demographics, measured values (value, unit), concepts present and explicitly denied."""

    age: int | None = None
    sex: str | None = None
    measures: dict[str, tuple[float, str]] = field(default_factory=dict)
    present: dict[str, tuple[str, str]] = field(default_factory=dict)  # curie → (name, condition | medication)
    denied: dict[str, tuple[str, str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "age": self.age,
            "sex": self.sex,
            "measures": [
                {"key": k, "name": MEASURES[k].name, "value": v, "unit": u}
                for k, (v, u) in sorted(self.measures.items())
            ],
            "present": [{"curie": c, "name": n, "kind": k} for c, (n, k) in self.present.items()],
            "denied": [{"curie": c, "name": n, "kind": k} for c, (n, k) in self.denied.items()],
        }


@dataclass(frozen=True)
class SyntheticPatient:
    id: str
    trial_id: str
    kind: PatientKind
    facts: PatientFacts
    violated: tuple[Criterion, ...] = ()


# --- checking facts against criteria ------------------------------------------------------------------------------


def atom_holds(atom: Atom, facts: PatientFacts) -> bool | None:
    """Whether the facts meet one atom; None when they do not say (no age, no value for that lab)."""
    if atom.fact == "age":
        return None if facts.age is None or atom.interval is None else atom.interval.contains(facts.age)
    if atom.fact == "sex":
        return None if facts.sex is None else facts.sex == atom.value
    if atom.fact == "measure":
        stated = facts.measures.get(atom.key)
        if stated is None or stated[1] != atom.value or atom.interval is None:
            return None
        return atom.interval.contains(stated[0])
    return (atom.key in facts.present) == bool(atom.present)


def criterion_status(criterion: Criterion, facts: PatientFacts) -> Status:
    """met: every atom holds; violated: every atom fails; partial: some of each; unknown: a fact is unstated."""
    holds = [atom_holds(a, facts) for a in criterion.atoms]
    if any(h is None for h in holds):
        return "unknown"
    if all(holds):
        return "met"
    return "violated" if not any(holds) else "partial"


def label_holds(
    kind: PatientKind, criteria: Sequence[Criterion], violated: Sequence[Criterion], facts: PatientFacts
) -> str | None:
    """None when the facts say what the label claims, else why not (one short reason, used as a counter key)."""
    statuses = [(c, criterion_status(c, facts)) for c in criteria]
    targets = {id(c) for c in violated}
    if kind == "eligible":
        for _, status in statuses:
            if status != "met":
                return "eligible: a fact is not stated" if status == "unknown" else "eligible: a criterion is not met"
        return None
    for c, status in statuses:
        if id(c) in targets and status != "violated":
            return "violated criterion not stated" if status == "unknown" else "violated criterion is met"
    if kind == "near_miss":
        for c, status in statuses:
            if id(c) not in targets and status != "met":
                return (
                    "near-miss: a fact is not stated" if status == "unknown" else "near-miss: another criterion broken"
                )
        return None
    primary = any(c.primary for c in violated)
    return None if primary or len(violated) >= 2 else "ineligible: fewer than two violations"


# --- building facts -----------------------------------------------------------------------------------------------


def _integer_in(interval: Interval, rng: random.Random) -> int | None:
    low = max(0.0, -1.0 if interval.low is None else interval.low)
    high = min(120.0, 121.0 if interval.high is None else interval.high)
    candidates = [n for n in range(math.ceil(low), math.floor(high) + 1) if interval.contains(n)]
    return rng.choice(candidates) if candidates else None


def _value_in(key: str, unit: str, interval: Interval, rng: random.Random, *, normal: bool) -> float | None:
    measure = MEASURES[key]
    spec = next(u for u in measure.units if u.unit == unit)
    window = Interval(spec.normal_low, spec.normal_high) if normal else Interval(spec.low, spec.high)
    target = interval.intersect(window)
    if target.low is None or target.high is None or target.low > target.high:
        return None
    scale = 10**measure.decimals
    for _ in range(50):
        value = round(rng.uniform(target.low, target.high), measure.decimals)
        if target.contains(value):
            return value
    steps = range(math.ceil(target.low * scale), math.floor(target.high * scale) + 1)
    values = [s / scale for s in steps if target.contains(s / scale)]
    return rng.choice(values) if values else None


def eligible_facts(criteria: Sequence[Criterion], rng: random.Random) -> PatientFacts | None:
    """Facts that meet every criterion, or None when no stated age or value can (counted by the caller)."""
    age_range = Interval()
    sex: str | None = None
    ranges: dict[tuple[str, str], Interval] = {}
    present: dict[str, tuple[str, str]] = {}
    for criterion in criteria:
        for atom in criterion.atoms:
            if atom.fact == "age" and atom.interval is not None:
                age_range = age_range.intersect(atom.interval)
            elif atom.fact == "sex":
                sex = atom.value
            elif atom.fact == "measure" and atom.interval is not None and atom.value is not None:
                key = (atom.key, atom.value)
                ranges[key] = ranges.get(key, Interval()).intersect(atom.interval)
            elif atom.fact == "concept" and atom.present:
                present[atom.key] = (atom.name, atom.value or "condition")
    age = _integer_in(age_range.intersect(ADULT), rng)
    if age is None:
        age = _integer_in(age_range.intersect(ANY_AGE), rng)
    if age is None:
        return None
    measures: dict[str, tuple[float, str]] = {}
    for (key, unit), interval in sorted(ranges.items()):
        value = _value_in(key, unit, interval, rng, normal=True)
        if value is None:
            value = _value_in(key, unit, interval, rng, normal=False)
        if value is None:
            return None
        measures[key] = (value, unit)
    return PatientFacts(age, sex or rng.choice(("female", "male")), measures, present)


def _outside(interval: Interval, candidates: Interval) -> list[Interval]:
    """The parts of ``candidates`` outside a range, one per side."""
    parts = []
    if interval.low is not None:
        parts.append(candidates.intersect(Interval(high=interval.low, high_inclusive=not interval.low_inclusive)))
    if interval.high is not None:
        parts.append(candidates.intersect(Interval(low=interval.high, low_inclusive=not interval.high_inclusive)))
    return [p for p in parts if p.low is None or p.high is None or p.low <= p.high]


def _break_atom(atom: Atom, facts: PatientFacts, rng: random.Random) -> PatientFacts | None:
    """The facts changed so that ``atom`` fails, or None when no plausible value does."""
    if atom.fact == "sex":
        return replace(facts, sex="male" if atom.value == "female" else "female")
    if atom.fact == "concept":
        present, denied = dict(facts.present), dict(facts.denied)
        entry = (atom.name, atom.value or "condition")
        if atom.present:
            present.pop(atom.key, None)
            denied[atom.key] = entry
        else:
            denied.pop(atom.key, None)
            present[atom.key] = entry
        return replace(facts, present=present, denied=denied)
    if atom.interval is None:
        return None
    sides = _outside(atom.interval, ADULT if atom.fact == "age" else Interval())
    rng.shuffle(sides)
    for side in sides:
        if atom.fact == "age":
            age = _integer_in(side, rng) if side.low is not None and side.high is not None else None
            if age is None:
                age = _integer_in(side.intersect(ANY_AGE), rng)
            if age is not None:
                return replace(facts, age=age)
        elif atom.value is not None:
            value = _value_in(atom.key, atom.value, side, rng, normal=False)
            if value is not None:
                return replace(facts, measures={**facts.measures, atom.key: (value, atom.value)})
    return None


def _break(criterion: Criterion, facts: PatientFacts, rng: random.Random) -> PatientFacts | None:
    for atom in criterion.atoms:
        broken = _break_atom(atom, facts, rng)
        if broken is None:
            return None
        facts = broken
    return facts


def build_patient(
    patient_id: str, trial_id: str, kind: PatientKind, criteria: Sequence[Criterion], rng: random.Random
) -> SyntheticPatient | str:
    """One patient of ``kind`` for a trial's structured criteria, or the reason none could be built.

    A near-miss breaks one criterion chosen at random among those whose breaking leaves all others met; a clearly
    ineligible patient lacks the studied condition when the trial has one, else breaks two criteria.
    """
    base = eligible_facts(criteria, rng)
    if base is None:
        return "no facts meet every criterion"
    if kind == "eligible":
        reason = label_holds(kind, criteria, (), base)
        return reason or SyntheticPatient(patient_id, trial_id, kind, base)
    if kind == "near_miss":
        order = [c for c in criteria if not c.primary]
        rng.shuffle(order)
        for target in order:
            broken = _break(target, base, rng)
            if broken is not None and label_holds(kind, criteria, (target,), broken) is None:
                return SyntheticPatient(patient_id, trial_id, kind, broken, (target,))
        return "no criterion can be broken alone"
    primary = [c for c in criteria if c.primary]
    others = [c for c in criteria if not c.primary]
    rng.shuffle(others)
    chosen = [*primary[:1], *others[: 1 if primary else 2]]
    facts: PatientFacts | None = base
    for target in chosen:
        facts = _break(target, facts, rng) if facts is not None else None
    if facts is None or (len(chosen) < 2 and not primary):
        return "too few criteria to break"
    violated = tuple(c for c in chosen if criterion_status(c, facts) == "violated")
    reason = label_holds(kind, criteria, violated, facts)
    return reason or SyntheticPatient(patient_id, trial_id, kind, facts, violated)
