"""Train, validation and test by trial and by date: a twin group never straddles a cut, and each later split is
registered later.

TrialPanorama splits at random; a model could then learn a trial from its later-registered sibling. Here all
records of a trial are one ``Trial`` node already, and trials linked by ``SAME_TRIAL_AS`` (even as candidates)
form one group dated by its earliest registration. Groups are sorted by that date: the latest ``test_share`` go to
test, the ``validation_share`` before them to validation (for choosing steps and rates without looking at test),
the rest to train. Every group registered on a cut date goes to the later side, so each test trial is registered
strictly later than every validation trial, and each validation trial strictly later than every training trial.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from trialgraph.models.tasks.facts import TrialFacts

__all__ = ["Split", "split_by_date", "twin_groups"]

TEST_SHARE = 0.2
VALIDATION_SHARE = 0.1
SIDES = ("train", "validation", "test")


@dataclass(frozen=True, slots=True)
class Split:
    """Which side each trial is on; ``undated`` trials (no registration date) are left out of every task."""

    side: dict[str, str]
    cut_date: str | None  # the first test date
    undated: tuple[str, ...]
    validation_date: str | None = None  # the first validation date
    groups: dict[str, str] = field(default_factory=dict)  # trial id -> its group's smallest trial id

    def of(self, trial_id: str) -> str | None:
        return self.side.get(trial_id)

    def group_of(self, trial_id: str) -> str:
        return self.groups.get(trial_id, trial_id)

    def train_ids(self) -> frozenset[str]:
        return frozenset(t for t, s in self.side.items() if s == "train")


def twin_groups(trial_ids: Iterable[str], pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Union-find over twin pairs: each trial id -> the smallest id of its group."""
    parent = {t: t for t in trial_ids}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {t: root(t) for t in list(parent)}


def split_by_date(
    trials: Sequence[TrialFacts],
    twin_pairs: Iterable[tuple[str, str]] = (),
    *,
    test_share: float = TEST_SHARE,
    validation_share: float = VALIDATION_SHARE,
) -> Split:
    """Assign whole twin groups to train, validation or test by their earliest registration date."""
    groups = twin_groups((t.trial_id for t in trials), twin_pairs)
    dates: dict[str, str] = {}
    for trial in trials:
        if trial.registration_date:
            group = groups[trial.trial_id]
            dates[group] = min(dates.get(group, trial.registration_date), trial.registration_date)
    ordered = sorted(dates.items(), key=lambda item: (item[1], item[0]))
    side: dict[str, str] = {}
    cut_date = validation_date = None
    if ordered:
        last = len(ordered) - 1
        cut_date = ordered[min(last, int(len(ordered) * (1 - test_share)))][1]
        validation_date = ordered[min(last, int(len(ordered) * (1 - test_share - validation_share)))][1]
        group_side = {
            group: "test" if day >= cut_date else "validation" if day >= validation_date else "train"
            for group, day in ordered
        }
        for trial in trials:
            group = groups[trial.trial_id]
            if group in group_side:
                side[trial.trial_id] = group_side[group]
    undated = tuple(sorted(t.trial_id for t in trials if t.trial_id not in side))
    return Split(side=side, cut_date=cut_date, undated=undated, validation_date=validation_date, groups=groups)
