"""Patient → trial eligibility (TrialGPT's task), on synthetic notes and on real TREC CT patients, one item form.

An item shows a patient's description and a trial's eligibility criteria as the graph holds them, and asks whether
the patient may enter: A (eligible) or B (not eligible). Two tasks share that form, so a model trained on one is
read on the other (issue 23's use (b): does training on synthetic patients help on real ones?):

* ``patient_eligibility``: the notes ``trialgraph synth patients`` writes, labelled by construction (an eligible
  note meets every checked criterion; a near-miss breaks exactly one, named in the item's metadata: the
  criterion-level label; a clearly ineligible note breaks several). A near-miss whose broken criterion is not
  among the criteria shown is left out: its answer could not be read from the item.
* ``trec_eligibility``: the TREC Clinical Trials 2021 and 2022 patient summaries (TrialGPT's cohorts, the shared
  half) with the assessors' judgement of a trial the graph holds: 2 (eligible) → A, 1 (excluded) → B. A 0 means
  "not relevant", not an eligibility judgement, and is left out; so is SIGIR 2016, whose grades say how likely a
  clinician would refer the patient, not whether the patient is excluded. An evaluation set: the split is by
  trial, so one patient's summary can sit on several sides (metadata ``patient`` groups them).
  "Eligible" here is the assessors' judgement; in ``patient_eligibility`` it means every criterion ``synth
  patients`` could check is met (criteria it could not parse stay unchecked: ``criteria_free_text`` in the note).

Criterion level (TrialGPT reads each criterion): ``criterion_violated`` asks, for a synthetic near-miss, which of
four of its trial's criteria rules the patient out; the other three are criteria the patient's facts meet, as the
note records them (``criteria_met``), so exactly one option is right by construction.

Criteria are shown whole, never cut: an item whose trial block (title, conditions, limits and criteria) passes
:data:`MAX_CRITERIA_CHARS` is left out and counted (a cut could drop the one line that decides). Options are in a
fixed order (A eligible, B not), so the majority letter is the majority class. The side is the trial's in the
graph's date split, the same for both tasks, so a model trained on one task's training items never saw a test trial
of the other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trialgraph.models.tasks.items import BuildResult, TaskItem, seeded_key

if TYPE_CHECKING:
    from trialgraph.models.retrieval.evaluate import Cohort
    from trialgraph.models.tasks.facts import TrialFacts
    from trialgraph.models.tasks.splits import Split

__all__ = [
    "CRITERION_TASK",
    "GENERATOR",
    "GENERATOR_VERSION",
    "MAX_CRITERIA_CHARS",
    "OPTIONS",
    "SYNTHETIC_TASK",
    "TREC_TASK",
    "build_criterion_violated",
    "build_patient_eligibility",
    "build_trec_eligibility",
    "criteria_block",
]

SYNTHETIC_TASK = "patient_eligibility"
TREC_TASK = "trec_eligibility"
GENERATOR = "trialgraph-eligibility"
GENERATOR_VERSION = "1"
MAX_CRITERIA_CHARS = 4000
QUESTION = "Can this patient enter this trial?"
LIMITS = "Limits: "
OPTIONS = {
    "A": "eligible: meets every inclusion criterion and no exclusion criterion",
    "B": "not eligible: fails an inclusion criterion or meets an exclusion criterion",
}
ELIGIBLE, NOT_ELIGIBLE = "A", "B"
NOTE_ANSWER = {"eligible": ELIGIBLE, "near_miss": NOT_ELIGIBLE, "ineligible": NOT_ELIGIBLE}
TREC_ANSWER = {2: ELIGIBLE, 1: NOT_ELIGIBLE}  # TREC CT grades: 0 not relevant, 1 excluded, 2 eligible
# The cohorts whose grades are eligibility judgements. SIGIR 2016's are not: 1 is "would consider referring upon
# further investigation", 2 "highly likely to refer" (Koopman & Zuccon), so its 1 is no exclusion.
ELIGIBILITY_GRADED = frozenset({"trec_2021", "trec_2022"})


def _normalized(text: str) -> str:
    return " ".join(text.casefold().split())


FIELD_NAMES = ("minimum age", "maximum age", "sex")  # the registry fields an item shows as limits


def _limits(trial: TrialFacts) -> list[str]:
    values = (trial.min_age, trial.max_age, trial.sex)
    return [f"{name}: {value}" for name, value in zip(FIELD_NAMES, values, strict=True) if value]


def _title(trial: TrialFacts) -> str:
    return " ".join((trial.official_title or trial.title or trial.trial_id).split())


def criteria_block(trial: TrialFacts) -> str | None:
    """The trial's title, conditions, stated age and sex limits and its criteria, whole; ``None`` when there are no
    criteria. The limits are shown because registries state them apart from the criteria text. Criteria the graph
    holds only as the registry's text (no inclusion or exclusion items split from it) are shown as that text."""
    text_lines = [" ".join(line.split()) for line in (trial.eligibility_text or "").splitlines()]
    text_lines = [line for line in text_lines if line]
    if not trial.inclusion and not trial.exclusion and not text_lines:
        return None
    limits = _limits(trial)
    lines = [f"Trial: {_title(trial)}"]
    if trial.conditions:  # what the trial studies: an ineligible patient may lack it
        lines.append("Conditions: " + "; ".join(" ".join(c.split()) for c in trial.conditions))
    if limits:
        lines.append(LIMITS + "; ".join(limits))
    for heading, criteria in (("Inclusion criteria", trial.inclusion), ("Exclusion criteria", trial.exclusion)):
        if criteria:
            lines.append(f"{heading}:")
            lines.extend(f"- {' '.join(c.split())}" for c in criteria)
    if not trial.inclusion and not trial.exclusion:
        lines += ["Eligibility criteria, as registered:", *text_lines]
    return "\n".join(lines)


def _question(patient: str, block: str) -> str:
    return f"Patient:\n{patient.strip()}\n\n{block}\n\n{QUESTION}"


@dataclass(frozen=True, slots=True)
class _Shown:
    trial: TrialFacts
    side: str
    block: str


def _shown(trial: TrialFacts | None, split: Split) -> _Shown | str:
    """The trial's criteria as an item shows them, or why it cannot be asked about (a counter key)."""
    if trial is None:
        return "trial not in the graph"
    side = split.of(trial.trial_id)
    if side is None:
        return "trial undated (no side in the date split)"
    block = criteria_block(trial)
    if block is None:
        return "trial has no criteria in the graph"
    if len(block) > MAX_CRITERIA_CHARS:
        return f"trial's criteria block longer than {MAX_CRITERIA_CHARS} characters (never cut)"
    return _Shown(trial, side, block)


def _is_shown(criterion: object, trial: TrialFacts) -> bool:
    """Whether a near-miss's broken criterion can be read from the item, compared whole (spacing and case aside):
    a split criterion is one of the trial's items; with the registry's text only, it is a passage of that text; a
    registry field as ``synth patients`` names it (``sex FEMALE``, ``minimum age 8 Years / maximum age 18 Years``)
    is, part by part, one of the limits shown."""
    if not isinstance(criterion, Mapping) or not isinstance(criterion.get("text"), str):
        return False
    text = _normalized(criterion["text"])
    if not text:
        return False
    if criterion.get("kind") == "field":
        shown = {_normalized(limit) for limit in _limits(trial)}
        parts = [p.strip() for p in text.split(" / ")]
        return all(
            any(p.startswith(f"{name} ") and f"{name}: {p[len(name) + 1 :]}" in shown for name in FIELD_NAMES)
            for p in parts
        )
    if trial.inclusion or trial.exclusion:
        return text in {_normalized(c) for c in (*trial.inclusion, *trial.exclusion)}
    return text in _normalized(trial.eligibility_text or "")


def _record(item_id: str, question: str, answer: str, metadata: dict[str, object]) -> dict[str, object]:
    return {
        "id": item_id,
        "question": question,
        "options": dict(OPTIONS),
        "answer": answer,
        "metadata": metadata | {"generator": GENERATOR, "generator_version": GENERATOR_VERSION},
    }


NO_NOTES = "no synthetic patient notes given (trialgraph synth patients, then --patients FILE)"


def _usable_notes(
    notes: Sequence[Mapping[str, object]], kinds: Collection[str], other_kind: str, result: BuildResult
) -> Iterator[tuple[str, Mapping[str, object]]]:
    """The notes with an id, a trial and text, of one of ``kinds``, each id once; every other note is counted in
    ``result`` with its reason (``other_kind`` for a note of another kind)."""
    seen: set[str] = set()
    for note in notes:
        if not all(isinstance(note.get(k), str) and str(note[k]).strip() for k in ("id", "trial_id", "note")):
            result.skipped["no id, trial or text"] += 1
            continue
        note_id, kind = str(note["id"]), note.get("kind")
        if not isinstance(kind, str) or kind not in kinds:
            result.skipped[other_kind] += 1
            continue
        if note_id in seen:
            result.skipped["duplicate note id"] += 1
            continue
        seen.add(note_id)
        yield note_id, note


def _note_metadata(note_id: str, note: Mapping[str, object], seed: int) -> dict[str, object]:
    """What every item made from a note records: the note, who wrote it, and that it is synthetic."""
    given = note.get("provenance")
    provenance: Mapping[str, object] = given if isinstance(given, Mapping) else {}
    return {
        "note_id": note_id,
        "note_generator": provenance.get("generator"),
        "note_generator_version": provenance.get("generator_version"),
        "seed": seed,
        "synthetic": True,
    }


def build_patient_eligibility(
    notes: Sequence[Mapping[str, object]] | None, trials: Sequence[TrialFacts], split: Split, seed: int = 0
) -> BuildResult:
    """One item per synthetic note; every note left out is counted with its reason."""
    result = BuildResult()
    if notes is None:
        result.skipped[NO_NOTES] += 1
        return result
    by_id = {t.trial_id: t for t in trials}
    for note_id, note in _usable_notes(notes, NOTE_ANSWER, "unknown kind", result):
        kind = str(note["kind"])
        shown = _shown(by_id.get(str(note["trial_id"])), split)
        if isinstance(shown, str):
            result.skipped[shown] += 1
            continue
        violated = note.get("violated_criterion")
        if kind == "near_miss" and not _is_shown(violated, shown.trial):
            result.skipped["near-miss whose broken criterion is not among the criteria shown"] += 1
            continue
        item_id = f"{SYNTHETIC_TASK}:{note_id}"
        record = _record(
            item_id,
            _question(str(note["note"]), shown.block),
            NOTE_ANSWER[kind],
            {
                "trial_id": shown.trial.trial_id,
                "note_kind": kind,
                # criterion-level label: the one criterion a near-miss breaks (None for the other kinds)
                "violated_criterion": dict(violated) if kind == "near_miss" and isinstance(violated, Mapping) else None,
            }
            | _note_metadata(note_id, note, seed),
        )
        result.items.append(
            TaskItem(item_id, SYNTHETIC_TASK, shown.trial.trial_id, shown.side, record, NOTE_ANSWER[kind], "", item_id)
        )
    return result


def _query_key(cohort: str, query_id: str) -> str:
    return hashlib.sha256(f"{cohort}\x1f{query_id}".encode()).hexdigest()[:12]


def build_trec_eligibility(
    cohorts: Sequence[Cohort] | None, trials: Sequence[TrialFacts], split: Split, seed: int = 0
) -> BuildResult:
    """One item per judged (patient, trial) pair graded eligible or excluded whose trial the graph holds."""
    result = BuildResult()
    if cohorts is None:
        result.skipped["TREC CT cohorts not found (set TRIALGRAPH_SHARED_DATA)"] += 1
        return result
    by_nct: dict[str, TrialFacts] = {}
    for trial in trials:
        for key in (trial.nct_id, trial.trial_id, *trial.record_ids):
            if key:
                by_nct.setdefault(key, trial)
    for cohort in cohorts:
        if cohort.name not in ELIGIBILITY_GRADED:
            pairs = sum(len(grades) for grades in cohort.qrels.values())
            result.skipped[f"{cohort.name}: its grades are not eligibility judgements"] += pairs
            continue
        for query_id, grades in sorted(cohort.qrels.items()):
            patient = cohort.queries.get(query_id)
            for nct_id, grade in sorted(grades.items()):
                if grade not in TREC_ANSWER:
                    result.skipped["judged not relevant (grade 0: no eligibility judgement)"] += 1
                    continue
                if not patient or not patient.strip():
                    result.skipped["judged query has no patient text"] += 1
                    continue
                shown = _shown(by_nct.get(nct_id), split)
                if isinstance(shown, str):
                    result.skipped[shown] += 1
                    continue
                item_id = f"{TREC_TASK}:{cohort.name}:{query_id}:{nct_id}"
                record = _record(
                    item_id,
                    _question(patient, shown.block),
                    TREC_ANSWER[grade],
                    {
                        "trial_id": shown.trial.trial_id,
                        "nct_id": nct_id,
                        "cohort": cohort.name,
                        "query_id": query_id,
                        "patient": _query_key(cohort.name, query_id),  # items of one patient are not independent
                        "grade": grade,
                        "seed": seed,
                        "synthetic": False,
                    },
                )
                result.items.append(
                    TaskItem(
                        item_id, TREC_TASK, shown.trial.trial_id, shown.side, record, TREC_ANSWER[grade], "", item_id
                    )
                )
    return result


# --- criterion level: which criterion rules a near-miss out --------------------------------------------------------

CRITERION_TASK = "criterion_violated"
CRITERION_QUESTION = (
    "Which one of these criteria of the trial rules this patient out (an inclusion criterion or registry limit the "
    "patient does not meet, or an exclusion criterion the patient meets)?"
)
CRITERION_LETTERS = "ABCD"
CRITERION_KIND_NAMES = {"inclusion": "Inclusion", "exclusion": "Exclusion", "field": "Registry limit"}


def _is_option(criterion: object) -> bool:
    """A registered criterion with text: the studied condition ``synth patients`` also checks (kind ``condition``)
    is no registered criterion, and a near-miss never breaks it, so as a distractor it would always be wrong."""
    return (
        isinstance(criterion, Mapping)
        and criterion.get("kind") in CRITERION_KIND_NAMES
        and isinstance(criterion.get("text"), str)
        and bool(criterion["text"].strip())
    )


def _criterion_option(criterion: Mapping[str, object]) -> str:
    return f"{CRITERION_KIND_NAMES[str(criterion['kind'])]}: {' '.join(str(criterion['text']).split())}"


def build_criterion_violated(
    notes: Sequence[Mapping[str, object]] | None, trials: Sequence[TrialFacts], split: Split, seed: int = 0
) -> BuildResult:
    """One item per near-miss note: its broken criterion among three the patient meets (the note's
    ``criteria_met``, checked against its facts when it was made), in a seeded order. Right by construction: a
    near-miss meets every checked criterion but the one it breaks."""
    result = BuildResult()
    if notes is None:
        result.skipped[NO_NOTES] += 1
        return result
    by_id = {t.trial_id: t for t in trials}
    other = "not a near-miss (breaks no criterion, or several)"
    for note_id, note in _usable_notes(notes, ("near_miss",), other, result):
        trial = by_id.get(str(note["trial_id"]))
        side = split.of(trial.trial_id) if trial is not None else None
        if side is None:
            result.skipped["trial not in the graph, or undated"] += 1
            continue
        violated, met = note.get("violated_criterion"), note.get("criteria_met")
        if not _is_option(violated):
            result.skipped["no broken criterion named"] += 1
            continue
        if not isinstance(met, list):
            result.skipped["note has no criterion-level statuses (written before they were recorded)"] += 1
            continue
        answer = _criterion_option(violated)
        candidates = sorted(
            {_criterion_option(c) for c in met if _is_option(c)} - {answer},
            key=lambda option: seeded_key(seed, CRITERION_TASK, note_id, option),
        )
        if len(candidates) < len(CRITERION_LETTERS) - 1:
            result.skipped["fewer than three other criteria the patient meets"] += 1
            continue
        texts = [answer, *candidates[: len(CRITERION_LETTERS) - 1]]
        order = sorted(range(len(texts)), key=lambda i: seeded_key(seed, CRITERION_TASK, "order", note_id, str(i)))
        letter = CRITERION_LETTERS[order.index(0)]
        item_id = f"{CRITERION_TASK}:{note_id}"
        record = {
            "id": item_id,
            "question": f"Patient:\n{str(note['note']).strip()}\n\nTrial: {_title(trial)}\n\n{CRITERION_QUESTION}",
            "options": {CRITERION_LETTERS[i]: texts[j] for i, j in enumerate(order)},
            "answer": letter,
            "metadata": {"trial_id": trial.trial_id, "violated_criterion": dict(violated)}
            | _note_metadata(note_id, note, seed)
            | {"generator": GENERATOR, "generator_version": GENERATOR_VERSION},
        }
        result.items.append(TaskItem(item_id, CRITERION_TASK, trial.trial_id, side, record, letter, "", item_id))
    return result
