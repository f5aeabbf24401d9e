"""A logistic regression on frozen sentence embeddings of a trial's phase, diseases, drugs and criteria.

The settings were fixed before any evaluation figure was seen and are never tuned on an evaluation split:
``C = 1.0`` on the encoder's unit-length vectors (strong L2 shrinkage for a few hundred examples in 384
dimensions, so the weights lean towards the difference of the class means), and ``class_weight="balanced"``
because success rates differ by phase (47 % in phase II, 67 % in phase III) and a synthetic set may have any label
mix: the decision threshold should not just copy the training base rate. The lbfgs solver is deterministic, so
with real data only every seed gives the same model; the seed matters where data are sampled.

A saved model is a folder: ``classifier.joblib`` (the scikit-learn estimator), ``manifest.json`` (encoder name and
version, training files with their sha256, label counts per source, settings, seed, software versions) and
``training_ids.txt`` (the NCT ids it was trained on, so an evaluation can check it does not overlap them). joblib
files are pickles: load only models you made or trust.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialgraph.errors import ConfigError, SourceError
from trialgraph.models.outcome.embedding import EmbeddingCache
from trialgraph.models.outcome.examples import OutcomeExample, example_text

if TYPE_CHECKING:
    import numpy as np

__all__ = ["DEFAULT_C", "OutcomeModel", "file_sha256", "fit", "load_model"]

DEFAULT_C = 1.0
CLASS_WEIGHT = "balanced"
MAX_ITER = 2000
MANIFEST = "manifest.json"
ESTIMATOR = "classifier.joblib"
TRAINING_IDS = "training_ids.txt"


def _sklearn() -> Any:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as e:
        raise ConfigError(f"outcome prediction needs scikit-learn: pip install 'trialgraph[link]' ({e.name})") from None
    return LogisticRegression


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _counts(examples: Sequence[OutcomeExample]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = {}
    for e in examples:
        counts.setdefault(e.source, Counter())["success" if e.label else "failure"] += 1
    return {source: {"success": c["success"], "failure": c["failure"]} for source, c in sorted(counts.items())}


@dataclass
class OutcomeModel:
    """A fitted estimator and the facts needed to reproduce it."""

    estimator: Any
    manifest: dict[str, Any]
    training_ids: list[str] = field(default_factory=list)

    def predict_proba(self, examples: Sequence[OutcomeExample], cache: EmbeddingCache) -> np.ndarray:
        """P(success) per example."""
        import numpy as np

        encoder = self.manifest["encoder"]
        trained = (encoder["model"], encoder["version"], encoder.get("max_tokens"))
        given = (cache.info.model, cache.info.version, cache.info.max_tokens)
        if trained != given:
            raise ConfigError(
                f"model was trained on {'@'.join(map(str, trained))} vectors, not {'@'.join(map(str, given))}: "
                f"use --encoder {encoder['name']} --max-tokens {encoder.get('max_tokens')}"
            )
        if not examples:
            return np.zeros(0)
        vectors = cache.embed([example_text(e) for e in examples])
        column = list(self.estimator.classes_).index(1)
        return self.estimator.predict_proba(vectors)[:, column]

    def save(self, folder: Path) -> Path:
        import joblib

        folder.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.estimator, folder / ESTIMATOR)
        (folder / TRAINING_IDS).write_text("".join(f"{i}\n" for i in self.training_ids), encoding="utf-8")
        (folder / MANIFEST).write_text(json.dumps(self.manifest, indent=2) + "\n", encoding="utf-8")
        return folder


def fit(
    examples: Sequence[OutcomeExample],
    cache: EmbeddingCache,
    *,
    seed: int = 0,
    c: float = DEFAULT_C,
    training_files: Sequence[Path] = (),
    extra: dict[str, Any] | None = None,
) -> OutcomeModel:
    """Fit on ``examples`` (both labels needed); ``training_files`` are hashed into the manifest."""
    import numpy as np

    labels = np.array([e.label for e in examples], dtype=int)
    if len(set(labels.tolist())) < 2:
        raise ConfigError(f"training needs both successes and failures; got {len(labels)} examples of one label")
    estimator = _sklearn()(C=c, class_weight=CLASS_WEIGHT, max_iter=MAX_ITER, random_state=seed)
    estimator.fit(cache.embed([example_text(e) for e in examples]), labels)
    manifest = {
        "kind": "trialgraph outcome classifier",
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "encoder": cache.info.as_dict(),
        "classifier": {"type": "LogisticRegression", "C": c, "class_weight": CLASS_WEIGHT, "max_iter": MAX_ITER},
        "seed": seed,
        "text": "phase | diseases | drugs | criteria (HINT inputs only; status and why_stop never read)",
        "training_files": [{"path": str(p), "sha256": file_sha256(p)} for p in training_files],
        "counts": _counts(examples),
        "n_train": len(examples),
        "software": {name: _version(name) for name in ("trialgraph", "scikit-learn", "sentence-transformers")},
        **(extra or {}),
    }
    ids = sorted({e.nct_id for e in examples if not e.is_synthetic})
    return OutcomeModel(estimator, manifest, ids)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def load_model(folder: Path) -> OutcomeModel:
    """A model saved by :meth:`OutcomeModel.save`; a missing or partial folder is a one-line error."""
    folder = Path(folder)
    missing = [name for name in (MANIFEST, ESTIMATOR) if not (folder / name).is_file()]
    if missing:
        raise SourceError(f"{folder}: not a trained outcome model (missing {', '.join(missing)})")
    import joblib

    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        estimator = joblib.load(folder / ESTIMATOR)
    except (OSError, ValueError, EOFError) as e:
        raise SourceError(f"{folder}: cannot load the outcome model ({e})") from None
    ids_file = folder / TRAINING_IDS
    ids = ids_file.read_text(encoding="utf-8").split() if ids_file.is_file() else []
    return OutcomeModel(estimator, manifest, ids)
