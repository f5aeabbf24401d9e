"""One batch of synthetic patients: parse each trial's criteria, build patients, render, verify, count.

Pure apart from the renderer it is given. Every trial, patient and note ends in exactly one place: a kept note,
or a counter with its reason (a trial without parseable criteria, a kind that cannot be built, a generation that
failed, a note that failed the check), so ``generated == passed + sum(dropped)`` always.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from trialgraph.models.synth.criteria import MentionFinder, ParsedTrial, TrialInput, parse_trial
from trialgraph.models.synth.io import write_rows_and_report
from trialgraph.models.synth.patients import KINDS, PatientKind, SyntheticPatient, build_patient
from trialgraph.models.synth.render import Renderer
from trialgraph.models.synth.verify import verify_note

__all__ = ["SynthBatch", "synthesize_patients", "write_batch"]


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
    return {
        "id": patient.id,
        "trial_id": patient.trial_id,
        "record_id": parsed.trial.record_id,
        "kind": patient.kind,
        "violated_criterion": violated,
        "violated_criteria": [{"text": c.text, "kind": c.kind, "index": c.index} for c in patient.violated],
        "note": text,
        "facts": patient.facts.as_dict(),
        "criteria_checked": len(parsed.criteria),
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
    skipped_trials: Counter[str] = Counter()
    not_built: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    per_kind_counts = {k: Counter() for k in kinds}
    planned: list[tuple[SyntheticPatient, ParsedTrial]] = []
    structured = free = 0
    for trial in trials:
        parsed = parse_trial(trial, find_mentions)
        if parsed.problem:
            skipped_trials[parsed.problem] += 1
            continue
        structured += len(parsed.criteria)
        free += len(parsed.free_text)
        for kind in kinds:
            for i in range(per_kind):
                rng = random.Random(f"{seed}:{trial.trial_id}:{kind}:{i}")
                built = build_patient(
                    f"synth-{trial.trial_id}-{kind}-{i}-s{seed}", trial.trial_id, kind, parsed.criteria, rng
                )
                if isinstance(built, str):
                    not_built[f"{kind}: {built}"] += 1
                else:
                    planned.append((built, parsed))
    rendered = renderer.render([p for p, _ in planned])
    notes = []
    for (patient, parsed), note in zip(planned, rendered, strict=True):
        per_kind_counts[patient.kind]["generated"] += 1
        reason = note.error or verify_note(patient, note.text, parsed.criteria, find_mentions)
        if reason:
            dropped[reason] += 1
            continue
        per_kind_counts[patient.kind]["passed"] += 1
        notes.append(_note_record(patient, parsed, note.text, renderer, seed, created))
    generated = len(planned)
    report = {
        "generator": renderer.name,
        "generator_version": renderer.version,
        "seed": seed,
        "per_kind": per_kind,
        "created": created,
        "software_version": _software_version(),
        "trials_read": len(trials),
        "trials_used": len(trials) - sum(skipped_trials.values()),
        "trials_skipped": dict(skipped_trials.most_common()),
        "criteria_structured": structured,
        "criteria_free_text": free,
        "patients_not_built": dict(not_built.most_common()),
        "generated": generated,
        "passed": len(notes),
        "dropped": dict(dropped.most_common()),
        "pass_rate": round(len(notes) / generated, 4) if generated else None,
        "by_kind": {k: {"generated": c["generated"], "passed": c["passed"]} for k, c in per_kind_counts.items()},
    }
    return SynthBatch(notes, report)


def write_batch(batch: SynthBatch, out: Path) -> Path:
    """The kept notes at ``out`` (JSON lines) and the report beside it; returns the report's path."""
    return write_rows_and_report(batch.notes, batch.report, out)
