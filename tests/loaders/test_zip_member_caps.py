"""A zip member whose declared size is past the caps is refused before anything of it is inflated (issue 18).

Why it matters: the member's bytes are read whole, so before this check a 2 GiB member of zeros grew a buffer to
the caps (hundreds of MiB) before it was refused. zipfile never inflates a member past its declared size, so the
declared size is a sound bound to refuse on. The bomb is built here (zeros, a few seconds); memory is measured
with tracemalloc, which sees every buffer the reader allocates.
"""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path

import pytest

from tests.data import shared
from trialgraph.loaders.base import discover
from trialgraph.loaders.files import DecompressionBomb, DecompressionCaps
from trialgraph.model.staged import Quarantined, Staged

_MIB = 1 << 20
_BOMB_MIB = 160  # past the 64 MiB floor of the ratio cap: without the declared-size check, 64 MiB are inflated first
_PEAK_LIMIT = 16 * _MIB  # a few real members and the reader's chunk; far below what inflating the bomb takes


def _archive(path: Path) -> list[str]:
    """Three real legacy studies, then a member of ``_BOMB_MIB`` MiB of zeros; returns the real members' names."""
    with zipfile.ZipFile(shared("ctgov/legacy/AllPublicXML-subset.zip")) as source:
        real = [name for name in source.namelist() if name.endswith(".xml")][:3]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
            for name in real:
                out.writestr(name, source.read(name))
            with out.open("NCT99999999.xml", "w", force_zip64=True) as bomb:
                block = bytes(_MIB)
                for _ in range(_BOMB_MIB):
                    bomb.write(block)
    return real


def test_a_declared_bomb_member_is_refused_without_inflating_it(tmp_path: Path) -> None:
    archive = tmp_path / "studies.zip"
    real = _archive(archive)
    items: list[Staged | Quarantined] = []
    tracemalloc.start()
    try:
        items.extend(discover().create("ctgov").read([archive], load_run="test"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    refused = [item for item in items if isinstance(item, Quarantined)]
    assert [item.origin for item in refused] == [f"{archive}!NCT99999999.xml"]
    assert "a decompression bomb" in refused[0].reason and f"{_BOMB_MIB} MiB" in refused[0].reason
    assert not refused[0].whole_file  # one member refused, the archive's other members load
    assert sum(isinstance(item, Staged) for item in items) == len(real)
    assert peak < _PEAK_LIMIT, f"peak {peak >> 20} MiB: the member was inflated before it was refused"


def test_a_declared_size_past_the_member_cap_is_refused_at_any_ratio() -> None:
    """Barely compressible data passes the ratio cap; its declared size alone must still be refused."""
    caps = DecompressionCaps(max_ratio=200, max_whole_bytes=2 * _MIB)
    caps.check_whole(2 * _MIB, 2 * _MIB, "zip member a.json")  # at the cap: read
    with pytest.raises(DecompressionBomb, match=r"zip member b\.json decompresses to more than 2 MiB"):
        caps.check_whole(2 * _MIB + 1, 2 * _MIB, "zip member b.json")
