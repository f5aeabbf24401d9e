"""The loader protocol and the registry that finds loaders by name (``trialgraph load NAME``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from trialgraph.errors import UnknownNameError
from trialgraph.model.staged import Quarantined, Staged

__all__ = ["LOADERS", "Loader", "Registry"]

T = TypeVar("T")


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
