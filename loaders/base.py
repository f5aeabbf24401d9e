"""The loader protocol and the registry that finds loaders by name (``trialgraph load NAME``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from trialgraph.errors import UnknownNameError

__all__ = ["LOADERS", "Loader", "Quarantined", "Registry", "RowSet", "Staged"]

T = TypeVar("T")

RowSet = dict[str, list[dict[str, Any]]]
"""Rows for the writer: Cypher file name (under ``cypher/write/``) → ``$rows`` for that statement."""


@dataclass(frozen=True, slots=True)
class Staged:
    """One accepted record, ready for the writer: its key, version, content hash and rows."""

    record_id: str
    version: str | None
    precedence: str  # compared as a string: the higher one wins when two inputs hold the same record
    content_hash: str
    origin: str
    rows: RowSet


@dataclass(frozen=True, slots=True)
class Quarantined:
    """One input that did not become a record, and why (written to the quarantine JSONL)."""

    origin: str
    reason: str
    record_id: str | None = None


class Loader(Protocol):
    """A source: turns files into staged records (or quarantine entries). Never touches the database."""

    name: str
    source: str
    write_order: tuple[str, ...]  # Cypher files applied to each batch, in this order
    delete_statements: tuple[str, ...]  # Cypher files that clear a record's facts before rewriting it

    def stage(self, paths: Iterable[Path], *, load_run: str) -> Iterator[Staged | Quarantined]: ...


class Registry(Generic[T]):
    """Name → factory, filled by a decorator; unknown names fail with the list of known ones."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Callable[[], T]] = {}

    def register(self, name: str) -> Callable[[Callable[[], T]], Callable[[], T]]:
        def decorate(factory: Callable[[], T]) -> Callable[[], T]:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} registered twice")
            self._entries[name] = factory
            return factory

        return decorate

    def names(self) -> list[str]:
        return sorted(self._entries)

    def create(self, name: str) -> T:
        try:
            factory = self._entries[name]
        except KeyError:
            raise UnknownNameError(f"unknown {self.kind} {name!r}; known: {', '.join(self.names())}") from None
        return factory()

    def as_mapping(self) -> Mapping[str, Callable[[], T]]:
        return dict(self._entries)


LOADERS: Registry[Loader] = Registry("loader")


def discover() -> Registry[Loader]:
    """Import every ``loader`` module under ``trialgraph.loaders`` so its ``@LOADERS.register`` runs.

    A new source is a new subpackage with a ``loader`` module: nothing here changes.
    """
    import importlib
    import pkgutil

    import trialgraph.loaders as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.ispkg:
            try:
                importlib.import_module(f"{package.__name__}.{info.name}.loader")
            except ModuleNotFoundError as e:
                if e.name != f"{package.__name__}.{info.name}.loader":
                    raise
    return LOADERS
