"""Which source reads a file: ``trialgraph load PATH`` without a source name.

Each rule looks at a file's name and its first few kilobytes (decompressed when gzip, whatever the name; the
first member for ``.zip``), and the first rule that matches names the source. A folder is detected from its files.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from trialgraph.errors import SourceError
from trialgraph.loaders.files import GZIP_ERRORS, check_input, open_binary, walk_files

__all__ = ["detect_source"]

_HEAD_BYTES = 65_536

Rule = Callable[[str, str], bool]  # (lower-case file name, head text) → matches


def _has(*needles: str) -> Rule:
    return lambda name, head: all(n in head for n in needles)


def _named(*suffixes: str) -> Rule:
    return lambda name, head: name.endswith(suffixes)


def _header_starts(*columns: str) -> Rule:
    pattern = re.compile(r"^\ufeff?\"?" + r"\"?,\"?".join(map(re.escape, columns)))
    return lambda name, head: bool(pattern.match(head))


# Order matters: specific content first, generic name patterns last.
_RULES: tuple[tuple[str, Rule], ...] = (
    ("pubmed", _has("<PubmedArticleSet")),
    ("pubmed", _has("<MedlineCitationSet")),
    ("ictrp", _has("<Trials_downloaded_from_ICTRP")),
    ("anzctr", _has("<ANZCTR_Trial")),
    ("isrctn", _has("67bricks.com/isrctn")),
    ("ctgov", _has("<clinical_study")),
    ("mesh", _has("<DescriptorRecordSet")),
    ("mesh", _has("<SupplementalRecordSet")),
    ("mesh", _has("<QualifierRecordSet")),
    ("mesh", _has("id.nlm.nih.gov/mesh")),
    ("owl", _has("<owl:Ontology")),
    ("ctgov", _has('"protocolSection"')),
    ("ctis", _has('"ctNumber"')),
    ("euctr", _has('"a2_eudract_number"')),
    ("isrctn", _has('{"isrctn"')),
    ("euctr", _has("EudraCT Number:")),
    ("obo", _has("[Term]")),
    ("sssom", _named(".sssom.tsv", ".sssom.tsv.gz")),
    ("atc", _header_starts("atc_code", "atc_name")),
    ("intovalue", _header_starts("id", "registry", "is_resolved")),
    ("crossreg", _header_starts("id", "crossreg_registry", "crossreg_trn")),
    ("crossreg", _header_starts("id", "pmid", "doi", "crossreg_trn")),
    ("crossreg", _header_starts("trn1", "trn2")),
    ("ictrp", _has("TrialID")),
)


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
    return next((source for source, rule in _RULES if rule(path.name.lower(), head)), None)


def detect_source(path: Path) -> str:
    """The source name for ``path`` (a folder: its first file a rule recognises; notes such as README.md or
    an index are skipped). Raises SourceError (one line) when nothing is recognised."""
    check_input(path)
    files = walk_files(path) if path.is_dir() else [path]
    for candidate in files:
        if (source := _detect_file(candidate)) is not None:
            return source
    raise SourceError(f"cannot tell which source reads {path}; name it: trialgraph load SOURCE {path}")
