"""The check step: read a note back with the entity linker and value extraction, and test its label on what it says.

A note passes only when the facts *read from its text* give the label it was built with: an eligible note must
state every value a criterion needs and nothing a criterion forbids; a near-miss must state the broken fact and
meet everything else; a clearly ineligible note must state each violation it claims. The facts the patient was
built from are never consulted here, so a renderer that drops, changes or invents a fact is caught.
"""

from __future__ import annotations

from collections.abc import Sequence

from trialgraph.models.synth.criteria import CONCEPT_KINDS, Criterion, MentionFinder
from trialgraph.models.synth.measures import find_measure_values, is_negated, read_age, read_sex
from trialgraph.models.synth.patients import PatientFacts, SyntheticPatient, label_holds

__all__ = ["read_back", "verify_note"]


def read_back(note: str, find_mentions: MentionFinder) -> PatientFacts:
    """The facts a note states: age, sex, lab values with units, and linked concepts, asserted or denied."""
    present: dict[str, tuple[str, str]] = {}
    denied: dict[str, tuple[str, str]] = {}
    for mention in find_mentions(note):
        kind = next((CONCEPT_KINDS[t] for t in mention.types if t in CONCEPT_KINDS), None)
        if kind is None:
            continue
        target = denied if is_negated(note, mention.start) else present
        target.setdefault(mention.curie, (mention.name, kind))
    for curie in set(present) & set(denied):  # said both ways: the note does not assert it
        present.pop(curie)
    return PatientFacts(read_age(note), read_sex(note), find_measure_values(note), present, denied)


def verify_note(
    patient: SyntheticPatient, note: str, criteria: Sequence[Criterion], find_mentions: MentionFinder
) -> str | None:
    """None when the note says what the patient's label claims, else the reason it is dropped."""
    facts = read_back(note, find_mentions)
    reason = label_holds(patient.kind, criteria, patient.violated, facts)
    if reason is None and patient.kind != "eligible" and patient.facts.age is not None and facts.age is None:
        return "age not stated"
    return reason
