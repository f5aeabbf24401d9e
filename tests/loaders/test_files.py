"""The one folder walk: regular files only, hidden ones skipped, no endless link loops, FIFOs never opened."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.data import shared
from trialgraph.errors import SourceError
from trialgraph.loaders.ctgov.read import iter_raw
from trialgraph.loaders.detect import detect_source
from trialgraph.loaders.files import check_input, walk_data_files, walk_files


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
