"""The concepts a linker may choose: a retired concept is never chosen; its names lead to its replacement.

Vocabularies retire concepts and name their successor (OBO ``is_obsolete`` + ``replaced_by``; the graph
keeps both on the ``Concept``). A registry still writes the old name ("Batten Turner congenital myopathy"),
so the name is worth keeping, but a link to the retired concept would point at nothing current. So the old
concept's names (without the "obsolete " its vocabulary puts before them) become extra names of the concept
that replaced it, following chains of replacements; a retired concept without a current successor is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["current_concepts"]

_RETIRED_PREFIX = "obsolete "


def current_concepts(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` (``read/concept_names``: curie, name, synonyms, obsolete, replaced_by...) without the retired
    concepts, each current concept's ``synonyms`` extended by the names of those it replaced, in curie order."""
    by_curie = {row["curie"]: row for row in rows}
    inherited: dict[str, list[str]] = {}
    for row in rows:
        if row.get("obsolete") and (successor := _successor(row["curie"], by_curie)) is not None:
            inherited.setdefault(successor, []).extend(_names(row))
    current = []
    for row in rows:
        if row.get("obsolete"):
            continue
        names = dict.fromkeys(row.get("synonyms") or ())
        known = {name.casefold() for name in (row["name"] or "", *names)}
        for name in inherited.get(row["curie"], ()):
            if name.casefold() not in known:
                known.add(name.casefold())
                names[name] = None
        current.append({**row, "synonyms": list(names)})
    return current


def _successor(curie: str, by_curie: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The first current concept down the chain of replacements, or None (none loaded, or a loop)."""
    seen = {curie}
    frontier = list(by_curie[curie].get("replaced_by") or ())
    while frontier:
        target = frontier.pop(0)
        row = by_curie.get(target)
        if row is None or target in seen:
            continue
        if not row.get("obsolete"):
            return target
        seen.add(target)
        frontier = list(row.get("replaced_by") or ()) + frontier
    return None


def _names(row: Mapping[str, Any]) -> Iterable[str]:
    for name in (row["name"], *(row.get("synonyms") or ())):
        if name:
            cut = name[len(_RETIRED_PREFIX) :] if name.casefold().startswith(_RETIRED_PREFIX) else name
            if cut.strip():
                yield cut.strip()
