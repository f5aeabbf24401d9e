"""Generic concepts that a short structured field must not be linked to: "treatment" → Therapeutics says nothing.

An intervention's name and description, an adverse-event term and a condition string each name one thing. When
such a field yields a concept like Therapeutics ("treatment"), Tablets, Injections or Drug Therapy, the edge
tells a query only that something was given, which the node's own type already says; counted as "linked" it
inflates coverage, and in a traversal it joins unrelated trials. So those concepts are dropped from these fields
wherever they are found: on their own ("treatment" yields no link) and beside a specific one ("Metformin tablets"
yields metformin only). The decision is the same when the text is exactly the concept's name ("Drug Therapy"):
the edge would carry no more information. Free text (criteria, outcomes, summaries, abstracts) keeps them:
there "drug therapy" can be what a criterion is about.

The list is data (``generic_concepts.tsv`` beside this module), one concept a line with why it is there, chosen
by reading the concepts most often linked from the intervention names of the shared CT.gov slice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final, Protocol, TypeVar

from trialgraph.errors import ConfigError

__all__ = ["GenericConcept", "GenericConcepts", "generic_concepts", "read_generic_concepts"]

FILE: Final = "generic_concepts.tsv"
_COLUMNS = 3  # curie, name, why


class _HasCurie(Protocol):
    @property
    def curie(self) -> str: ...


_Linked = TypeVar("_Linked", bound=_HasCurie)


@dataclass(frozen=True, slots=True)
class GenericConcept:
    """One stop-listed concept, with its name (for readers: the file is checked against nothing) and the reason."""

    curie: str
    name: str
    why: str


@dataclass(frozen=True, slots=True)
class GenericConcepts:
    """The stop list, and a version that changes with it (part of the method version of the fields that use it)."""

    concepts: tuple[GenericConcept, ...]
    curies: frozenset[str] = field(init=False)  # derived once: :meth:`specific` runs for every linked text

    def __post_init__(self) -> None:
        object.__setattr__(self, "curies", frozenset(c.curie for c in self.concepts))

    @property
    def version(self) -> str:
        digest = hashlib.sha256(" ".join(sorted(self.curies)).encode()).hexdigest()
        return f"generic-{digest[:8]}"

    def __contains__(self, curie: object) -> bool:
        return curie in self.curies

    def specific(self, found: Iterable[_Linked]) -> list[_Linked]:
        """``found`` (spans or links: anything with a ``curie``) without the stop-listed concepts, order kept."""
        curies = self.curies
        return [item for item in found if item.curie not in curies]


def _rows(lines: Iterable[str], origin: str) -> Iterator[GenericConcept]:
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [cell.strip() for cell in line.rstrip("\n").split("\t")]
        if len(cells) != _COLUMNS or not all(cells):
            raise ConfigError(f"{origin} line {number}: expected CURIE, name and why separated by tabs, got {line!r}")
        if ":" not in cells[0]:
            raise ConfigError(f"{origin} line {number}: {cells[0]!r} is not a CURIE (PREFIX:ID)")
        yield GenericConcept(*cells)


def read_generic_concepts(path: Path | None = None) -> GenericConcepts:
    """The stop list in ``path`` (default: the one shipped beside this module); a bad line is a one-line error."""
    if path is None:
        path = Path(str(resources.files("trialgraph.models.linking").joinpath(FILE)))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read the generic-concept list {path}: {e}") from e
    return GenericConcepts(tuple(_rows(text.splitlines(), str(path))))


@cache
def generic_concepts() -> GenericConcepts:
    """The shipped stop list, read once."""
    return read_generic_concepts()
