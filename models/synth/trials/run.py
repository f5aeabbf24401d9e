"""Seeds and one call that runs a batch with a named model: shared by the API, the CLI and the experiment."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trialgraph.models.synth.trials.batch import Batch, run_batch, run_batch_resumable
from trialgraph.models.synth.trials.exemplars import ExemplarPool, Seed
from trialgraph.models.synth.trials.generation import GenerationSettings, balanced_labels, model_generate

__all__ = ["make_seeds", "outcome_judge", "seeds_from_examples", "synthesize"]


def make_seeds(
    count: int,
    label: str,
    *,
    seed: int = 0,
    condition: str | None = None,
    intervention: str | None = None,
    phase: str | None = None,
    base: Seed | None = None,
) -> list[Seed]:
    """``count`` seeds on one topic; ``label`` is ``success``, ``failure`` or ``balanced`` (half each, seeded)."""
    labels = balanced_labels(count, seed) if label == "balanced" else [label] * count
    if base is not None:
        return [Seed(lab, base.condition, base.intervention, base.phase, base.trial_id, base.exclude) for lab in labels]
    return [Seed(lab, condition, intervention, phase) for lab in labels]


def seeds_from_examples(examples: Sequence[Any], count: int, label: str = "balanced", *, seed: int = 0) -> list[Seed]:
    """``count`` seeds drawn (seeded, without replacement) from outcome rows: each row's diseases, drugs and
    phase, labelled ``label`` (or half each); a seed row is excluded from its own exemplars."""
    from trialgraph.models.synth.trials.exemplars import exemplar_from_outcome

    rows = random.Random(seed).sample(list(examples), min(count, len(examples)))
    labels = balanced_labels(len(rows), seed) if label == "balanced" else [label] * len(rows)
    seeds = []
    for row, label in zip(rows, labels, strict=True):
        exemplar = exemplar_from_outcome(row, "seed")
        seeds.append(
            Seed(
                label,
                condition="; ".join(exemplar.conditions[:3]) or None,
                intervention="; ".join(exemplar.interventions[:3]) or None,
                phase=exemplar.phase,
                trial_id=row.nct_id,
                exclude=frozenset([row.nct_id]),
            )
        )
    return seeds


def _embedder() -> Any:
    import numpy as np

    from trialgraph.models.encoders import load_encoder

    encoder = load_encoder("minilm")
    return lambda texts: np.asarray(encoder.encode(list(texts)))


def synthesize(
    seeds: Sequence[Seed],
    pool: ExemplarPool,
    *,
    model_spec: str,
    home: Path,
    k: int = 3,
    seed: int = 0,
    embed: bool = False,
    judge: Path | None = None,
    software_version: str = "unknown",
    out: Path | None = None,
    chunk: int = 4,
) -> Batch:
    """One batch with a named model; with ``out``, each finished seed is journalled beside it and a rerun
    resumes (:func:`~trialgraph.models.synth.trials.batch.run_batch_resumable`)."""
    from trialgraph.models.language_models import load_language_model

    model = load_language_model(model_spec, home)
    settings = GenerationSettings(k=k, seed=seed, software_version=software_version)
    options: dict[str, Any] = {
        "generator": model.name,
        "generator_version": model.version,
        "settings": settings,
        "embed": _embedder() if embed else None,
        "judge": outcome_judge(judge) if judge else None,
    }
    if out is not None:
        return run_batch_resumable(seeds, pool, model_generate(model), out=out, chunk=chunk, **options)
    return run_batch(seeds, pool, model_generate(model), **options)


def outcome_judge(folder: Path) -> tuple[str, Any]:
    """A judge for label consistency: an outcome model trained with ``trialgraph outcome train`` (on real trials),
    scoring each synthetic trial's P(success) from the same fields HINT gives (phase, diseases, drugs, criteria)."""
    from trialgraph.models.outcome.classifier import load_model
    from trialgraph.models.outcome.embedding import EmbeddingCache
    from trialgraph.models.outcome.synthetic import synthetic_example

    model = load_model(folder)
    encoder = model.manifest["encoder"]
    cache = EmbeddingCache(encoder["name"], max_tokens=encoder.get("max_tokens"))

    def judge(trials: Sequence[Any]) -> list[float]:
        examples = [synthetic_example(t.as_row()) for t in trials]
        usable = [e for e in examples if not isinstance(e, str)]
        probabilities = iter(model.predict_proba(usable, cache)) if usable else iter(())
        # a trial the outcome reader cannot use (no drug, no criteria) counts as a disagreement: 0.5 is no verdict
        return [
            float(next(probabilities)) if not isinstance(e, str) else (0.0 if t.label == "success" else 1.0)
            for e, t in zip(examples, trials, strict=True)
        ]

    return f"outcome model {folder} ({encoder['name']}, C={model.manifest['classifier']['C']})", judge
