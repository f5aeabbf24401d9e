"""Cross-registration tables: only whole rows become pairs (issue 18), checked against the real pipeline output
read with the csv module.

A row is whole when it has the header's number of fields and, for the file's last row, a line end after it: a
download cut mid-row would otherwise load a damaged last value, or (before the field count was checked) a short
row whose missing evidence columns read as FALSE.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
from functools import cache
from pathlib import Path

import pytest

from tests.data import shared
from trialgraph.loaders.crossreg.parse import CuratedPair, parse_pairs
from trialgraph.model.staged import Quarantined

PIPELINE = "links/crossreg/crossreg_pipeline_output.csv"
NO_LINE_END = "row cut at end of file (no line end)"
OPEN_QUOTE = "row cut at end of file (inside a quoted field)"
KEEP = 300  # rows of the real table each case works on: enough to hold FALSE/TRUE/blank flags and NA scores


@cache
def _text() -> str:
    """The header and the first KEEP rows of the real table, exactly as written (one physical line each)."""
    return "".join(shared(PIPELINE).read_text("utf-8").splitlines(keepends=True)[: KEEP + 1])


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _last_width(text: str) -> int:
    """How many fields plain csv finds in the last row."""
    return len(list(csv.reader(io.StringIO(text, newline="")))[-1])


def _evidence(row: dict[str, str], header: list[str]) -> tuple[str, ...]:
    """The flag columns (trn1inreg2 ... is_title_matched, header positions 2-12) that say TRUE."""
    return tuple(column for column in header[2:13] if row[column] == "TRUE")


def _write(tmp_path: Path, text: str, packed: bool = False) -> Path:
    path = tmp_path / ("pairs.csv.gz" if packed else "pairs.csv")
    path.write_bytes(gzip.compress(text.encode()) if packed else text.encode())
    return path


def _parse(path: Path) -> tuple[list[CuratedPair], list[Quarantined]]:
    items = list(parse_pairs(path))
    return [p for p in items if isinstance(p, CuratedPair)], [q for q in items if isinstance(q, Quarantined)]


def _lines(pairs: list[CuratedPair]) -> list[int]:
    return [int(p.origin.rsplit(":", 1)[1]) for p in pairs]


def _same_pairs(pairs: list[CuratedPair], reference: list[CuratedPair]) -> bool:
    """Equal apart from the file named in ``origin``."""
    strip = [dataclasses.replace(p, origin=p.origin.rsplit(":", 1)[1]) for p in pairs]
    return strip == [dataclasses.replace(p, origin=p.origin.rsplit(":", 1)[1]) for p in reference]


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> list[CuratedPair]:
    pairs, quarantined = _parse(_write(tmp_path_factory.mktemp("whole"), _text()))
    assert quarantined == []
    return pairs


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_the_complete_table_gives_one_pair_per_row_with_the_evidence_csv_reads(tmp_path: Path, packed: bool) -> None:
    text = _text()
    header = next(csv.reader(io.StringIO(text)))
    pairs, quarantined = _parse(_write(tmp_path, text, packed))
    rows = _csv_rows(text)
    assert len(pairs) == len(rows) == KEEP and quarantined == []
    assert _lines(pairs) == list(range(2, KEEP + 2))
    assert [p.evidence for p in pairs] == [_evidence(r, header) for r in rows]
    assert len({p.evidence for p in pairs}) > 1  # rows differ in the flags they carry


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_a_last_row_cut_inside_its_last_field_is_quarantined_and_earlier_rows_pair(
    tmp_path: Path, packed: bool, whole: list[CuratedPair]
) -> None:
    text = _text()
    last_value = text.rstrip("\n").rsplit(",", 1)[1]
    assert last_value in {"TRUE", "FALSE"}
    cut = text[: len(text) - 1 - len(last_value) + 2]  # "...,TR" or "...,FA": no line end
    assert _last_width(cut) == _last_width(text)  # the count is right: csv alone takes the row
    path = _write(tmp_path, cut, packed)
    pairs, quarantined = _parse(path)
    assert _same_pairs(pairs, whole[:-1])
    assert [(q.origin, q.reason) for q in quarantined] == [(f"{path}:{KEEP + 1}", NO_LINE_END)]


def test_a_last_row_cut_among_its_evidence_columns_is_quarantined(tmp_path: Path, whole: list[CuratedPair]) -> None:
    text = _text()
    start = text.rstrip("\n").rindex("\n") + 1
    cut = text[: start + text[start:].index(",FALSE") + 3]  # cut inside the first FALSE flag of the last row
    assert _last_width(cut) < _last_width(text)
    path = _write(tmp_path, cut)
    pairs, quarantined = _parse(path)
    assert _same_pairs(pairs, whole[:-1])
    assert [(q.origin, q.reason) for q in quarantined] == [(f"{path}:{KEEP + 1}", NO_LINE_END)]


def test_a_table_cut_exactly_at_a_line_end_pairs_every_whole_row(tmp_path: Path, whole: list[CuratedPair]) -> None:
    lines = _text().splitlines(keepends=True)
    pairs, quarantined = _parse(_write(tmp_path, "".join(lines[:151])))
    assert len(pairs) == len(_csv_rows("".join(lines[:151]))) == 150
    assert _same_pairs(pairs, whole[:150]) and quarantined == []


def test_a_quoted_last_field_left_open_by_the_end_of_the_file_is_quarantined(
    tmp_path: Path, whole: list[CuratedPair]
) -> None:
    """The same rows written with every field quoted, cut inside the last quotes: once with no line end, once
    after a line break (a quoted value may hold one), where the file does end with a line end and only the
    quote still open tells."""
    out = io.StringIO(newline="")
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(csv.reader(io.StringIO(_text())))
    quoted = out.getvalue()
    for cut in [quoted[: len(quoted) - 3], quoted[: len(quoted) - 3] + "\n"]:  # '..."TRU' without, then with, "\n"
        assert list(csv.reader(io.StringIO(cut, newline="")))[-1][:2] == list(csv.reader(io.StringIO(quoted)))[-1][:2]
        path = _write(tmp_path, cut)
        pairs, quarantined = _parse(path)
        assert _same_pairs(pairs, whole[:-1])
        assert [(q.origin, q.reason) for q in quarantined] == [(f"{path}:{KEEP + 1}", OPEN_QUOTE)]


def test_rows_with_too_few_or_too_many_fields_are_quarantined_alone(tmp_path: Path, whole: list[CuratedPair]) -> None:
    lines = _text().splitlines(keepends=True)
    width = len(next(csv.reader(lines[:1])))
    short = lines[10].rstrip("\n").rsplit(",", 3)[0] + "\n"  # the last three fields gone: evidence would be lost
    long = lines[20].rstrip("\n") + ",TRUE\n"
    text = "".join([*lines[:10], short, *lines[11:20], long, *lines[21:]])
    path = _write(tmp_path, text)
    pairs, quarantined = _parse(path)
    assert _same_pairs(pairs, [p for i, p in enumerate(whole) if i not in {9, 19}])
    assert [(q.origin, q.reason) for q in quarantined] == [
        (f"{path}:11", f"row has {width - 3} fields, the header has {width}"),
        (f"{path}:21", f"row has {width + 1} fields, the header has {width}"),
    ]


def test_a_pair_stated_again_alike_is_read_and_a_different_restatement_is_quarantined(
    tmp_path: Path, whole: list[CuratedPair]
) -> None:
    """The first row defines a pair, so a copy of the file cut after that row writes the same edge (the writer:
    ``tests/kg/test_curated_pairs_graph.py``); a later row saying something else is not silently lost."""
    lines = _text().splitlines(keepends=True)
    header = next(csv.reader(lines[:1]))
    same = lines[5]  # data row 5 (line 6) again, word for word
    cells = next(csv.reader([lines[8]]))
    flag = next(i for i in range(2, 13) if cells[i] in {"TRUE", "FALSE"})
    cells[flag] = "FALSE" if cells[flag] == "TRUE" else "TRUE"  # data row 8 again with one flag flipped
    other = io.StringIO()
    csv.writer(other, lineterminator="\n").writerow(cells)
    path = _write(tmp_path, "".join([*lines, same, other.getvalue()]))
    pairs, quarantined = _parse(path)
    # the restatement alike is read (the pair writer writes the first row and counts it unchanged)
    assert _same_pairs(pairs, [*whole, dataclasses.replace(whole[4], origin=f"x:{KEEP + 2}")])
    assert len(header) == len(cells)
    assert [(q.origin, q.reason) for q in quarantined] == [
        (
            f"{path}:{KEEP + 3}",
            f"{whole[7].id_a} = {whole[7].id_b} stated again with other evidence: the first row ({path}:9) is kept",
        )
    ]
