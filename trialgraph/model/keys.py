"""Every key the graph merges on, computed in one place so that two writers can never disagree.

A shared node (an organisation, a condition string, a publication) is reached from many records and
many sources; if two sources spelled its key differently the graph would hold two nodes for one thing.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["MAX_KEY_BYTES", "bounded_key", "normalise_key", "publication_key", "record_id"]

_NON_WORD = re.compile(r"[^\w]+")

MAX_KEY_BYTES = 4000
"""Longest key (UTF-8 bytes) written to an indexed property. Neo4j's range indexes (behind every uniqueness
constraint) refuse a value of about 8 kB ("Property value is too large to index"), so a longer text is cut to
this size plus a hash of the whole; the whole text stays on an unindexed property (``name``, ``full_name``)."""

_DIGEST_CHARS = 32


def bounded_key(text: str) -> str:
    """``text`` itself when it fits :data:`MAX_KEY_BYTES`; else its start, ``" #"`` and a SHA-256 prefix of all of it.

    Why: one 10 kB keyword must not fail the batch it is in, and two long texts that share their first
    4 kB are still two keys. Texts within the limit keep their key, so existing graphs do not change.
    """
    raw = text.encode("utf-8")
    if len(raw) <= MAX_KEY_BYTES:
        return text
    digest = hashlib.sha256(raw).hexdigest()[:_DIGEST_CHARS]
    head = raw[: MAX_KEY_BYTES - _DIGEST_CHARS - 2].decode("utf-8", "ignore").rstrip()
    return f"{head} #{digest}"


def normalise_key(text: str) -> str:
    """Case-, punctuation- and whitespace-insensitive key for shared nodes ("Pfizer, Inc." ~ "PFIZER INC").

    Bounded (:func:`bounded_key`): the key is indexed, the text it came from is kept beside it.
    """
    return bounded_key(_NON_WORD.sub(" ", text.casefold()).strip())


def record_id(registry_id: str, source: str) -> str:
    """``ctgov:NCT…``, ``ictrp:ChiCTR…``: the source that loaded a record, then the registry's id for it."""
    return f"{source}:{registry_id}"


def publication_key(pmid: str | None, doi: str | None = None, citation: str | None = None) -> str:
    """``pmid:…``, else ``doi:…`` (lower-cased), else ``citation:`` and a hash of the citation text.

    PubMed, the link sources and the registries' reference lists all key publications with this, so
    a registry's reference and the PubMed record of the same paper are one ``Publication`` node.
    """
    if pmid:
        return f"pmid:{pmid}"
    if doi:
        return f"doi:{doi.lower()}"
    return "citation:" + hashlib.sha1((citation or "").encode()).hexdigest()[:20]
