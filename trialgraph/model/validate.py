"""Field checks that run before a record is versioned: an impossible value is dropped, never trusted.

A record's version is one of its dates (CT.gov: the last-update date), and a newer version replaces
an older one. An impossible date ("2023-02-30", "February 30, 2023") used as a version would sort after
every real date and make each later, valid update look older, so it would be silently dropped. So every
date field is checked first: a value that is not a calendar date in ISO form (``YYYY``, ``YYYY-MM``,
``YYYY-MM-DD``) is removed from the record and reported as a field issue (the writer files it in the
quarantine JSONL with the record id); the record itself still loads. Counts that cannot be negative
(enrollment, and the participant counts of a results section: flow, drop-outs, analysed, adverse events) get
the same treatment, and so do counts past Neo4j's 64-bit integers: a 23-digit enrollment written by hand
would otherwise fail the record's content hash (and the driver) with a traceback that ends the whole load.
Numbers of outcome analyses that were no number ("0,001") were left out by the parsers
(``trialgraph.model.results.read_number``); they are reported here the same way.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from functools import cache
from typing import Any

from trialgraph.model.study import Results, StudyRecord

__all__ = [
    "MAX_GRAPH_INTEGER",
    "MIN_GRAPH_INTEGER",
    "check_study",
    "count_problem",
    "is_calendar_date",
    "study_version",
]

MAX_GRAPH_INTEGER = 2**63 - 1
"""Neo4j stores signed 64-bit integers: a larger value is refused before it reaches the driver."""
MIN_GRAPH_INTEGER = -(2**63)

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def is_calendar_date(value: str) -> bool:
    """``2023-02-28`` yes, ``2023-02-30`` no, ``2023-13`` no, ``2023`` yes, ``February 30, 2023`` no."""
    match = _ISO.match(value)
    if match is None:
        return False
    year, month, day = (int(part) if part else None for part in match.groups())
    if month is None:
        return True
    try:
        date(year or 1, month, day or 1)
    except ValueError:
        return False
    return True


@cache
def _date_fields(kind: type) -> tuple[str, ...]:
    """A dataclass's date fields, by naming convention; computed once per class (this runs for every record)."""
    return tuple(f.name for f in dataclasses.fields(kind) if f.name.endswith("_date"))


def _checked_dates(obj: Any, where: str, issues: list[str]) -> dict[str, None]:
    dropped: dict[str, None] = {}
    for name in _date_fields(type(obj)):
        value = getattr(obj, name)
        if isinstance(value, str) and not is_calendar_date(value):
            issues.append(f"{where}{name} {value!r} is not a calendar date; stored without it")
            dropped[name] = None
    return dropped


def check_study(record: StudyRecord) -> tuple[StudyRecord, tuple[str, ...]]:
    """The record without impossible dates and negative counts, and one line per value removed."""
    issues: list[str] = []
    changes: dict[str, Any] = _checked_dates(record, "", issues)
    details = record.details
    if details is not None:
        dropped = _checked_dates(details, "details.", issues)
        if dropped:
            changes["details"] = dataclasses.replace(details, **dropped)
    changes |= _checked_disclosure(record, issues)
    if record.results is not None:  # numbers the parsers could not read, already left out of the record
        issues += [
            f"results.outcome_measures[{m_pos}].analyses[{a_pos}].{line}"
            for m_pos, measure in enumerate(record.results.outcome_measures)
            for a_pos, analysis in enumerate(measure.analyses)
            for line in analysis.issues
        ]
    if record.results is not None and (results := _checked_counts(record.results, issues)) is not None:
        changes["results"] = results
    if (problem := count_problem(record.enrollment)) is not None:
        issues.append(f"enrollment {problem}; stored without it")
        changes["enrollment"] = None
    design = record.design
    if design is not None and (problem := count_problem(design.number_of_arms)) is not None:
        issues.append(f"design.number_of_arms {problem}; stored without it")
        changes["design"] = dataclasses.replace(design, number_of_arms=None)
    if (documents := _valid_counts(record.large_documents, ("size",), "large_documents", issues)) is not None:
        changes["large_documents"] = documents
    return (dataclasses.replace(record, **changes) if changes else record), tuple(issues)


_GROUP_TOTALS = ("serious_affected", "serious_at_risk", "other_affected", "other_at_risk", "deaths_affected",
                 "deaths_at_risk")  # fmt: skip
_RESULT_COUNTS: dict[str, tuple[str, ...]] = {
    "flow_groups": _GROUP_TOTALS,
    "flow": ("count",),
    "drop_withdrawals": ("count",),
    "baseline_groups": _GROUP_TOTALS,
    "baseline_denoms": ("count",),
    "event_groups": _GROUP_TOTALS,
    "adverse_events": ("affected", "at_risk"),
}
"""Per list of a results section, its counts of participants (or units): none can be negative."""
_MEASURE_COUNTS = {"groups": _GROUP_TOTALS, "denoms": ("count",)}


def _checked_counts(results: Results, issues: list[str]) -> Results | None:
    """The results without negative counts (each one reported, as a negative enrollment is), or None if none."""
    changes: dict[str, Any] = {}
    for field, counts in _RESULT_COUNTS.items():
        if (kept := _valid_counts(getattr(results, field), counts, f"results.{field}", issues)) is not None:
            changes[field] = kept
    for field in ("baseline", "outcome_measures"):
        measures, dropped = list(getattr(results, field)), False
        for pos, measure in enumerate(measures):
            found = {
                name: kept
                for name, counts in _MEASURE_COUNTS.items()
                if (kept := _valid_counts(getattr(measure, name), counts, f"results.{field}[{pos}].{name}", issues))
                is not None
            }
            if found:
                measures[pos], dropped = dataclasses.replace(measure, **found), True
        if dropped:
            changes[field] = tuple(measures)
    return dataclasses.replace(results, **changes) if changes else None


def count_problem(value: int | None) -> str | None:
    """Why ``value`` cannot be stored as a count ("-5 is negative"), or None when it can (or is absent)."""
    if value is None or 0 <= value <= MAX_GRAPH_INTEGER:
        return None
    digits = str(abs(value))
    # a count this long was often read through a float, so its trailing digits are noise: shown cut
    shown = str(value) if len(digits) <= 20 else f"{'-' if value < 0 else ''}{digits[:12]}... ({len(digits)} digits)"
    return f"{shown} is negative" if value < 0 else f"{shown} is past the graph's 64-bit integers"


def _valid_counts(items: tuple[Any, ...], counts: tuple[str, ...], where: str, issues: list[str]) -> tuple | None:
    """``items`` with each count among ``counts`` that is negative or past 64 bits set to None (one issue each),
    or None if none was."""
    kept, dropped = list(items), False
    for pos, item in enumerate(items):
        wrong = {name: problem for name in counts if (problem := count_problem(getattr(item, name))) is not None}
        if wrong:
            issues += [f"{where}[{pos}].{name} {problem}; stored without it" for name, problem in wrong.items()]
            kept[pos], dropped = dataclasses.replace(item, **dict.fromkeys(wrong)), True
    return tuple(kept) if dropped else None


def _checked_disclosure(record: StudyRecord, issues: list[str]) -> dict[str, Any]:
    """Pending-results event dates and document dates: an impossible one is dropped and reported."""
    changes: dict[str, Any] = {}
    for field, items, name in (
        ("pending_results", record.pending_results, "event_date"),
        ("large_documents", record.large_documents, "document_date"),
    ):
        kept, dropped = [], False
        for pos, item in enumerate(items):
            value = getattr(item, name)
            if isinstance(value, str) and not is_calendar_date(value):
                issues.append(f"{field}[{pos}].{name} {value!r} is not a calendar date; stored without it")
                item, dropped = dataclasses.replace(item, **{name: None}), True
            kept.append(item)
        if dropped:
            changes[field] = tuple(kept)
    return changes


def study_version(record: StudyRecord) -> str | None:
    """The record's version: its last-update date, else (when absent or dropped) the last-update submission
    date, the status verification date, the first-posted date, then the registration date.

    Why the registration date last: registries other than CT.gov state none of the others but the last-update
    date, so a record whose last-update date is missing or was dropped as impossible would have no version at
    all; the registration date is the earliest date a registry states, so every real update still wins.
    """
    details = record.details
    candidates = (
        record.last_update_date,
        details.last_update_submitted_date if details else None,
        details.status_verified_date if details else None,
        record.first_posted_date,
        record.registration_date,
    )
    return next((value for value in candidates if value), None)
