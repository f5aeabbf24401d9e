"""Real trials with known outcomes, and the pool that finds the ones nearest a generation seed.

Grounding is what separates this from free generation: each synthetic trial is written after the generator has seen
the ``k`` real trials most like its seed, with their outcomes, and its rationale must cite them. The pool is
in memory over labelled trials only (a few thousand at most: outcome labels are rare), ranked by TF-IDF cosine
over conditions, interventions and title, with a small bonus for the seed's phase. Exemplars come from the graph
(:mod:`trialgraph.kg.synth`) or from an outcome file in HINT's layout; both are the same type here.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from trialgraph.model.criteria import LEGACY_WRAP_WIDTH, split_criteria
from trialgraph.model.phases import normalize_phase

__all__ = [
    "Exemplar",
    "ExemplarPool",
    "Seed",
    "criteria_lines",
    "exemplar_from_facts",
    "exemplar_from_outcome",
    "labelled",
]

SAME_PHASE_BONUS = 0.05  # a tie-breaker, fixed before any measurement: topic first, then phase


@dataclass(frozen=True, slots=True)
class Exemplar:
    """One real trial as the generator is shown it. ``label`` is ``success`` or ``failure``."""

    id: str
    label: str
    label_source: str
    phase: str | None = None
    title: str | None = None
    conditions: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()
    arms: tuple[str, ...] = ()
    inclusion: tuple[str, ...] = ()
    exclusion: tuple[str, ...] = ()
    primary_endpoints: tuple[str, ...] = ()
    enrollment: int | None = None

    @property
    def topic(self) -> str:
        return " ".join([*self.conditions, *self.interventions, self.title or ""])


@dataclass(frozen=True, slots=True)
class Seed:
    """What to generate: any of a condition, an intervention (or class), a phase, and the outcome to write.

    ``trial_id`` seeds on a real trial: its own conditions and interventions, and it is never its own exemplar.
    """

    label: str
    condition: str | None = None
    intervention: str | None = None
    phase: str | None = None
    trial_id: str | None = None
    exclude: frozenset[str] = field(default_factory=frozenset)

    @property
    def query(self) -> str:
        return " ".join(x for x in (self.condition, self.intervention) if x)

    def describe(self) -> str:
        parts = [f"{name}={value}" for name, value in self._fields() if value]
        return ", ".join(parts)

    def _fields(self) -> list[tuple[str, str | None]]:
        return [
            ("condition", self.condition),
            ("intervention", self.intervention),
            ("phase", self.phase),
            ("trial", self.trial_id),
            ("label", self.label),
        ]


class ExemplarPool:
    """Nearest labelled real trials to a seed; exemplars named in the seed's ``exclude`` are never returned."""

    def __init__(self, exemplars: Iterable[Exemplar], *, label_source: str) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.exemplars: list[Exemplar] = sorted(exemplars, key=lambda e: e.id)
        self.label_source = label_source
        self._vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1)
        texts = [e.topic for e in self.exemplars]
        self._matrix = self._vectorizer.fit_transform(texts) if any(t.strip() for t in texts) else None

    def __len__(self) -> int:
        return len(self.exemplars)

    def nearest(self, seed: Seed, k: int) -> list[Exemplar]:
        """The ``k`` best by topic similarity (phase as tie-breaker); none when nothing shares a word with the seed.
        A seed with only a phase gets ``k`` trials of that phase."""
        if not seed.query.strip():  # a phase-only seed: that phase's trials, in a seeded order
            same_phase = [
                e for e in self.exemplars if seed.phase and e.phase == seed.phase and e.id not in seed.exclude
            ]
            random.Random(seed.describe()).shuffle(same_phase)
            return same_phase[:k]
        if self._matrix is None:
            return []
        scores = (self._matrix @ self._vectorizer.transform([seed.query]).T).toarray().ravel()
        ranked: list[tuple[float, str, Exemplar]] = []
        for score, exemplar in zip(scores, self.exemplars, strict=True):
            if score <= 0 or exemplar.id in seed.exclude or exemplar.id == seed.trial_id:
                continue
            bonus = SAME_PHASE_BONUS if seed.phase and exemplar.phase == seed.phase else 0.0
            ranked.append((-(float(score) + bonus), exemplar.id, exemplar))
        ranked.sort(key=lambda r: (r[0], r[1]))
        return [exemplar for _, _, exemplar in ranked[:k]]


def labelled(exemplars: Sequence[Exemplar]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for exemplar in exemplars:
        counts[exemplar.label] = counts.get(exemplar.label, 0) + 1
    return counts


def criteria_lines(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """HINT's criteria blob as inclusion and exclusion items: the registry's own splitter, with legacy XML's wrap
    rule (HINT copied the criteria from CT.gov's legacy XML, line breaks and all)."""
    split = split_criteria(text, wrap_width=LEGACY_WRAP_WIDTH)
    return split.inclusion, split.exclusion


def exemplar_from_outcome(example: Any, label_source: str) -> Exemplar:
    """A labelled trial from an outcome file (:class:`~trialgraph.models.outcome.examples.OutcomeExample`)."""
    inclusion, exclusion = criteria_lines(example.criteria)
    try:
        phase = normalize_phase(example.phase) if example.phase else None
    except ValueError:
        phase = None  # an unknown phase does not rank the trial; it stays an exemplar
    return Exemplar(
        id=example.nct_id,
        label="success" if example.label == 1 else "failure",
        label_source=label_source,
        phase=phase,
        conditions=tuple(example.diseases),
        interventions=tuple(example.drugs),
        inclusion=inclusion,
        exclusion=exclusion,
    )


def exemplar_from_facts(facts: Any, label: str, label_source: str) -> Exemplar:
    """A labelled trial from the graph (:class:`~trialgraph.models.tasks.facts.TrialFacts`)."""
    return Exemplar(
        id=facts.nct_id or facts.trial_id,
        label=label,
        label_source=label_source,
        phase=facts.phase,
        title=facts.title,
        conditions=tuple(facts.conditions),
        interventions=tuple(facts.interventions),
        arms=tuple(a.label for a in facts.arms),
        inclusion=tuple(facts.inclusion),
        exclusion=tuple(facts.exclusion),
        primary_endpoints=tuple(e.measure for e in facts.primary_endpoints),
        enrollment=facts.enrollment,
    )
