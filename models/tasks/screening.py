"""Study screening (TrialPanorama's systematic-review task), built from the graph's trials: a review's selection
criteria and candidate trials → include or exclude each.

A review and its labels are the graph-built ones of :mod:`~trialgraph.models.tasks.reviews` (right by
construction: NLM's indexing and the registry's design decide them; the candidate is shown without NLM's terms).

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
from trialgraph.models.tasks.reviews import headings_of, is_labelled, meets_review, review_inputs, screener_view
from trialgraph.models.tasks.splits import SIDES, Split

__all__ = ["EXCLUDED", "INCLUDED", "TASK", "answer_of", "build_screening", "decisions_of"]

TASK = "study_screening"
INCLUDED = 2
EXCLUDED = 4
MAX_REVIEWS_PER_SIDE = 400  # a seeded sample of headings keeps the build small and linear
INCLUDE, EXCLUDE = "include", "exclude"
KIN_SCANNED = 200  # trials read per kin heading: a broad ancestor ("Neoplasms") does not make a review scan the side
OTHERS_SAMPLED = 50  # trials sampled (seeded) for the last, easy exclusions


def _rank(seed: int, *parts: str) -> str:
    return hashlib.sha256("\x1f".join([str(seed), *parts]).encode()).hexdigest()


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
        pool = sorted((t for t in by_side.get(side, ()) if is_labelled(t)), key=lambda t: t.trial_id)
        with_heading: dict[str, list[TrialFacts]] = defaultdict(list)
        for t in pool:
            for heading in headings_of(t):
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
    included = [t for t in indexed if meets_review(t, heading)]
    if len(included) < INCLUDED:
        return "fewer than 2 randomised trials of the heading"
    order = lambda t: _rank(seed, TASK, heading, t.trial_id)  # noqa: E731 - a seeded, stable order
    chosen = sorted(included, key=order)[:INCLUDED]
    indexed_ids = {t.trial_id for t in indexed}
    not_randomised = sorted((t for t in indexed if not meets_review(t, heading)), key=order)
    kin_headings = {h for t in chosen for h in headings_of(t)} - {heading}
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
    inputs = review_inputs(heading)
    record = {
        "id": f"{TASK}:{side}:{heading}",
        "metadata": {"review": heading, "side": side, "built_from": "graph", "seed": seed},
        "inputs": inputs,
        "context": [screener_view(t) for t, _ in candidates],
        "labels": [{"id": trial_id, "label": label} for trial_id, label in decisions],
    }
    anchor = chosen[0].trial_id  # the item's trial for the split's checks: every candidate is on its side
    return TaskItem(
        record["id"], TASK, anchor, side, record, answer_of(decisions), inputs["selection criteria"], record["id"]
    )
