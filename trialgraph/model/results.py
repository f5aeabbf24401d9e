"""Parts of a posted results section beyond groups and values: outcome analyses, analysed counts, drop/withdraw
reasons, adverse-event reporting, and the one reader of statistical numbers both CT.gov formats share.

Why a module of its own: both parsers (API v2 JSON, legacy XML) read these parts through field tables and must
give equal records, so the normalised shapes and the number rule live once, beside the study record.

Numbers an analysis states (p-value, estimate, CI bounds, dispersion) are stored as numbers, so a query can
compare them. A p-value may carry a modifier: "< 0.001" is modifier ``<`` and value ``0.001``, never rejected.
A value that is not a number ("0,001") is dropped from the record and named in the analysis's ``issues``
(one line each), which the loader files as field issues; the record itself still loads.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

__all__ = [
    "ANALYSIS_FIELDS",
    "ANALYSIS_NUMBERS",
    "AnalyzedCount",
    "DropWithdrawal",
    "EventReporting",
    "OutcomeAnalysis",
    "ReadNumber",
    "analysis_with_numbers",
    "read_number",
]

_NUMBER = re.compile(r"^(?P<modifier><=|>=|≤|≥|<|>|=)?\s*(?P<number>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)$")
_MODIFIER_SPELLING = {"≤": "<=", "≥": ">="}
_ABSENT = frozenset({"NA", "N/A"})  # "not available" as a value: absent, its comment says why


class ReadNumber(NamedTuple):
    """A number as read: its modifier (``<``, ``<=``, ``>``, ``>=``, ``=``; None when bare), the value, and
    the one-line issue when the text was no number (then value is None)."""

    modifier: str | None
    value: float | None
    issue: str | None = None


def read_number(name: str, text: str | None, *, modifier: bool = False) -> ReadNumber:
    """``"< 0.001"`` → ``("<", 0.001)``; ``"0.88"`` → ``(None, 0.88)``; ``"NA"`` or nothing → no value.

    Args:
        name: the field's name, for the issue line.
        text: the value as the registry wrote it.
        modifier: whether a comparison sign may precede the number (p-values); elsewhere a sign is an issue.
    """
    if text is None:
        return ReadNumber(None, None)
    stripped = text.strip()
    if not stripped or stripped.upper() in _ABSENT:
        return ReadNumber(None, None)
    match = _NUMBER.match(stripped)
    if match is not None and (modifier or match["modifier"] is None):
        value = float(match["number"])
        if math.isfinite(value):
            sign = match["modifier"]
            return ReadNumber(_MODIFIER_SPELLING.get(sign, sign), value)
    return ReadNumber(None, None, f"{name} {stripped[:40]!r} is not a number; stored without it")


@dataclass(frozen=True, slots=True)
class OutcomeAnalysis:
    """One statistical analysis of an outcome measure (v2 ``analyses[]``, legacy ``analysis_list/analysis``).

    Enumerations are in API v2's spelling (``SUPERIORITY_OR_OTHER``, ``TWO_SIDED``, ``STANDARD_DEVIATION``);
    method and parameter type are free text in both formats and kept as written.
    """

    group_ids: tuple[str, ...] = ()  # the outcome groups compared
    group_description: str | None = None
    tested_non_inferiority: bool | None = None
    non_inferiority_type: str | None = None  # SUPERIORITY, NON_INFERIORITY_OR_EQUIVALENCE, ..._LEGACY, OTHER...
    non_inferiority_comment: str | None = None
    p_value_modifier: str | None = None  # "<", "<=", ">", ">=", "="; None for a bare value
    p_value: float | None = None
    p_value_comment: str | None = None
    method: str | None = None
    method_comment: str | None = None
    param_type: str | None = None
    param_value: float | None = None
    ci_percent: float | None = None
    ci_sides: str | None = None  # ONE_SIDED, TWO_SIDED
    ci_lower_limit: float | None = None
    ci_upper_limit: float | None = None
    ci_upper_limit_comment: str | None = None
    estimate_comment: str | None = None
    dispersion_type: str | None = None  # STANDARD_DEVIATION, STANDARD_ERROR_OF_MEAN
    dispersion_value: float | None = None
    other_analysis_description: str | None = None
    issues: tuple[str, ...] = ()  # values the source gave that were no number, one line each


ANALYSIS_NUMBERS = ("p_value", "param_value", "ci_percent", "ci_lower_limit", "ci_upper_limit", "dispersion_value")
"""The analysis fields held as numbers (floating point in the graph and in the bulk CSV)."""
ANALYSIS_FIELDS = tuple(f.name for f in fields(OutcomeAnalysis) if f.name != "issues")


@dataclass(frozen=True, slots=True)
class AnalyzedCount:
    """How many units (participants, eyes...) were analysed in one group: v2 ``denoms``, legacy ``analyzed_list``."""

    group_id: str
    count: int | None
    units: str | None = None


@dataclass(frozen=True, slots=True)
class DropWithdrawal:
    """Participants who left one flow period for one reason, in one group (v2 ``dropWithdraws``)."""

    period: str
    reason: str
    group_id: str
    count: int | None


@dataclass(frozen=True, slots=True)
class EventReporting:
    """How adverse events were collected, for the whole module: time frame, description and the frequency
    threshold above which other (non-serious) events were reported. Source vocabulary and assessment type
    are per event in v2 (legacy's section defaults are applied to each event)."""

    time_frame: str | None = None
    description: str | None = None
    frequency_threshold: str | None = None  # a percentage as written ("5", "0.05")


def analysis_with_numbers(found: dict[str, Any], numbers: Mapping[str, str | None]) -> OutcomeAnalysis:
    """An analysis from its plain fields and its numbers as written, for both formats alike: the p-value's
    modifier is split off ("< 0.001" is ``<`` and 0.001), and a number that cannot be read becomes an issue."""
    issues = []
    for name, text in numbers.items():
        number = read_number(name, text, modifier=name == "p_value")
        found[name] = number.value
        if name == "p_value":
            found["p_value_modifier"] = number.modifier
        if number.issue:
            issues.append(number.issue)
    return OutcomeAnalysis(**found, issues=tuple(issues))
