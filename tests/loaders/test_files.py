"""The one folder walk (regular files only, hidden ones skipped, no endless link loops, FIFOs never opened) and
the one opener (gzip told by its magic bytes, never by the file name)."""

from __future__ import annotations

import gzip
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.data import shared
from trialgraph.errors import SourceError
from trialgraph.loaders.crossreg.parse import CuratedPair, parse_pairs
from trialgraph.loaders.ctgov.read import iter_raw
from trialgraph.loaders.detect import detect_source
from trialgraph.loaders.files import (
    GZIP_ERRORS,
    UNREADABLE_FILE_ERRORS,
    check_input,
    is_gzip,
    open_binary,
    open_text,
    walk_data_files,
    walk_files,
)
from trialgraph.model.staged import Quarantined


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """Opening a FIFO blocks forever; if the code under test ever does, fail after 20 s instead of hanging CI."""

    def fail(*_: object) -> None:
        raise TimeoutError("blocked: a FIFO was opened")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "exports"
    (root / "sub").mkdir(parents=True)
    (root / ".git").mkdir()
    study = shared("ctgov/v2/studies/NCT00000410.json").read_bytes()
    (root / "sub" / "NCT00000410.json").write_bytes(study)
    (root / ".git" / "NCT00000410.json").write_bytes(study)  # hidden folder: skipped
    (root / ".hidden.json").write_bytes(study)  # hidden file: skipped
    (root / "README.md").write_text("notes\n", encoding="utf-8")
    os.mkfifo(root / "pipe.json")  # a FIFO named like data: never opened
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)  # a link loop: not followed
    (root / "link.json").symlink_to(root / "sub" / "NCT00000410.json")  # a link to a regular file: read
    return root


def test_walk_lists_regular_visible_files_once_without_following_folder_links(folder: Path) -> None:
    assert walk_files(folder) == [folder / "README.md", folder / "link.json", folder / "sub" / "NCT00000410.json"]
    assert walk_data_files(folder) == [folder / "link.json", folder / "sub" / "NCT00000410.json"]
    assert walk_files(folder, lambda p: p.parent.name == "sub") == [folder / "sub" / "NCT00000410.json"]


def test_a_fifo_given_directly_is_refused_in_one_line_and_one_in_a_folder_is_skipped(folder: Path) -> None:
    with pytest.raises(SourceError, match=r"not a regular file or folder .*pipe\.json"):
        check_input(folder / "pipe.json")
    with pytest.raises(SourceError, match="not a regular file or folder"):
        list(iter_raw([folder / "pipe.json"]))
    with pytest.raises(SourceError, match="not a regular file or folder"):
        detect_source(folder / "pipe.json")
    assert detect_source(folder) == "ctgov"
    studies = [item for item in iter_raw([folder]) if type(item).__name__ == "RawStudy"]
    assert len(studies) == 2  # the study and the link to it; no hidden copy, no FIFO


TABLE = "trn1,trn2,trn1inreg2,trn2inreg1,priority\r\nNCT00000001,ISRCTN12345678,TRUE,FALSE,1\r\n"


@pytest.mark.parametrize("name", ["table.csv.gz", "table.csv", "table"])
@pytest.mark.parametrize("buffer_size", [None, 1 << 16])
def test_gzip_is_told_by_its_magic_bytes_whatever_the_name(tmp_path: Path, name: str, buffer_size: int | None) -> None:
    path = tmp_path / name
    path.write_bytes(gzip.compress(TABLE.encode()))
    assert is_gzip(path)
    with open_binary(path, buffer_size=buffer_size) as handle:
        assert handle.readline() == b"trn1,trn2,trn1inreg2,trn2inreg1,priority\r\n"
        assert handle.read() == TABLE.encode().split(b"\n", 1)[1]
    assert handle.closed
    with open_text(path) as text:
        assert text.read() == TABLE  # newlines untouched, as csv wants them


@pytest.mark.parametrize("buffer_size", [None, 1 << 16])
def test_a_plain_file_named_gz_is_read_plain(tmp_path: Path, buffer_size: int | None) -> None:
    path = tmp_path / "table.csv.gz"
    path.write_text(TABLE, encoding="utf-8", newline="")
    assert not is_gzip(path)
    with open_binary(path, buffer_size=buffer_size) as handle:
        assert handle.read() == TABLE.encode()
    with open_text(path) as text:
        assert text.read() == TABLE


@pytest.mark.parametrize("name", ["empty.csv", "empty.csv.gz"])
def test_an_empty_file_is_empty_not_an_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    assert not is_gzip(path)
    with open_binary(path) as handle:
        assert handle.read() == b""
    with open_text(path) as text:
        assert text.read() == ""


def test_open_text_takes_the_callers_encoding(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(gzip.compress("\ufeffid\r\n".encode()))
    with open_text(path, encoding="utf-8-sig") as text:
        assert text.read() == "id\r\n"


@pytest.mark.parametrize("buffer_size", [None, 1 << 16])
def test_a_truncated_gzip_raises_what_callers_handle(tmp_path: Path, buffer_size: int | None) -> None:
    path = tmp_path / "cut"  # no suffix: still gzip
    path.write_bytes(gzip.compress(TABLE.encode() * 1000)[:-40])
    with pytest.raises(EOFError), open_binary(path, buffer_size=buffer_size) as handle:
        handle.read()
    assert all(issubclass(error, UNREADABLE_FILE_ERRORS) for error in GZIP_ERRORS)  # a whole-file quarantine
    with pytest.raises(GZIP_ERRORS), open_text(path) as text:
        text.read()


def test_a_damaged_gzip_header_raises_a_gzip_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(b"\x1f\x8bnot deflate at all")
    with pytest.raises(gzip.BadGzipFile), open_binary(path) as handle:
        handle.read()


def test_a_missing_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        open_binary(tmp_path / "missing.gz")


def test_callers_read_by_content(tmp_path: Path) -> None:
    """A reader that used to go by suffix now takes a gzip without ``.gz`` and a plain ``.gz`` alike."""
    packed, plain = tmp_path / "packed.csv", tmp_path / "plain.csv.gz"
    packed.write_bytes(gzip.compress(TABLE.encode()))
    plain.write_text(TABLE, encoding="utf-8", newline="")
    for path in (packed, plain):
        (pair,) = parse_pairs(path)
        assert isinstance(pair, CuratedPair) and (pair.id_a, pair.id_b) == ("NCT00000001", "ISRCTN12345678")
        assert detect_source(path) == "crossreg"
    study = tmp_path / "NCT00000410.json"
    study.write_bytes(gzip.compress(shared("ctgov/v2/studies/NCT00000410.json").read_bytes()))
    assert detect_source(study) == "ctgov"


def test_a_truncated_gzip_stays_one_quarantine_entry(tmp_path: Path) -> None:
    header, row = TABLE.split("\r\n", 1)
    path = tmp_path / "cut.csv"
    path.write_bytes(gzip.compress(f"{header}\r\n{row * 1000}".encode())[:-40])
    *pairs, last = parse_pairs(path)
    assert pairs and all(isinstance(pair, CuratedPair) for pair in pairs)
    assert isinstance(last, Quarantined) and last.reason.startswith("cannot read the rest of the file: EOFError")
