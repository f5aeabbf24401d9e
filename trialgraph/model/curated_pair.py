"""A cross-registration someone curated: two trial ids of one trial, with who said so and why.

In the core, not in the cross-registration source's folder, because the pair writer (``trialgraph.kg.crossreg``)
and identity resolution read it as well as the parser that makes it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CuratedPair"]


@dataclass(frozen=True, slots=True)
class CuratedPair:
    id_a: str
    id_b: str
    source: str  # "intovalue-registry-crossreg", "intovalue-publication-crossreg", "intovalue-crossreg-pipeline"
    evidence: tuple[str, ...]  # the columns that state it
    candidate: bool = False  # True: a scored candidate, not applied by identity resolution
    score: float | None = None
    origin: str = ""
