"""Non-LLM baselines: the floor every model must clear, answering through the same JSON replies and parser.

- ``majority``: the training split's most common answer (median enrollment for sample size);
- ``nearest``: the nearest *training* trial by retrieval (the item's ``context_trials``, ranked by the graph's
  full-text retriever, own twin group excluded), answering as that trial did: its outcome, its enrollment, or the
  option most like its own registered text;
- ``overlap``: text only, the option sharing the most words with the question. It measures how far surface form
  gives the answer away; the distractors are built to keep it near chance.

Screening decides each candidate: ``majority`` (and ``nearest``, which has no neighbour's decision to copy) gives
every candidate the training split's most common decision; ``overlap`` includes a candidate whose text shares a
word of four letters or more with the review's condition.

Search writes a query: ``overlap`` searches with the review's selection criteria as written (the question as the
query); ``majority`` with the words every training question shares, the template without its condition: the floor
a query that ignores the question gets; ``nearest``, which reads the graph context, with the question and the
MeSH entry terms and narrower headings its context opens with (none where MeSH is not loaded).
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol

from trialgraph.models.tasks.builders import TASKS
from trialgraph.models.tasks.prompting import canonical_reply
from trialgraph.models.tasks.reviews import vocabulary_terms
from trialgraph.models.tasks.screening import decisions_of

__all__ = ["BASELINES", "Baseline", "baseline_names", "make_baseline"]

_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


class Baseline(Protocol):
    name: str
    version: str
    context: str  # the one context mode it answers in: ``nearest`` reads the graph's retrieval, the others do not

    def replies(self, rows: Sequence[dict[str, Any]]) -> list[str]: ...


class _Fitted:
    version = "1"
    context = "none"

    def __init__(self, task: str, train: Sequence[dict[str, Any]]) -> None:
        self.task = task
        self.kind = TASKS[task].kind
        self.train = list(train)
        self.by_trial = {row["trial_id"]: row for row in self.train}
        answers = [row["answer"] for row in self.train]
        if self.kind == "search":  # the words of every training question: what they ask in common
            questions = [_words(json.loads(row["record"])["inputs"]["selection criteria"]) for row in self.train]
            self.majority = " ".join(sorted(set.intersection(*questions))) if questions else "trial"
        elif self.kind == "screening":  # per candidate: the most common decision
            answers = [decision for a in answers for _, decision in decisions_of(a)]
            self.majority = Counter(answers).most_common(1)[0][0] if answers else "exclude"
        elif self.kind == "sample_size":
            self.majority = str(round(statistics.median(int(a) for a in answers))) if answers else "100"
        else:
            self.majority = Counter(answers).most_common(1)[0][0] if answers else "A"

    def _screen(self, row: dict[str, Any], include: Any = None) -> str:
        """Each candidate of a screening row decided by ``include`` (a predicate on its text), else the majority."""
        record = json.loads(row["record"])
        decisions = []
        for candidate in record["context"]:
            text = f"{candidate['title']} {candidate['abstract']}"
            decision = ("include" if include(text, record) else "exclude") if include else self.majority
            decisions.append(f"{candidate['id']}={decision}")
        return ";".join(decisions)

    def _majority_answer(self, row: dict[str, Any]) -> str:
        return self._screen(row) if self.kind == "screening" else self.majority


class MajorityBaseline(_Fitted):
    name = "majority"

    def replies(self, rows: Sequence[dict[str, Any]]) -> list[str]:
        return [canonical_reply(self.kind, self._majority_answer(row)) for row in rows]


class NearestTrialBaseline(_Fitted):
    name = "nearest"
    context = "graph"

    def _answer(self, row: dict[str, Any]) -> str:
        neighbour = next((self.by_trial[t] for t in row["context_trials"] if t in self.by_trial), None)
        if self.kind == "search":
            question = json.loads(row["record"])["inputs"]["selection criteria"]
            return " ".join([question, *vocabulary_terms(row["graph_context"])])
        if neighbour is None or self.kind == "screening":
            return self._majority_answer(row)
        if self.kind != "mcq":
            return neighbour["answer"]
        theirs = json.loads(neighbour["record"])
        their_text = _words(theirs["options"][neighbour["answer"]])
        options = json.loads(row["record"])["options"]
        return max(sorted(options), key=lambda letter: _jaccard(_words(options[letter]), their_text))

    def replies(self, rows: Sequence[dict[str, Any]]) -> list[str]:
        return [canonical_reply(self.kind, self._answer(row)) for row in rows]


class OverlapBaseline(_Fitted):
    name = "overlap"

    def _answer(self, row: dict[str, Any]) -> str:
        if self.kind == "screening":
            return self._screen(row, _mentions_review_condition)
        if self.kind == "search":
            return json.loads(row["record"])["inputs"]["selection criteria"]
        if self.kind != "mcq":
            return self.majority
        record = json.loads(row["record"])
        question = _words(record["question"])
        options = record["options"]
        return max(sorted(options), key=lambda letter: len(_words(options[letter]) & question))

    def replies(self, rows: Sequence[dict[str, Any]]) -> list[str]:
        return [canonical_reply(self.kind, self._answer(row)) for row in rows]


def _mentions_review_condition(text: str, record: dict[str, Any]) -> bool:
    condition = {w for w in _words(record["metadata"]["review"]) if len(w) >= 4}
    return bool(condition & _words(text))


BASELINES: dict[str, type[_Fitted]] = {
    "majority": MajorityBaseline,
    "nearest": NearestTrialBaseline,
    "overlap": OverlapBaseline,
}


def baseline_names() -> list[str]:
    return list(BASELINES)


def make_baseline(name: str, task: str, train: Sequence[dict[str, Any]]) -> Baseline:
    return BASELINES[name](task, train)
