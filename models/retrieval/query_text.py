"""A user's free text as a retriever may use it: checked once, and made safe for Lucene's query parser.

Lucene's parser gives meaning to ``+ - && || ! ( ) { } [ ] ^ " ~ * ? : \\ /`` and to AND/OR/NOT, so a patient
description such as "HbA1c > 7% (on metformin)" would be a syntax error or a different query. The full-text
query is the text's distinct word tokens, lower-cased and OR-ed (Lucene's default), which is BM25 over the
bag of words; at most ``MAX_TERMS`` of them, in order of first appearance, under Lucene's 1,024-clause limit.

English stop words (Lucene's own English set, :data:`STOP_WORDS`) are left out of the query, not the index: a
word every record holds adds almost nothing to a BM25 score, but its posting list is the whole index, so at 500k
records "the", "of" and "with" were a third of a full-text query's time (``tests/bench/bench_retrieval_scale.py``).
One written in capitals (two letters or more) is kept: "NO" is nitric oxide and "AS" ankylosing spondylitis.
The same query serves trials and papers (``search-papers``).
"""

from __future__ import annotations

import re

from trialgraph.errors import TrialGraphError

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "STOP_WORDS",
    "QueryTextError",
    "checked_query",
    "lucene_query",
    "word_tokens",
]

MAX_QUERY_CHARS = 20_000
MAX_TERMS = 512
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET; it holds the keywords AND, OR, NOT and TO's range syntax too.
_LUCENE_ENGLISH_STOP_WORDS = (
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these they "
    "this to was will with"
)
STOP_WORDS = frozenset(_LUCENE_ENGLISH_STOP_WORDS.split())
_LUCENE_KEYWORDS = frozenset({"and", "or", "not", "to"})  # operators and range syntax: never passed, in any case


class QueryTextError(TrialGraphError):
    """A query text no retriever can use (empty, or longer than ``MAX_QUERY_CHARS``)."""


def word_tokens(text: str) -> list[str]:
    """The words of ``text`` as written (letters and digits; ``_`` and punctuation split), in order: what the
    full-text query is made of, and what an in-memory index over the same text should split on."""
    return _WORD.findall(text)


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
    for written in word_tokens(checked_query(text)):
        word = written.lower()
        if word not in STOP_WORDS or (written.isupper() and len(written) > 1 and word not in _LUCENE_KEYWORDS):
            terms.setdefault(word, None)  # a stop word in capitals is an acronym: NO (nitric oxide), AS
        if len(terms) == MAX_TERMS:
            break
    if not terms:
        raise QueryTextError("the query has no words to search for (English stop words such as 'the' are left out)")
    return " ".join(terms)
