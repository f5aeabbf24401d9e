"""Quality checks on a batch of synthetic trials: copying, realism, label consistency.

- **Copying**: a synthetic trial whose word 5-grams are mostly found in one real trial (containment), or whose
  embedding is almost that of one real trial, is a copy, not a new trial: it is dropped and counted. Candidates are
  the pool's 20 nearest real trials by topic, so the cost grows with the batch, not with batch × pool.
- **Realism**: phase, enrollment, number of arms, number and length of criteria, synthetic against the real trials
  the batch was grounded on (two-sample Kolmogorov–Smirnov statistics), and a classifier two-sample test: if a
  cross-validated logistic regression on those features separates synthetic from real no better than chance
  (ROC-AUC near 0.5), the batch is realistic in those terms.
- **Label consistency**: a judge (the outcome classifier trained on real trials, or a model) scores each synthetic
  trial; the share whose judged outcome agrees with the label written is reported beside the judge's name.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

from trialgraph.models.synth.trials.exemplars import Exemplar, ExemplarPool, Seed
from trialgraph.models.synth.trials.records import SyntheticTrial

__all__ = ["COPY_CONTAINMENT", "COPY_COSINE", "CopyCheck", "check_copies", "label_consistency", "realism"]

COPY_CONTAINMENT = 0.5  # share of a synthetic trial's 5-grams found in one real trial: above it, a copy
COPY_COSINE = 0.95  # embedding cosine with one real trial: above it, a copy
NGRAM = 5
CANDIDATES = 20
MIN_PER_SIDE = 10  # fewer trials on a side and the two-sample test is not run (reported as such)
_WORD = re.compile(r"[a-z0-9]+")


def _synthetic_text(trial: SyntheticTrial) -> str:
    d = trial.design
    return "\n".join([d.title, *d.inclusion_criteria, *d.exclusion_criteria, *d.primary_endpoints])


def _real_text(exemplar: Exemplar) -> str:
    return "\n".join([exemplar.title or "", *exemplar.inclusion, *exemplar.exclusion, *exemplar.primary_endpoints])


def _ngrams(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + NGRAM]) for i in range(len(words) - NGRAM + 1)}


@dataclass(frozen=True, slots=True)
class CopyCheck:
    trial_id: str
    nearest_real: str | None
    containment: float
    cosine: float | None

    @property
    def is_copy(self) -> bool:
        return self.containment >= COPY_CONTAINMENT or (self.cosine is not None and self.cosine >= COPY_COSINE)


Embed = Callable[[Sequence[str]], Any]  # texts -> (n, d) normalised vectors


def check_copies(trials: Sequence[SyntheticTrial], pool: ExemplarPool, embed: Embed | None = None) -> list[CopyCheck]:
    """For each synthetic trial, its closest real trial among the pool's nearest by topic, by both measures."""
    checks: list[CopyCheck] = []
    for trial in trials:
        d = trial.design
        seed = Seed(
            label=trial.label, condition=" ".join(d.conditions), intervention=" ".join(i.name for i in d.interventions)
        )
        # the exemplars it was shown first (the likeliest source of a copy), then the nearest by its own topic
        shown = [e for e in pool.exemplars if e.id in set(trial.provenance.grounded_on)]
        candidates = shown + [e for e in pool.nearest(seed, CANDIDATES) if e not in shown]
        grams = _ngrams(_synthetic_text(trial))
        best_id, best = None, 0.0
        for real in candidates:
            overlap = len(grams & _ngrams(_real_text(real))) / len(grams) if grams else 0.0
            if overlap > best or best_id is None:
                best_id, best = real.id, overlap
        cosine = None
        if embed is not None and candidates:
            vectors = embed([_synthetic_text(trial), *(_real_text(r) for r in candidates)])
            cosine = float(max(vectors[1:] @ vectors[0]))
        checks.append(CopyCheck(trial.id, best_id, round(best, 4), None if cosine is None else round(cosine, 4)))
    return checks


def _features_synthetic(trial: SyntheticTrial) -> dict[str, float]:
    d = trial.design
    criteria = [*d.inclusion_criteria, *d.exclusion_criteria]
    return {
        "log_enrollment": math.log10(d.enrollment),
        "arms": float(len(d.arms)),
        "criteria": float(len(criteria)),
        "criterion_words": sum(len(c.split()) for c in criteria) / max(len(criteria), 1),
        "title_words": float(len(d.title.split())),
    }


def _features_real(exemplar: Exemplar) -> dict[str, float] | None:
    criteria = [*exemplar.inclusion, *exemplar.exclusion]
    if not exemplar.enrollment or not criteria or not exemplar.title:
        return None  # a real trial missing a feature is left out of the comparison, not imputed
    return {
        "log_enrollment": math.log10(exemplar.enrollment),
        "arms": float(len(exemplar.arms)),
        "criteria": float(len(criteria)),
        "criterion_words": sum(len(c.split()) for c in criteria) / len(criteria),
        "title_words": float(len(exemplar.title.split())),
    }


def _summary(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    q = lambda p: ordered[min(len(ordered) - 1, int(p * len(ordered)))]  # noqa: E731
    return {"median": round(median(ordered), 3), "q1": round(q(0.25), 3), "q3": round(q(0.75), 3)}


def realism(trials: Sequence[SyntheticTrial], real: Sequence[Exemplar], *, seed: int = 0) -> dict[str, Any]:
    """Synthetic against real on the features both have; the two-sample classifier only with enough of each."""
    from scipy.stats import ks_2samp

    synthetic_rows = [_features_synthetic(t) for t in trials]
    real_rows = [r for r in (_features_real(e) for e in real) if r is not None]
    out: dict[str, Any] = {"synthetic": len(synthetic_rows), "real": len(real_rows), "features": {}}
    phases_s = Counter(t.design.phase for t in trials)
    phases_r = Counter(e.phase or "unknown" for e in real)
    out["phase"] = {"synthetic": dict(phases_s), "real": dict(phases_r)}
    if synthetic_rows and real_rows:
        for name in synthetic_rows[0]:
            s = [row[name] for row in synthetic_rows]
            r = [row[name] for row in real_rows]
            ks = ks_2samp(s, r)
            out["features"][name] = {
                "synthetic": _summary(s),
                "real": _summary(r),
                "ks": round(float(ks.statistic), 3),
                "ks_p": round(float(ks.pvalue), 4),
            }
    if real and not real_rows:
        out["two_sample_auc"] = {"auc": None, "reason": "the real trials lack these features (e.g. HINT's files)"}
    else:
        out["two_sample_auc"] = _two_sample_auc(synthetic_rows, real_rows, seed=seed)
    return out


def _two_sample_auc(synthetic: list[dict[str, float]], real: list[dict[str, float]], *, seed: int) -> dict[str, Any]:
    if min(len(synthetic), len(real)) < MIN_PER_SIDE:
        return {"auc": None, "reason": f"fewer than {MIN_PER_SIDE} trials on a side"}
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    names = list(synthetic[0])
    x = np.array([[row[n] for n in names] for row in [*synthetic, *real]])
    y = np.array([1] * len(synthetic) + [0] * len(real))
    folds = min(5, len(synthetic), len(real))
    scores = cross_val_score(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        x,
        y,
        cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
        scoring="roc_auc",
    )
    return {"auc": round(float(scores.mean()), 3), "auc_std": round(float(scores.std()), 3), "folds": folds}


Judge = Callable[[Sequence[SyntheticTrial]], Sequence[float]]  # -> probability of success per trial


def label_consistency(trials: Sequence[SyntheticTrial], judge: Judge, judge_name: str) -> dict[str, Any]:
    """The share of trials whose judged outcome (probability of success ≥ 0.5) is the label they were written with."""
    if not trials:
        return {"judge": judge_name, "n": 0, "agreement": None}
    probabilities = judge(trials)
    agree = sum((p >= 0.5) == (t.label == "success") for p, t in zip(probabilities, trials, strict=True))
    by_label = Counter(t.label for t in trials)
    return {"judge": judge_name, "n": len(trials), "agreement": round(agree / len(trials), 4), "labels": dict(by_label)}
