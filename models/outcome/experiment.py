"""The real / synthetic / hybrid comparison, per HINT phase, over several seeds.

Data design (only the shared HINT files are used; the test files are held out by the graders):

* **Phase I** trains on ``phase_I_train.csv.gz`` and is evaluated on ``phase_I_valid.csv``.
* **Phases II and III** have no training file here, so their valid file is split in two by a hash of the NCT id
  (sha256, even → training half, odd → evaluation half; about 50/50, the same on every run and machine, and a trial
  never sits on both sides).

One model per phase, as in HINT's own protocol: the phases differ in base rate (phase III trials succeed twice
as often as they fail, phase II about as often) and in what decides success, and a pooled model would be dominated
by phase I's 909 rows. The phase string stays in the text, so a pooled model (``--hint-test`` without ``--model``
trains on every shared row of every phase) can still tell them apart.

Training sets per phase: ``real`` (the real training rows), ``synthetic`` (every usable synthetic trial of that
phase), and ``hybrid-<share>``: all real rows plus synthetic rows sampled (with the seed, without replacement) so
that they make up ``share`` of the set; with too few synthetic trials all of them are used and the actual share is
reported. A synthetic trial is of phase I, II or III when its phase names that number (``phase 1/phase 2`` counts
for I and II, as in HINT's files). Synthetic trials grounded on, or citing, an evaluation trial are dropped (the
generator may have seen that trial's outcome) and counted. The seed drives the synthetic sampling and the solver's
``random_state``; the figures are mean ± standard deviation over seeds (population std), with each seed's bootstrap
interval averaged.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialgraph.errors import ConfigError
from trialgraph.models.outcome.classifier import DEFAULT_C, OutcomeModel, fit
from trialgraph.models.outcome.embedding import EmbeddingCache
from trialgraph.models.outcome.examples import OutcomeExample, ReadResult
from trialgraph.models.outcome.hint import read_hint
from trialgraph.models.outcome.metrics import METRICS, score_predictions
from trialgraph.settings import get_settings

if TYPE_CHECKING:
    pass

__all__ = [
    "DEFAULT_SHARES",
    "HINT_FILES",
    "PHASES",
    "PhaseData",
    "all_rows_split",
    "condition_names",
    "evaluate_model",
    "hint_folder",
    "load_phases",
    "markdown_table",
    "nct_half",
    "run_experiment",
    "synthetic_of_phase",
    "training_set",
]

HINT_SUBFOLDER = Path("benchmarks/trials/hint-outcome")
# phase → (training file or None, evaluation file): with no training file the evaluation file is split by NCT hash
HINT_FILES: dict[str, tuple[str | None, str]] = {
    "I": ("phase_I_train.csv.gz", "phase_I_valid.csv"),
    "II": (None, "phase_II_valid.csv"),
    "III": (None, "phase_III_valid.csv"),
}
PHASES = tuple(HINT_FILES)
PHASE_NUMBER = {"I": "1", "II": "2", "III": "3"}
DEFAULT_SHARES = (0.2, 0.5)
DEFAULT_SEEDS = (0, 1, 2)


def hint_folder(data: Path | None = None) -> Path:
    """``data``, or ``$TRIALGRAPH_SHARED_DATA/benchmarks/trials/hint-outcome``."""
    if data is not None:
        return Path(data)
    shared = get_settings().shared_data
    if shared is None:
        raise ConfigError("no HINT data: set TRIALGRAPH_SHARED_DATA or pass --data DIR (the hint-outcome folder)")
    return shared / HINT_SUBFOLDER


def nct_half(nct_id: str) -> str:
    """``train`` or ``eval``: the parity of the id's sha256, stable across runs, machines and Python versions."""
    return "train" if int(hashlib.sha256(nct_id.encode()).hexdigest()[:8], 16) % 2 == 0 else "eval"


@dataclass
class PhaseData:
    """One phase's real training and evaluation examples, the files they came from, and how they were split."""

    phase: str
    train: list[OutcomeExample]
    eval: list[OutcomeExample]
    train_files: list[Path]
    eval_files: list[Path]
    design: str
    reads: list[ReadResult] = field(default_factory=list)


def _without(examples: Sequence[OutcomeExample], ids: set[str]) -> list[OutcomeExample]:
    return [e for e in examples if e.nct_id not in ids]


def load_phases(folder: Path, phases: Sequence[str] = PHASES) -> dict[str, PhaseData]:
    """Each phase's split, per the module's data design."""
    unknown = [p for p in phases if p not in HINT_FILES]
    if unknown:
        raise ConfigError(f"unknown phase {', '.join(unknown)}; known: {', '.join(PHASES)}")
    result = {}
    for phase in phases:
        train_name, eval_name = HINT_FILES[phase]
        evaluation = read_hint(folder / eval_name)
        if train_name:
            training = read_hint(folder / train_name)
            held = {e.nct_id for e in evaluation.examples}
            data = PhaseData(
                phase,
                _without(training.examples, held),
                evaluation.examples,
                [folder / train_name],
                [folder / eval_name],
                f"train {train_name}, evaluate {eval_name}",
                [training, evaluation],
            )
        else:
            halves = {h: [e for e in evaluation.examples if nct_half(e.nct_id) == h] for h in ("train", "eval")}
            data = PhaseData(
                phase,
                halves["train"],
                halves["eval"],
                [folder / eval_name],
                [folder / eval_name],
                f"{eval_name} split by sha256(nctid) parity: even → train, odd → evaluate",
                [evaluation],
            )
        result[phase] = data
    return result


def all_rows_split(folder: Path, test: Path) -> PhaseData:
    """For a held-out file: train on every shared HINT row of every phase whose NCT id is not in ``test``."""
    tested = read_hint(test)
    held = {e.nct_id for e in tested.examples}
    reads = [read_hint(folder / name) for names in HINT_FILES.values() for name in names if name]
    seen: set[str] = set()
    train = []
    for example in (e for r in reads for e in r.examples):
        if example.nct_id not in held and example.nct_id not in seen:
            seen.add(example.nct_id)
            train.append(example)
    return PhaseData(
        f"test:{test.name}",
        train,
        tested.examples,
        [Path(r.path) for r in reads],
        [test],
        f"train on all shared HINT rows ({', '.join(Path(r.path).name for r in reads)}) minus the NCT ids of "
        f"{test.name}; evaluate on {test.name}",
        [*reads, tested],
    )


def synthetic_of_phase(pool: Sequence[OutcomeExample], phase: str) -> list[OutcomeExample]:
    """The synthetic trials that belong to a phase's training set (all of them for a held-out file)."""
    number = PHASE_NUMBER.get(phase)
    if number is None:  # a held-out file of any phase: every synthetic trial may help
        return list(pool)
    return [e for e in pool if f"phase {number}" in e.phase]


def _hybrid(share: float) -> Callable[[list[OutcomeExample], list[OutcomeExample], random.Random], list]:
    def build(real: list[OutcomeExample], pool: list[OutcomeExample], rng: random.Random) -> list[OutcomeExample]:
        wanted = round(share * len(real) / (1 - share))
        return real + (rng.sample(pool, wanted) if wanted <= len(pool) else list(pool))

    return build


def _conditions(shares: Sequence[float]) -> dict[str, Callable[..., list[OutcomeExample]]]:
    conditions: dict[str, Callable[..., list[OutcomeExample]]] = {
        "real": lambda real, pool, rng: list(real),
        "synthetic": lambda real, pool, rng: list(pool),
    }
    for share in shares:
        if not 0 < share < 1:
            raise ConfigError(f"a synthetic share must be between 0 and 1 (exclusive), got {share}")
        conditions[f"hybrid-{share:g}"] = _hybrid(share)
    return conditions


def condition_names(shares: Sequence[float] = DEFAULT_SHARES) -> list[str]:
    return list(_conditions(shares))


def training_set(
    condition: str, real: list[OutcomeExample], pool: list[OutcomeExample], *, seed: int, shares: Sequence[float]
) -> list[OutcomeExample]:
    """The training examples of one condition (``real``, ``synthetic``, ``hybrid-<share>``) for one seed."""
    conditions = _conditions(shares)
    if condition not in conditions:
        raise ConfigError(f"unknown condition {condition!r}; known: {', '.join(conditions)}")
    return conditions[condition](real, pool, random.Random(seed))


def evaluate_model(
    model: OutcomeModel, examples: Sequence[OutcomeExample], cache: EmbeddingCache, *, resamples: int, seed: int = 0
) -> dict[str, Any]:
    """A trained model's scores on ``examples``, and how many of them it was trained on (should be 0)."""
    probabilities = model.predict_proba(examples, cache)
    scores = score_predictions([e.label for e in examples], probabilities, resamples=resamples, seed=seed)
    overlap = len({e.nct_id for e in examples} & set(model.training_ids))
    return {**scores.as_dict(), "overlap_with_training_ids": overlap}


def _reference(labels: Sequence[int]) -> dict[str, float]:
    """What no model scores: random scores' PR-AUC (the success share), always-success F1, majority accuracy."""
    share = sum(labels) / len(labels) if labels else 0.0
    return {
        "success_share": round(share, 4),
        "f1_all_success": round(2 * share / (1 + share), 4),
        "accuracy_majority": round(max(share, 1 - share), 4),
    }


def _summary(per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    import numpy as np

    summary = {}
    for name in METRICS:
        values = [s["metrics"][name]["value"] for s in per_seed if s["metrics"][name]["value"] is not None]
        lows = [s["metrics"][name]["ci"][0] for s in per_seed if s["metrics"][name]["ci"][0] is not None]
        highs = [s["metrics"][name]["ci"][1] for s in per_seed if s["metrics"][name]["ci"][1] is not None]
        summary[name] = {
            "mean": round(float(np.mean(values)), 4) if values else None,
            "std": round(float(np.std(values)), 4) if values else None,
            "ci": [round(float(np.mean(lows)), 4), round(float(np.mean(highs)), 4)] if lows else None,
        }
    return summary


def run_experiment(
    phases: dict[str, PhaseData],
    synthetic: Sequence[OutcomeExample],
    cache: EmbeddingCache,
    *,
    seeds: Sequence[int] = DEFAULT_SEEDS,
    shares: Sequence[float] = DEFAULT_SHARES,
    c: float = DEFAULT_C,
    resamples: int = 1000,
) -> dict[str, Any]:
    """One row per (phase, condition): training counts, evaluation size and each metric's mean ± std over seeds.

    Without synthetic trials only the ``real`` condition runs; with some, a phase that has none of its own reports
    its synthetic and hybrid conditions as skipped."""
    started = time.perf_counter()
    rows, skipped = [], []
    for phase, data in phases.items():
        eval_ids = {e.nct_id for e in data.eval}
        candidates = synthetic_of_phase(synthetic, phase)
        pool = [e for e in candidates if not eval_ids & set(e.grounded_on)]
        dropped = len(candidates) - len(pool)
        labels = [e.label for e in data.eval]
        for condition in _conditions(shares) if synthetic else ["real"]:
            if condition != "real" and not pool:
                skipped.append({"phase": phase, "condition": condition, "reason": "no synthetic trials of this phase"})
                continue
            per_seed = []
            for seed in seeds:
                train = training_set(condition, data.train, pool, seed=seed, shares=shares)
                if len({e.label for e in train}) < 2:
                    per_seed = []
                    skipped.append({"phase": phase, "condition": condition, "reason": "training set has one label"})
                    break
                model = fit(train, cache, seed=seed, c=c)
                scores = score_predictions(labels, model.predict_proba(data.eval, cache), resamples=resamples, seed=0)
                n_synthetic = sum(e.is_synthetic for e in train)
                per_seed.append(
                    {"seed": seed, "n_train": len(train), "n_train_synthetic": n_synthetic, **scores.as_dict()}
                )
            if not per_seed:
                continue
            n_train = per_seed[0]["n_train"]
            rows.append(
                {
                    "phase": phase,
                    "condition": condition,
                    "design": data.design,
                    "n_train_real": n_train - per_seed[0]["n_train_synthetic"],
                    "n_train_synthetic": per_seed[0]["n_train_synthetic"],
                    "synthetic_share": round(per_seed[0]["n_train_synthetic"] / n_train, 4),
                    "synthetic_available": len(pool),
                    "synthetic_dropped_grounded_on_eval": dropped,
                    "n_eval": len(labels),
                    "n_eval_success": int(sum(labels)),
                    "reference": _reference(labels),
                    "seeds": list(seeds),
                    "metrics": _summary(per_seed),
                    "per_seed": per_seed,
                }
            )
    return {
        "encoder": cache.info.as_dict(),
        "classifier": {"type": "LogisticRegression", "C": c, "class_weight": "balanced"},
        "resamples": resamples,
        "rows": rows,
        "skipped": skipped,
        "reads": [r.as_dict() for data in phases.values() for r in data.reads],
        "embedded_texts": cache.computed,
        "seconds": round(time.perf_counter() - started, 1),
    }


def markdown_table(result: dict[str, Any]) -> str:
    """The experiment as one markdown table (mean ± std over seeds [mean 95% CI], per phase and condition), then
    what a model that learned nothing would score on each phase's evaluation set."""
    encoder = result["encoder"]
    lines = [
        f"# Outcome prediction: {encoder['model']} ({encoder['version']}) + logistic regression, "
        f"seeds {', '.join(str(s) for s in result['rows'][0]['seeds']) if result['rows'] else '-'}",
        "",
        "| phase | training set | n train (real + synth) | n eval (success) | ROC-AUC | PR-AUC | F1 | accuracy |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        cells = [_cell(row["metrics"][m]) for m in ("roc_auc", "pr_auc", "f1", "accuracy")]
        lines.append(
            f"| {row['phase']} | {row['condition']} | {row['n_train_real']} + {row['n_train_synthetic']} | "
            f"{row['n_eval']} ({row['n_eval_success']}) | {' | '.join(cells)} |"
        )
    lines.append("")
    seen = set()
    for row in result["rows"]:
        if row["phase"] not in seen:
            seen.add(row["phase"])
            ref = row["reference"]
            lines.append(
                f"no model, phase {row['phase']}: ROC-AUC 0.5, PR-AUC {ref['success_share']:.3f} (success share), "
                f"F1 {ref['f1_all_success']:.3f} (all success), accuracy {ref['accuracy_majority']:.3f} (majority)"
            )
    if result["skipped"]:
        lines.append("")
    lines.extend(f"skipped: phase {s['phase']}, {s['condition']}: {s['reason']}" for s in result["skipped"])
    return "\n".join(lines) + "\n"


def _cell(metric: dict[str, Any]) -> str:
    if metric["mean"] is None:
        return "n/a"
    ci = metric["ci"]
    return f"{metric['mean']:.3f} ± {metric['std']:.3f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")
