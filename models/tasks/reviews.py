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

from trialgraph.models.tasks.facts import TrialFacts

__all__ = ["MAX_TEXT", "headings_of", "is_labelled", "meets_review", "review_inputs", "screener_view"]

MAX_TEXT = 300


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
