"""A user's free text as a retriever may use it: checked once, and made safe for Lucene's query parser.

Lucene's parser gives meaning to ``+ - && || ! ( ) { } [ ] ^ " ~ * ? : \\ /`` and to AND/OR/NOT, so a patient
description such as "HbA1c > 7% (on metformin)" would be a syntax error or a different query. The full-text
query is the text's distinct word tokens, lower-cased and OR-ed (Lucene's default), which is BM25 over the
bag of words; at most ``MAX_TERMS`` of them, in order of first appearance, under Lucene's 1,024-clause limit.
"""

from __future__ import annotations

import re

from trialgraph.errors import TrialGraphError

__all__ = ["MAX_QUERY_CHARS", "MAX_TERMS", "QueryTextError", "checked_query", "lucene_query"]

MAX_QUERY_CHARS = 20_000
MAX_TERMS = 512
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


class QueryTextError(TrialGraphError):
    """A query text no retriever can use (empty, or longer than ``MAX_QUERY_CHARS``)."""


def checked_query(text: str) -> str:
    """``text`` with its spacing collapsed; a one-line error when it is empty or too long."""
    if not isinstance(text, str) or not text.strip():
        raise QueryTextError("the query is empty: give some words to search for")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTextError(f"the query has {len(text):,} characters; the limit is {MAX_QUERY_CHARS:,}")
    return " ".join(text.split())


def lucene_query(text: str) -> str:
    """The distinct word tokens of ``text`` as a Lucene OR query; operators are never passed through."""
    terms: dict[str, None] = {}
    for word in _WORD.findall(checked_query(text).lower()):
        if word not in ("and", "or", "not", "to"):  # Lucene keywords (upper case) and range syntax
            terms.setdefault(word, None)
        if len(terms) == MAX_TERMS:
            break
    if not terms:
        raise QueryTextError("the query has no words to search for")
    return " ".join(terms)
