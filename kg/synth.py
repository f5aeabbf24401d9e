"""The graph side of synthetic-trial generation: real trials with known outcomes, and seeds taken from real trials.

Outcome labels are not registry facts (a registry says *completed*, not *succeeded*): they come from an outcome
file keyed by NCT id (HINT's layout), joined here to the graph's trials. Only trials with a label become exemplars.
Reads only, in read transactions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import neo4j

from trialgraph.kg.tasks import read_trial_facts
from trialgraph.models.synth.trials.exemplars import Exemplar, ExemplarPool, Seed, exemplar_from_facts
from trialgraph.models.tasks.facts import TrialFacts

__all__ = ["graph_exemplars", "graph_seeds_and_pool", "seed_from_trial"]

LABEL_NAMES = {1: "success", 0: "failure"}


def graph_exemplars(
    driver: neo4j.Driver, labels: Mapping[str, int], *, label_source: str, database: str = "neo4j"
) -> list[Exemplar]:
    """Every graph trial whose NCT id has an outcome label; ``labels`` maps NCT id → 1 (success) or 0 (failure)."""
    return [
        exemplar_from_facts(facts, LABEL_NAMES[labels[facts.nct_id]], label_source)
        for facts in read_trial_facts(driver, database=database)
        if facts.nct_id and facts.nct_id in labels
    ]


def seed_from_trial(facts: TrialFacts, label: str, *, exclude: Sequence[str] = ()) -> Seed:
    """A seed on a real trial: its conditions, interventions and phase; it and its twins are never exemplars."""
    return Seed(
        label=label,
        condition="; ".join(facts.conditions[:3]) or None,
        intervention="; ".join(facts.interventions[:3]) or None,
        phase=facts.phase,
        trial_id=facts.nct_id or facts.trial_id,
        exclude=frozenset([facts.trial_id, *(facts.nct_id or "",), *exclude]),
    )


def trial_facts_by_id(driver: neo4j.Driver, trial_id: str, *, database: str = "neo4j") -> TrialFacts | None:
    """The facts of one trial named by its NCT id, trial id or one of its record ids."""
    for facts in read_trial_facts(driver, database=database):
        if trial_id in (facts.nct_id, facts.trial_id, *facts.record_ids):
            return facts
    return None


def graph_seeds_and_pool(
    driver: neo4j.Driver,
    labels: Sequence[Path],
    *,
    trial: str | None,
    pool: str,
    count: int,
    label: str,
    seed: int,
    condition: str | None = None,
    intervention: str | None = None,
    phase: str | None = None,
    database: str = "neo4j",
) -> tuple[list[Seed], ExemplarPool]:
    """The seeds and the exemplar pool of a batch that reads the graph (a seed trial, or the graph's labelled
    trials): shared by the API and by the CLI, which generates them resumably into its output file."""
    from trialgraph.errors import UnknownNameError
    from trialgraph.models.synth.trials.pools import build_pool, label_source_of, read_labels
    from trialgraph.models.synth.trials.run import make_seeds

    paths = list(labels)
    examples, _rejected = read_labels(paths)
    base = None
    if trial:
        facts = trial_facts_by_id(driver, trial, database=database)
        if facts is None:
            raise UnknownNameError(f"no trial {trial!r} in the graph")
        base = seed_from_trial(facts, "success", exclude=facts.twins)
    seeds = make_seeds(count, label, seed=seed, condition=condition, intervention=intervention, phase=phase, base=base)
    exemplars = build_pool(pool, examples, label_source_of(paths), driver=driver, database=database)
    return seeds, exemplars
