"""Why a generator's reply cannot be used at all, before it is parsed: one rule for every synthetic-data prompt.

A model error or time-out, an empty reply, a refusal, a degenerate loop, or a reply too short to hold what was
asked. The loop rule is a 10-word run repeated 3 times, or half the lines repeated: a list's shared lead-in
("The patient has a history of…") repeats fewer words than that, a model stuck in a loop repeats many more.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["LOOP_NGRAM", "LOOP_REPEATS", "reply_problem"]

LOOP_NGRAM = 10  # words
LOOP_REPEATS = 3
_REFUSAL = re.compile(
    r"\b(?:I can(?:no|')t|I'm sorry|I am sorry|as an AI|I am unable|I'm unable|cannot assist)\b", re.IGNORECASE
)


def _loops(text: str) -> bool:
    words = text.lower().split()
    runs = Counter(tuple(words[i : i + LOOP_NGRAM]) for i in range(len(words) - LOOP_NGRAM + 1))
    if runs and runs.most_common(1)[0][1] >= LOOP_REPEATS:
        return True
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return len(lines) >= 4 and len(set(lines)) <= len(lines) // 2


def reply_problem(text: str, error: str | None = None, *, min_chars: int = 1) -> str | None:
    """The reason a reply is unusable (``generator error: timed out``, ``refusal``, ``loop (repeated text)``…),
    or ``None``. ``min_chars`` is the least a usable reply can hold (a note needs more than a JSON prefill)."""
    if error:
        return f"generator error: {error.split(':', 1)[0]}"
    if not text.strip():
        return "empty reply"
    if _REFUSAL.search(text):
        return "refusal"
    if _loops(text):
        return "loop (repeated text)"
    if len(text.strip()) < min_chars:
        return "too short"
    return None
