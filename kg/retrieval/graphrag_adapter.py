"""TrialGraph's retrievers as neo4j-graphrag ``Retriever``s.

Code written against neo4j-graphrag's interface (its ``GraphRAG`` pipeline, or an application's own) can then
use TrialGraph's full-text, vector, hybrid, graph-expanded or criteria retrievers unchanged: ``search(query_text,
top_k)`` returns a ``RetrieverResult`` whose items are the trials found, best first. An item's content is the
trial as the context builder describes it to a language model (the same text ``TrialGraph.context`` gives), and
its metadata keeps what the hit knows: trial and record id, score, component scores, and the Cypher and
parameters that found it (query vectors elided), so an answer built on it stays traceable.

neo4j-graphrag comes with the ``[rag]`` extra, so the class is made on first use: a plain install imports this
module (and every other) without it.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import neo4j

from trialgraph.kg.retrieval.context import build_context
from trialgraph.kg.retrieval.retrievers import TrialRetriever

if TYPE_CHECKING:
    from neo4j_graphrag.retrievers.base import Retriever

__all__ = ["graphrag_retriever"]


def graphrag_retriever(
    retriever: TrialRetriever, driver: neo4j.Driver, *, database: str = "neo4j", max_tokens: int = 600
) -> Retriever:
    """``retriever`` behind neo4j-graphrag's ``Retriever`` interface."""
    return _retriever_class()(retriever, driver, database=database, max_tokens=max_tokens)


@cache
def _retriever_class() -> type:
    from neo4j_graphrag.retrievers.base import Retriever
    from neo4j_graphrag.types import RawSearchResult, RetrieverResultItem

    class TrialGraphRetriever(Retriever):
        """One of TrialGraph's retrievers behind neo4j-graphrag's ``Retriever`` interface."""

        def __init__(self, retriever: TrialRetriever, driver: neo4j.Driver, *, database: str, max_tokens: int) -> None:
            super().__init__(driver, database)
            self.retriever = retriever
            self.max_tokens = max_tokens

        def get_search_results(self, query_text: str, top_k: int = 5) -> RawSearchResult:
            """The ``top_k`` trials best matching ``query_text``, best first, each with its description.

            Args:
                query_text: what to search for (a question, a condition, a patient description).
                top_k: how many trials to return.
            """
            records = []
            for hit in self.retriever.hits(query_text, top_k=top_k):
                described = build_context(
                    self.driver, [hit.trial_id], max_tokens=self.max_tokens, database=self.neo4j_database or "neo4j"
                )
                records.append(neo4j.Record({"content": described.text, "hit": hit.as_dict()}))
            return RawSearchResult(records=records, metadata={"trialgraph_retriever": self.retriever.name})

        def get_result_formatter(self) -> Any:
            def formatted(record: neo4j.Record) -> RetrieverResultItem:
                return RetrieverResultItem(content=record["content"], metadata=record["hit"])

            return formatted

    return TrialGraphRetriever
