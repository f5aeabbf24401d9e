"""Which source reads a file: ``trialgraph load PATH`` without a source name.

Each rule looks at a file's name and its first few kilobytes (decompressed when gzip, whatever the name; the
first member for ``.zip``), and the first rule that matches names the source. A folder is detected from its files.
The rules live with their sources (``detection = Detection(...)`` on the source class), so a new source brings
its own; here they are only ordered: specific content first (by each source's rank), generic fallbacks last.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trialgraph.errors import SourceError
from trialgraph.loaders.base import discover
from trialgraph.loaders.files import GZIP_ERRORS, check_input, open_binary, walk_files

__all__ = ["Detection", "Rule", "detect_source", "has", "header_starts", "named", "ordered_rules"]

_HEAD_BYTES = 65_536

Rule = Callable[[str, str], bool]  # (lower-case file name, head text) → matches


def has(*needles: str) -> Rule:
    """The head contains every needle (a root element, a namespace, a JSON key)."""
    return lambda name, head: all(n in head for n in needles)


def named(*suffixes: str) -> Rule:
    """The file name ends with one of the suffixes (for formats whose content says nothing distinctive)."""
    return lambda name, head: name.endswith(suffixes)


def header_starts(*columns: str) -> Rule:
    """A CSV whose header row starts with these columns (quoted or not, after an optional BOM)."""
    pattern = re.compile(r"^\ufeff?\"?" + r"\"?,\"?".join(map(re.escape, columns)))
    return lambda name, head: bool(pattern.match(head))


@dataclass(frozen=True, slots=True)
class Detection:
    """How a source recognises its files.

    ``rank`` orders sources whose content rules could both match (lower first: a registry's own root element
    before a vocabulary's generic namespace); ``fallback`` rules are generic and tried after every source's
    specific ones.
    """

    rank: int
    rules: tuple[Rule, ...]
    fallback: tuple[Rule, ...] = ()


def ordered_rules() -> list[tuple[str, Rule]]:
    """Every registered source's rules in the order they are tried: specific by rank, then fallbacks."""
    sources = discover()
    detections = sorted(
        ((source.detection, name) for name in sources.names() if (source := sources.create(name)).detection),
        key=lambda pair: (pair[0].rank, pair[1]),
    )
    specific = [(name, rule) for detection, name in detections for rule in detection.rules]
    return specific + [(name, rule) for detection, name in detections for rule in detection.fallback]


def _head(path: Path) -> str:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/")]
            data = archive.open(members[0]).read(_HEAD_BYTES) if members else b""
    else:
        with open_binary(path) as handle:
            data = handle.read(_HEAD_BYTES)
    return data.decode("utf-8", errors="replace")


def _detect_file(path: Path) -> str | None:
    try:
        head = _head(path)
    except (OSError, *GZIP_ERRORS, zipfile.BadZipFile) as e:
        raise SourceError(f"cannot read {path}: {e}") from e
    return next((source for source, rule in ordered_rules() if rule(path.name.lower(), head)), None)


def detect_source(path: Path) -> str:
    """The source name for ``path`` (a folder: its first file a rule recognises; notes such as README.md or
    an index are skipped). Raises SourceError (one line) when nothing is recognised."""
    check_input(path)
    files = walk_files(path) if path.is_dir() else [path]
    for candidate in files:
        if (source := _detect_file(candidate)) is not None:
            return source
    raise SourceError(f"cannot tell which source reads {path}; name it: trialgraph load SOURCE {path}")
