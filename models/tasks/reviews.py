"""The graph-built systematic review, shared by study screening and study search: what a review asks, which
trials meet it, and how a trial reads to a screener or a search engine.

The shared data holds no review whose candidate abstracts it also holds, so a review is made from the graph and
its labels are right by construction: for a MeSH condition heading C, the review is "randomised interventional
trials in people with C", and a trial meets it exactly when NLM indexed it with C or a descendant of C (C among
its condition terms or their ancestors) and the registry states randomised allocation of an interventional study.
A trial is shown as its registry wrote it (titles, condition text, interventions, study type, allocation), never
with NLM's terms, which decide the label: meeting the review is a matter of reading the record.
"""

from __future__ import annotations

from collections.abc import Sequence

from trialgraph.models.tasks.facts import TrialFacts

__all__ = [
    "MAX_TEXT",
    "MAX_VOCABULARY_TERMS",
    "headings_of",
    "is_labelled",
    "is_randomised_interventional",
    "meets_review",
    "review_inputs",
    "screener_view",
    "vocabulary_block",
    "vocabulary_terms",
]

MAX_TEXT = 300
MAX_VOCABULARY_TERMS = 30  # entry terms, and narrower headings, per review: a broad heading has hundreds
_VOCABULARY_HEADER = "MeSH vocabulary for the review's condition"
_ENTRY, _NARROWER = "Entry terms: ", "Narrower headings: "


def is_randomised_interventional(t: TrialFacts) -> bool:
    return (t.allocation or "").upper() == "RANDOMIZED" and (t.study_type or "").upper() == "INTERVENTIONAL"


def is_labelled(t: TrialFacts) -> bool:
    """An interventional trial whose registry states no allocation is never a candidate: its label would be a
    guess (older CT.gov records often leave the design out, while their titles say "randomized")."""
    return not ((t.study_type or "").upper() == "INTERVENTIONAL" and not t.allocation)


def headings_of(t: TrialFacts) -> set[str]:
    """The headings a review of which the trial can meet: its condition terms and all their ancestors."""
    return {*t.condition_mesh, *t.condition_mesh_ancestors}


def meets_review(t: TrialFacts, heading: str) -> bool:
    return heading in headings_of(t) and is_randomised_interventional(t)


def review_inputs(heading: str) -> dict[str, str]:
    """TrialPanorama's review setup (background, objectives, selection criteria) for the heading's review."""
    condition = heading.lower()
    return {
        "background": f"A systematic review of randomised trials in {condition}.",
        "objectives": f"To identify every randomised interventional trial in people with {condition}.",
        "selection criteria": f"Randomised interventional trials in people with {condition}.",
    }


def _cut(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1].rstrip() + "…"


def screener_view(t: TrialFacts) -> dict[str, str]:
    """What a screener reads: the registry's own text, never NLM's terms (they decide the label)."""
    lines = [
        f"Official title: {_cut(t.official_title)}" if t.official_title else "",
        f"Conditions: {_cut('; '.join(t.conditions)) or 'not stated'}",
        f"Interventions: {_cut('; '.join(t.interventions)) or 'not stated'}",
        f"Study type: {t.study_type or 'not stated'}; allocation: {t.allocation or 'not stated'}",
    ]
    return {"id": t.trial_id, "title": _cut(t.title or t.official_title), "abstract": "\n".join(x for x in lines if x)}


def vocabulary_block(heading: str, synonyms: Sequence[str], narrower: Sequence[str]) -> str:
    """A review item's vocabulary context: the heading's MeSH entry terms and narrower headings, the words other
    registries use for the condition and the conditions the review also covers ("" when MeSH has neither)."""
    lines = [
        f"{_ENTRY}{'; '.join(synonyms)}" if synonyms else "",
        f"{_NARROWER}{'; '.join(narrower)}" if narrower else "",
    ]
    lines = [line for line in lines if line]
    return "\n".join([f"{_VOCABULARY_HEADER} ({heading}):", *lines]) if lines else ""


def vocabulary_terms(context: str) -> list[str]:
    """The terms a :func:`vocabulary_block` at the start of ``context`` lists (none when it has no such block)."""
    if not context.startswith(_VOCABULARY_HEADER):
        return []
    terms: list[str] = []
    for line in context.split("\n\n", 1)[0].splitlines()[1:]:
        for prefix in (_ENTRY, _NARROWER):
            if line.startswith(prefix):
                terms.extend(term for term in line[len(prefix) :].split("; ") if term)
    return terms
