"""Negation and history cues around a mention: "no history of asthma", "without diabetes", "prior chemotherapy".

Why: an eligibility item that names a concept does not say on its own whether the trial wants or refuses it.
"Exclusion: asthma" refuses asthma; "Inclusion: no history of asthma" refuses it too; "Inclusion: asthma" wants
it. The linker records both cues on each mention (never dropping the mention), and queries decide what they mean.

The cues come from negspacy's NegEx (Chapman et al. 2001), run over our own mention spans: its clinical English
termset for negation, and the same algorithm with a small termset of history phrases for history. A cue reaches a
mention within one sentence, up to a termination phrase ("but", "except", "secondary to" ...), as NegEx defines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["HISTORY_TERMS", "CueDetector", "Cues"]

_SPAN_KEY = "trialgraph_mentions"

# Phrases before a mention that put it in the patient's past; "no history of" is negated *and* history.
HISTORY_TERMS: dict[str, list[str]] = {
    "pseudo_negations": ["no further", "history of present illness"],
    "preceding_negations": [
        "history of",
        "h/o",
        "past history of",
        "medical history of",
        "previous",
        "previously",
        "prior",
        "past",
        "former",
        "had",
        "has had",
        "have had",
        "known",
        "documented",
        "diagnosed with",
        "treated with",
        "received",
    ],
    "following_negations": ["in the past", "in the last", "within the last", "within the past", "previously"],
    "termination": ["but", "except", "however", "although", "though", "yet", "unless", "apart from", "aside from"],
}


@dataclass(frozen=True, slots=True)
class Cues:
    """The cues of one mention."""

    negated: bool
    history: bool


class CueDetector:
    """Both NegEx passes over a spaCy pipeline's tokens: built once, applied to each processed text."""

    def __init__(self, nlp: Any) -> None:
        from negspacy.negation import Negex
        from negspacy.termsets import termset
        from spacy.tokens import Span

        self._sentences = nlp.get_pipe("sentencizer") if "sentencizer" in nlp.pipe_names else None
        if self._sentences is None:
            from spacy.pipeline import Sentencizer

            self._sentences = Sentencizer()
        keys = [_SPAN_KEY]
        self._negation = Negex(nlp, "trialgraph_negex", termset("en_clinical").get_patterns(), span_keys=keys,
                               extension_name="trialgraph_negated")  # fmt: skip
        self._history = Negex(nlp, "trialgraph_history", HISTORY_TERMS, span_keys=keys,
                              extension_name="trialgraph_history")  # fmt: skip
        self._span = Span

    def __call__(self, doc: Any, char_spans: Sequence[tuple[int, int]]) -> list[Cues]:
        """The cues of each ``(start, end)`` character span of ``doc``, in the order given."""
        if not char_spans:
            return []
        if not doc.has_annotation("SENT_START"):
            doc = self._sentences(doc)
        spans = [doc.char_span(start, end, alignment_mode="expand") for start, end in char_spans]
        doc.spans[_SPAN_KEY] = [span for span in spans if span is not None]
        for span in doc.spans[_SPAN_KEY]:
            span._.set("trialgraph_negated", False)
            span._.set("trialgraph_history", False)
        self._negation(doc)
        self._history(doc)
        cues = {
            (span.start_char, span.end_char): Cues(span._.trialgraph_negated, span._.trialgraph_history)
            for span in doc.spans[_SPAN_KEY]
        }
        out = []
        for span in spans:
            found = cues.get((span.start_char, span.end_char)) if span is not None else None
            out.append(found or Cues(False, False))
        return out
