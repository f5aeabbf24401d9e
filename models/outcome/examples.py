"""The one record every outcome reader produces, and the text a classifier is given for it.

Only HINT's own input fields go in: phase, diseases, drugs and eligibility criteria. ``status`` and ``why_stop``
are never read, because they *are* the outcome (a terminated trial with a ``why_stop`` is a failure by
construction): a model that saw them would score well and predict nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["OutcomeExample", "ReadResult", "example_text", "text_key"]

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class OutcomeExample:
    """One trial with its outcome label (1 success, 0 failure) and where it came from.

    ``source`` is ``hint`` or ``synthetic:<generator>``; ``grounded_on`` lists the real trials a synthetic example
    was generated from (empty for real rows), so an experiment can drop synthetic trials grounded on its test set.
    """

    nct_id: str
    phase: str
    diseases: tuple[str, ...]
    drugs: tuple[str, ...]
    criteria: str
    label: int
    source: str
    grounded_on: tuple[str, ...] = ()

    @property
    def is_synthetic(self) -> bool:
        return self.source.startswith("synthetic:")


def example_text(example: OutcomeExample) -> str:
    """Phase, diseases and drugs first, then the criteria: the encoder truncates the end, so the short fields
    always survive. Whitespace is collapsed so that HINT's indented layout and a synthetic trial's plain lines
    read alike."""
    parts = [
        f"phase: {example.phase}" if example.phase else "",
        f"diseases: {'; '.join(example.diseases)}" if example.diseases else "",
        f"drugs: {'; '.join(example.drugs)}" if example.drugs else "",
        f"criteria: {example.criteria}" if example.criteria.strip() else "",
    ]
    return _SPACE.sub(" ", " | ".join(p for p in parts if p)).strip()


def text_key(text: str) -> str:
    """The cache key of one text (an embedding is computed once per distinct text)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class ReadResult:
    """What a reader kept, and why it left the rest out (reason → count, plus the first few row ids per reason)."""

    path: str
    examples: list[OutcomeExample] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)
    rejected_ids: dict[str, list[str]] = field(default_factory=dict)
    rows: int = 0

    def reject(self, reason: str, row_id: str) -> None:
        self.rejected[reason] += 1
        kept = self.rejected_ids.setdefault(reason, [])
        if len(kept) < 5:
            kept.append(row_id)

    def label_counts(self) -> dict[int, int]:
        counts = Counter(e.label for e in self.examples)
        return {0: counts[0], 1: counts[1]}

    def as_dict(self) -> dict[str, Any]:
        counts = self.label_counts()
        return {
            "path": self.path,
            "rows": self.rows,
            "kept": len(self.examples),
            "success": counts[1],
            "failure": counts[0],
            "rejected": dict(self.rejected),
            "rejected_ids": self.rejected_ids,
        }
