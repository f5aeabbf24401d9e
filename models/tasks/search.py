"""Study search (TrialPanorama's first systematic-review task), built from the graph: a review question → a query
→ the trials that meet the review, ranked by a search engine over the review's side of the split.

TrialPanorama has the model write a PubMed query and runs it against PubMed. Here the model writes a keyword query
(JSON ``{"query": …}``) and it is run by BM25 over a *corpus* written with the task: every labelled trial of the
item's side, each as its registry wrote it (the screener's view of :mod:`~trialgraph.models.tasks.reviews`, never
NLM's terms, which decide relevance). A test query therefore searches test trials only, and the gold is every
trial of that corpus that meets the review, so recall is measured against all of them, not a sample.

The corpus travels with the dataset (``corpus.parquet``, in its rows hash) rather than being the live graph's
full-text index: a figure must be reproducible from the dataset folder alone, on any machine, after the graph has
moved on. BM25 is Lucene's (k1 = 1.2, b = 0.75, idf ``ln(1 + (N - df + 0.5) / (df + 0.5))``), over the same word
tokens and stop words as the graph's full-text query (:func:`~trialgraph.models.retrieval.query_text.lucene_query`),
so a query means here what it means to ``trialgraph search``; Boolean operators are read as the stop words they are.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from trialgraph.models.retrieval.query_text import QueryTextError, lucene_query, word_tokens
from trialgraph.models.tasks.facts import TrialFacts
from trialgraph.models.tasks.items import BuildResult, TaskItem
from trialgraph.models.tasks.reviews import headings_of, is_labelled, meets_review, review_inputs, screener_view
from trialgraph.models.tasks.splits import SIDES, Split

__all__ = [
    "CUTOFFS",
    "HIT_AT",
    "RANKED_KEPT",
    "TASK",
    "Bm25Index",
    "build_search",
    "ids_of",
    "ranking_of",
    "relevant_of",
]

TASK = "study_search"
MIN_RELEVANT = 2  # a review with one eligible trial is a known-item lookup, not a search
MAX_QUERIES_PER_SIDE = 400  # a seeded sample of headings keeps the build small and linear
CUTOFFS = (10, 50)  # TrialPanorama reads 100-500 of PubMed's millions; a side here holds hundreds to thousands
HIT_AT = 10  # an item counts as "correct" when its first page holds a trial that meets the review
RANKED_KEPT = 100  # trials kept of a ranking: enough for every cutoff
K1, B = 1.2, 0.75


def _rank(seed: int, *parts: str) -> str:
    return hashlib.sha256("\x1f".join([str(seed), *parts]).encode()).hexdigest()


def document(t: TrialFacts) -> str:
    """The searchable text of a trial: its title and the screener's view (registry text only)."""
    view = screener_view(t)
    return f"{view['title']}\n{view['abstract']}"


def ids_of(answer: str | None) -> list[str]:
    """A ranking or a gold set, written as ``id;id;…``."""
    return [part for part in (answer or "").split(";") if part]


def relevant_of(ids: Iterable[str]) -> str:
    """The gold answer: the relevant trials, sorted (a set; the order carries nothing)."""
    return ";".join(sorted(ids))


class Bm25Index:
    """BM25 over one side's corpus; ``rank`` returns trial ids best first, ties by id (deterministic)."""

    def __init__(self, documents: Iterable[Mapping[str, str]]) -> None:
        self._postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._ids: list[str] = []
        lengths: list[int] = []
        for doc in documents:
            words = [w.lower() for w in word_tokens(doc["text"])]
            position = len(self._ids)
            self._ids.append(doc["id"])
            lengths.append(len(words))
            for word, count in Counter(words).items():
                self._postings[word].append((position, count))
        self._lengths = lengths
        self._average = sum(lengths) / len(lengths) if lengths else 0.0

    def __len__(self) -> int:
        return len(self._ids)

    def rank(self, query: str, k: int = RANKED_KEPT) -> list[str]:
        """The ``k`` best trials for ``query``; none when it has no searchable word (empty, only stop words)."""
        try:
            terms = lucene_query(query).split()
        except QueryTextError:
            return []
        n = len(self._ids)
        scores: dict[int, float] = defaultdict(float)
        for term in terms:
            postings = self._postings.get(term, ())
            if not postings:
                continue
            idf = math.log(1 + (n - len(postings) + 0.5) / (len(postings) + 0.5))
            for position, tf in postings:
                norm = K1 * (1 - B + B * self._lengths[position] / self._average)
                scores[position] += idf * tf * (K1 + 1) / (tf + norm)
        best = heapq.nsmallest(k, scores, key=lambda p: (-scores[p], self._ids[p]))  # not a sort of every hit
        return [self._ids[p] for p in best]


def ranking_of(index: Bm25Index, query: str) -> str:
    """What a query found, as the answer string the graders read (``id;id;…``, best first)."""
    return ";".join(index.rank(query, RANKED_KEPT))


def build_search(trials: Sequence[TrialFacts], split: Split, seed: int = 0) -> BuildResult:
    """One query per condition heading with at least :data:`MIN_RELEVANT` trials meeting its review on a side,
    and each side's corpus; headings left out are counted by reason."""
    result = BuildResult()
    by_side: dict[str, list[TrialFacts]] = defaultdict(list)
    for t in trials:
        side = split.of(t.trial_id)
        if side is not None and is_labelled(t):
            by_side[side].append(t)
    for side in SIDES:
        pool = sorted(by_side.get(side, ()), key=lambda t: t.trial_id)
        result.corpus.extend({"id": t.trial_id, "split": side, "text": document(t)} for t in pool)
        meeting: dict[str, list[str]] = defaultdict(list)
        for t in pool:
            for heading in headings_of(t):
                if meets_review(t, heading):
                    meeting[heading].append(t.trial_id)
        headings = sorted({h for t in pool for h in t.condition_mesh}, key=lambda h: _rank(seed, TASK, side, h))
        built = 0
        for heading in headings:
            relevant = meeting.get(heading, [])
            if len(relevant) < MIN_RELEVANT:
                result.skipped["fewer than 2 randomised trials of the heading"] += 1
            elif built == MAX_QUERIES_PER_SIDE:
                result.skipped["queries beyond the per-side sample"] += 1
            else:
                result.items.append(_item(heading, relevant, side, len(pool), seed))
                built += 1
    return result


def _item(heading: str, relevant: Sequence[str], side: str, corpus_size: int, seed: int) -> TaskItem:
    inputs = review_inputs(heading)
    record = {
        "id": f"{TASK}:{side}:{heading}",
        "metadata": {
            "review": heading,
            "side": side,
            "built_from": "graph",
            "seed": seed,
            "corpus": side,
            "corpus_size": corpus_size,
        },
        "inputs": inputs,
        "labels": sorted(relevant),
    }
    anchor = min(relevant)  # the item's trial for the split's checks: every relevant trial is on its side
    return TaskItem(
        record["id"], TASK, anchor, side, record, relevant_of(relevant), inputs["selection criteria"], record["id"]
    )
