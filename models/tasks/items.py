"""A task item and a build's result: shared by every builder (graph-based or file-based)."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BuildResult", "TaskItem", "seeded_key"]


def seeded_key(seed: int, *parts: str) -> str:
    """A sort key fixed by the seed and the parts: builders order distractors and options by it, so the same
    inputs give the same bytes on every machine."""
    return hashlib.sha256("\x1f".join([str(seed), *parts]).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class TaskItem:
    """One task sample: ``record`` in TrialPanorama's format, ``answer`` its canonical gold as a string, and
    ``query`` the text the graph-RAG context is retrieved with (never containing the answer)."""

    id: str
    task: str
    trial_id: str
    split: str
    record: dict[str, Any]
    answer: str
    query: str
    context_for: str = ""  # whose context the item gets: its trial's (default) or its own (evidence prompts)

    @property
    def context_key(self) -> str:
        return self.context_for or self.trial_id


@dataclass
class BuildResult:
    items: list[TaskItem] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> trials left out
    # documents a task searches at evaluation (study search): ``{"id", "split", "text"}``, one per trial and side
    corpus: list[dict[str, str]] = field(default_factory=list)
