"""Diagnostic analysis (ClinicalGPT's dimension): a synthetic patient note, its diagnoses withheld → the condition.

Built from the notes ``trialgraph synth patients`` writes, never from a registry's text. A note was made for a
patient who has its trial's studied condition (eligible, or a near-miss whose broken criterion is another one),
and the check step read that condition back from the note, so the answer is right by construction. The question
is the note with every condition it states as present withheld (each by its name and every synonym the graph's
vocabulary lists), so what is left to diagnose from is what a clinician would read: age, sex, medications, labs
and scores, conditions denied. A note with no medication (other than a generic one such as "Pharmaceutical
Preparations"), lab or score says nothing to diagnose from and is not asked.

Distractors are the studied conditions of other trials' notes on the same side of the split that are not
stated in this note (present or denied), share no content word with the answer's names (no "Diabetes Mellitus,
Type 1" beside "Type 2": two right answers), are not among the MeSH terms (ancestors included) NLM indexed the
item's trial with, nor have the answer among their own trials' terms (no parent or child of the answer), and
whose own notes share no medication, lab or score with this note, so the clues point at one option. One item per
trial (its note with the most clues), so items are independent trials; the split is the trial's.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from trialgraph.models.linking.generic import generic_concepts
from trialgraph.models.tasks.items import BuildResult, TaskItem, seeded_key
from trialgraph.models.tasks.splits import Split

__all__ = ["GENERATOR", "GENERATOR_VERSION", "TASK", "WITHHELD", "DiagnosisInputs", "build_diagnosis", "withhold"]

TASK = "diagnosis_from_note"
GENERATOR = "trialgraph-diagnosis"
GENERATOR_VERSION = "1"
WITHHELD = "[diagnosis withheld]"
LETTERS = "ABCD"
OPTIONS = 4
QUESTION = "Which condition does this patient have?"
DIAGNOSABLE_KINDS = ("eligible", "near_miss")  # a clearly ineligible patient may lack the studied condition
MIN_CONTENT_WORD = 4
_STOP = frozenset({"with", "without", "other", "type", "disease", "disorder", "disorders", "syndrome", "chronic"})


def _content_words(text: str) -> set[str]:
    """Words that make two condition names kin: 4+ letters, generic words ("disease", "type") aside."""
    words = re.findall(r"[a-z0-9]+", text.casefold())
    return {w for w in words if len(w) >= MIN_CONTENT_WORD and w not in _STOP}


def _words_of_names(name: str, others: Sequence[str]) -> set[str]:
    return set().union(*(_content_words(n) for n in (name, *others)))


def withhold(text: str, names: Iterable[str]) -> str:
    """``text`` with every whole-word occurrence of ``names`` (case ignored, longest first) replaced by
    :data:`WITHHELD`."""
    ordered = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not ordered:
        return text
    pattern = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(n) for n in ordered) + r")(?![\w])", re.IGNORECASE)
    return pattern.sub(WITHHELD, text)


@dataclass(frozen=True, slots=True)
class DiagnosisInputs:
    """What the task is built from: the notes file's rows, and from the graph every other name of a condition
    CURIE (withheld too) and each trial's condition terms with their ancestors (what makes two conditions kin)."""

    notes: Sequence[Mapping[str, Any]]
    names: Mapping[str, Sequence[str]] = field(default_factory=dict)
    trial_conditions: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Usable:
    note: Mapping[str, Any]
    side: str
    answer_curie: str
    answer_name: str
    question_note: str
    clues: frozenset[str]


def _concepts(facts: Mapping[str, Any], field: str, kind: str | None = None) -> dict[str, str]:
    return {
        c["curie"]: c.get("name") or c["curie"]
        for c in facts.get(field) or ()
        if isinstance(c, Mapping) and c.get("curie") and (kind is None or c.get("kind") == kind)
    }


def _clues(facts: Mapping[str, Any]) -> frozenset[str]:
    """What a note offers to diagnose from: its medications and its labs and scores (by key). A generic drug
    concept ("Pharmaceutical Preparations", the linker's stop list) says a drug is taken, not which: no clue."""
    generic = generic_concepts()
    medications = {c for c in _concepts(facts, "present", "medication") if c not in generic}
    measures = {f"measure:{m['key']}" for m in facts.get("measures") or () if isinstance(m, Mapping) and m.get("key")}
    return frozenset(set(medications) | measures)


def _usable(note: Mapping[str, Any], split: Split, names: Mapping[str, Sequence[str]]) -> _Usable | str:
    """The note as a question, or why it cannot be one (a counter key)."""
    if not all(isinstance(note.get(k), str) and note[k].strip() for k in ("id", "trial_id", "note")):
        return "no id, trial or text"
    side = split.of(note["trial_id"])
    if side is None:
        return "trial not in the graph, or undated"
    if note.get("kind") not in DIAGNOSABLE_KINDS:
        return "clearly ineligible (may lack the studied condition)"
    studied = note.get("condition_studied")
    if not isinstance(studied, Mapping) or not studied.get("curie"):
        return "no studied condition recorded"
    facts = note.get("facts") if isinstance(note.get("facts"), Mapping) else {}
    present = _concepts(facts, "present", "condition")
    curie = studied["curie"]
    if curie not in present:
        return "studied condition not stated in the note"
    clues = _clues(facts)
    if not clues:
        return "nothing to diagnose from once the diagnoses are withheld"
    withheld = [studied.get("name") or "", *(n for c, name in present.items() for n in (name, *names.get(c, ())))]
    return _Usable(note, side, curie, present[curie], withhold(note["note"], withheld), clues)


def build_diagnosis(inputs: DiagnosisInputs | None, split: Split, seed: int = 0) -> BuildResult:
    """One multiple-choice item per trial with a diagnosable note; every note left out is counted by reason."""
    result = BuildResult()
    if inputs is None:
        result.skipped["no synthetic patient notes given (trialgraph synth patients, then --patients FILE)"] += 1
        return result
    names, trial_conditions = inputs.names, inputs.trial_conditions
    best: dict[str, _Usable] = {}
    # per side: each studied condition, its name, and every clue any of its notes offers
    clues_of: dict[str, defaultdict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    kin_of: dict[str, defaultdict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    name_of: dict[str, dict[str, str]] = defaultdict(dict)
    for note in inputs.notes:
        usable = _usable(note, split, names)
        if isinstance(usable, str):
            result.skipped[usable] += 1
            continue
        clues_of[usable.side][usable.answer_curie] |= usable.clues
        kin_of[usable.side][usable.answer_curie] |= trial_conditions.get(usable.note["trial_id"], frozenset())
        name_of[usable.side].setdefault(usable.answer_curie, usable.answer_name)
        trial_id = usable.note["trial_id"]
        current = best.get(trial_id)
        key = (-len(usable.clues), usable.note["id"])
        if current is None or key < (-len(current.clues), current.note["id"]):
            if current is not None:
                result.skipped["another note of the same trial asked"] += 1
            best[trial_id] = usable
        else:
            result.skipped["another note of the same trial asked"] += 1

    for trial_id in sorted(best):
        usable = best[trial_id]
        facts = usable.note.get("facts") or {}
        stated = set(_concepts(facts, "present")) | set(_concepts(facts, "denied"))
        stated |= trial_conditions.get(trial_id, frozenset())  # the trial's own terms and their ancestors
        answer_words = _words_of_names(usable.answer_name, names.get(usable.answer_curie, ()))
        candidates = []
        for curie, name in name_of[usable.side].items():
            if curie == usable.answer_curie or curie in stated or clues_of[usable.side][curie] & usable.clues:
                continue
            if usable.answer_curie in kin_of[usable.side][curie]:  # the answer is an ancestor of this condition
                continue
            if answer_words & _words_of_names(name, names.get(curie, ())):
                continue
            candidates.append((seeded_key(seed, TASK, usable.note["id"], curie), curie, name))
        candidates.sort()
        chosen: list[tuple[str, str]] = []
        for _rank_key, curie, name in candidates:
            if name.casefold() not in {n.casefold() for _, n in chosen} | {usable.answer_name.casefold()}:
                chosen.append((curie, name))
            if len(chosen) == OPTIONS - 1:
                break
        if len(chosen) < OPTIONS - 1:
            result.skipped["too few distractors"] += 1
            continue
        texts = [usable.answer_name] + [name for _, name in chosen]
        order = list(range(OPTIONS))
        random.Random(seeded_key(seed, TASK, "order", usable.note["id"])).shuffle(order)
        letter = LETTERS[order.index(0)]
        note = usable.note
        provenance = note.get("provenance") if isinstance(note.get("provenance"), Mapping) else {}
        record = {
            "id": f"{TASK}:{note['id']}",
            "question": f"A screening note, its diagnoses withheld:\n{usable.question_note}\n\n{QUESTION}",
            "options": {LETTERS[i]: texts[j] for i, j in enumerate(order)},
            "answer": letter,
            "metadata": {
                "trial_id": trial_id,
                "note_id": note["id"],
                "note_kind": note["kind"],
                "answer_curie": usable.answer_curie,
                "distractor_curies": [curie for curie, _ in chosen],
                "note_generator": provenance.get("generator"),
                "note_generator_version": provenance.get("generator_version"),
                "generator": GENERATOR,
                "generator_version": GENERATOR_VERSION,
                "seed": seed,
                "synthetic": True,
            },
        }
        result.items.append(
            TaskItem(record["id"], TASK, trial_id, usable.side, record, letter, usable.question_note, record["id"])
        )
    return result
