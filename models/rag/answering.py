"""``ask``: retrieve trials, build their context, and let a language model answer with citations.

The answer says who made it (model name and version, prompt version, retriever) and which trials it was shown,
and its citations are checked against them: an id the model cites that was not in its context is reported as
unsupported, never passed off as a source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from trialgraph.models.prompt_files import load_prompt

__all__ = ["Answer", "ask_messages", "cited_ids", "make_answer", "prompt_version"]

_ID = re.compile(r"\[([A-Za-z0-9][A-Za-z0-9_\-/.]{3,40})\]")


def prompt_version() -> str:
    return load_prompt("trialgraph.models.rag", "ask").version


def ask_messages(question: str, context_text: str) -> list[dict[str, str]]:
    return [
        {
            "role": "user",
            "content": load_prompt("trialgraph.models.rag", "ask").body.substitute(
                context=context_text, question=question
            ),
        }
    ]


def cited_ids(text: str) -> list[str]:
    return list(dict.fromkeys(_ID.findall(text)))


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    text: str
    model: str
    model_version: str
    prompt_version: str
    retriever: str
    context_trials: list[str]
    cited: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # cited but not in the context
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "error": self.error,
            "cited": self.cited,
            "unsupported_citations": self.unsupported,
            "context_trials": self.context_trials,
            "made_by": {
                "model": self.model,
                "model_version": self.model_version,
                "prompt_version": self.prompt_version,
                "retriever": self.retriever,
            },
        }


def make_answer(
    question: str, text: str, error: str | None, *, model: Any, retriever: str, context_trials: list[str]
) -> Answer:
    cited = cited_ids(text)
    known = set(context_trials)
    return Answer(
        question,
        text,
        model.name,
        model.version,
        prompt_version(),
        retriever,
        context_trials,
        [c for c in cited if c in known],
        [c for c in cited if c not in known],
        error,
    )
