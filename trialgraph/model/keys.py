"""Every key the graph merges on, computed in one place so that two writers can never disagree.

A shared node (an organisation, a condition string, a publication) is reached from many records and
many sources; if two sources spelled its key differently the graph would hold two nodes for one thing.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["normalise_key", "publication_key", "record_id"]

_NON_WORD = re.compile(r"[^\w]+")


def normalise_key(text: str) -> str:
    """Case-, punctuation- and whitespace-insensitive key for shared nodes ("Pfizer, Inc." ~ "PFIZER INC")."""
    return _NON_WORD.sub(" ", text.casefold()).strip()


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
