"""One batch of synthetic patients: parse each trial's criteria, build patients, render, verify, count.

Pure apart from the renderer it is given. Every trial, patient and note ends in exactly one place: a kept note,
or a counter with its reason (a trial without parseable criteria, a kind that cannot be built, a generation that
failed, a note that failed the check), so ``generated == passed + sum(dropped)`` always.

Planning (parsing and building patients) is pure and seeded, so it is simply done again on a rerun; rendering is
the slow part, so :func:`synthesize_patients_resumable` journals each checked note as it is made and a rerun
renders only what is left.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from trialgraph.models.synth.criteria import MentionFinder, ParsedTrial, TrialInput, parse_trial
from trialgraph.models.synth.io import Journal, digest, fill_journal, journal_path_for, write_rows_and_report
from trialgraph.models.synth.patients import KINDS, PatientKind, SyntheticPatient, build_patient, criterion_status
from trialgraph.models.synth.render import Renderer
from trialgraph.models.synth.verify import verify_note

__all__ = [
    "PatientPlan",
    "SynthBatch",
    "patients_fingerprint",
    "plan_patients",
    "synthesize_patients",
    "synthesize_patients_resumable",
    "write_batch",
]


def _software_version() -> str:
    try:
        return metadata.version("trialgraph")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass
class SynthBatch:
    notes: list[dict[str, Any]] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)


def _note_record(
    patient: SyntheticPatient, parsed: ParsedTrial, text: str, renderer: Renderer, seed: int, created: str
) -> dict[str, Any]:
    violated = None
    if patient.violated:
        first = patient.violated[0]
        violated = {"text": first.text, "kind": first.kind, "index": first.index}
    studied = next((a for c in parsed.criteria if c.primary for a in c.atoms if a.fact == "concept"), None)
    return {
        "id": patient.id,
        "trial_id": patient.trial_id,
        "record_id": parsed.trial.record_id,
        "kind": patient.kind,
        "violated_criterion": violated,
        "violated_criteria": [{"text": c.text, "kind": c.kind, "index": c.index} for c in patient.violated],
        # the trial's studied condition (None for healthy volunteers): what a diagnosis item asks for
        "condition_studied": {"curie": studied.key, "name": studied.name} if studied else None,
        "note": text,
        "facts": patient.facts.as_dict(),
        "criteria_checked": len(parsed.criteria),
        # criterion-level labels: the checked criteria the patient's facts meet (the rest are violated or unknown)
        "criteria_met": [
            {"text": c.text, "kind": c.kind, "index": c.index}
            for c in parsed.criteria
            if criterion_status(c, patient.facts) == "met"
        ],
        "criteria_free_text": len(parsed.free_text),
        "synthetic": True,
        "provenance": {
            "generator": renderer.name,
            "generator_version": renderer.version,
            "renderer": "template" if renderer.name == "template" else "language_model",
            "seed": seed,
            "software_version": _software_version(),
            "created": created,
        },
    }


@dataclass
class PatientPlan:
    """Every patient a batch will render, with the counts of what was never built (trials, kinds) and why."""

    trials_read: int = 0
    planned: list[tuple[SyntheticPatient, ParsedTrial]] = field(default_factory=list)
    skipped_trials: Counter[str] = field(default_factory=Counter)
    not_built: Counter[str] = field(default_factory=Counter)
    structured: int = 0
    free: int = 0


def plan_patients(
    trials: Sequence[TrialInput],
    find_mentions: MentionFinder,
    *,
    per_kind: int = 3,
    kinds: Sequence[PatientKind] = KINDS,
    seed: int = 0,
) -> PatientPlan:
    """Parse each trial's criteria and build its patients (seeded per trial, kind and number: the same plan on a
    rerun, which is what lets a journal's item numbers name the same patients)."""
    plan = PatientPlan(trials_read=len(trials))
    for trial in trials:
        parsed = parse_trial(trial, find_mentions)
        if parsed.problem:
            plan.skipped_trials[parsed.problem] += 1
            continue
        plan.structured += len(parsed.criteria)
        plan.free += len(parsed.free_text)
        for kind in kinds:
            for i in range(per_kind):
                rng = random.Random(f"{seed}:{trial.trial_id}:{kind}:{i}")
                built = build_patient(
                    f"synth-{trial.trial_id}-{kind}-{i}-s{seed}", trial.trial_id, kind, parsed.criteria, rng
                )
                if isinstance(built, str):
                    plan.not_built[f"{kind}: {built}"] += 1
                else:
                    plan.planned.append((built, parsed))
    return plan


def _check(
    plan: PatientPlan,
    positions: range,
    find_mentions: MentionFinder,
    renderer: Renderer,
    seed: int,
    created: str,
) -> list[dict[str, Any]]:
    """Render the planned patients at ``positions`` in one call and check each note: one entry per patient, the
    kept note or the reason it was dropped."""
    chosen = plan.planned[positions.start : positions.stop]
    rendered = renderer.render([p for p, _ in chosen])
    entries = []
    for index, (patient, parsed), note in zip(positions, chosen, rendered, strict=True):
        reason = note.error or verify_note(patient, note.text, parsed.criteria, find_mentions)
        if reason:
            entries.append({"index": index, "kind": patient.kind, "dropped": reason})
        else:
            record = _note_record(patient, parsed, note.text, renderer, seed, created)
            entries.append({"index": index, "kind": patient.kind, "note": record})
    return entries


def _batch(
    plan: PatientPlan,
    entries: Sequence[dict[str, Any]],
    renderer: Renderer,
    *,
    per_kind: int,
    kinds: Sequence[PatientKind],
    seed: int,
    created: str,
) -> SynthBatch:
    """The kept notes and the report, from the plan and one entry per planned patient in index order."""
    dropped: Counter[str] = Counter()
    per_kind_counts = {k: Counter() for k in kinds}
    notes = []
    for entry in entries:
        per_kind_counts[entry["kind"]]["generated"] += 1
        if "dropped" in entry:
            dropped[entry["dropped"]] += 1
            continue
        per_kind_counts[entry["kind"]]["passed"] += 1
        notes.append(entry["note"])
    generated = len(entries)
    report = {
        "generator": renderer.name,
        "generator_version": renderer.version,
        "seed": seed,
        "per_kind": per_kind,
        "created": created,
        "software_version": _software_version(),
        "trials_read": plan.trials_read,
        "trials_used": plan.trials_read - sum(plan.skipped_trials.values()),
        "trials_skipped": dict(plan.skipped_trials.most_common()),
        "criteria_structured": plan.structured,
        "criteria_free_text": plan.free,
        "patients_not_built": dict(plan.not_built.most_common()),
        "generated": generated,
        "passed": len(notes),
        "dropped": dict(dropped.most_common()),
        "pass_rate": round(len(notes) / generated, 4) if generated else None,
        "by_kind": {k: {"generated": c["generated"], "passed": c["passed"]} for k, c in per_kind_counts.items()},
    }
    return SynthBatch(notes, report)


def synthesize_patients(
    trials: Sequence[TrialInput],
    find_mentions: MentionFinder,
    renderer: Renderer,
    *,
    per_kind: int = 3,
    kinds: Sequence[PatientKind] = KINDS,
    seed: int = 0,
) -> SynthBatch:
    """Notes for every trial and kind, checked; the report counts every trial and note that did not make it."""
    created = datetime.now(UTC).isoformat(timespec="seconds")
    plan = plan_patients(trials, find_mentions, per_kind=per_kind, kinds=kinds, seed=seed)
    entries = _check(plan, range(len(plan.planned)), find_mentions, renderer, seed, created)
    return _batch(plan, entries, renderer, per_kind=per_kind, kinds=kinds, seed=seed, created=created)


def patients_fingerprint(
    trials: Sequence[TrialInput],
    plan: PatientPlan,
    renderer: Renderer,
    *,
    per_kind: int,
    kinds: Sequence[PatientKind],
    seed: int,
    chunk: int,
    context: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What makes two runs the same batch: renderer, settings (the chunk too: a model's batched reply can depend
    on its batch), software, the trials read and the patients planned from them (which the checker's vocabulary
    shapes), plus ``context``: whatever else the caller knows fixes the notes' check (e.g. that vocabulary)."""
    patients = [(p.id, p.facts.as_dict(), [(c.kind, c.index) for c in p.violated]) for p, _ in plan.planned]
    return {
        "generator": f"{renderer.name} {renderer.version}",
        "settings": {"per_kind": per_kind, "kinds": list(kinds), "seed": seed, "chunk": chunk},
        "software_version": _software_version(),
        "trials": f"{len(trials)} trials, {digest([asdict(t) for t in trials])}",
        "patients": f"{len(patients)} patients, {digest(patients)}",
        **(context or {}),
    }


def synthesize_patients_resumable(
    trials: Sequence[TrialInput],
    find_mentions: MentionFinder,
    renderer: Renderer,
    *,
    out: Path,
    per_kind: int = 3,
    kinds: Sequence[PatientKind] = KINDS,
    seed: int = 0,
    chunk: int = 8,
    context: dict[str, str] | None = None,
    created: str | None = None,
    on_item: Callable[[int], None] | None = None,
) -> SynthBatch:
    """:func:`synthesize_patients`, with each checked note (or the reason it was dropped) journalled beside
    ``out`` as it is made, in fixed chunks of ``chunk`` patients per render call.

    A rerun with the same settings and ``out`` renders only the chunks with a patient left and ends with the batch
    an uninterrupted run writes, byte for byte; other settings against the same ``out`` are refused
    (:class:`~trialgraph.models.synth.io.Journal`). ``created`` stamps a new journal (default: now; a resumed
    one keeps its own); ``on_item`` gets each patient's index once its line is durable.

    Raises:
        ConfigError: the journal beside ``out`` holds another batch, or is not a journal.
    """
    plan = plan_patients(trials, find_mentions, per_kind=per_kind, kinds=kinds, seed=seed)
    fingerprint = patients_fingerprint(
        trials, plan, renderer, per_kind=per_kind, kinds=kinds, seed=seed, chunk=chunk, context=context
    )
    journal = Journal(journal_path_for(out), fingerprint, created)

    def make(positions: range) -> list[dict[str, Any]]:
        return _check(plan, positions, find_mentions, renderer, seed, journal.created)

    entries = fill_journal(journal, len(plan.planned), chunk, make, on_item)
    return _batch(plan, entries, renderer, per_kind=per_kind, kinds=kinds, seed=seed, created=journal.created)


def write_batch(batch: SynthBatch, out: Path) -> Path:
    """The kept notes at ``out`` (JSON lines) and the report beside it; returns the report's path."""
    return write_rows_and_report(batch.notes, batch.report, out)
