"""Prompts and answer parsing, per task kind: the templates are files (``prompts/``), versioned in their first
line, and every report quotes the versions it used.

Parsing is strict on purpose: an answer is the first JSON object in the reply that has the task's key with a
valid value. Anything else is *malformed*, graded as wrong and counted, so a model cannot score by rambling.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from trialgraph.errors import ConfigError
from trialgraph.models.prompt_files import PromptFile, load_prompt
from trialgraph.models.tasks.labels import STOP_REASON_CLASSES
from trialgraph.models.tasks.screening import answer_of, decisions_of

__all__ = [
    "CONTEXT_MODES",
    "Parsed",
    "canonical_reply",
    "parse_answer",
    "prompt_messages",
    "prompt_versions",
    "training_reply",
]

CONTEXT_MODES = ("none", "graph")  # prompts without context, or with the graph-RAG context of similar trials
CONTEXT_HEADER = "Similar earlier trials, from the TrialGraph knowledge graph (for reference; not this trial):"


def _template(name: str) -> PromptFile:
    return load_prompt("trialgraph.models.tasks.prompts", name)


PARSER_VERSION = "parser-2"  # bump when what counts as a well-formed answer changes


def prompt_versions(kind: str) -> dict[str, str]:
    return {"system": _template("system").version, kind: _template(kind).version, "parser": PARSER_VERSION}


def _completion_question(record: dict[str, Any]) -> str:
    inputs = record["inputs"]
    lines = [
        f"{key.replace('_', ' ').capitalize()}: {value}" for key, value in inputs.items() if value not in (None, "")
    ]
    for block in record.get("context", []):
        if block["type"] == "eligibility_criteria":
            criteria = (block.get("criteria") or "").replace("~", "\n")
            lines.append(
                f"Eligibility ({block.get('gender') or 'all'}, {block.get('minimum_age') or 'no minimum'} "
                f"to {block.get('maximum_age') or 'no maximum'}):\n{criteria[:1500]}"
            )
        elif block["type"] == "arm_design":
            arms = "; ".join(f"{a.get('group_type') or 'Arm'}: {a.get('title')}" for a in block.get("arms", []))
            lines.append(f"Arms: {arms or 'not stated'}")
    return "\n".join(lines)


def _screening_question(record: dict[str, Any]) -> str:
    inputs = record["inputs"]
    lines = [f"{key.capitalize()}: {value}" for key, value in inputs.items() if value]
    lines.append("\nCandidate trials:")
    for candidate in record["context"]:
        abstract = candidate["abstract"].replace("\n", "\n  ")
        lines.append(f"- id: {candidate['id']}\n  Title: {candidate['title']}\n  {abstract}")
    return "\n".join(lines)


def _review_question(record: dict[str, Any]) -> str:
    return "\n".join(f"{key.capitalize()}: {value}" for key, value in record["inputs"].items() if value)


def _mcq_fields(record: dict[str, Any]) -> dict[str, str]:
    options = "\n".join(f"{letter}. {text}" for letter, text in sorted(record["options"].items()))
    return {"question": record["question"], "options": options}


_QUESTION_FIELDS = {
    "mcq": _mcq_fields,
    "sample_size": lambda record: {"question": record["question"]},
    "completion": lambda record: {"question": _completion_question(record)},
    "screening": lambda record: {"question": _screening_question(record)},
    "search": lambda record: {"question": _review_question(record)},
}


def prompt_messages(
    kind: str, record: dict[str, Any], context: str = "", *, prefill: bool = True
) -> list[dict[str, str]]:
    """The chat for one item; ``context`` (graph-RAG text) goes before the question when given. With ``prefill``
    the chat ends with the start of the assistant's answer (training leaves it out: the target is the whole
    answer)."""
    context_block = f"{CONTEXT_HEADER}\n{context}\n\n" if context.strip() else ""
    fields = {"context": context_block, "reasons": ", ".join(STOP_REASON_CLASSES), **_QUESTION_FIELDS[kind](record)}
    template = _template(kind)
    messages = [
        {"role": "system", "content": _template("system").body.template},
        {"role": "user", "content": template.body.substitute(fields)},
    ]
    if prefill and template.prefill:
        messages.append({"role": "assistant", "content": template.prefill})
    return messages


@dataclass(frozen=True, slots=True)
class Parsed:
    """A reply's answer as canonical text (``B``, ``120``, ``complete``, ``terminate:Negative``) or malformed."""

    answer: str | None
    reason: str | None = None

    @property
    def malformed(self) -> bool:
        return self.answer is None


def _json_objects(text: str) -> list[dict[str, Any]]:
    decoder, found, start = json.JSONDecoder(), [], text.find("{")
    while start != -1:
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            found.append(value)
        start = text.find("{", end)
    return found


_LETTER = re.compile(r"\s*\(?([A-Za-z])(?:[.):\s]|$)")


def _mcq(obj: dict[str, Any], record: dict[str, Any]) -> str | None:
    """``"B"``, ``"b"``, ``"(B)"`` or ``"B. the option's text"``: a letter standing alone at the start."""
    value = obj.get("answer_choice")
    match = _LETTER.match(value) if isinstance(value, str) else None
    if match and match.group(1).upper() in record["options"]:
        return match.group(1).upper()
    return None


def _sample_size(obj: dict[str, Any], _record: dict[str, Any]) -> str | None:
    value = obj.get("sample_size_needed")
    if isinstance(value, str) and value.strip().replace(",", "").isdigit():
        value = int(value.strip().replace(",", ""))
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return str(round(value))
    return None


def _completion(obj: dict[str, Any], _record: dict[str, Any]) -> str | None:
    outcome = str(obj.get("outcome", "")).strip().lower()
    if outcome == "complete":
        return "complete"
    if outcome == "terminate":
        reason = str(obj.get("termination_reason") or "").strip()
        by_lower = {c.lower(): c for c in STOP_REASON_CLASSES}
        return f"terminate:{by_lower.get(reason.lower(), '')}"
    return None


def _screening(obj: dict[str, Any], record: dict[str, Any]) -> str | None:
    """Every candidate decided, include or exclude, each once; an id not among the candidates is malformed."""
    results = obj.get("results")
    if not isinstance(results, list):
        return None
    ids = [c["id"] for c in record["context"]]
    decided: dict[str, str] = {}
    for entry in results:
        if not isinstance(entry, dict):
            return None
        trial_id, decision = str(entry.get("id", "")).strip(), str(entry.get("decision", "")).strip().lower()
        if trial_id not in ids or decision not in ("include", "exclude") or trial_id in decided:
            return None
        decided[trial_id] = decision
    if set(decided) != set(ids):
        return None
    return answer_of([(trial_id, decided[trial_id]) for trial_id in ids])


MAX_SEARCH_QUERY_CHARS = 4000  # a query with a vocabulary's terms (the nearest baseline) runs long


def _search(obj: dict[str, Any], _record: dict[str, Any]) -> str | None:
    """A non-empty query text (spacing collapsed; the ';' that separates answer ids read as a space)."""
    value = obj.get("query")
    if not isinstance(value, str):
        return None
    query = " ".join(value.replace(";", " ").split())
    return query if query and len(query) <= MAX_SEARCH_QUERY_CHARS else None


_PARSERS = {
    "mcq": _mcq,
    "sample_size": _sample_size,
    "completion": _completion,
    "screening": _screening,
    "search": _search,
}


def parse_answer(kind: str, text: str, record: dict[str, Any]) -> Parsed:
    if not text or not text.strip():
        return Parsed(None, "empty reply")
    objects = _json_objects(text)
    if not objects:
        return Parsed(None, "no JSON object")
    for obj in objects:
        answer = _PARSERS[kind](obj, record)
        if answer is not None:
            return Parsed(answer)
    return Parsed(None, "JSON without a valid answer")


# --- the canonical reply for a gold answer: what SFT teaches, what baselines say, what the parser reads back ---


def _mcq_reply(answer: str) -> dict[str, Any]:
    if len(answer) != 1 or not answer.isalpha():
        raise ConfigError(f"multiple-choice gold must be one letter, got {answer!r}")
    return {"answer_choice": answer}


def _sample_size_reply(answer: str) -> dict[str, Any]:
    if not answer.isdigit():
        raise ConfigError(f"sample-size gold must be an integer, got {answer!r}")
    return {"sample_size_needed": int(answer)}


def _completion_reply(answer: str) -> dict[str, Any]:
    outcome, _, reason = answer.partition(":")
    if outcome == "complete":
        return {"outcome": "complete"}
    if outcome == "terminate":
        return {"outcome": "terminate", "termination_reason": reason or None}
    raise ConfigError(f"completion gold must be 'complete' or 'terminate:<type>', got {answer!r}")


def _screening_reply(answer: str) -> dict[str, Any]:
    pairs = decisions_of(answer)
    if not pairs or any(len(p) != 2 or p[1] not in ("include", "exclude") for p in pairs):
        raise ConfigError(f"screening gold must be 'id=include;id=exclude…', got {answer!r}")
    return {"results": [{"id": trial_id, "decision": decision} for trial_id, decision in pairs]}


def _search_reply(answer: str) -> dict[str, Any]:
    """A search reply is a query (a baseline's, or SFT's reference query: :func:`training_reply`)."""
    if not answer.strip():
        raise ConfigError("a search reply needs a query text")
    return {"query": answer}


_REPLIES = {
    "mcq": _mcq_reply,
    "search": _search_reply,
    "sample_size": _sample_size_reply,
    "completion": _completion_reply,
    "screening": _screening_reply,
}


def training_reply(kind: str, answer: str, record: dict[str, Any]) -> str:
    """What SFT teaches for an item: the canonical reply for its gold, except for search, whose gold is a set of
    trials that no reply copies: there it is a *reference query*, the review's condition as its question names
    it (nothing the question does not state; GRPO then rewards whatever query ranks the gold better)."""
    if kind == "search":
        return canonical_reply(kind, str(record["metadata"]["review"]).lower())
    return canonical_reply(kind, answer)


def canonical_reply(kind: str, answer: str) -> str:
    """``B`` → ``{"answer_choice": "B"}``, ``120`` → ``{"sample_size_needed": 120}``, ``terminate:Negative`` →
    ``{"outcome": "terminate", "termination_reason": "Negative"}`` (``null`` when the gold type is unknown)."""
    if kind not in _REPLIES:
        raise ConfigError(f"unknown task kind {kind!r}; known: {', '.join(sorted(_REPLIES))}")
    return json.dumps(_REPLIES[kind](answer), ensure_ascii=False)
