"""The on-disk store behind the MeSH RDF reader keeps the in-memory semantics it replaced, and cleans up."""

from __future__ import annotations

import glob
import tempfile
from pathlib import Path

from trialgraph.loaders.mesh import spill
from trialgraph.loaders.mesh.spill import CONCEPT, TERM, spill_store


def test_labels_prefer_the_first_english_one_and_notes_the_first(monkeypatch) -> None:
    monkeypatch.setattr(spill, "_BATCH", 3)  # several flushes, with conflicts inside and across batches
    with spill_store() as store:
        store.label("D1", "Kalzium", foreign=True)
        store.label("D1", "Calcium", foreign=False)
        store.label("D1", "Calcium (second English)", foreign=False)
        store.label("D2", "Nur Deutsch", foreign=True)
        store.label("D2", "Encore étranger", foreign=True)
        store.scope_note("M1", "first note")
        store.scope_note("M1", "second note")
        for value in ("M3", "M1", "M2", "M1"):
            store.add(CONCEPT, "D1", value)
        store.add(TERM, "D1", "T1")
        assert store.get_label("D1") == "Calcium"
        assert store.get_label("D2") == "Nur Deutsch"
        assert store.get_label("nothing") is None
        assert store.get_scope_note("M1") == "first note"
        assert store.values(CONCEPT, "D1") == ["M3", "M1", "M2", "M1"]  # insertion order, duplicates kept
        assert store.values(TERM, "D1") == ["T1"] and store.values(TERM, "D2") == []


def test_the_file_is_removed_even_when_reading_stops_early() -> None:
    pattern = str(Path(tempfile.gettempdir()) / "trialgraph-mesh-*.sqlite")
    before = set(glob.glob(pattern))
    try:
        with spill_store() as store:
            store.add(CONCEPT, "D1", "M1")
            assert len(set(glob.glob(pattern)) - before) == 1
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert set(glob.glob(pattern)) == before
