"""Tests for ``trialgraph.loaders.ctgov.read``: every input shape splits into the right units and rejects."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import orjson
import pytest

from tests.data import shared
from trialgraph.errors import SourceError
from trialgraph.loaders.ctgov.read import RawStudy, Rejected, expected_id_from_name, iter_raw


def _studies(items: list[RawStudy | Rejected]) -> list[RawStudy]:
    return [item for item in items if isinstance(item, RawStudy)]


def _nct(payload: object) -> str:
    assert isinstance(payload, dict)
    return payload["protocolSection"]["identificationModule"]["nctId"]


# --- real shared data ---------------------------------------------------------------------------------


def test_jsonl_gz_yields_every_line_as_a_decoded_object() -> None:
    path = shared("ctgov/v2/studies.jsonl.gz")
    items = list(iter_raw([path]))
    studies = _studies(items)
    assert len(items) == len(studies) == 1283
    assert all(s.format == "ctgov-v2" and s.expected_id is None for s in studies)
    assert [s.origin for s in studies[:2]] == [f"{path}:1", f"{path}:2"]
    assert studies[-1].origin == f"{path}:1283"
    ids = [_nct(s.payload) for s in studies]
    assert ids == sorted(ids) and len(set(ids)) == 1283  # PROVENANCE: unique, sorted by NCT id


def test_array_export_yields_one_unit_per_element() -> None:
    path = shared("ctgov/v2/ctg-studies_NSCLC-export.json")
    items = list(iter_raw([path]))
    studies = _studies(items)
    assert len(items) == len(studies) == 100
    assert [s.origin for s in studies[:3]] == [f"{path}[0]", f"{path}[1]", f"{path}[2]"]
    assert all(isinstance(s.payload, dict) and "protocolSection" in s.payload for s in studies)
    assert all(s.expected_id is None for s in studies)


def test_directory_of_single_study_files_is_sorted_and_named_ids_are_extracted() -> None:
    folder = shared("ctgov/v2/studies")
    studies = _studies(list(iter_raw([folder])))
    assert len(studies) == 8
    names = [Path(s.origin).name for s in studies]
    assert names == sorted(p.name for p in folder.glob("*.json"))
    for study in studies:
        assert study.format == "ctgov-v2"
        assert study.expected_id == Path(study.origin).stem
        assert _nct(study.payload) == study.expected_id


def test_allpublicxml_zip_is_read_member_by_member_with_ids_from_member_names() -> None:
    path = shared("ctgov/legacy/AllPublicXML-subset.zip")
    items = list(iter_raw([path]))
    studies = _studies(items)
    assert len(items) == len(studies) == 3422
    first = studies[0]
    assert first.origin == f"{path}!NCT0000xxxx/NCT00000102.xml"
    assert first.format == "ctgov-xml"
    assert first.expected_id == "NCT00000102"
    assert isinstance(first.payload, bytes) and b"<nct_id>NCT00000102</nct_id>" in first.payload
    assert all(s.origin.startswith(f"{path}!NCT00") and s.origin.endswith(".xml") for s in studies)
    assert sum(1 for s in studies if "!NCT0049xxxx/" in s.origin) == 751
    # The id named by the member is the id inside it, for every member of this unmodified dump.
    for study in studies:
        assert f"<nct_id>{study.expected_id}</nct_id>".encode() in study.payload


def test_flat_zips_do_not_need_the_folder_layout() -> None:
    flat = shared("ctgov/legacy/aact/download_xml_files.zip")
    studies = _studies(list(iter_raw([flat])))
    assert [(s.origin, s.expected_id) for s in studies] == [
        (f"{flat}!NCT00513591.xml", "NCT00513591"),
        (f"{flat}!NCT00482794.xml", "NCT00482794"),
    ]
    lacrosse = shared("ctgov/legacy/aact/search_result_lacrosse_2016.zip")
    items = list(iter_raw([lacrosse]))
    assert len(items) == len(_studies(items)) == 57
    assert all(isinstance(s.payload, bytes) and s.expected_id for s in _studies(items))


def test_truncated_zip_is_one_reject_that_mentions_zip() -> None:
    path = shared("ctgov/legacy/SYNTHETIC-BROKEN_AllPublicXML-truncated.zip")
    items = list(iter_raw([path]))
    assert len(items) == 1
    assert isinstance(items[0], Rejected)
    assert items[0].origin == str(path)
    assert "zip" in items[0].reason
    assert "\n" not in items[0].reason


def test_truncated_json_files_are_rejected_as_invalid_json() -> None:
    path = shared("ctgov/v2/broken/SYNTHETIC-BROKEN_truncated_NCT00000410.json")
    items = list(iter_raw([path]))
    assert items == [Rejected(str(path), items[0].reason, truncated=True)]  # one reject, for this file: cut
    assert items[0].reason.startswith("invalid JSON: ")
    assert "\n" not in items[0].reason


def test_html_error_page_is_rejected_as_not_json() -> None:
    path = shared("ctgov/v2/broken/SYNTHETIC-BROKEN_html-error-page_NCT00000000.json")
    assert list(iter_raw([path])) == [Rejected(str(path), "not JSON: starts with <!DOCTYPE html>")]


def test_mixed_jsonl_line_by_line() -> None:
    path = shared("ctgov/v2/broken/SYNTHETIC-BROKEN_studies_mixed.jsonl")
    items = list(iter_raw([path]))
    assert [item.origin for item in items] == [f"{path}:{n}" for n in range(1, 9)]
    by_line = {n: item for n, item in enumerate(items, start=1)}
    for n in (1, 2, 6, 7, 8):  # line 7 is an object with a bad nctId: the parser, not the reader, rejects it
        assert isinstance(by_line[n], RawStudy), n
        assert isinstance(by_line[n].payload, dict)
    assert [_nct(by_line[n].payload) for n in (1, 2, 6, 7, 8)] == [
        "NCT00000410",
        "NCT00007696",
        "NCT00000410",
        "NCT123",
        "NCT00033839",
    ]
    assert isinstance(by_line[5], RawStudy) and by_line[5].payload == []
    assert isinstance(by_line[3], Rejected) and by_line[3].reason.startswith("invalid JSON")
    assert by_line[4] == Rejected(f"{path}:4", "empty line")


def test_directory_ignores_notes_and_rejects_other_files(tmp_path: Path) -> None:
    record = {"protocolSection": {"identificationModule": {"nctId": "NCT00000001"}}}
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "NCT00000001.json").write_bytes(orjson.dumps(record))
    (tmp_path / "NCT00000002.xml").write_bytes(b"<clinical_study/>")
    (tmp_path / "README.md").write_text("notes")
    (tmp_path / "manifest.csv").write_text("a,b\n")
    (tmp_path / "error-page.html").write_text("<html></html>")
    items = list(iter_raw([tmp_path]))
    assert [(Path(i.origin).name, type(i)) for i in items] == [
        ("NCT00000002.xml", RawStudy),
        ("error-page.html", Rejected),
        ("NCT00000001.json", RawStudy),
    ]


# --- synthetic edge cases -----------------------------------------------------------------------------


def test_invalid_utf8_json_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "NCT00000001.json"
    path.write_bytes(b'{"title": "caf\xff\xfe"}')
    assert list(iter_raw([path])) == [Rejected(str(path), "invalid UTF-8 at byte 14")]


@pytest.mark.parametrize("name", ["NCT00000001.json", "NCT00000001.xml", "x.jsonl", "x.json.gz", "x.zip"])
def test_empty_files_are_rejected(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    assert list(iter_raw([path])) == [Rejected(str(path), "empty file", whole_file=True)]


@pytest.mark.parametrize("name", ["a.json", "NCT00000001.xml", "a.json.gz"])
def test_a_whitespace_only_file_is_an_empty_file_refused_whole(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    data = b"\xef\xbb\xbf \n\t\n"
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    assert list(iter_raw([path])) == [Rejected(str(path), "empty file", whole_file=True)]


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("x.jsonl", b"\n  \n\r\n", "empty file (3 blank lines)"),
    ("x.jsonl.gz", b"", "empty file"),  # a gzip stream of nothing: no lines at all
    ("x.jsonl.gz", b"\n", "empty file (1 blank line)"),
])  # fmt: skip
def test_a_jsonl_file_without_a_line_of_content_is_refused_whole(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    assert list(iter_raw([path])) == [Rejected(str(path), reason, whole_file=True)]


def test_blank_lines_before_content_are_still_each_an_empty_line(tmp_path: Path) -> None:
    """Blank lines are held back only until a line with content shows the file is not empty: none is lost."""
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'\n\n{"a": 1}\n')
    assert list(iter_raw([path])) == [
        Rejected(f"{path}:1", "empty line"),
        Rejected(f"{path}:2", "empty line"),
        RawStudy(f"{path}:3", "ctgov-v2", {"a": 1}, None),
    ]


def test_missing_path_raises_source_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(SourceError, match="no such file"):
        list(iter_raw([missing]))


def test_explicit_unsupported_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    expected = "unsupported file type .txt; expected one of .json, .json.gz, .jsonl, .jsonl.gz, .xml, .zip"
    assert list(iter_raw([path])) == [Rejected(str(path), expected)]


def test_api_page_file_yields_its_studies(tmp_path: Path) -> None:
    page = {"studies": [{"a": 1}, {"b": 2}], "nextPageToken": "abc"}
    path = tmp_path / "page.json"
    path.write_bytes(orjson.dumps(page))
    assert list(iter_raw([path])) == [
        RawStudy(f"{path}:studies[0]", "ctgov-v2", {"a": 1}, None),
        RawStudy(f"{path}:studies[1]", "ctgov-v2", {"b": 2}, None),
    ]


def test_single_json_keeps_any_value_for_the_parser_and_strips_bom(tmp_path: Path) -> None:
    path = tmp_path / "study_NCT01234567_v2.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'"just a string"')
    assert list(iter_raw([path])) == [RawStudy(str(path), "ctgov-v2", "just a string", "NCT01234567")]


def test_json_gz_and_jsonl_gz(tmp_path: Path) -> None:
    single = tmp_path / "NCT00000009.json.gz"
    single.write_bytes(gzip.compress(b'{"k": 9}'))
    lines = tmp_path / "many.jsonl.gz"
    lines.write_bytes(gzip.compress(b'{"k": 1}\r\n{"k": 2}\n'))
    assert list(iter_raw([single, lines])) == [
        RawStudy(str(single), "ctgov-v2", {"k": 9}, "NCT00000009"),
        RawStudy(f"{lines}:1", "ctgov-v2", {"k": 1}, None),
        RawStudy(f"{lines}:2", "ctgov-v2", {"k": 2}, None),
    ]


def test_truncated_jsonl_gz_keeps_good_lines_then_rejects(tmp_path: Path) -> None:
    body = b"".join(orjson.dumps({"n": n, "pad": "x" * 50}) + b"\n" for n in range(2000))
    packed = gzip.compress(body)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    items = list(iter_raw([path]))
    assert isinstance(items[-1], Rejected)
    assert "gzip" in items[-1].reason
    good = [item for item in items if isinstance(item, RawStudy)]
    assert good and [s.payload["n"] for s in good] == list(range(len(good)))


def test_gzip_is_told_by_content_not_by_name(tmp_path: Path) -> None:
    plain = tmp_path / "NCT00000001.json.gz"
    plain.write_bytes(b'{"plain": true}')
    packed = tmp_path / "NCT00000002.json"
    packed.write_bytes(gzip.compress(b'{"packed": true}'))
    lines = tmp_path / "many.jsonl"
    lines.write_bytes(gzip.compress(b'{"k": 1}\n'))
    assert list(iter_raw([plain, packed, lines])) == [
        RawStudy(str(plain), "ctgov-v2", {"plain": True}, "NCT00000001"),
        RawStudy(str(packed), "ctgov-v2", {"packed": True}, "NCT00000002"),
        RawStudy(f"{lines}:1", "ctgov-v2", {"k": 1}, None),
    ]


def test_damaged_gzip_header_is_one_reject(tmp_path: Path) -> None:
    path = tmp_path / "x.json.gz"
    path.write_bytes(b"\x1f\x8bnot deflate at all")
    (item,) = iter_raw([path])
    assert isinstance(item, Rejected) and item.reason.startswith("truncated or not a gzip file: ")


def test_zip_member_with_bad_crc_rejects_only_that_member(tmp_path: Path) -> None:
    path = tmp_path / "flat.zip"
    good = b"<clinical_study><nct_id>NCT00000001</nct_id></clinical_study>"
    bad = b"<clinical_study><nct_id>NCT00000002</nct_id></clinical_study>"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("NCT00000001.xml", good)
        archive.writestr("NCT00000002.xml", bad)
        archive.writestr("NCT00000003.json", b'{"x": 3}')
        archive.writestr("readme.txt", b"skipped")
    raw = bytearray(path.read_bytes())
    offset = raw.index(bad)
    raw[offset + 20] ^= 0x01  # flip one bit of the stored member: its CRC no longer matches
    path.write_bytes(bytes(raw))
    items = list(iter_raw([path]))
    assert [item.origin for item in items] == [
        f"{path}!NCT00000001.xml",
        f"{path}!NCT00000002.xml",
        f"{path}!NCT00000003.json",
    ]
    assert items[0] == RawStudy(f"{path}!NCT00000001.xml", "ctgov-xml", good, "NCT00000001")
    assert isinstance(items[1], Rejected) and "CRC" in items[1].reason
    assert items[2] == RawStudy(f"{path}!NCT00000003.json", "ctgov-v2", {"x": 3}, "NCT00000003")


def test_garbage_with_zip_name_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "download.zip"
    path.write_bytes(b"<!DOCTYPE html><html>rate limited</html>")
    items = list(iter_raw([path]))
    assert len(items) == 1 and isinstance(items[0], Rejected)
    assert items[0].reason.startswith("truncated or not a zip archive")


def test_expected_id_is_the_last_nct_id_in_the_base_name() -> None:
    assert expected_id_from_name("NCT0046xxxx/NCT00460811.xml") == "NCT00460811"
    assert expected_id_from_name("SYNTHETIC-BROKEN_id-mismatch_NCT00007696.json") == "NCT00007696"
    assert expected_id_from_name("NCT00000001_vs_NCT00000002.json") == "NCT00000002"
    assert expected_id_from_name("NCT04349592_covid_19_hcq.xml") == "NCT04349592"
    assert expected_id_from_name("raw_study.xml") is None
    assert expected_id_from_name("NCT123456789.json") is None  # 9 digits is not an NCT id


# ------------------------------------------------------------------ a cut file is flagged (issue 18: partial loads)

REAL_JSONL_GZ = "ctgov/v2/studies.jsonl.gz"


def test_a_real_jsonl_gz_cut_in_the_middle_flags_its_one_reject_as_truncated(tmp_path: Path) -> None:
    """The stream breaks: the lines before the break come through whole, and the one reject says the file was cut."""
    packed = shared(REAL_JSONL_GZ).read_bytes()
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 3])
    items = list(iter_raw([path]))
    rejects = [item for item in items if isinstance(item, Rejected)]
    assert rejects == [items[-1]] and rejects[0].truncated and not rejects[0].whole_file
    assert rejects[0].origin == f"{path}:{len(items)}"  # the line the stream broke in
    assert all(isinstance(item, RawStudy) for item in items[:-1]) and len(items) > 100


def test_a_plain_jsonl_cut_inside_its_last_line_flags_that_line_as_truncated(tmp_path: Path) -> None:
    text = gzip.decompress(shared(REAL_JSONL_GZ).read_bytes())
    lines = text.splitlines(keepends=True)[:5]
    path = tmp_path / "cut.jsonl"
    path.write_bytes(b"".join(lines[:4]) + lines[4][: len(lines[4]) // 2])
    items = list(iter_raw([path]))
    assert [type(item) for item in items] == [RawStudy] * 4 + [Rejected]
    assert items[-1].truncated and items[-1].reason.startswith("line cut at end of file (no line end): invalid JSON")


def test_a_whole_last_line_without_a_line_end_and_a_bad_middle_line_are_not_truncation(tmp_path: Path) -> None:
    """A final newline is often missing from a whole file; a bad line with its line end is one bad record."""
    text = gzip.decompress(shared(REAL_JSONL_GZ).read_bytes())
    lines = text.splitlines(keepends=True)[:3]
    path = tmp_path / "whole.jsonl"
    path.write_bytes(lines[0] + b"{not json\n" + lines[2].rstrip(b"\n"))
    items = list(iter_raw([path]))
    assert [type(item) for item in items] == [RawStudy, Rejected, RawStudy]
    assert not items[1].truncated


def test_a_cut_legacy_zip_and_a_damaged_member_are_truncated_a_bad_member_name_is_not(tmp_path: Path) -> None:
    (cut,) = iter_raw([shared("ctgov/legacy/SYNTHETIC-BROKEN_AllPublicXML-truncated.zip")])
    assert isinstance(cut, Rejected) and cut.truncated
    path = tmp_path / "flat.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("NCT00000001.xml", b"<clinical_study><nct_id>NCT00000001</nct_id></clinical_study>")
        archive.writestr("NCT00000002.json", b"")
    raw = bytearray(path.read_bytes())
    raw[raw.index(b"<nct_id>") + 3] ^= 0x01  # the stored member's CRC no longer matches
    path.write_bytes(bytes(raw))
    damaged, empty = iter_raw([path])
    assert isinstance(damaged, Rejected) and damaged.truncated and "CRC" in damaged.reason
    assert isinstance(empty, Rejected) and not empty.truncated  # an empty member is a bad record, not a cut
