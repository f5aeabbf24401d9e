"""The one source protocol and the one registry that finds every source by name (``trialgraph load NAME``).

Registries, vocabularies, publication sources and curated-pair tables are all sources of one kind: they
read files into typed items (or ``Quarantined`` ones) and never touch the database. Each names, in
``graph_writer``, which writer in ``trialgraph.kg.writer.GRAPH_WRITERS`` puts its items in the graph, and
the one load loop (``trialgraph.kg.load``) owns batching, the ``LoadRun``, quarantine and resume for all
of them. The entity linker and the embedder are the next writers of the same kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from trialgraph.errors import UnknownNameError
from trialgraph.model.staged import Quarantined, Staged

if TYPE_CHECKING:
    from trialgraph.loaders.detect import Detection

__all__ = ["SOURCES", "RecordSource", "Registry", "Source", "names_written_by"]

T = TypeVar("T")


class Source(Protocol):
    """Any source: files → typed items for its graph writer, or ``Quarantined`` inputs with the reason."""

    name: str  # the CLI name (``trialgraph load mesh``), also the ``LoadRun``'s source
    graph_writer: str  # the writer that puts its items in the graph: a name in ``kg.writer.GRAPH_WRITERS``
    detection: Detection | None  # how ``trialgraph load FILE`` recognises its files (None: always named)

    def read(self, paths: Iterable[Path], *, load_run: str) -> Iterator[Any]:
        """Stream items from files (never a whole file in memory); ``load_run`` is stamped on what is written."""
        ...


class RecordSource(Source, Protocol):
    """A trial registry: its items are ``Staged`` registry records, written by the ``records`` writer."""

    source: str  # the prefix of its record ids (``anzctr:ACTRN…``)
    write_order: tuple[str, ...]  # Cypher files applied to each batch, in this order
    delete_statements: tuple[str, ...]  # Cypher files that clear a record's facts before rewriting it

    def read(self, paths: Iterable[Path], *, load_run: str) -> Iterator[Staged | Quarantined]: ...


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

    def factory(self, name: str) -> Callable[..., T]:
        """The registered class or function itself, for entries that take arguments."""
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownNameError(f"unknown {self.kind} {name!r}; known: {', '.join(self.names())}") from None

    def create(self, name: str) -> T:
        return self.factory(name)()

    def as_mapping(self) -> Mapping[str, Callable[[], T]]:
        return dict(self._entries)


SOURCES: Registry[Source] = Registry("source")


def names_written_by(graph_writer: str) -> list[str]:
    """The sources whose items one writer puts in the graph (``records``: the trial registries)."""
    discover()
    return [name for name in SOURCES.names() if SOURCES.factory(name).graph_writer == graph_writer]


def discover() -> Registry[Source]:
    """Import every ``loader`` module under ``trialgraph.loaders`` so its ``@SOURCES.register`` runs.

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
    return SOURCES
