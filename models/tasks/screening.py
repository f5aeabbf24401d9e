"""Study screening (TrialPanorama's systematic-review task), built from the graph's trials: a review's selection
criteria and candidate trials → include or exclude each.

The shared data holds no abstracts for screening at scale (the review benchmarks' PubMed ids are not in its PubMed
files), so a review is made from the graph itself and its labels are right by construction: the review is "randomised
interventional trials in people with C" for a MeSH condition heading C, and a candidate is included exactly when
NLM indexed it with C or a descendant of C (C among its condition terms or their ancestors) and the registry states
randomised allocation of an interventional study. The candidate is shown as a screener sees a record (title,
official title, the registry's own condition text, interventions, study type and allocation), never with NLM's
terms, so deciding means reading the record against the question.

Each review holds :data:`INCLUDED` included trials and :data:`EXCLUDED` excluded ones, hard negatives first: trials
of C that are not randomised, then trials sharing an ancestor heading with C without being indexed with C, then
any other trial (seeded). Every candidate is from the review's own side of the split; a review is one per heading
with enough trials, on the side of its candidates (a seeded sample of at most :data:`MAX_REVIEWS_PER_SIDE`).
Interventional trials whose registry states no allocation are never candidates.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Sequence

from trialgraph.models.tasks.facts import TrialFacts
from trialgraph.models.tasks.items import BuildResult, TaskItem
from trialgraph.models.tasks.splits import SIDES, Split

__all__ = ["EXCLUDED", "INCLUDED", "TASK", "answer_of", "build_screening", "decisions_of"]

TASK = "study_screening"
INCLUDED = 2
EXCLUDED = 4
MAX_REVIEWS_PER_SIDE = 400  # a seeded sample of headings keeps the build small and linear
INCLUDE, EXCLUDE = "include", "exclude"
MAX_TEXT = 300
KIN_SCANNED = 200  # trials read per kin heading: a broad ancestor ("Neoplasms") does not make a review scan the side
OTHERS_SAMPLED = 50  # trials sampled (seeded) for the last, easy exclusions


def _rank(seed: int, *parts: str) -> str:
    return hashlib.sha256("\x1f".join([str(seed), *parts]).encode()).hexdigest()


def _randomised_interventional(t: TrialFacts) -> bool:
    return (t.allocation or "").upper() == "RANDOMIZED" and (t.study_type or "").upper() == "INTERVENTIONAL"


def _labelled(t: TrialFacts) -> bool:
    """An interventional trial whose registry states no allocation is never a candidate: its label would be a
    guess (older CT.gov records often leave the design out, while their titles say "randomized")."""
    return not ((t.study_type or "").upper() == "INTERVENTIONAL" and not t.allocation)


def _headings(t: TrialFacts) -> set[str]:
    return {*t.condition_mesh, *t.condition_mesh_ancestors}


def _cut(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1].rstrip() + "…"


def _candidate(t: TrialFacts) -> dict[str, str]:
    """What a screener reads: the registry's own text, never NLM's terms (they decide the label)."""
    lines = [
        f"Official title: {_cut(t.official_title)}" if t.official_title else "",
        f"Conditions: {_cut('; '.join(t.conditions)) or 'not stated'}",
        f"Interventions: {_cut('; '.join(t.interventions)) or 'not stated'}",
        f"Study type: {t.study_type or 'not stated'}; allocation: {t.allocation or 'not stated'}",
    ]
    return {"id": t.trial_id, "title": _cut(t.title or t.official_title), "abstract": "\n".join(x for x in lines if x)}


def answer_of(decisions: Sequence[tuple[str, str]]) -> str:
    """The canonical answer string: ``id=include;id=exclude`` in the candidates' order."""
    return ";".join(f"{trial_id}={decision}" for trial_id, decision in decisions)


def decisions_of(answer: str) -> list[tuple[str, str]]:
    return [tuple(part.rsplit("=", 1)) for part in answer.split(";") if part]  # type: ignore[misc]


def build_screening(trials: Sequence[TrialFacts], split: Split, seed: int = 0) -> BuildResult:
    """One review per condition heading with :data:`INCLUDED` includable trials and :data:`EXCLUDED` others on a
    side; headings left out are counted by reason."""
    result = BuildResult()
    by_side: dict[str, list[TrialFacts]] = defaultdict(list)
    for t in trials:
        side = split.of(t.trial_id)
        if side is not None:
            by_side[side].append(t)
    for side in SIDES:
        pool = sorted((t for t in by_side.get(side, ()) if _labelled(t)), key=lambda t: t.trial_id)
        with_heading: dict[str, list[TrialFacts]] = defaultdict(list)
        for t in pool:
            for heading in _headings(t):
                with_heading[heading].append(t)
        reviews = sorted({h for t in pool for h in t.condition_mesh}, key=lambda h: _rank(seed, TASK, side, h))
        built = 0
        for heading in reviews:
            if built == MAX_REVIEWS_PER_SIDE:
                result.skipped["reviews beyond the per-side sample"] += 1
                continue
            item = _review(heading, pool, with_heading, side, seed)
            if isinstance(item, str):
                result.skipped[item] += 1
            else:
                result.items.append(item)
                built += 1
    return result


def _review(
    heading: str,
    pool: Sequence[TrialFacts],
    with_heading: dict[str, list[TrialFacts]],
    side: str,
    seed: int,
) -> TaskItem | str:
    indexed = with_heading[heading]
    included = [t for t in indexed if _randomised_interventional(t)]
    if len(included) < INCLUDED:
        return "fewer than 2 randomised trials of the heading"
    order = lambda t: _rank(seed, TASK, heading, t.trial_id)  # noqa: E731 - a seeded, stable order
    chosen = sorted(included, key=order)[:INCLUDED]
    indexed_ids = {t.trial_id for t in indexed}
    not_randomised = sorted((t for t in indexed if not _randomised_interventional(t)), key=order)
    kin_headings = {h for t in chosen for h in _headings(t)} - {heading}
    kin = sorted(
        {
            t.trial_id: t for h in kin_headings for t in with_heading[h][:KIN_SCANNED] if t.trial_id not in indexed_ids
        }.values(),
        key=order,
    )
    # a seeded sample, not the whole side sorted: a review's cost stays bounded as the graph grows
    sample = random.Random(_rank(seed, TASK, "others", heading)).sample(pool, min(len(pool), OTHERS_SAMPLED))
    others = [t for t in sample if t.trial_id not in indexed_ids]
    excluded: list[TrialFacts] = []
    for t in [*not_randomised, *kin, *others]:
        if t.trial_id not in {x.trial_id for x in excluded}:
            excluded.append(t)
        if len(excluded) == EXCLUDED:
            break
    if len(excluded) < EXCLUDED:
        return "too few trials to exclude"
    candidates = [(t, INCLUDE) for t in chosen] + [(t, EXCLUDE) for t in excluded]
    random.Random(_rank(seed, TASK, "order", heading)).shuffle(candidates)
    decisions = [(t.trial_id, label) for t, label in candidates]
    criteria = f"Randomised interventional trials in people with {heading.lower()}."
    record = {
        "id": f"{TASK}:{side}:{heading}",
        "metadata": {"review": heading, "side": side, "built_from": "graph", "seed": seed},
        "inputs": {
            "background": f"A systematic review of randomised trials in {heading.lower()}.",
            "objectives": f"To identify every randomised interventional trial in people with {heading.lower()}.",
            "selection criteria": criteria,
        },
        "context": [_candidate(t) for t, _ in candidates],
        "labels": [{"id": trial_id, "label": label} for trial_id, label in decisions],
    }
    anchor = chosen[0].trial_id  # the item's trial for the split's checks: every candidate is on its side
    return TaskItem(record["id"], TASK, anchor, side, record, answer_of(decisions), criteria, record["id"])
