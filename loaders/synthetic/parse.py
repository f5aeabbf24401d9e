"""A synthetic-trial batch file (JSON lines) → typed items for the ``synthetic-trials`` writer; pure, no graph.

Why a parser of its own: a synthetic trial must never pass for a registry record, so it is not staged into
``RegistryRecord`` rows. Each line is checked back into the generator's own typed record
(:class:`~trialgraph.models.synth.trials.records.SyntheticTrial`), and its id must be the content hash the
generator gives it, so an edited or hand-made line cannot take another trial's key. A line the generation
marked as rejected, or one that does not validate, is quarantined with a one-line reason.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from trialgraph.loaders.registries.jsonlines import iter_json_objects
from trialgraph.model.staged import Quarantined
from trialgraph.models.synth.trials.records import LABELS, SYNTHETIC_PREFIX, Provenance, SyntheticDesign, SyntheticTrial

__all__ = ["SOURCE", "SyntheticTrialItem", "parse_batch"]

SOURCE = "synthetic"
MADE_BY = "trialgraph synth trials (retrieval-reasoning)"


@dataclass(frozen=True, slots=True)
class SyntheticTrialItem:
    """One accepted synthetic trial: its node's properties and the real trials it was grounded in."""

    key: str
    origin: str
    props: dict[str, Any]
    grounding: tuple[tuple[str, str], ...]  # (real trial id, role: "exemplar" or "seed")
    content_hash: str


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc']) or 'record'}: {first['msg']}"


def _trial_of(row: dict[str, Any]) -> SyntheticTrial | str:
    """The typed trial a batch line holds, or the first problem in one line."""
    if not isinstance(row.get("id"), str) or not row["id"].startswith(SYNTHETIC_PREFIX):
        return f"id: not a synthetic id ({SYNTHETIC_PREFIX}…)"
    if row.get("label") not in LABELS:
        return f"label: must be one of {', '.join(LABELS)}"
    if not isinstance(row.get("rationale"), str) or not row["rationale"].strip():
        return "rationale: missing"
    try:
        design = SyntheticDesign.model_validate(row)
        provenance = Provenance.model_validate(row.get("provenance"))
    except ValidationError as e:
        return _first_error(e)
    fields = {
        "label": row["label"],
        "rationale": row["rationale"],
        "cited_trials": row.get("cited_trials") or [],
        "seed_description": row.get("seed") or "",
        "provenance": provenance,
    }
    try:
        trial = SyntheticTrial.make(design, **fields)
    except ValidationError as e:
        return _first_error(e)
    if trial.id != row["id"]:
        return f"id: {row['id']} is not the content hash of its design and label ({trial.id})"
    return trial


def _props(trial: SyntheticTrial, batch_hash: str, origin: str) -> dict[str, Any]:
    design, provenance = trial.design, trial.provenance
    return {
        "key": trial.id,
        "source": SOURCE,
        "title": design.title,
        "phase": design.phase,
        "conditions": list(design.conditions),
        "interventions": [i.name for i in design.interventions],
        "intervention_types": [i.type for i in design.interventions],
        "arms": [a.label for a in design.arms],
        "inclusion_criteria": list(design.inclusion_criteria),
        "exclusion_criteria": list(design.exclusion_criteria),
        "primary_endpoints": list(design.primary_endpoints),
        "enrollment": design.enrollment,
        "label": trial.label,
        "rationale": trial.rationale,
        "cited_trials": list(trial.cited_trials),
        "seed_description": trial.seed_description,
        "made_by": MADE_BY,
        "model": provenance.generator,
        "model_version": provenance.generator_version,
        "prompt_version": provenance.prompt_version,
        "generation_seed": provenance.seed,
        "software_version": provenance.software_version,
        "grounded_on": list(provenance.grounded_on),
        "seed_trial": provenance.seed_trial,
        "label_source": provenance.label_source,
        "created": provenance.created,
        "batch_hash": batch_hash,
        "source_file": origin.rsplit(":", 1)[0],
    }


def batch_hash_of(path: Path) -> str:
    """The batch file's own hash: which batch a node came from, so a whole batch can be found or discarded."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def parse_batch(path: Path) -> Iterator[SyntheticTrialItem | Quarantined]:
    """Each line of a batch: an accepted trial, or a quarantine entry (rejected by generation, malformed)."""
    batch_hash = batch_hash_of(path)
    for value, origin in iter_json_objects(path, what="synthetic trial batch"):
        if isinstance(value, Quarantined):
            yield value
            continue
        record_id = value.get("id") if isinstance(value.get("id"), str) else None
        if "rejected" in value:  # a generation journal line: the item was made and rejected, with its reason
            yield Quarantined(origin, f"rejected by generation: {value['rejected']}", record_id=record_id)
            continue
        trial = _trial_of(value)
        if isinstance(trial, str):
            yield Quarantined(origin, f"not a synthetic trial: {trial}", record_id=record_id)
            continue
        props = _props(trial, batch_hash, origin)
        grounding = tuple((t, "exemplar") for t in trial.provenance.grounded_on)
        if trial.provenance.seed_trial:
            grounding += ((trial.provenance.seed_trial, "seed"),)
        content = json.dumps([props, grounding], sort_keys=True, ensure_ascii=False)
        props["content_hash"] = hashlib.sha256(content.encode()).hexdigest()[:32]
        yield SyntheticTrialItem(trial.id, origin, props, grounding, props["content_hash"])
