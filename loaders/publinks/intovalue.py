"""IntoValue's curated trial → results-publication table (``links/intovalue/trials.csv.gz``) as links.

IntoValue (German university trials, completed 2009-2017) hand-searched a results publication for each
trial, so its pairs are the closest thing to a gold standard for trial ↔ publication linking. The file
has one row per trial *per IntoValue version*: trials in both IV1 and IV2 appear twice (``is_dupe``).
Rows are streamed with :mod:`csv`; links are merged on (trial, pmid, doi) so the duplicate rows give
one link whose evidence is the union of theirs. ``NA`` is R's missing value.
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Iterator
from pathlib import Path

from trialgraph.errors import SourceError
from trialgraph.loaders.files import GZIP_ERRORS, TrackedLines, header_only_entry, one_line, open_text
from trialgraph.model.publication_link import SOURCE_INTOVALUE, Rejected, TrialPublicationLink
from trialgraph.model.trial_ids import canonical_trial_id

__all__ = ["EVIDENCE_COLUMNS", "iter_intovalue_links"]

# Where IntoValue found the trial id: in the abstract, in PubMed's secondary-id (DataBank) field, in the
# full text; and whether the registry record links the publication.
EVIDENCE_COLUMNS = ("has_iv_trn_abstract", "has_iv_trn_secondary_id", "has_iv_trn_ft", "has_reg_pub_link")
_REQUIRED = ("id", "registry", "pmid", "doi", *EVIDENCE_COLUMNS)
_MISSING = frozenset({"", "NA"})
_FLAGS = {"TRUE": True, "FALSE": False, "NA": None, "": None}
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")

_Key = tuple[str, str | None, str | None]


def iter_intovalue_links(path: Path) -> Iterator[TrialPublicationLink | Rejected]:
    """One link per distinct (trial, pmid, doi) among rows that name a publication; bad rows → ``Rejected``.

    Rows without a pmid and a doi (no publication found) are not links and are skipped silently: that
    is IntoValue's finding, not a defect. Links come out in the order of their first row, after the
    whole file is read (merging needs it; the table has a few thousand rows).

    A file that ends early (a row without its line end, a quoted field left open, a gzip stream that
    breaks off) gives one ``truncated`` entry, so the load is ``partial``, and the cut row is not a link.
    A header with no row after it is refused as a whole (empty) file, never read as a table without links.
    (A trial's two ``is_dupe`` rows, from IntoValue 1 and 2, carry the same evidence flags in the shared
    file, so a link read before the cut whose other row was lost has its full evidence.)

    Raises:
        SourceError: ``path`` does not exist.
    """
    path = Path(path)
    if not path.exists():
        raise SourceError(f"no such file: {path}")
    origin = str(path)
    merged: dict[_Key, tuple[set[str], str, str]] = {}  # key -> (evidence, registry, origin of first row)
    try:
        with open_text(path) as handle:
            lines = TrackedLines(handle)
            reader = csv.DictReader(lines)
            missing = [c for c in _REQUIRED if c not in (reader.fieldnames or ())]
            if missing:
                if lines.cut_reason:  # the file ends inside its header: nothing of it is known
                    yield Rejected(origin, f"header {lines.cut_reason}", truncated=True)
                    return
                yield Rejected(origin, f"not an IntoValue trials table: missing columns {', '.join(missing)}")
                return
            rows = 0
            for rows, row in enumerate(reader, start=1):  # noqa: B007 - rows is used after the loop
                row_origin = f"{origin}:{reader.line_num}"
                if reason := lines.cut_reason:  # the file ends inside this row: nothing after it was read
                    yield Rejected(row_origin, reason, _value(row, "id"), truncated=True)
                    break
                parsed = _row(row, row_origin)
                if isinstance(parsed, Rejected):
                    yield parsed
                    continue
                if parsed is None:
                    continue
                key, registry, evidence = parsed
                if key in merged:
                    merged[key][0].update(evidence)
                else:
                    merged[key] = (set(evidence), registry, row_origin)
            if not rows:
                yield header_only_entry(path)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error) as exc:
        cut = isinstance(exc, GZIP_ERRORS)  # a gzip stream that broke off: the rest was never read
        yield Rejected(origin, f"cannot read the rest of the file: {one_line(exc)}", truncated=cut)
    for (trial_id, pmid, doi), (evidence, registry, first_origin) in merged.items():
        ordered = tuple(c for c in EVIDENCE_COLUMNS if c in evidence)
        yield TrialPublicationLink(trial_id, registry, pmid, doi, SOURCE_INTOVALUE, ordered, first_origin)


def _value(row: dict[str | None, str | None], column: str) -> str | None:
    value = row.get(column)
    if value is None:
        return None
    value = value.strip()
    return None if value in _MISSING else value


def _row(row: dict[str | None, str | None], origin: str) -> tuple[_Key, str, list[str]] | Rejected | None:
    if None in row or any(v is None for v in row.values()):
        return Rejected(origin, "wrong number of fields")
    raw_id = _value(row, "id")
    if raw_id is None:
        return Rejected(origin, "row has no trial id")
    pmid = _value(row, "pmid")
    doi = _value(row, "doi")
    if pmid is None and doi is None:
        return None
    registry = _value(row, "registry")
    match = canonical_trial_id(raw_id, registry)
    if match is None or match.start != 0 or match.end != len(raw_id):
        return Rejected(origin, f"not a trial registration number: {raw_id!r}", raw_id)
    if pmid is not None and not pmid.isdigit():
        return Rejected(origin, f"malformed pmid {pmid!r}", match.trial_id)
    if doi is not None:
        doi = _clean_doi(doi)
        if not doi.startswith("10."):
            return Rejected(origin, f"malformed doi {doi!r}", match.trial_id)
    evidence = []
    for column in EVIDENCE_COLUMNS:
        raw_flag = (row.get(column) or "").strip().upper()
        if raw_flag not in _FLAGS:
            return Rejected(origin, f"{column} is not TRUE/FALSE/NA: {raw_flag!r}", match.trial_id)
        if _FLAGS[raw_flag]:
            evidence.append(column)
    return (match.trial_id, pmid, doi), match.registry, evidence


def _clean_doi(doi: str) -> str:
    lowered = doi.strip().lower()
    for prefix in _DOI_PREFIXES:
        if lowered.startswith(prefix):
            return lowered[len(prefix) :]
    return lowered
