"""End-to-end linking on BC5CDR and NCBI Disease: find the mentions in each abstract and link them, scored per document.

Normalisation accuracy (:mod:`trialgraph.models.linking.benchmarks`) gives the linker the gold spans; here it gets
only the text (title and abstract) and must find the mentions itself, as it does on a registry's free text. The
score is BC5CDR's concept-level one: per document and entity type, the set of concepts the linker names against
the set the annotators named, micro precision / recall / F1 over documents with bootstrap intervals. Rules:

* a gold mention with alternatives (NCBI ``|``) is one concept, found when any alternative is named; the parts
  of a composite mention (BC5CDR's listed parts, NCBI ``+``) are each a concept of the document;
* a predicted concept is of the type whose MeSH tree branches its types meet (Chemical: D; Disease: C, F), as
  the accuracy figures rank candidates;
* OMIM-only gold concepts (NCBI) stay in, as misses our vocabularies cannot reach, and are counted apart;
* a named concept matching no gold concept of its document is a false positive; naming two alternatives of one
  gold concept finds it once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trialgraph.errors import SourceError
from trialgraph.models.linking.benchmarks import ENTITY_TYPES, GoldMention
from trialgraph.models.metrics import ItemCounts, Scores, score_items

__all__ = ["EndToEndResult", "document_concepts", "evaluate_end_to_end", "read_documents"]

MentionFinder = Callable[[Sequence[str]], Sequence[Sequence[Any]]]
"""texts → per text the linked spans (each with ``.curie`` and ``.types``): ``Linker.link_many``."""
_BATCH = 64


def read_documents(path: Path) -> dict[str, str]:
    """PubTator text lines (``PMID|t|title``, ``PMID|a|abstract``): each document's title and abstract, joined."""
    parts: dict[str, list[str]] = defaultdict(list)
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                head = line.split("|", 2)
                if len(head) == 3 and head[1] in ("t", "a") and "\t" not in head[0]:
                    parts[head[0]].append(head[2].rstrip("\n"))
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e}") from e
    if not parts:
        raise SourceError(f"{path.name}: no title or abstract lines (PMID|t|… / PMID|a|…)")
    return {document: " ".join(texts) for document, texts in parts.items()}


def document_concepts(mentions: Sequence[GoldMention], entity_type: str) -> dict[str, set[frozenset[str]]]:
    """Per document, the gold concepts of ``entity_type``: alternatives as one set, composite parts apart."""
    found: dict[str, set[frozenset[str]]] = defaultdict(set)
    for mention in mentions:
        if mention.entity_type != entity_type:
            continue
        if mention.composite:
            found[mention.document].update(frozenset({part}) for part in mention.gold)
        else:
            found[mention.document].add(mention.gold)
    return found


@dataclass(frozen=True, slots=True)
class EndToEndResult:
    corpus: str
    entity_type: str
    scores: Scores
    unreachable: int  # gold concepts only in vocabularies we do not load (OMIM)
    examples: tuple[dict[str, Any], ...]
    candidates: str = "gazetteer"  # the mention candidates: the gazetteer, plus any sources named (noun-chunks…)

    def as_dict(self) -> dict[str, Any]:
        return {
            "corpus": self.corpus,
            "type": self.entity_type,
            "candidates": self.candidates,
            **self.scores.as_dict(),
            "unreachable": self.unreachable,
            "examples": list(self.examples),
        }


def _batches(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def evaluate_end_to_end(
    corpus: str,
    documents: Mapping[str, str],
    mentions: Sequence[GoldMention],
    find: MentionFinder,
    candidates: str = "gazetteer",
) -> list[EndToEndResult]:
    """One result per entity type the corpus annotates, over every document that has a text."""
    order = sorted(documents)
    named: dict[str, list[Any]] = {}
    for batch in _batches(order):
        for document, spans in zip(batch, find([documents[d] for d in batch]), strict=True):
            named[document] = list(spans)
    results = []
    for entity_type in sorted({m.entity_type for m in mentions}):
        gold = document_concepts(mentions, entity_type)
        branches = ENTITY_TYPES[entity_type]
        items, examples, unreachable = [], [], 0
        for document in order:
            predicted = {s.curie for s in named[document] if {t[:1] for t in s.types} & branches}
            concepts = gold.get(document, set())
            unreachable += sum(1 for c in concepts if not any(x.startswith("MESH:") for x in c))
            found = {c for c in concepts if c & predicted}
            false = {p for p in predicted if not any(p in c for c in concepts)}
            items.append(ItemCounts(len(found), len(false), len(concepts) - len(found)))
            if len(examples) < 5 and (false or len(found) < len(concepts)):
                missed = sorted("|".join(sorted(c)) for c in concepts - found)
                examples.append({"document": document, "missed": missed[:5], "false": sorted(false)[:5]})
        scores = score_items(items)
        results.append(EndToEndResult(corpus, entity_type, scores, unreachable, tuple(examples), candidates))
    return results
