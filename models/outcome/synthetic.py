"""Synthetic trials (JSON lines written by ``trialgraph synth trials``) as outcome examples.

A line maps to HINT's fields: conditions → diseases, intervention names → drugs, and the inclusion and exclusion
lists are laid out as HINT's criteria text ("Inclusion Criteria:" then "-  item" lines, then "Exclusion
Criteria:"), so that real and synthetic trials reach the encoder in the same shape. Lines that are not JSON
objects, carry no usable label, no text or no generator are counted with the reason and left out: an example
whose maker is unknown cannot be traced or discarded with its batch.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trialgraph.errors import SourceError
from trialgraph.models.outcome.examples import OutcomeExample, ReadResult

__all__ = ["LABELS", "criteria_text", "hint_phase", "read_synthetic", "synthetic_example"]

LABELS = {"success": 1, "failure": 0}
# The registry's phase spellings (the synthetic records' own) → HINT's lower-case spellings.
HINT_PHASES = {
    "EARLY_PHASE1": "early phase 1",
    "PHASE1": "phase 1",
    "PHASE1/PHASE2": "phase 1/phase 2",
    "PHASE2": "phase 2",
    "PHASE2/PHASE3": "phase 2/phase 3",
    "PHASE3": "phase 3",
    "PHASE4": "phase 4",
    "NA": "n/a",
}


def hint_phase(value: str) -> str:
    """``PHASE1/PHASE2`` → ``phase 1/phase 2``; an unlisted spelling is lower-cased with a space before digits."""
    key = (value or "").strip().upper()
    return HINT_PHASES.get(key) or re.sub(r"phase(\d)", r"phase \1", key.lower().replace("_", " "))


def criteria_text(inclusion: Sequence[str], exclusion: Sequence[str]) -> str:
    """HINT's layout: a heading, then one ``-  item`` per criterion (as ClinicalTrials.gov renders them)."""
    blocks = [("Inclusion Criteria:", inclusion), ("Exclusion Criteria:", exclusion)]
    lines = []
    for heading, items in blocks:
        kept = [str(i).strip() for i in items if str(i).strip()]
        if kept:
            lines.append(heading)
            lines.extend(f"  -  {item}" for item in kept)
    return "\n".join(lines)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [str(v).strip() for v in value if isinstance(v, str | int | float) and str(v).strip()]


def _drug_names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value else []
    names = (i.get("name") if isinstance(i, dict) else i if isinstance(i, str) else None for i in items)
    return [str(n).strip() for n in names if isinstance(n, str) and n.strip()]


def synthetic_example(row: dict[str, Any]) -> OutcomeExample | str:
    """One synthetic record as an example, or the one-line reason it cannot be one."""
    label = LABELS.get(str(row.get("label", "")).strip().lower())
    provenance = row.get("provenance") if isinstance(row.get("provenance"), dict) else {}
    generator = str(provenance.get("generator") or "").strip()
    diseases, drugs = tuple(_strings(row.get("conditions"))), tuple(_drug_names(row.get("interventions")))
    criteria = criteria_text(_strings(row.get("inclusion_criteria")), _strings(row.get("exclusion_criteria")))
    checks = (
        (label is None, "label not success or failure"),
        (not (diseases or drugs or criteria), "no text (conditions, interventions and criteria empty)"),
        (not generator, "no provenance.generator"),
    )
    for failed, reason in checks:
        if failed:
            return reason
    # every real trial the synthetic one came from: its exemplars, its citations and the trial its seed was taken
    # from; an evaluation drops a synthetic trial that any of its own trials reached
    sources = _strings(provenance.get("grounded_on")) + _strings(row.get("cited_trials"))
    grounded = tuple(dict.fromkeys(sources + _strings(provenance.get("seed_trial"))))
    return OutcomeExample(
        nct_id=str(row.get("id") or "").strip() or "synthetic:unnamed",
        phase=hint_phase(str(row.get("phase") or "")),
        diseases=diseases,
        drugs=drugs,
        criteria=criteria,
        label=int(label or 0),
        source=f"synthetic:{generator}",
        grounded_on=grounded,
    )


def read_synthetic(path: Path) -> ReadResult:
    """Every usable line of a synthetic-trials JSONL file."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"synthetic trials file not found: {path}")
    result = ReadResult(path=str(path))
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        result.rows += 1
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            result.reject("not JSON", f"line {number}")
            continue
        if not isinstance(row, dict):
            result.reject("not a JSON object", f"line {number}")
            continue
        example = synthetic_example(row)
        if isinstance(example, str):
            result.reject(example, str(row.get("id") or f"line {number}"))
        else:
            result.examples.append(example)
    return result
