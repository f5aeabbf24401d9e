"""Parsing in worker processes gives exactly what the serial path gives, in the same order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.data import shared
from trialgraph.loaders.base import discover
from trialgraph.loaders.parallel import UnitLoader, map_units
from trialgraph.model.staged import Quarantined, Staged


def _summary(staged: Staged) -> tuple[Any, ...]:
    """Module level, so worker processes receive it by reference."""
    return (staged.record_id, staged.version, staged.precedence, staged.content_hash, staged.origin, staged.rows)


def _as_outcomes(items: list[Staged | Quarantined]) -> list[tuple[Any, ...]]:
    return [("q", i.origin, i.reason, i.record_id) if isinstance(i, Quarantined) else _summary(i) for i in items]


def _mapped(name: str, paths: list[Path], workers: int) -> list[tuple[Any, ...]]:
    loader = discover().create(name)
    out = []
    for _, outputs in map_units(loader, paths, load_run="run", workers=workers, transform=_summary):
        out += [("q", o.origin, o.reason, o.record_id) if isinstance(o, Quarantined) else o for o in outputs]
    return out


def test_ctgov_parallel_equals_serial() -> None:
    # JSONL.gz, single files, an array export, API pages, zips of XML, and every broken input
    paths = [shared("ctgov/v2"), shared("ctgov/legacy")]
    loader = discover().create("ctgov")
    assert isinstance(loader, UnitLoader)
    serial = _as_outcomes(list(loader.read(paths, load_run="run")))
    parallel = _mapped("ctgov", paths, workers=2)
    assert parallel == serial
    assert len(serial) > 4_800
    assert any(o[0] == "q" for o in serial)  # quarantined items keep their place and reason


def test_a_loader_without_units_is_staged_in_process() -> None:
    paths = [shared("registries/ictrp")]
    loader = discover().create("ictrp")
    assert not isinstance(loader, UnitLoader)
    serial = _as_outcomes(list(loader.read(paths, load_run="run")))
    assert _mapped("ictrp", paths, workers=2) == serial
    assert serial
