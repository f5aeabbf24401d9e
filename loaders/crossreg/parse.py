"""Curated cross-registration tables → pairs of canonical trial ids with their evidence.

Three layouts, told apart by their header: IntoValue's registry-stated pairs (``id, crossreg_registry,
crossreg_trn``), IntoValue's publication-stated pairs (``id, pmid, doi, crossreg_trn, ..., is_crossreg_*``),
and the IntoValue cross-registration pipeline's candidates (``trn1, trn2, trn1inreg2, ..., priority``).
Pipeline candidates that no registry states (neither id listed in the other's registration) are kept as
``candidate`` pairs: stored with their flags and priority, not used to merge trials.

A row is used only when it is whole: as many fields as the header (a short row would lose its evidence
columns, a long one shift them) and, for the file's last row, a line end after it (without one, the end of
the file cut the row mid-value). Any other row is quarantined with its line. A header with no row after it
is refused as a whole (empty) file, so that a load of it is ``partial``, not a success that added nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from trialgraph.loaders.files import GZIP_ERRORS, TrackedLines, header_only_entry, open_text
from trialgraph.model.curated_pair import CuratedPair
from trialgraph.model.staged import Quarantined
from trialgraph.model.trial_ids import canonical_trial_id

__all__ = ["CuratedPair", "parse_pairs"]


_Parsed = tuple[str, str, str, tuple[str, ...], bool, float | None]  # id_a, id_b, source, evidence, candidate, score


def _true(row: dict[str, str], columns: list[str]) -> tuple[str, ...]:
    return tuple(c for c in columns if (row.get(c) or "").strip().upper() == "TRUE")


def _registry_crossreg(row: dict[str, str]) -> _Parsed:
    return row["id"], row["crossreg_trn"], "intovalue-registry-crossreg", ("registry",), False, None


def _publication_crossreg(row: dict[str, str]) -> _Parsed:
    flags = _true(row, ["is_crossreg_secondary_id", "is_crossreg_abstract", "is_crossreg_ft", "is_crossreg_reg"])
    return row["id"], row["crossreg_trn"], "intovalue-publication-crossreg", flags, not flags, None


_PIPELINE_FLAGS = ["trn1inreg2", "trn2inreg1", "trn1_in_pub_si", "trn1_in_pub_abs", "trn1_in_pub_ft", "trn2_in_pub_si",
                   "trn2_in_pub_abs", "trn2_in_pub_ft", "is_match_protocol_sponsor_protocol_id",
                   "is_match_results_sponsor_protocol_id", "is_title_matched"]  # fmt: skip


def _pipeline(row: dict[str, str]) -> _Parsed:
    flags = _true(row, _PIPELINE_FLAGS)
    registry_stated = bool({"trn1inreg2", "trn2inreg1"} & set(flags))
    raw = (row.get("priority") or "").strip()
    score = float(raw) if re.fullmatch(r"\d+(\.\d+)?", raw) else None  # NA, blank or garbage: no score
    return row["trn1"], row["trn2"], "intovalue-crossreg-pipeline", flags, not registry_stated, score


_LAYOUTS: dict[frozenset[str], Callable[[dict[str, str]], _Parsed]] = {
    frozenset({"id", "crossreg_registry", "crossreg_trn"}): _registry_crossreg,
    frozenset({"id", "pmid", "crossreg_trn", "is_crossreg_secondary_id"}): _publication_crossreg,
    frozenset({"trn1", "trn2", "trn1inreg2", "trn2inreg1", "priority"}): _pipeline,
}


def _layout(header: list[str]) -> Callable[[dict[str, str]], _Parsed] | None:
    return next((parse for columns, parse in _LAYOUTS.items() if columns <= set(header)), None)


def _count_problem(cells: list[str], header: list[str]) -> str | None:
    if len(cells) == len(header):
        return None
    return f"row has {len(cells)} fields, the header has {len(header)}"


def _different_restatement(first_stated: dict[tuple[str, str, str], CuratedPair], pair: CuratedPair) -> str | None:
    """Why ``pair`` is not loaded when an earlier row of the file stated it with other evidence; else ``None`` (a
    first row is remembered).

    The first row defines a pair, line number and all (``kg/crossreg.py`` writes a file's pair once, from its
    first row), so the edge a file writes does not depend on how much of the file was read: a copy cut after the
    first row writes the same edge, where last-row-wins moved its ``source_file`` to whichever row came last.
    IntoValue's tables state 25 and 18 pairs twice, always alike. Memory grows with the pairs of one file."""
    key = (pair.id_a, pair.id_b, pair.source)
    earlier = first_stated.setdefault(key, pair)
    alike = (earlier.evidence, earlier.candidate, earlier.score) == (pair.evidence, pair.candidate, pair.score)
    if earlier is pair or alike:
        return None
    return f"{pair.id_a} = {pair.id_b} stated again with other evidence: the first row ({earlier.origin}) is kept"


def parse_pairs(path: Path) -> Iterator[CuratedPair | Quarantined]:
    """Stream one table; rows whose ids no registry pattern recognises are quarantined with their line, and a
    file that cannot be read (not UTF-8, broken gzip, malformed CSV) ends as one quarantine entry."""
    try:
        yield from _parse_pairs(path)
    except (OSError, *GZIP_ERRORS, UnicodeDecodeError, csv.Error) as e:
        yield Quarantined(origin=str(path), reason=f"cannot read the rest of the file: {type(e).__name__}: {e}")


def _parse_pairs(path: Path) -> Iterator[CuratedPair | Quarantined]:
    with open_text(path, encoding="utf-8-sig") as handle:
        lines = TrackedLines(handle)
        reader = csv.reader(lines)
        header = next(reader, [])
        parse = _layout(header)
        if parse is None:
            yield Quarantined(origin=str(path), reason=f"not a known cross-registration table: {header}")
            return
        rows = 0
        first_stated: dict[tuple[str, str, str], CuratedPair] = {}
        for cells in reader:
            if not cells:  # a blank line
                continue
            rows += 1
            origin = f"{path}:{reader.line_num}"
            if cut := lines.cut_reason:  # the file ends inside this row: nothing after it was read
                yield Quarantined(origin=origin, reason=cut, truncated=True)
                continue
            if problem := _count_problem(cells, header):
                yield Quarantined(origin=origin, reason=problem)
                continue
            raw_a, raw_b, source, evidence, candidate, score = parse(dict(zip(header, cells, strict=True)))
            match_a, match_b = canonical_trial_id(raw_a or ""), canonical_trial_id(raw_b or "")
            if match_a is None or match_b is None:
                bad = raw_a if match_a is None else raw_b
                yield Quarantined(origin=origin, reason=f"not a trial registry id: {bad!r}")
                continue
            if match_a.trial_id == match_b.trial_id:
                yield Quarantined(origin=origin, reason=f"both sides are the same trial id {match_a.trial_id}")
                continue
            pair = CuratedPair(match_a.trial_id, match_b.trial_id, source, evidence, candidate, score, origin)
            if different := _different_restatement(first_stated, pair):
                yield Quarantined(origin=origin, reason=different)
                continue
            yield pair  # a restatement alike is yielded too: the pair writer counts it unchanged
        if not rows:
            yield header_only_entry(path)
