"""Which records a linking run reads: ``trialgraph link --sources ictrp --sources euctr`` links only their text.

Why a scope: a user who has just loaded one registry's export wants its conditions and criteria linked without
re-reading every other registry's, and a user comparing registries wants one at a time. The scope is a list of
registry source names (the sources whose items the record writer puts in the graph: ``ctgov``, ``ictrp``...) and
``pubmed`` for PubMed's titles and abstracts; none means everything. A shared node (a condition string, a keyword)
is read when any record of a chosen registry holds it. Nodes outside the scope are left as they are, unmarked, so
a later run without ``--sources`` links them: the scope narrows a run, it never changes what a node's link means.
"""

from __future__ import annotations

from collections.abc import Iterable

from trialgraph.errors import UnknownNameError
from trialgraph.loaders.base import names_written_by

__all__ = ["PUBLICATIONS", "checked_scope", "scope_names"]

PUBLICATIONS = "pubmed"  # the scope name of PubMed's titles and abstracts (not a registry's records)


def scope_names() -> list[str]:
    """What ``--sources`` accepts: every registry source, then ``pubmed``."""
    return [*names_written_by("records"), PUBLICATIONS]


def checked_scope(sources: Iterable[str] | None) -> list[str] | None:
    """``sources`` as the read queries' ``$sources`` parameter (None: every record), or a one-line error naming
    what is known. An empty list is an error, not "everything": a caller's filter that left nothing must not turn
    into a run over every registry (the CLI passes None when the option is not given)."""
    if sources is None:
        return None
    chosen = list(dict.fromkeys(sources))
    known = scope_names()
    if not chosen:
        raise UnknownNameError(f"no source given to link; known: {', '.join(known)}")
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise UnknownNameError(f"unknown source {unknown[0]!r} for linking; known: {', '.join(known)}")
    return chosen
