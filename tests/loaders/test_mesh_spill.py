"""The MeSH RDF reader keeps its facts on disk: same records as an in-memory reading, memory that does not grow.

Records are compared with those built from ``MemoryStore`` (plain dicts) on real shared MeSH files; memory is
measured with ``tracemalloc`` (every Python allocation, deterministic) on generated files of 1 and 3 copies
of a real slice of MeSH 2022, renumbered so each copy adds its own records.
"""

from __future__ import annotations

import glob
import gzip
import itertools
import os
import signal
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

import pytest

from tests.bench.bench_mesh import scaled_copy
from tests.data import shared
from tests.loaders.mesh_memory_store import memory_store
from trialgraph.loaders.mesh import rdf_records, spill
from trialgraph.loaders.mesh.common import MeshStats
from trialgraph.loaders.mesh.rdf import parse_ntriples
from trialgraph.loaders.mesh.rdf_facts import Fact
from trialgraph.loaders.mesh.spill import spill_store
from trialgraph.model.concept import ConceptRecord

MESH = "ontologies/mesh"


def test_repeated_facts_combine_as_their_kind_says_across_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spill, "_BATCH", 3)  # several flushes, with repeats inside and across batches
    with spill_store(reverse_kinds=(Fact.TREE,)) as store:
        store.first(Fact.FOREIGN_LABEL, "D1", "Kalzium")
        store.first(Fact.LABEL, "D1", "Calcium")
        store.spill()
        store.first(Fact.LABEL, "D1", "Calcium (second English)")
        store.last(Fact.PREFERRED_CONCEPT, "D1", "M1")
        store.spill()
        store.last(Fact.PREFERRED_CONCEPT, "D1", "M2")
        for value in ("M3", "M1", "M2", "M1"):
            store.add(Fact.CONCEPT, "D1", value)
            store.spill()
        store.add(Fact.TREE, "D1", "C01.001")
        store.add(Fact.TREE, "D2", "C01.001")
        store.add(Fact.TREE, "D2", "C02")
        store.first(Fact.KIND_LINE, "D2", 7)
        assert store.pending() <= 3 + 3  # spill() keeps the buffer under a batch (plus what came since)
        singles = store.single(["D1", "D2", "nothing"], (Fact.LABEL, Fact.FOREIGN_LABEL, Fact.PREFERRED_CONCEPT))
        assert singles == {
            ("D1", Fact.LABEL): "Calcium",
            ("D1", Fact.FOREIGN_LABEL): "Kalzium",
            ("D1", Fact.PREFERRED_CONCEPT): "M2",
        }
        multi = store.multi(["D1", "D2"], (Fact.CONCEPT, Fact.TREE))
        assert sorted(multi[("D1", Fact.CONCEPT)]) == ["M1", "M1", "M2", "M3"]  # every statement kept
        assert sorted(store.holders(Fact.TREE, ["C01.001"])) == [("C01.001", "D1"), ("C01.001", "D2")]
        assert list(store.subjects((Fact.KIND_LINE, Fact.PREFERRED_CONCEPT), page=1)) == [["D1"], ["D2"]]
        with pytest.raises(ValueError, match="no reverse index"):
            store.holders(Fact.CONCEPT, ["M1"])


def test_the_file_is_removed_even_when_reading_stops_early(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # its own folder: other runs' stores come and go in /tmp
    pattern = str(tmp_path / "trialgraph-mesh-*")  # the database and its lock
    before = set(glob.glob(pattern))
    try:
        with spill_store() as store:
            store.add(Fact.CONCEPT, "D1", "M1")
            assert len(set(glob.glob(pattern)) - before) == 2
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert set(glob.glob(pattern)) == before


_HOLD_A_STORE = """
import sys, time
from trialgraph.loaders.mesh.rdf_facts import Fact
from trialgraph.loaders.mesh.spill import spill_store
with spill_store() as store:
    store.add(Fact.CONCEPT, "D1", "M1")
    store.spill()
    print(store._db.execute("PRAGMA database_list").fetchone()[2], flush=True)
    time.sleep(600)
"""


def _store_in_another_process(folder: Path) -> tuple[subprocess.Popen[str], Path]:
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD_A_STORE],
        env={**os.environ, "TMPDIR": str(folder)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    return child, Path(child.stdout.readline().strip())


def test_a_killed_load_s_file_is_removed_by_the_next_store_and_a_live_one_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL skips every ``finally``: the leftover must go at the next load, and only the leftover."""
    killed, killed_file = _store_in_another_process(tmp_path)
    live, live_file = _store_in_another_process(tmp_path)
    try:
        assert killed_file.parent == tmp_path and killed_file.exists() and live_file.exists()
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
        assert killed_file.exists()  # nothing cleaned up after a SIGKILL
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        with spill_store() as store:
            store.add(Fact.CONCEPT, "D1", "M1")
            assert not killed_file.exists()
            assert not Path(f"{killed_file}.lock").exists()
            assert live_file.exists()  # its process still holds the lock
        assert live_file.exists()
    finally:
        for child in (killed, live):
            child.kill()
            child.wait(timeout=30)
            assert child.stdout is not None
            child.stdout.close()
    assert spill.sweep_stale_spills(tmp_path) == [live_file]
    assert list(tmp_path.iterdir()) == []


def _core_slice(folder: Path, lines: int) -> Path:
    """The first ``lines`` lines of the real MeSH 2022 core: NLM groups each record with its concepts and terms,
    so these are whole records (the core has no scope notes; the 2014 samples have)."""
    target = folder / "mesh2022-slice.nt.gz"
    with gzip.open(shared(f"{MESH}/mesh2022-core.nt.gz"), "rb") as source, gzip.open(target, "wb") as out:
        out.writelines(itertools.islice(source, lines))
    return target


def _items_both_ways(path: Path) -> tuple[list[object], list[object]]:
    on_disk, in_memory = MeshStats(), MeshStats()
    spilled = list(parse_ntriples(path, on_disk))
    direct = list(parse_ntriples(path, in_memory, store=memory_store))
    assert on_disk == in_memory
    return spilled, direct


@pytest.mark.parametrize(
    "sample",
    [
        "samples-2014/desc2014-head.nt",  # 2014 vocabulary: TermData, derived parents, descriptor classes
        "samples-2014/supp2014-head.nt",  # 2014 SCRs: mappedData blank nodes, starred mappings
        "samples-2014/qual2014.nt",
        "samples-2014/cns-disease-2014AB.nt",
        "samples-2020/mesh2020-subset.nt",  # untyped SCRs holding mappings
    ],
)
def test_spilled_records_equal_the_in_memory_reading_of_shared_samples(sample: str, monkeypatch) -> None:
    monkeypatch.setattr(spill, "_BATCH", 997)  # many flushes, so facts repeat across batches
    monkeypatch.setattr(rdf_records, "PAGE", 7)  # many pages, so hops and parents cross page borders
    spilled, direct = _items_both_ways(shared(f"{MESH}/{sample}"))
    assert spilled == direct


def test_spilled_records_equal_the_in_memory_reading_of_a_mesh_2022_slice(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(rdf_records, "PAGE", 97)
    spilled, direct = _items_both_ways(_core_slice(tmp_path, 150_000))
    records = [item for item in spilled if isinstance(item, ConceptRecord)]
    assert len(records) > 3_000 and all(r.name for r in records)
    assert any(r.synonyms for r in records) and any(r.broader for r in records) and any(r.relations for r in records)
    assert spilled == direct


def _traced_peak(path: Path) -> tuple[int, int]:
    """(peak bytes of Python memory while parsing, records): items are consumed one by one, as a loader does."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        records = sum(isinstance(item, ConceptRecord) for item in parse_ntriples(path))
        return tracemalloc.get_traced_memory()[1] - base, records
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_file(tmp_path: Path, monkeypatch) -> None:
    """Three times the records must not take more Python memory than one: nothing is kept per record.

    Small write batches and pages make both files exceed them many times over, so what is left is whatever
    the reader keeps per record. Measured here: this reader 2.76 → 2.85 MiB (976 → 2,928 records); the reader
    before it, which kept per-record facts in dicts, 3.5 → 5.3 MiB; every fact in dicts (``MemoryStore``) 6.1 → 15.
    """
    monkeypatch.setattr(spill, "_BATCH", 2_000)
    monkeypatch.setattr(rdf_records, "PAGE", 50)
    one = _core_slice(tmp_path, 40_000)
    three = scaled_copy(one, 3, tmp_path / "mesh2022-x3.nt.gz")
    peak_one, records_one = _traced_peak(one)
    peak_three, records_three = _traced_peak(three)
    assert records_three == 3 * records_one > 2_000
    assert peak_three < 1.15 * peak_one, f"peak {peak_one / 2**20:.1f} MiB for 1 copy, {peak_three / 2**20:.1f} for 3"
