"""What every retriever returns: trials, their scores per component, and how to rerun the search."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Hit", "shown_parameters"]


def shown_parameters(parameters: tuple[dict[str, Any], ...], *, with_vectors: bool) -> list[dict[str, Any]]:
    """Statement parameters for JSON output; query vectors are elided unless asked for (384 floats help no reader)."""
    return [
        {k: (v if with_vectors or k != "query_vector" else f"<{len(v)} floats>") for k, v in p.items()}
        for p in parameters
    ]


@dataclass(frozen=True, slots=True)
class Hit:
    """One retrieved trial.

    ``score`` is the retriever's own (BM25, cosine, fused); ``components`` holds each contributing retriever's
    score, and for fused results its rank too. ``cypher`` and ``parameters`` rerun the search that found the
    trial in Neo4j Browser (a fused hit lists each component's statement).
    """

    trial_id: str
    record_id: str
    score: float
    retriever: str
    components: dict[str, float] = field(default_factory=dict)
    cypher: tuple[str, ...] = ()
    parameters: tuple[dict[str, Any], ...] = ()

    def as_dict(self, *, with_vectors: bool = False) -> dict[str, Any]:
        """A JSON-ready dict; query vectors are elided unless asked for (384 floats help no reader)."""
        return {
            "trial_id": self.trial_id,
            "record_id": self.record_id,
            "score": round(self.score, 6),
            "retriever": self.retriever,
            "components": {k: round(v, 6) for k, v in self.components.items()},
            "cypher": list(self.cypher),
            "parameters": shown_parameters(self.parameters, with_vectors=with_vectors),
        }
