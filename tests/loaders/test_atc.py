"""ATC parser: codes per level, parents and DDDs checked against the WHO export read with the csv module."""

from __future__ import annotations

import csv
import gzip
import io
import random
from collections import Counter, defaultdict
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from tests.data import REPO_ROOT, shared
from trialgraph.errors import SourceError
from trialgraph.loaders.atc.loader import AtcSource
from trialgraph.loaders.atc.parse import parse_atc
from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.concepts.source import VocabularyItem
from trialgraph.model.concept import ConceptRecord, Rejected

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "ontology"
DDD = "ontologies/atc/WHO_ATC-DDD_2026-04-25.csv"
COMBINATIONS = "ontologies/atc/WHO_ATC-DDD-combinations_2026-04-25.csv"


@cache
def _parsed() -> tuple[VocabularyItem, ...]:
    return tuple(parse_atc(shared(DDD)))


def _concepts(items: tuple[VocabularyItem, ...] | list[VocabularyItem]) -> dict[str, ConceptRecord]:
    return {item.curie: item for item in items if isinstance(item, ConceptRecord)}


@cache
def _rows(relative: str) -> tuple[dict[str, str], ...]:
    with shared(relative).open(newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))


def test_one_concept_per_distinct_code_with_its_level() -> None:
    codes = {row["atc_code"] for row in _rows(DDD)}
    concepts = _concepts(_parsed())
    assert set(concepts) == {f"ATC:{code}" for code in codes}
    by_length = Counter(len(code) for code in codes)
    expected = {f"ATC level {level}": by_length[length] for length, level in {1: 1, 3: 2, 4: 3, 5: 4, 7: 5}.items()}
    assert Counter(c.kind for c in concepts.values()) == expected
    assert list(expected.values()) == [14, 94, 271, 939, 5_678]  # PROVENANCE.md


def test_parents_are_the_code_one_level_up() -> None:
    concepts = _concepts(_parsed())
    assert concepts["ATC:A10BA02"].broader == ("ATC:A10BA",)
    assert concepts["ATC:A10BA"].broader == ("ATC:A10B",)
    assert concepts["ATC:A10B"].broader == ("ATC:A10",)
    assert concepts["ATC:A10"].broader == ("ATC:A",)
    assert concepts["ATC:A"].broader == ()
    assert {c.version for c in concepts.values()} == {"2026-04-25"}
    assert all(c.broader for c in concepts.values() if c.kind != "ATC level 1")


def test_every_ddd_row_is_a_property() -> None:
    rows_by_code: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _rows(DDD):
        rows_by_code[row["atc_code"]].append(row)
    concepts = _concepts(_parsed())
    multi = sorted(code for code, rows in rows_by_code.items() if sum(r["ddd"] != "NA" for r in rows) > 1)
    assert multi
    for code in [*multi[:20], "A02BA01"]:
        expected = [
            " ".join(p for p in (r["ddd"], r["uom"], r["adm_r"]) if p != "NA")
            for r in rows_by_code[code]
            if r["ddd"] != "NA"
        ]
        assert [v for k, v in concepts[f"ATC:{code}"].properties if k == "ddd"] == expected
    assert [v for k, v in concepts["ATC:A02BA01"].properties if k == "ddd"] == ["0.8 g O", "0.8 g P"]
    assert concepts["ATC:A02BA01"].name == "cimetidine"


def test_the_shifted_edoxaban_row_is_quarantined_and_the_code_still_loads() -> None:
    row = next(r for r in _rows(DDD) if r["atc_code"] == "B01AF03")
    assert (row["ddd"], row["uom"], row["adm_r"]) == ("NA", "60", "mg")  # the source's own column shift
    rejected = [i for i in _parsed() if isinstance(i, Rejected)]
    assert [r.record_id for r in rejected] == ["ATC:B01AF03"]
    assert _concepts(_parsed())["ATC:B01AF03"].properties == ()


def test_combination_ddds_attach_to_their_code() -> None:
    items = list(AtcSource().read([shared(DDD).parent]))
    concepts = _concepts(items)
    combos = Counter(row["atc_code"] for row in _rows(COMBINATIONS))
    for code, count in combos.items():
        assert sum(k == "ddd_combination" for k, _ in concepts[f"ATC:{code}"].properties) == count, code
    assert len(concepts) == len({row["atc_code"] for row in _rows(DDD)})


def test_fixture_unknown_parents_and_bad_rows_are_rejected_while_the_rest_loads() -> None:
    items = list(AtcSource().read([FIXTURES]))
    concepts = _concepts(items)
    reasons = {(r.origin, r.reason) for r in items if isinstance(r, Rejected)}
    assert set(concepts) == {
        f"ATC:{c}" for c in ("A", "A02", "A02B", "A02BA", "A02BA01", "A02BA02", "B01AF03", "C09", "C09AA02")
    }
    assert concepts["ATC:C09AA02"].broader == ()
    assert ("WHO_ATC-DDD_2020-01-01.csv:11", "parent ATC code C09AA of C09AA02 is not in the file") in reasons
    assert ("WHO_ATC-DDD_2020-01-01.csv:12", "expected 6 fields, got 7") in reasons
    assert ("WHO_ATC-DDD_2020-01-01.csv:13", "malformed ATC code 'A2'") in reasons
    assert any("Z99ZZ99" in reason for _, reason in reasons)
    assert ("ddd_note", 'Refers to "ranitidine" base') in concepts["ATC:A02BA02"].properties
    assert ("ddd_combination", "Brand | tab | cimetidine 0.2 g/other 1 mg | 4 UD (=4 tab)") in concepts[
        "ATC:A02BA01"
    ].properties


def test_source_is_registered_and_a_missing_path_is_a_source_error(tmp_path: Path) -> None:
    assert isinstance(SOURCES.create("atc"), AtcSource)
    with pytest.raises(SourceError):
        AtcSource().read([tmp_path / "absent.csv"])
    foreign = tmp_path / "other.csv"
    foreign.write_text("a,b\n1,2\n")
    [item] = AtcSource().read([foreign])
    assert isinstance(item, Rejected) and "not a WHO ATC/DDD export" in item.reason


# ------------------------------------------------------------------ a file cut short (issue 18: whole rows only)

CUT = "row cut at end of file (no line end)"


def _cut_copy(tmp_path: Path, end_line: int, drop: int) -> tuple[Path, str]:
    """The real export up to line ``end_line``, less ``drop`` characters before that line's end (0: the line end
    stays), written under the export's own name (its date is the version)."""
    text = shared(DDD).read_text("utf-8")
    lines = text.splitlines(keepends=True)[:end_line]
    cut = "".join(lines)
    if drop:
        cut = cut.removesuffix("\n")[:-drop]
    path = tmp_path / shared(DDD).name
    path.write_text(cut, encoding="utf-8", newline="")
    return path, cut


def _codes(text: str) -> list[str]:
    return list(dict.fromkeys(row["atc_code"] for row in csv.DictReader(io.StringIO(text, newline=""))))


def _rejections(items: list[VocabularyItem] | tuple[VocabularyItem, ...]) -> set[tuple[str, str, str | None]]:
    return {(r.origin, r.reason, r.record_id) for r in items if isinstance(r, Rejected)}


def test_a_last_row_cut_inside_its_last_field_is_rejected_and_every_earlier_code_loads(tmp_path: Path) -> None:
    total = len(shared(DDD).read_text("utf-8").splitlines())
    path, cut = _cut_copy(tmp_path, total, 1)
    last = list(csv.reader(io.StringIO(cut, newline="")))[-1]
    assert last == ["V20", "SURGICAL DRESSINGS", "NA", "NA", "NA", "N"]  # csv alone would take it whole
    items = list(parse_atc(path))
    whole = _concepts(_parsed())
    assert list(_concepts(items)) == [f"ATC:{code}" for code in _codes(cut) if code != "V20"]
    assert all(concept == whole[key] for key, concept in _concepts(items).items())
    assert _rejections(items) == _rejections(_parsed()) | {(f"{path.name}:{total}", CUT, "ATC:V20")}


def test_a_cut_row_of_a_code_with_earlier_rows_rejects_that_code_too(tmp_path: Path) -> None:
    path, cut = _cut_copy(tmp_path, 88, 1)  # A02BA01's second DDD row (parenteral), its note "NA" cut to "N"
    rows = list(csv.DictReader(io.StringIO(cut, newline="")))
    assert [r["atc_code"] for r in rows[-2:]] == ["A02BA01", "A02BA01"]
    items = list(parse_atc(path))
    assert "ATC:A02BA01" not in _concepts(items)
    assert list(_concepts(items)) == [f"ATC:{code}" for code in _codes(cut) if code != "A02BA01"]
    assert _rejections(items) == {
        (f"{path.name}:88", CUT, "ATC:A02BA01"),
        (f"{path.name}:87", "ATC code A02BA01 is incomplete: its row on line 88 was cut at end of file", "ATC:A02BA01"),
    }


def test_a_file_cut_exactly_at_a_line_end_loads_every_whole_row(tmp_path: Path) -> None:
    path, cut = _cut_copy(tmp_path, 88, 0)
    items = list(parse_atc(path))
    concepts = _concepts(items)
    assert list(concepts) == [f"ATC:{code}" for code in _codes(cut)]
    expected = [
        " ".join(p for p in (r["ddd"], r["uom"], r["adm_r"]) if p != "NA")
        for r in csv.DictReader(io.StringIO(cut, newline=""))
        if r["atc_code"] == "A02BA01"
    ]
    assert [v for k, v in concepts["ATC:A02BA01"].properties if k == "ddd"] == expected == ["0.8 g O", "0.8 g P"]
    assert _rejections(items) == set()


def test_the_complete_file_copied_loads_as_before(tmp_path: Path) -> None:
    total = len(shared(DDD).read_text("utf-8").splitlines())
    path, text = _cut_copy(tmp_path, total, 0)
    assert text == shared(DDD).read_text("utf-8")
    items = list(parse_atc(path))
    assert list(_concepts(items)) == [f"ATC:{code}" for code in _codes(text)]
    assert [r.record_id for r in items if isinstance(r, Rejected)] == ["ATC:B01AF03"]  # the source's own shift


# ------------------------------------------------------------------ a plain file cut exactly at a line end (issue 18)


def _read_concepts(paths: list[Path]) -> dict[str, ConceptRecord]:
    return {r.curie: r for r in AtcSource().read(paths) if isinstance(r, ConceptRecord)}


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_a_combinations_table_cut_at_a_line_end_marks_every_substance_it_could_have_shortened(
    tmp_path: Path, packed: bool
) -> None:
    """The combinations table is sorted by code; cut halfway at a line end it reads as whole, and the substances
    at or after its last code lose their combination DDDs. Each substance that differs from the complete load's
    is marked (so never written over a stored copy); gzipped, the same cut cannot happen unseen (the stream's
    end is checked) and nothing is marked."""
    whole = shared(COMBINATIONS).read_text(encoding="utf-8").splitlines(keepends=True)
    cut_text = "".join(whole[: len(whole) // 2])
    folder = tmp_path / "cut"
    folder.mkdir()
    (folder / Path(DDD).name).write_bytes(shared(DDD).read_bytes())
    data = cut_text.encode("utf-8")
    name = Path(COMBINATIONS).name + (".gz" if packed else "")
    (folder / name).write_bytes(gzip.compress(data, mtime=0) if packed else data)
    complete = _read_concepts([shared(DDD), shared(COMBINATIONS)])
    cut = _read_concepts([folder / Path(DDD).name, folder / name])
    shortened = {
        c for c, r in cut.items() if replace(r, origin="", end_unproven=False) != replace(complete[c], origin="")
    }
    marked = {c for c, r in cut.items() if r.end_unproven}
    assert len(shortened) > 10  # premise: the lost half held combinations of many substances
    if packed:
        assert marked == set()
    else:
        assert shortened <= marked
        last = whole[len(whole) // 2 - 1].split(",", 1)[0]
        assert marked == {c for c, r in cut.items() if r.kind == "ATC level 5" and c >= f"ATC:{last}"}


def test_only_a_substance_can_lose_rows_so_a_group_ending_the_export_is_not_marked() -> None:
    """WHO's export ends with a group (V20), whose one row is whole or cut: nothing is marked, so a new release's
    last code is written as any other."""
    records = _read_concepts([shared(DDD)])
    last = shared(DDD).read_text(encoding="utf-8").rstrip("\n").rsplit("\n", 1)[1].split(",", 1)[0]
    assert records[f"ATC:{last}"].kind != "ATC level 5"
    assert not [c for c, r in records.items() if r.end_unproven]


CUTS = 30  # most cuts end the DDD table after a substance's last row: enough to land between two rows of one


@pytest.mark.parametrize("table", ["ddd", "combinations"])
def test_a_gzip_stream_that_breaks_off_marks_what_its_last_rows_may_have_lost(tmp_path: Path, table: str) -> None:
    """A gzipped export cut mid-stream is reported cut (the load is partial), and the rows read before the break
    are whole lines, but the code read last may have had more rows after them: at 30 seeded cuts, every substance
    that differs from the complete load's is marked, so it is never written over a stored copy."""
    whole = shared(DDD if table == "ddd" else COMBINATIONS).read_bytes()
    packed = gzip.compress(whole, mtime=0)
    complete = _read_concepts([shared(DDD), shared(COMBINATIONS)])
    folder = tmp_path / "cut"
    folder.mkdir()
    other = shared(COMBINATIONS if table == "ddd" else DDD)
    (folder / other.name).write_bytes(other.read_bytes())
    cut_path = folder / f"{(DDD if table == 'ddd' else COMBINATIONS).rsplit('/', 1)[1]}.gz"
    rng = random.Random(f"18-atc-gzip-{table}")
    shortened_seen = 0
    for offset in sorted(rng.sample(range(len(packed) // 4, len(packed) - 16), CUTS)):
        cut_path.write_bytes(packed[:offset])
        items = list(AtcSource().read([folder / other.name, cut_path]))
        assert [r for r in items if isinstance(r, Rejected) and r.truncated], "the break is reported"
        for record in (r for r in items if isinstance(r, ConceptRecord)):
            if replace(record, origin="", end_unproven=False) != replace(complete[record.curie], origin=""):
                shortened_seen += 1
                assert record.end_unproven, f"cut at {offset}: {record.curie} lost rows and is not marked"
    assert shortened_seen, "no cut shortened a substance: the test checks nothing"
