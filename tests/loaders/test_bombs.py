"""Decompression bombs: a gzip stream or zip member that expands past the caps is quarantined with its reason,
after bounded memory, and the rest of the input still loads.

The bombs are built here: 1 GiB of zeros (about 1 MiB compressed, a ratio near 1000). Memory is measured
with tracemalloc, which sees every buffer the readers allocate.
"""

from __future__ import annotations

import gzip
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.data import shared
from trialgraph.loaders.base import discover
from trialgraph.loaders.files import DecompressionBomb, DecompressionCaps, open_binary, read_whole
from trialgraph.model.staged import Quarantined, Staged

_GIB = 1 << 30
_MIB = 1 << 20
_MEMORY_LIMIT = 300 * _MIB  # the bound above baseline


def _zeros_gzip(path: Path, size: int) -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    block = bytes(_MIB)
    with path.open("wb") as out:
        for _ in range(size // _MIB):
            out.write(compressor.compress(block))
        out.write(compressor.flush())


def _peak_while(action) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def gzip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "studies.jsonl.gz"
    _zeros_gzip(path, _GIB)
    assert path.stat().st_size < 2 * _MIB
    return path


def test_a_gzip_bomb_among_real_files_is_quarantined_in_bounded_memory(gzip_bomb: Path) -> None:
    real = shared("ctgov/v2/studies.jsonl.gz")
    items: list[Staged | Quarantined] = []
    peak = _peak_while(lambda: items.extend(discover().create("ctgov").read([gzip_bomb, real], load_run="test")))
    bombs = [i for i in items if isinstance(i, Quarantined) and "decompression bomb" in i.reason]
    assert len(bombs) == 1 and bombs[0].origin == str(gzip_bomb)
    assert "TRIALGRAPH_MAX_DECOMPRESSION_RATIO" in bombs[0].reason and "\n" not in bombs[0].reason
    with gzip.open(real, "rb") as handle:
        studies = sum(1 for line in handle if line.strip())
    assert sum(isinstance(i, Staged) for i in items) == studies  # the real file after it loads whole
    assert peak < _MEMORY_LIMIT, f"peak {peak >> 20} MiB"


def test_a_zip_member_bomb_is_quarantined_and_the_other_members_load(tmp_path: Path) -> None:
    archive = tmp_path / "studies.zip"
    with zipfile.ZipFile(shared("ctgov/legacy/AllPublicXML-subset.zip")) as source:
        real_members = [m for m in source.namelist() if m.endswith(".xml")][:3]
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
            for member in real_members:
                out.writestr(member, source.read(member))
            with out.open("NCT99999999.xml", "w") as bomb:
                block = bytes(_MIB)
                for _ in range(_GIB // _MIB):
                    bomb.write(block)
    items: list[Staged | Quarantined] = []
    peak = _peak_while(lambda: items.extend(discover().create("ctgov").read([archive], load_run="test")))
    refused = [i for i in items if isinstance(i, Quarantined)]
    assert [i.origin for i in refused] == [f"{archive}!NCT99999999.xml"]
    assert "decompression bomb" in refused[0].reason
    assert sum(isinstance(i, Staged) for i in items) == len(real_members)
    assert peak < _MEMORY_LIMIT, f"peak {peak >> 20} MiB"


def test_the_size_cap_holds_below_the_ratio_cap(tmp_path: Path) -> None:
    """Data that compresses only 2:1 passes the ratio cap but not a small size cap for whole reads."""
    caps = DecompressionCaps(max_ratio=200, max_whole_bytes=2 * _MIB)
    path = tmp_path / "page.json.gz"
    path.write_bytes(gzip.compress(bytes(range(256)) * (16 * 1024)))  # 4 MiB, barely compressible by pattern
    with open_binary(path, caps=caps) as handle, pytest.raises(DecompressionBomb, match="more than 2 MiB"):
        read_whole(handle, compressed_size=path.stat().st_size, what=path.name, caps=caps)


def test_ordinary_compressed_inputs_pass_the_default_caps() -> None:
    """Real exports compress about 10:1: the defaults never refuse them."""
    path = shared("ctgov/v2/studies.jsonl.gz")
    with open_binary(path) as handle:
        data = handle.read()
    with gzip.open(path, "rb") as plain:
        assert data == plain.read()
