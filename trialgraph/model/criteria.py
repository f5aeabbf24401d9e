"""Eligibility criteria blocks as items under their headings, for every registry that writes one block.

CT.gov (both formats), ANZCTR and ISRCTN write criteria as a text block; the graph stores one
``Criterion`` per item so that the linker and the task builders can work item by item.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from trialgraph.model.text import undo_markdown_escapes

__all__ = ["LEGACY_WRAP_WIDTH", "CriteriaSplit", "field_items", "split_criteria"]

_INCLUSION = re.compile(r"^\s*(key\s+)?inclusion\s+criteria\s*:?\s*$", re.IGNORECASE)
_EXCLUSION = re.compile(r"^\s*(key\s+)?exclusion\s+criteria\s*:?\s*$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)]|[a-z][.)])(?:\s+|$)")  # a lone marker is a bullet with no text


class CriteriaSplit(NamedTuple):
    """An eligibility block as items: text before any heading, inclusion items, exclusion items."""

    preamble: tuple[str, ...]
    inclusion: tuple[str, ...]
    exclusion: tuple[str, ...]


LEGACY_WRAP_WIDTH = 99
"""CT.gov's legacy XML hard-wraps text blocks greedily at 99 columns (no line in the shared dump is longer)."""


def split_criteria(text: str | None, *, wrap_width: int | None = None) -> CriteriaSplit:
    """Split an eligibility criteria block into items under their headings.

    The registry stores criteria as one free-text block with "Inclusion Criteria:" and "Exclusion
    Criteria:" headings (recognised with or without a bullet in front) and bullet or numbered items. An
    item is a bullet or numbered point, or a paragraph; text before any heading is the preamble, not
    inclusion. Lines are joined into one item when the text was wrapped: for legacy XML (``wrap_width``
    given, the raw text block with its indentation) a line continues the one before it (no blank line
    between) exactly when its first word would not have fitted on that line; for API v2 text, which is
    never wrapped, only an indented line without a bullet continues the item above it. v2's Markdown
    escapes (``\\>``, ``1\\.``) are undone on each line before its bullet is looked for, so both formats give the
    same items (``1\\. Signed`` is the numbered point that legacy writes ``1. Signed``). Pass v2 text as served,
    escapes and all: text already unescaped would lose an escaped backslash's meaning (``\\\\>``).
    """
    if not text:
        return CriteriaSplit((), (), ())
    sections: dict[str, list[str]] = {"preamble": [], "inclusion": [], "exclusion": []}
    current = "preamble"
    previous: str | None = None  # the raw line before this one, while no blank line or heading intervenes
    for raw_line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = undo_markdown_escapes(raw_line.rstrip())
        if not line.strip():
            previous = None
            continue
        is_bullet = bool(_BULLET.match(line))
        body = _BULLET.sub("", line).strip()
        if not body:  # a bullet marker alone on its line says nothing
            previous = None
            continue
        if (heading := _heading(body)) is not None:
            current, previous = heading, None
            continue
        items = sections[current]
        if previous is not None and items and _continues(previous, line, is_bullet, wrap_width):
            items[-1] = f"{items[-1]} {body}"
        else:
            items.append(body)
        previous = line
    return CriteriaSplit(*(tuple(sections[name]) for name in ("preamble", "inclusion", "exclusion")))


def field_items(text: str | None) -> tuple[str, ...]:
    """Items of a registry field that holds one kind of criteria only (ANZCTR, ISRCTN): what comes before
    any heading plus what an inclusion heading introduces, as these loaders have always read them."""
    split = split_criteria(text)
    return split.preamble + split.inclusion


def _heading(body: str) -> str | None:
    if _INCLUSION.match(body):
        return "inclusion"
    if _EXCLUSION.match(body):
        return "exclusion"
    return None


def _continues(previous: str, line: str, is_bullet: bool, wrap_width: int | None) -> bool:
    """Whether ``line`` is the wrapped rest of ``previous`` rather than a line of its own.

    In wrapped text the greedy-wrap test decides even for a line that looks like a point ("3) any other
    malignancy" wrapped out of "1) ..., 2) ..."): the renderer would have kept the word on the line above
    had it fitted, and it separates real points with a blank line.
    """
    if wrap_width is None:
        return not is_bullet and line[:1].isspace()
    first_word = line.split(None, 1)[0]
    return len(previous) + 1 + len(first_word) > wrap_width
