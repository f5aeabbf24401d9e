"""Stage and transform records in worker processes, in input order: a bulk load's CPU work on every core.

Why: a bulk first load (``kg.bulk``) is bound by Python work (parsing, rows, CSV text) on one core
while the server is stopped and the other cores idle. A loader that splits its input into cheap
picklable units (``units``) and stages one unit at a time (``stage_unit``) is run here in a process
pool, together with the caller's ``transform`` of each staged record; the parent only reads files and
consumes results. Results come back in input order, because order carries meaning downstream: the
first spelling of a shared node wins, and of two copies of a record the later one is the repeat.
A loader without units is staged in this process, each staged record being its own unit.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from trialgraph.errors import SourceError
from trialgraph.loaders.base import RecordSource, discover
from trialgraph.model.staged import Quarantined, Staged

__all__ = ["UnitLoader", "as_unit_loader", "map_units"]

T = TypeVar("T")

_CHUNK_UNITS = 64  # units per task: large enough to amortise pickling, small enough to keep cores busy
_CHUNKS_IN_FLIGHT_PER_WORKER = 4  # bounds memory: the unit iterator is never read far ahead


@runtime_checkable
class UnitLoader(Protocol):
    """A loader whose input splits into independent units that can be staged anywhere."""

    name: str

    def units(self, paths: Iterable[Path]) -> Iterator[Any]: ...

    def stage_unit(self, unit: Any, *, load_run: str) -> list[Staged | Quarantined]: ...


class _StagedAsUnits:
    """Adapter for a loader without units: it stages serially and each item is its own unit."""

    def __init__(self, loader: RecordSource, load_run: str) -> None:
        self.name = loader.name
        self._loader = loader
        self._load_run = load_run

    def units(self, paths: Iterable[Path]) -> Iterator[Staged | Quarantined]:
        return self._loader.read(paths, load_run=self._load_run)

    def stage_unit(self, unit: Staged | Quarantined, *, load_run: str) -> list[Staged | Quarantined]:
        return [unit]


def as_unit_loader(loader: RecordSource, load_run: str) -> UnitLoader:
    """The loader itself if it has units, else an adapter whose units are its staged records."""
    return loader if isinstance(loader, UnitLoader) else _StagedAsUnits(loader, load_run)


def _transform_unit(
    loader: UnitLoader, unit: Any, load_run: str, transform: Callable[[Staged], T]
) -> list[T | Quarantined]:
    return [
        item if isinstance(item, Quarantined) else transform(item)
        for item in loader.stage_unit(unit, load_run=load_run)
    ]


_worker_loader: Any = None


def _start_worker(loader_name: str) -> None:
    global _worker_loader
    _worker_loader = discover().create(loader_name)


def _transform_chunk(units: list[Any], load_run: str, transform: Callable[[Staged], T]) -> list[list[T | Quarantined]]:
    return [_transform_unit(_worker_loader, unit, load_run, transform) for unit in units]


def map_units(
    loader: RecordSource, paths: Iterable[Path], *, load_run: str, workers: int, transform: Callable[[Staged], T]
) -> Iterator[tuple[Any, list[T | Quarantined]]]:
    """Each input unit with its staged records passed through ``transform``, in input order.

    ``transform`` must be a module-level function (workers receive it by reference). With
    ``workers`` < 2, or a loader without units, everything runs in this process.

    Raises:
        SourceError: a worker process died (killed, out of memory); the load stops.
    """
    unit_loader = as_unit_loader(loader, load_run)
    units = unit_loader.units(paths)
    if workers < 2 or unit_loader is not loader:  # no units of its own: nothing to hand to workers
        for unit in units:
            yield unit, _transform_unit(unit_loader, unit, load_run, transform)
        return
    # forkserver: workers never inherit the parent's threads (progress display, the driver's pool)
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(loader.name,)) as pool:
        pending: deque[tuple[list[Any], Future[list[list[T | Quarantined]]]]] = deque()

        def submit_next() -> bool:
            chunk = list(islice(units, _CHUNK_UNITS))
            if chunk:
                pending.append((chunk, pool.submit(_transform_chunk, chunk, load_run, transform)))
            return bool(chunk)

        for _ in range(workers * _CHUNKS_IN_FLIGHT_PER_WORKER):
            if not submit_next():
                break
        while pending:
            chunk, future = pending.popleft()
            try:
                results = future.result()
            except BrokenProcessPool as e:
                raise SourceError(f"a parser process died ({e}); rerun with TRIALGRAPH_LOAD_WORKERS=1") from e
            submit_next()
            yield from zip(chunk, results, strict=True)
