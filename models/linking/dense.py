"""A dense re-ranker over the TF-IDF linker's candidates, and the self-alignment training that makes its encoder.

Why: character 3-grams find "heart attack" nowhere near "Myocardial Infarction"; an encoder that has learnt that
names of one concept belong together does. No biomedical encoder installs here, so we make one the way SapBERT
did (Liu et al. 2021): fine-tune a general encoder (MiniLM) on the vocabularies' own synonym pairs with a
metric-learning loss. We use sentence-transformers' MultipleNegativesRankingLoss (in-batch negatives: every other
pair's name in the batch is a negative), the contrastive cousin of SapBERT's multi-similarity loss, because it
needs no hard-negative mining and trains on CPU at small scale.

The re-ranker never invents candidates: it reorders the TF-IDF generator's top concepts (of the allowed types)
by the cosine between the mention and each concept's best-matching name. Any sentence-transformers folder works
as its encoder: the untuned MiniLM, the one ``train_encoder`` writes, or a real SapBERT folder a user has.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from trialgraph.models.progress_bars import quiet_progress

__all__ = ["CARD", "DenseReranker", "EncoderCard", "synonym_pairs", "train_encoder"]

CARD = "linker_encoder_card.json"
METHOD_VERSION = "dense-rerank-1"


def synonym_pairs(kb: Any, *, max_pairs: int, seed: int = 0) -> list[tuple[str, str]]:
    """Pairs of two different names of one concept, from a scispaCy ``KnowledgeBase`` (canonical name and
    aliases); at most ``max_pairs``, one per concept first, then a second per concept, and so on, so that many
    concepts are seen rather than a few with long synonym lists. Deterministic for a seed."""
    rng = random.Random(seed)
    per_concept: list[list[tuple[str, str]]] = []
    for curie in sorted(kb.cui_to_entity):
        entity = kb.cui_to_entity[curie]
        names = sorted({entity.canonical_name.lower(), *(a.lower() for a in entity.aliases)})
        if len(names) < 2:
            continue
        pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
        rng.shuffle(pairs)
        per_concept.append(pairs)
    rng.shuffle(per_concept)
    chosen: list[tuple[str, str]] = []
    round_ = 0
    while len(chosen) < max_pairs and any(len(p) > round_ for p in per_concept):
        for pairs in per_concept:
            if round_ < len(pairs):
                chosen.append(pairs[round_])
                if len(chosen) == max_pairs:
                    break
        round_ += 1
    return chosen


@dataclass(frozen=True, slots=True)
class EncoderCard:
    """What a trained linker encoder was made from: written beside the weights, recorded with every figure."""

    base: str
    base_version: str
    method: str
    pairs: int
    pairs_hash: str
    index_hash: str
    seed: int
    steps: int
    batch_size: int
    learning_rate: float
    first_loss: float | None
    last_loss: float | None
    device: str
    seconds: float


def _pairs_hash(pairs: Sequence[tuple[str, str]]) -> str:
    return hashlib.sha256(json.dumps(list(pairs)).encode()).hexdigest()[:16]


def train_encoder(
    base: Path,
    pairs: Sequence[tuple[str, str]],
    out: Path,
    *,
    base_version: str = "unknown",
    index_hash: str = "",
    seed: int = 0,
    batch_size: int = 32,
    max_steps: int = -1,
    learning_rate: float = 2e-5,
) -> EncoderCard:
    """Fine-tune the encoder at ``base`` on synonym ``pairs`` (one epoch, or ``max_steps``) into ``out``."""
    import torch
    from datasets import Dataset
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.sentence_transformer.training_args import SentenceTransformerTrainingArguments
    from transformers import TrainerCallback
    from transformers.trainer_callback import PrinterCallback

    started = time.perf_counter()
    with quiet_progress(transformers=True):
        model = SentenceTransformer(str(base))
    data = Dataset.from_dict({"anchor": [a for a, _ in pairs], "positive": [b for _, b in pairs]})
    losses_seen: list[float] = []

    class _Losses(TrainerCallback):  # type: ignore[misc]
        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **kw: Any) -> None:
            if logs and "loss" in logs:
                losses_seen.append(float(logs["loss"]))

    arguments = SentenceTransformerTrainingArguments(
        output_dir=str(out / "checkpoints"),
        num_train_epochs=1,
        max_steps=max_steps,
        per_device_train_batch_size=batch_size,
        learning_rate=learning_rate,
        seed=seed,
        data_seed=seed,
        logging_steps=max(1, min(50, len(pairs) // batch_size // 10 or 1)),
        save_strategy="no",
        dataloader_pin_memory=torch.cuda.is_available(),  # pinning without a GPU only warns
        report_to=[],
        disable_tqdm=True,
    )
    trainer = SentenceTransformerTrainer(
        model=model,
        args=arguments,
        train_dataset=data,
        loss=MultipleNegativesRankingLoss(model),
        callbacks=[_Losses()],
    )
    trainer.remove_callback(PrinterCallback)  # the card keeps the losses; the CLI prints one summary line
    result = trainer.train()
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    card = EncoderCard(
        base=str(base),
        base_version=base_version,
        method=f"self-alignment-mnrl-1 ({METHOD_VERSION})",
        pairs=len(pairs),
        pairs_hash=_pairs_hash(pairs),
        index_hash=index_hash,
        seed=seed,
        steps=int(result.global_step),
        batch_size=batch_size,
        learning_rate=learning_rate,
        first_loss=losses_seen[0] if losses_seen else None,
        last_loss=losses_seen[-1] if losses_seen else None,
        device=str(model.device),
        seconds=round(time.perf_counter() - started, 1),
    )
    (out / CARD).write_text(json.dumps(asdict(card), indent=1), encoding="utf-8")
    return card


class DenseReranker:
    """Reorders candidate concepts by the cosine between a mention and each concept's closest name."""

    def __init__(self, folder: Path, *, batch_size: int = 128) -> None:
        from sentence_transformers import SentenceTransformer

        self.folder = folder
        with quiet_progress(transformers=True):
            self.model = SentenceTransformer(str(folder))
        self.batch_size = batch_size
        self._cache: dict[str, Any] = {}

    @property
    def name(self) -> str:
        card = self.folder / CARD
        if card.is_file():
            made = json.loads(card.read_text(encoding="utf-8"))
            return f"{METHOD_VERSION}+{made['method']}+{made['pairs_hash']}"
        return f"{METHOD_VERSION}+{self.folder.name}"

    def _vectors(self, texts: Sequence[str]) -> dict[str, Any]:
        missing = sorted({t for t in texts if t not in self._cache})
        if missing:
            encoded = self.model.encode(
                missing, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
            )
            self._cache.update(zip(missing, encoded, strict=True))
        return self._cache

    def rerank(
        self, mentions: Sequence[str], candidates: Sequence[Sequence[tuple[str, Sequence[str]]]]
    ) -> list[list[str]]:
        """For each mention, its candidate concepts ``(curie, names)`` ordered by dense similarity, best first
        (ties keep the given order)."""
        names = [n.lower() for per in candidates for _, concept_names in per for n in concept_names]
        vectors = self._vectors([m.lower() for m in mentions] + names)
        ranked = []
        for mention, per in zip(mentions, candidates, strict=True):
            query = vectors[mention.lower()]
            scored = [
                (-max(float(query @ vectors[n.lower()]) for n in concept_names), position, curie)
                for position, (curie, concept_names) in enumerate(per)
            ]
            ranked.append([curie for _, _, curie in sorted(scored)])
        return ranked
