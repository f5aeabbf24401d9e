"""Input helpers every file-based loader shares: one-line error reasons and walking a folder of exports.

Vocabulary sources, registry exports, PubMed and CT.gov all turn an unreadable input into a one-line
reason (never a stack trace) and walk folders the same way: recursively, in sorted order so runs are
reproducible, skipping hidden files and the notes that lie beside the data. Having one copy keeps those
rules identical across loaders.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from trialgraph.errors import SourceError

__all__ = ["DOCUMENTATION_SUFFIXES", "input_files", "one_line", "walk_data_files"]

DOCUMENTATION_SUFFIXES = (".md", ".csv", ".tsv", ".txt")
"""Notes and manifests lying beside the data in an export folder; never treated as inputs."""


def one_line(exc: BaseException) -> str:
    """An exception's message with its whitespace folded, for a rejection reason; the type when it has none."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def walk_data_files(root: Path) -> list[Path]:
    """Non-hidden files under ``root`` that are not notes (:data:`DOCUMENTATION_SUFFIXES`), sorted."""
    found: list[Path] = []
    for child in root.rglob("*"):
        if any(part.startswith(".") for part in child.relative_to(root).parts):
            continue
        if child.is_file() and not child.name.lower().endswith(DOCUMENTATION_SUFFIXES):
            found.append(child)
    return sorted(found)


def input_files(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Each path given, with folders replaced by their data files (:func:`walk_data_files`).

    Raises:
        SourceError: a path does not exist (a typo should stop the run, not load nothing).
    """
    for raw_path in paths:
        path = Path(raw_path)
        if not path.exists():
            raise SourceError(f"no such file or folder: {path}")
        yield from walk_data_files(path) if path.is_dir() else (path,)
