"""The fixed texts a registry record (``trial-text-1``) and a PubMed paper (``paper-text-1``) are encoded from.

An embedding is only comparable with another made from the same rendering, so the rendering has a version that
every embedding index records; changing anything below means a new ``RENDERING_VERSION`` and a new index.

Rendering ``trial-text-1``, in this order, one part per line, parts without content left out:
1. the brief title (the official title when there is none);
2. ``Conditions:`` the conditions as written, ``; ``-joined;
3. ``Interventions:`` the interventions' names, ``; ``-joined;
4. ``Phase:`` the phase;
5. the brief summary, cut at 1,000 characters;
6. ``Inclusion:`` / ``Exclusion:`` the first 5 criteria items of each kind, each cut at 200 characters.

MiniLM reads at most 256 word pieces, so the order puts what identifies a trial first.

Rendering ``paper-text-1`` (a PubMed paper): the title, then the abstract cut at 1,000 characters (see
:func:`render_paper`).

Rendering ``criterion-text-1`` (one eligibility item): the item's text, whitespace folded, cut at 1,000 characters
(see :func:`render_criterion`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CRITERION_RENDERING_VERSION",
    "PAPER_RENDERING_VERSION",
    "RENDERING_VERSION",
    "PaperText",
    "RecordText",
    "render",
    "render_criterion",
    "render_paper",
    "text_hash",
]

RENDERING_VERSION = "trial-text-1"
_SUMMARY_CHARS = 1000
_CRITERION_CHARS = 200
_CRITERIA_PER_KIND = 5


@dataclass(frozen=True, slots=True)
class RecordText:
    """The parts of one registry record that its rendering reads (as the graph holds them)."""

    record_id: str
    title: str | None = None
    conditions: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()
    phase: str | None = None
    summary: str | None = None
    criteria: tuple[tuple[str, str], ...] = ()  # (kind, text) in the record's order

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> RecordText:
        criteria = tuple((c.get("kind") or "", c.get("text") or "") for c in row.get("criteria") or () if c)
        return cls(
            record_id=row["record_id"],
            title=row.get("brief_title") or row.get("official_title"),
            conditions=tuple(x for x in row.get("conditions") or () if x),
            interventions=tuple(x for x in row.get("interventions") or () if x),
            phase=row.get("phase"),
            summary=row.get("brief_summary"),
            criteria=criteria,
        )


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _criteria(items: Sequence[tuple[str, str]], kind: str) -> str:
    chosen = [_cut(text, _CRITERION_CHARS) for k, text in items if k == kind and text.strip()]
    return "; ".join(chosen[:_CRITERIA_PER_KIND])


def render(record: RecordText) -> str:
    """The record's text under rendering ``trial-text-1`` (see the module docstring)."""
    parts = [
        _cut(record.title, _SUMMARY_CHARS) if record.title else "",
        f"Conditions: {'; '.join(record.conditions)}" if record.conditions else "",
        f"Interventions: {'; '.join(record.interventions)}" if record.interventions else "",
        f"Phase: {record.phase}" if record.phase else "",
        _cut(record.summary, _SUMMARY_CHARS) if record.summary else "",
    ]
    for kind, label in (("INCLUSION", "Inclusion"), ("EXCLUSION", "Exclusion")):
        joined = _criteria(record.criteria, kind)
        parts.append(f"{label}: {joined}" if joined else "")
    return "\n".join(p for p in parts if p)


def text_hash(text: str) -> str:
    """What an embedding remembers of its text: re-encode exactly when this changes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# ------------------------------------------------------------------ papers
PAPER_RENDERING_VERSION = "paper-text-1"
_ABSTRACT_CHARS = 1000


@dataclass(frozen=True, slots=True)
class PaperText:
    """The parts of one PubMed publication that its rendering reads (as the graph holds them)."""

    key: str
    title: str | None = None
    abstract: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> PaperText:
        return cls(key=row["key"], title=row.get("title"), abstract=row.get("abstract"))


def render_paper(paper: PaperText) -> str:
    """The paper's text under rendering ``paper-text-1``: the title, then the abstract cut at 1,000 characters.

    Why this and no more: the title and abstract are what a reader judges a paper by and what PubMed states for
    every citation (MeSH indexing and author lists come later or not at all, so they would make papers of one age
    incomparable). MiniLM reads at most 256 word pieces, about 1,000 characters of biomedical English, so the cut
    keeps text the encoder never sees out of the text hash: a change deep in a long abstract re-encodes nothing
    that would come out different. Whitespace is collapsed as in ``trial-text-1``; a part without text is left out.
    """
    parts = [
        _cut(paper.title, _SUMMARY_CHARS) if paper.title and paper.title.strip() else "",
        _cut(paper.abstract, _ABSTRACT_CHARS) if paper.abstract and paper.abstract.strip() else "",
    ]
    return "\n".join(p for p in parts if p)


# ------------------------------------------------------------------ eligibility items
CRITERION_RENDERING_VERSION = "criterion-text-1"
_ITEM_CHARS = 1000


def render_criterion(text: str | None) -> str:
    """One eligibility item (a ``Criterion`` node's ``text``) under rendering ``criterion-text-1``: the text,
    whitespace folded, cut at 1,000 characters ("" when it has none).

    Why this and no more: an item is matched against a patient's description on its own, so its kind (inclusion
    or exclusion) and its trial are left out of the text: the kind is a filter the retriever applies in Cypher,
    and the trial's title would make every item of one trial alike. The cut is the paper abstract's, for the
    same reason (MiniLM reads at most 256 word pieces): text the encoder never sees stays out of the text hash.
    """
    return _cut(text, _ITEM_CHARS) if text and text.strip() else ""
