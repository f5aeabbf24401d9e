"""Patient facts → a clinical note: a deterministic template, or a language model asked to write from the facts.

Either way the text goes to :mod:`trialgraph.models.synth.verify`; a renderer never decides whether its note is
right. A model's failures (an error, a refusal, a loop, a note too short to hold the facts) come back as a reason,
never as an exception, so one bad generation costs one note.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from trialgraph.models.synth.measures import MEASURES
from trialgraph.models.synth.patients import PatientFacts, SyntheticPatient
from trialgraph.models.synth.replies import reply_problem

__all__ = [
    "PROMPT_VERSION",
    "TEMPLATE_VERSION",
    "LanguageModelRenderer",
    "Rendered",
    "TemplateRenderer",
    "make_renderer",
    "template_note",
]

TEMPLATE_VERSION = "template-1"
PROMPT_VERSION = "synth-patient-note-1"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A note, or why there is none (``error`` is a short counter key)."""

    text: str
    error: str | None = None


class Renderer(Protocol):
    name: str
    version: str

    def render(self, patients: Sequence[SyntheticPatient]) -> list[Rendered]: ...


def _value(key: str, value: float) -> str:
    return f"{value:.{MEASURES[key].decimals}f}"


def _measure_line(facts: PatientFacts) -> str:
    parts = [f"{MEASURES[k].name} {_value(k, v)} {u}".rstrip() for k, (v, u) in sorted(facts.measures.items())]
    return "; ".join(parts)


def template_note(facts: PatientFacts) -> str:
    """The facts in a fixed clinical order: demographics, history, denied history, medications, labs."""
    sex_word = {"female": "woman", "male": "man"}.get(facts.sex or "", "patient")
    lines = [f"Demographics: {facts.age}-year-old {sex_word} seen at the screening visit."]
    conditions = [n for n, kind in facts.present.values() if kind == "condition"]
    medications = [n for n, kind in facts.present.values() if kind == "medication"]
    if conditions:
        lines.append(f"History: {'; '.join(conditions)}.")
    denied_conditions = [n for n, kind in facts.denied.values() if kind == "condition"]
    if denied_conditions:
        lines.append(f"Denies a history of {', '.join(denied_conditions)}.")
    if medications:
        lines.append(f"Medications: {'; '.join(medications)}.")
    denied_medications = [n for n, kind in facts.denied.values() if kind == "medication"]
    if denied_medications:
        lines.append(f"Not taking {', '.join(denied_medications)}.")
    if facts.measures:
        lines.append(f"Labs and scores: {_measure_line(facts)}.")
    return "\n".join(lines)


class TemplateRenderer:
    """Always available, deterministic: the baseline every model's notes are compared with."""

    name = "template"
    version = TEMPLATE_VERSION

    def render(self, patients: Sequence[SyntheticPatient]) -> list[Rendered]:
        return [Rendered(template_note(p.facts)) for p in patients]


_SYSTEM = (
    "You write short, realistic clinical notes for a trial screening visit. Use only the facts given: state each "
    "one, with lab values and units exactly as given, and add no other diagnosis, medication or lab value."
)


def note_prompt(facts: PatientFacts) -> list[dict[str, str]]:
    """The chat that asks a model for a note (versioned as :data:`PROMPT_VERSION`)."""
    brief: dict[str, Any] = {"age": facts.age, "sex": facts.sex}
    brief["history"] = [n for n, k in facts.present.values() if k == "condition"]
    brief["medications"] = [n for n, k in facts.present.values() if k == "medication"]
    brief["denies history of"] = [n for n, k in facts.denied.values() if k == "condition"]
    brief["not taking"] = [n for n, k in facts.denied.values() if k == "medication"]
    brief["labs"] = [f"{MEASURES[k].name} {_value(k, v)} {u}".rstrip() for k, (v, u) in sorted(facts.measures.items())]
    brief = {k: v for k, v in brief.items() if v not in ([], None)}
    user = (
        "Write a clinical note (demographics, history, medications, labs) for this patient:\n"
        f"{json.dumps(brief, ensure_ascii=False)}\n"
        "Start with the age and sex, e.g. '54-year-old woman'."
    )
    return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": user}]


NOTE_MIN_CHARS = 30  # shorter than this, a note cannot hold demographics and one fact


class LanguageModelRenderer:
    """A :class:`~trialgraph.models.language_models.LanguageModel` asked to write each note from its facts."""

    def __init__(self, model: Any, *, max_new_tokens: int = 200) -> None:
        self.model = model
        self.name = model.name
        self.version = f"{model.version}+{PROMPT_VERSION}"
        self.max_new_tokens = max_new_tokens

    def render(self, patients: Sequence[SyntheticPatient]) -> list[Rendered]:
        if not patients:
            return []
        generations = self.model.generate([note_prompt(p.facts) for p in patients], max_new_tokens=self.max_new_tokens)
        out = []
        for generation in generations:
            problem = reply_problem(generation.text, generation.error, min_chars=NOTE_MIN_CHARS)
            out.append(Rendered("" if generation.error else generation.text, problem))
        return out


def make_renderer(generator: str, home: Path) -> Renderer:
    """``template`` or a language model spec (``smollm2-135m``, ``hf:DIR``, ``openai:URL#MODEL``)."""
    if generator == "template":
        return TemplateRenderer()
    from trialgraph.models.language_models import load_language_model

    return LanguageModelRenderer(load_language_model(generator, home))
