"""Normalise registry vocabularies (ICTRP, EUCTR, CTIS, ISRCTN, ANZCTR...) to what the graph already uses.

The graph speaks ClinicalTrials.gov API v2: phases ``EARLY_PHASE1``..``PHASE4``/``NA``, overall status
``RECRUITING``..., study type ``INTERVENTIONAL``..., sex ``ALL``/``FEMALE``/``MALE``, ages "18 Years",
countries as pycountry names, dates as ISO. Every registry writes these its own way (and ICTRP passes
them on verbatim), so each function here is a lookup table plus the least parsing needed to reach it.
All functions are pure; unknown input gives ``None`` / ``()`` except :func:`parse_date` and :func:`target_size`,
which raise so that a wrong value is never loaded silently: :func:`date_or_issue` and :func:`count_or_issue` turn
that into the record without the value plus one line saying why (a field issue), never a lost record.

Package data beside this module (derived, not hand-typed):

* ``date_formats.csv``: per registry × ICTRP field, the ``strptime`` formats that parse that registry's
  values, from ``shared/data/registries/ictrp/registry_prefixes_date_formats.csv`` (derived there from
  the three WHO ICTRP files). Rule: field names are unified across the three files (spaces → ``_``:
  "Date enrollement" → ``Date_enrollement``); one row per registry × field × format; ``rank`` orders
  formats by (number of files where the format parsed *every* value, desc; values parsed, desc;
  day-first ``%d/%m/%Y`` before month-first, as the upstream study's own table prescribes for all
  slash-date registries). So an ambiguous "01/05/2016" is read day-first unless a registry shows otherwise.

The registry id tables live in :mod:`trialgraph.model.registry_ids`.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import pycountry

from trialgraph.model.registry_ids import registry_name
from trialgraph.model.text import clean_registry_text

__all__ = [
    "DATE_FORMATS_CSV",
    "NO_PHASE_VALUES",
    "PHASES",
    "STATUSES",
    "age",
    "count_or_issue",
    "countries",
    "country",
    "date_formats",
    "date_or_issue",
    "is_placeholder",
    "parse_date",
    "phases",
    "recruitment_status",
    "sex",
    "sponsor_name",
    "study_type",
    "target_size",
]

DATE_FORMATS_CSV = Path(__file__).with_name("date_formats.csv")

PHASES: tuple[str, ...] = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
STATUSES: frozenset[str] = frozenset(
    {
        "NOT_YET_RECRUITING",
        "RECRUITING",
        "ENROLLING_BY_INVITATION",
        "ACTIVE_NOT_RECRUITING",
        "SUSPENDED",
        "TERMINATED",
        "COMPLETED",
        "WITHDRAWN",
        "UNKNOWN",
        "AVAILABLE",
        "NO_LONGER_AVAILABLE",
        "TEMPORARILY_NOT_AVAILABLE",
        "APPROVED_FOR_MARKETING",
        "WITHHELD",
    }
)


# --------------------------------------------------------------------------------------------- text

_PLACEHOLDERS = frozenset(
    {
        "null",
        "none",
        "nil",
        "nil known",
        "n/a",
        "n.a.",
        "n.a",
        "na",
        "not applicable",
        "not appliable",
        "not available",
        "not specified",
        "not stated",
        "not provided",
        "not known",
        "unknown",
        "nan",
    }
)


def is_placeholder(value: str | None) -> bool:
    """True for the many ways registries write "nothing here" (``NULL``, ``N/A``, ``Nil Known``...).

    A placeholder must not become a node or property value, and must not be reported as an unmapped
    vocabulary value either.
    """
    if value is None:
        return True
    text = " ".join(str(value).split()).casefold()
    # Only punctuation ("-", "/", "??" where an export lost non-Latin text) is as empty as blank.
    return text in _PLACEHOLDERS or not any(ch.isalnum() for ch in text)


def _key(value: str) -> str:
    """Lookup key for a vocabulary table: case-folded, punctuation and spacing reduced to single spaces."""
    return " ".join(re.sub(r"[^\w]+", " ", value.casefold()).split())


# ------------------------------------------------------------------------------------------- phases

_ROMAN = {"0": 0, "1": 1, "2": 2, "3": 3, "4": 4, "i": 1, "ii": 2, "iii": 3, "iv": 4}
_PHASE_OF = {0: "EARLY_PHASE1", 1: "PHASE1", 2: "PHASE2", 3: "PHASE3", 4: "PHASE4"}
_PHASE_TOKEN = r"(?:phase\s*-?\s*)?(iv|iii|ii|i|[0-4])"
# "Phase 2/Phase 3", "II-III", "2-3", "Phase 1 / Phase 2", "Phase2", "Phase-3", "phase I/II", "2 to 3"
_PHASE_RANGE = re.compile(rf"^{_PHASE_TOKEN}(?:\s*(?:/|-|,|&|\+|and|to)\s*{_PHASE_TOKEN})?$")
# EUCTR "Human pharmacology (Phase I): yes Therapeutic exploratory (Phase II): no ..." (flag may be blank)
_EUCTR_PHASE = re.compile(r"\(phase\s+(iv|iii|ii|i)\)\s*:\s*(yes|no)?", re.IGNORECASE)
# Anything else that names phases: CTIS "Therapeutic exploratory (Phase II)", "Phase I and Phase II (Integrated)"
_PHASE_MENTION = re.compile(r"\bphase\s*-?\s*(iv|iii|ii|i|[0-4])\b", re.IGNORECASE)
_PHASE_WORDS: dict[str, tuple[str, ...]] = {
    "early phase 1": ("EARLY_PHASE1",),
    "early phase i": ("EARLY_PHASE1",),
    "phase 0": ("EARLY_PHASE1",),
    "post marketing surveillance": ("PHASE4",),  # CTRI's name for phase 4
    "post marketing": ("PHASE4",),
}
# Values that say "no drug phase applies" (or nothing we can use): () on purpose, not for want of a rule.
NO_PHASE_VALUES: frozenset[str] = frozenset(
    {
        "n a",
        "na",
        "not applicable",
        "not specified",
        "not selected",
        "other",
        "retrospective study",  # ChiCTR
        "new treatment measure clinical study",  # ChiCTR
        "bioequivalence",  # CTRI: a study design, not a development phase
    }
)


def phases(value: str | None) -> tuple[str, ...]:
    """ClinicalTrials.gov phase enums in a registry's phase text, in enum order; () when none applies.

    Registries write "Phase 2/Phase 3", "II-III", "2-3", "Phase-3", "0" (ChiCTR's phase 0) or EUCTR's
    yes/no list of four phases. "N/A"/"Not Applicable" give () (not ``NA``): the graph stores the
    absence of a phase as an empty list so a filter on phases never matches a placeholder.
    """
    text = clean_registry_text(value)
    if text is None or is_placeholder(text):
        return ()
    key = _key(text)
    if key in NO_PHASE_VALUES:
        return ()
    if key in _PHASE_WORDS:
        return _PHASE_WORDS[key]
    flags = _EUCTR_PHASE.findall(text)
    found: set[int]
    if flags:  # a yes/no list: only the "yes" phases, even when that is none
        found = {_ROMAN[n.casefold()] for n, answer in flags if answer.casefold() == "yes"}
    elif m := _PHASE_RANGE.match(" ".join(text.casefold().split())):
        low = _ROMAN[m.group(1)]
        high = _ROMAN[m.group(2)] if m.group(2) else low
        found = set(range(min(low, high), max(low, high) + 1))
    else:
        found = {_ROMAN[n.casefold()] for n in _PHASE_MENTION.findall(text)}
    names = {_PHASE_OF[n] for n in found}
    return tuple(p for p in PHASES if p in names)


# ------------------------------------------------------------------------------------------- status

# Registry status text (as _key() spells it) → ClinicalTrials.gov overallStatus. Judgement calls:
# * ICTRP's two-valued "Not recruiting" is taken literally (ACTIVE_NOT_RECRUITING) although ICTRP also
#   uses it for completed trials: prefer the registry's own status where a parser has one.
# * EUCTR "Authorised-recruitment may be ongoing or finished"/"Authorised", "Trial now transitioned" (moved
#   to CTIS) and "GB - no longer in EU/EEA" say nothing about recruitment → UNKNOWN.
# * EUCTR "Ongoing"/"Restarted" (running, recruitment not stated) → ACTIVE_NOT_RECRUITING.
# * "Not Authorised", CTIS "Withdrawn" → WITHDRAWN (never started); CTIS "Revoked" → TERMINATED.
_STATUS: dict[str, str] = {
    # ClinicalTrials.gov (legacy and v2 spellings)
    "not yet recruiting": "NOT_YET_RECRUITING",
    "recruiting": "RECRUITING",
    "enrolling by invitation": "ENROLLING_BY_INVITATION",
    "active not recruiting": "ACTIVE_NOT_RECRUITING",
    "suspended": "SUSPENDED",
    "terminated": "TERMINATED",
    "completed": "COMPLETED",
    "withdrawn": "WITHDRAWN",
    "unknown status": "UNKNOWN",
    "unknown": "UNKNOWN",
    "available": "AVAILABLE",
    "no longer available": "NO_LONGER_AVAILABLE",
    "temporarily not available": "TEMPORARILY_NOT_AVAILABLE",
    "approved for marketing": "APPROVED_FOR_MARKETING",
    "withheld": "WITHHELD",
    # ICTRP and its member registries
    "not recruiting": "ACTIVE_NOT_RECRUITING",
    "pending": "NOT_YET_RECRUITING",
    "pending not yet recruiting": "NOT_YET_RECRUITING",
    "open to recruitment": "RECRUITING",  # ANZCTR
    "closed to recruitment of participants": "ACTIVE_NOT_RECRUITING",  # ANZCTR
    "recruitment completed": "ACTIVE_NOT_RECRUITING",
    "active": "ACTIVE_NOT_RECRUITING",
    "complete": "COMPLETED",
    "complete follow up complete": "COMPLETED",  # ANZCTR "Completed: follow-up complete"
    "completed follow up complete": "COMPLETED",
    "complete follow up continuing": "ACTIVE_NOT_RECRUITING",
    "completed follow up continuing": "ACTIVE_NOT_RECRUITING",
    "stopped early": "TERMINATED",
    "other": "UNKNOWN",
    "authorised": "UNKNOWN",
    "authorized": "UNKNOWN",
    "authorised recruitment may be ongoing or finished": "UNKNOWN",
    # EUCTR end-of-trial status
    "ongoing": "ACTIVE_NOT_RECRUITING",
    "restarted": "ACTIVE_NOT_RECRUITING",
    "prematurely ended": "TERMINATED",
    "temporarily halted": "SUSPENDED",
    "not authorised": "WITHDRAWN",
    "not authorized": "WITHDRAWN",
    "trial now transitioned": "UNKNOWN",
    "gb no longer in eu eea": "UNKNOWN",
    # CTIS overall trial status (text of the portal and of pre-2024 JSON)
    "under evaluation": "NOT_YET_RECRUITING",
    "authorised not started": "NOT_YET_RECRUITING",
    "authorised recruitment pending": "NOT_YET_RECRUITING",
    "ongoing recruitment pending": "NOT_YET_RECRUITING",
    "ongoing not yet recruiting": "NOT_YET_RECRUITING",
    "ongoing recruiting": "RECRUITING",
    "authorised recruiting": "RECRUITING",
    "ongoing recruitment ended": "ACTIVE_NOT_RECRUITING",
    "authorised recruitment ended": "ACTIVE_NOT_RECRUITING",
    "ended": "COMPLETED",
    "halted": "SUSPENDED",
    "temporary halt": "SUSPENDED",
    "revoked": "TERMINATED",
    "cancelled": "WITHDRAWN",
    "expired": "WITHDRAWN",
    "lapsed": "WITHDRAWN",
    # ISRCTN overall + recruitment status
    "no longer recruiting": "ACTIVE_NOT_RECRUITING",
    "stopped": "TERMINATED",
}


# CTIS numeric ctStatus / ctPublicStatusCode (post-June-2024 API JSON). The API documents no labels; these
# are the labels CTIS reports beside each code (third-party probe of the live API, not an EMA document).
# Codes 2-5 are all reported as "Authorised" (sub-states the API does not name) → UNKNOWN, like the text.
_CTIS_STATUS_CODES: dict[str, str] = {
    "1": "NOT_YET_RECRUITING",  # Under evaluation
    "2": "UNKNOWN",
    "3": "UNKNOWN",
    "4": "UNKNOWN",
    "5": "UNKNOWN",
    "6": "SUSPENDED",  # Halted
    "7": "SUSPENDED",  # Suspended
    "8": "COMPLETED",  # Ended
    "9": "WITHDRAWN",  # Expired
    "10": "TERMINATED",  # Revoked
    "11": "WITHDRAWN",  # Not authorised
    "12": "WITHDRAWN",  # Cancelled
}
_STATUS.update(_CTIS_STATUS_CODES)
# CTIS per-member-state recruitment status: "DE:Pending"
_MEMBER_STATE_PREFIX = re.compile(r"^[A-Z]{2}\s*:\s*(?=\D)")


def recruitment_status(value: str | int | None) -> str | None:
    """The ClinicalTrials.gov overall-status enum for a registry's status text; None if unknown or empty.

    See ``_STATUS`` for the mapping and its judgement calls. Keys ignore case and punctuation, so
    "Not Recruiting", "not recruiting" and "Active, not recruiting"/"ACTIVE_NOT_RECRUITING" all resolve.
    """
    text = clean_registry_text(None if value is None else str(value))
    if text is None or is_placeholder(text):
        return None
    key = _key(_MEMBER_STATE_PREFIX.sub("", text))
    if key.upper().replace(" ", "_") in STATUSES:
        return key.upper().replace(" ", "_")
    return _STATUS.get(key)


# --------------------------------------------------------------------------------------- study type

# CT.gov's primary purposes TREATMENT, PREVENTION, DIAGNOSTIC, SCREENING, SUPPORTIVE_CARE, BASIC_SCIENCE and
# HEALTH_SERVICES_RESEARCH belong to interventional studies, so ChiCTR's types of those names are read as
# interventional; its epidemiological, prognosis and cause/related-factor studies are observational.
_STUDY_TYPE: dict[str, str] = {
    "interventional": "INTERVENTIONAL",
    "interventional study": "INTERVENTIONAL",
    "intervention": "INTERVENTIONAL",
    "interventional trial": "INTERVENTIONAL",
    "interventional clinical trial of medicinal product": "INTERVENTIONAL",  # EUCTR
    "clinical trial": "INTERVENTIONAL",
    "treatment": "INTERVENTIONAL",
    "treatment study": "INTERVENTIONAL",
    "prevention": "INTERVENTIONAL",
    "screening": "INTERVENTIONAL",
    "diagnostic test": "INTERVENTIONAL",
    "supportive care": "INTERVENTIONAL",
    "basic science": "INTERVENTIONAL",
    "health services research": "INTERVENTIONAL",
    "health services reaserch": "INTERVENTIONAL",  # sic, ChiCTR
    "observational": "OBSERVATIONAL",
    "observational study": "OBSERVATIONAL",
    "observational patient registry": "OBSERVATIONAL",
    "patient registry": "OBSERVATIONAL",
    "epidemiological research": "OBSERVATIONAL",
    "epidemilogical research": "OBSERVATIONAL",  # sic, ChiCTR
    "prognosis study": "OBSERVATIONAL",
    "cause relative factors study": "OBSERVATIONAL",
    "relative factors research": "OBSERVATIONAL",
    "related factor study": "OBSERVATIONAL",
    "expanded access": "EXPANDED_ACCESS",
}


def study_type(value: str | None) -> str | None:
    """``INTERVENTIONAL``/``OBSERVATIONAL``/``EXPANDED_ACCESS`` for a registry's study-type text, else None."""
    text = clean_registry_text(value)
    if text is None or is_placeholder(text):
        return None
    return _STUDY_TYPE.get(_key(text))


# -------------------------------------------------------------------------------------------- dates

_DEFAULT_DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y%m%d",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%b %d %Y %I:%M%p",  # ICTRP "Jan  1 1990 12:00AM"
    "%m/%d/%Y %I:%M:%S %p",  # ICTRP export date
    "%m/%d/%Y",  # after day-first: used only when the day-first reading is impossible
    "%B %Y",
    "%b %Y",
    "%Y-%m",
    "%m/%Y",
    "%Y",
)
_NULL_DATE = date(1900, 1, 1)  # SQL Server's zero date: ICTRP's "no date" in every format
_MIN_YEAR, _MAX_YEAR = 1900, 2100


def _precision(fmt: str) -> str:
    """How much of the date a format carries: day, month or year (so "April 2019" stays "2019-04")."""
    if "%d" in fmt or "%j" in fmt:
        return "day"
    if any(d in fmt for d in ("%m", "%B", "%b")):
        return "month"
    return "year"


def _iso(value: str) -> datetime | None:
    """Full ISO 8601 timestamps ("2011-12-31T00:00:00.000Z", as ISRCTN/CTIS JSON write them)."""
    if "T" not in value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def parse_date(value: str | None, formats: Sequence[str] = ()) -> str | None:
    """ISO date (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``, as precise as the value) or None when missing.

    ``formats`` (usually :func:`date_formats` for the registry and field) are tried before the defaults,
    which matters for "01/05/2016": the registry decides whether that is May or January. Missing markers
    (``NULL``, blank, 1 January 1900 in any format) give None.

    Raises:
        ValueError: no format reads the value, or it reads as an impossible ("30/02/2023") or implausible
            (year outside 1900..2100) date. Guessing a neighbouring day would store a wrong date, and one
            used as the record's version would sort wrongly for good. :func:`date_or_issue` is how mappings
            call this: the date is left out and filed as a field issue; the rest of the record loads.
    """
    text = clean_registry_text(value)
    if text is None or is_placeholder(text):
        return None
    text = " ".join(text.split())
    parsed: datetime | None = _iso(text)
    precision = "day"
    if parsed is None:
        for fmt in dict.fromkeys((*formats, *_DEFAULT_DATE_FORMATS)):
            try:
                parsed = datetime.strptime(text, fmt)
            except ValueError:
                continue
            precision = _precision(fmt)
            break
    if parsed is None:
        raise ValueError(f"{_shown(text)} is not a calendar date")
    if parsed.date() == _NULL_DATE and precision == "day":
        return None
    if not _MIN_YEAR <= parsed.year <= _MAX_YEAR:
        raise ValueError(f"{_shown(text)} is implausible (year {parsed.year})")
    if precision == "day":
        return parsed.date().isoformat()
    if precision == "month":
        return f"{parsed.year:04d}-{parsed.month:02d}"
    return f"{parsed.year:04d}"


def _field_key(field: str) -> str:
    return "_".join(field.split()).casefold()


@lru_cache(maxsize=1)
def _date_format_table() -> dict[tuple[str, str], tuple[str, ...]]:
    table: dict[tuple[str, str], list[tuple[int, str]]] = {}
    with DATE_FORMATS_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["registry"].casefold(), _field_key(row["field"]))
            table.setdefault(key, []).append((int(row["rank"]), row["date_format"]))
    return {key: tuple(fmt for _, fmt in sorted(ranked)) for key, ranked in table.items()}


def date_formats(registry: str, field: str) -> tuple[str, ...]:
    """The ``strptime`` formats, most reliable first, that ``registry`` uses for ICTRP date ``field``.

    ``registry`` is ICTRP's prefix-derived name ("ClinicalTrials.gov", "CTRI", "JPRN"...) or its
    "Source Register" label ("German Clinical Trials Register"); ``field`` an ICTRP field name in the
    full-export ("Date_enrollement"), COVID-CSV ("Date enrollement") or XML spelling. () if unknown.
    """
    name = registry_name(registry)
    if name is None:
        return ()
    return _date_format_table().get((name.casefold(), _field_key(field)), ())


# ----------------------------------------------------------------------------------------- registry

# ------------------------------------------------------------------------------------ eligibility

_AGE = re.compile(
    r"^(?:[<>≤≥]=?\s*)?(\d+(?:\.\d+)?)\s*\(?\s*"
    r"(years?|yrs?|y|months?|mon|mo|m|weeks?|wks?|w|days?|d|hours?|hrs?|h|minutes?|min|age)?"
    r"\s*(?:\(s\))?\s*\)?\s*(?:-?\s*old)?$",
    re.IGNORECASE,
)
_AGE_UNIT = {
    "y": "Year",
    "yr": "Year",
    "yrs": "Year",
    "year": "Year",
    "years": "Year",
    "age": "Year",
    "m": "Month",
    "mo": "Month",
    "mon": "Month",
    "month": "Month",
    "months": "Month",
    "w": "Week",
    "wk": "Week",
    "wks": "Week",
    "week": "Week",
    "weeks": "Week",
    "d": "Day",
    "day": "Day",
    "days": "Day",
    "h": "Hour",
    "hr": "Hour",
    "hrs": "Hour",
    "hour": "Hour",
    "hours": "Hour",
    "min": "Minute",
    "minute": "Minute",
    "minutes": "Minute",
}
_NO_AGE_LIMIT = frozenset({"no limit", "no maximum age", "no minimum age", "no age limit", "not stated", "none"})


def age(value: str | None) -> str | None:
    """An age limit as ClinicalTrials.gov writes it ("18 Years", "6 Months", "1 Year"); None for no limit.

    A bare number means years; "0" and "no limit" mean no limit. Comparison signs in "<= 79age old"
    (jRCT) are dropped: the graph stores the number as written.
    """
    text = clean_registry_text(value)
    if text is None or is_placeholder(text) or _key(text) in _NO_AGE_LIMIT:
        return None
    m = _AGE.match(" ".join(text.split()))
    if m is None:
        return None
    number = float(m.group(1))
    if number <= 0 or not number.is_integer():
        return None
    count = int(number)
    unit = _AGE_UNIT[(m.group(2) or "years").casefold()]
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


_SEX: dict[str, str] = {
    "all": "ALL",
    "both": "ALL",
    "both male and female": "ALL",
    "both males and females": "ALL",
    "male and female": "ALL",
    "males and females": "ALL",
    "female and male": "ALL",
    "men and women": "ALL",
    "m f": "ALL",
    "male": "MALE",
    "males": "MALE",
    "m": "MALE",
    "men": "MALE",
    "man": "MALE",
    "female": "FEMALE",
    "females": "FEMALE",
    "f": "FEMALE",
    "women": "FEMALE",
    "woman": "FEMALE",
}
# EUCTR via ICTRP: "<br>Female: yes<br>Male: yes<br>"
_SEX_FLAGS = re.compile(r"\b(female|male)\s*:\s*(yes|no)\b", re.IGNORECASE)


def sex(value: str | None) -> str | None:
    """``ALL``/``FEMALE``/``MALE`` for a registry's gender text (incl. EUCTR's yes/no flags); else None."""
    text = clean_registry_text(value)
    if text is None or is_placeholder(text):
        return None
    flags = {k.casefold(): v.casefold() == "yes" for k, v in _SEX_FLAGS.findall(text)}
    if flags:
        female, male = flags.get("female", False), flags.get("male", False)
        return {(True, True): "ALL", (True, False): "FEMALE", (False, True): "MALE"}.get((female, male))
    return _SEX.get(_key(text))


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+]?\d+)?")  # "1e3" is 1000, not 1
_GROUP_SIZE = re.compile(r":\s*(\d+(?:\.\d+)?)\s*(?:;|$)")
# A minus sign before a number, not a hyphen inside a range or a name ("100-200", "Group-2": a word before it).
_MINUS = re.compile(r"(?<![\w.])[-\u2212]\s*\d")


def target_size(value: str | None) -> int | None:
    """Planned enrolment as an int: "100.0" → 100, "1,200" → 1200, ChiCTR's "Case:30;Control:30;" → 60.

    ChiCTR lists a size per group; their sum is the trial's target. Placeholders (blank, ``NULL``, ``N/A``)
    give None: the shared exports write "unknown" only that way. "0" stays 0, a stated count (ICTRP passes on
    CT.gov's 0 for withdrawn trials).

    Raises:
        ValueError: a negative count ("-5") or text without a number ("abc"). Reading "-5" as 5 or "abc"
            as no value would store a wrong count or lose one silently; the caller drops it and reports it
            (:func:`count_or_issue`).
    """
    text = clean_registry_text(value)
    if text is None or is_placeholder(text):
        return None
    text = _THOUSANDS.sub("", " ".join(text.split()))
    if _MINUS.search(text):
        raise ValueError(f"{_shown(text)} is negative")
    groups = _GROUP_SIZE.findall(text)
    if groups:
        number = sum(float(n) for n in groups)
    elif (m := _NUMBER.search(text)) is not None:
        number = float(m.group(0))
    else:
        raise ValueError(f"{_shown(text)} is not a number")
    if not math.isfinite(number):
        raise ValueError(f"{_shown(text)} is not a finite number")
    if not number.is_integer():
        raise ValueError(f"{_shown(text)} is not a whole number")  # "12.5" is not 12 participants
    return int(number)  # past 64 bits it is dropped by ``check_study``, as every loader's counts are


def _shown(text: str, limit: int = 80) -> str:
    """A value quoted for a one-line reason, cut so that 10 kB of junk does not become a 10 kB reason."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def count_or_issue(field: str, value: str | None) -> tuple[int | None, str | None]:
    """:func:`target_size` of a record's ``field``, or (None, one line) when the value is negative or no number.

    The line names the field and the value, and says the record loads without it: registry staging files it
    as a field issue, as CT.gov's ``check_study`` does for a negative enrollment.
    """
    try:
        return target_size(value), None
    except ValueError as e:
        return None, f"{field} {e}; stored without it"


def date_or_issue(field: str, value: str | None, formats: Sequence[str] = ()) -> tuple[str | None, str | None]:
    """:func:`parse_date` of a record's ``field``, or (None, one line) when the value is not a usable date.

    Why not reject the record: one bad date says nothing about its other fields, and CT.gov records
    (``check_study``) already load without an impossible date. The line names the field and the value; registry
    staging files it as a ``kind: field`` quarantine entry. A dropped last-update date is then not the record's
    version either: staging falls back to the next valid date (``trialgraph.model.validate.study_version``).
    """
    try:
        return parse_date(value, formats), None
    except ValueError as e:
        return None, f"{field} {e}; stored without it"


# ---------------------------------------------------------------------------------------- countries

# Registry spellings that pycountry's lookup does not resolve (or resolves ambiguously).
_COUNTRY_ALIASES: dict[str, str] = {
    "usa": "US",
    "u s a": "US",
    "u s": "US",
    "us": "US",
    "united states of america": "US",
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "united kindgdom": "GB",  # sic, ICTRP
    "korea republic of": "KR",
    "republic of korea": "KR",
    "south korea": "KR",
    "korea south": "KR",
    "korea": "KR",
    "north korea": "KP",
    "korea democratic people s republic of": "KP",
    "iran islamic republic of": "IR",
    "iran": "IR",
    "turkey": "TR",
    "the netherlands": "NL",
    "netherlands the": "NL",
    "holland": "NL",
    "russia": "RU",
    "vietnam": "VN",
    "czech republic": "CZ",
    "taiwan": "TW",
    "taiwan province of china": "TW",
    "hong kong": "HK",
    "hong kong sar": "HK",
    "macau": "MO",
    "china": "CN",
    "chian": "CN",  # sic, ChiCTR
    "chinese": "CN",  # ChiCTR
    "people s republic of china": "CN",
    "pr china": "CN",
    "p r china": "CN",
    "ivory coast": "CI",
    "cote d ivoire": "CI",
    "côte d ivoire": "CI",
    "syria": "SY",
    "laos": "LA",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
    "palestine": "PS",
    "palestinian territory": "PS",
    "macedonia": "MK",
    "the former yugoslav republic of macedonia": "MK",
    "democratic republic of the congo": "CD",
    "congo the democratic republic of the": "CD",
    "drc": "CD",
    "swaziland": "SZ",
    "burma": "MM",
    "cape verde": "CV",
    "brunei": "BN",
    "vatican": "VA",
    "kosovo": "XK",
}
_REGIONS = frozenset({"africa", "asia", "europe", "america", "north america", "south america", "oceania", "worldwide"})


def _pycountry_name(code_or_name: str) -> str | None:
    try:
        return pycountry.countries.lookup(code_or_name).name
    except LookupError:
        return None


@lru_cache(maxsize=4096)
def _country(text: str) -> str | None:
    key = _key(text)
    if not key or key in _REGIONS or is_placeholder(text):
        return None
    if key in _COUNTRY_ALIASES:
        code = _COUNTRY_ALIASES[key]
        return "Kosovo" if code == "XK" else _pycountry_name(code)
    name = _pycountry_name(text)
    if name is not None:
        return name
    if len(key) <= 3:  # a code that lookup did not know: fuzzy search would only guess
        return None
    try:
        hits = pycountry.countries.search_fuzzy(text)
    except LookupError:
        return None
    # Fuzzy search also matches subdivisions and parts of names ("Africa" → South Africa, Central
    # African Republic): trust it only when it is unambiguous.
    return hits[0].name if len(hits) == 1 else None


def country(value: str | None) -> str | None:
    """pycountry's ``name`` for a country name or code as registries write it; None if not a country.

    The alias table covers registry spellings pycountry lacks ("USA", "UK", "Iran (Islamic Republic
    of)", "Turkey", "South Korea", ICTRP typos); lookup handles ISO names and codes; fuzzy search is the
    last resort and is accepted only when it finds exactly one country.
    """
    text = clean_registry_text(value)
    if text is None:
        return None
    text = " ".join(text.split()).strip(" .;,?!*")
    if not text:
        return None
    return _country(text)


_LIST_SEPARATORS = re.compile(r"[;|\n]+")


def _comma_pieces(piece: str) -> Iterator[str]:
    """Greedy longest-first grouping of comma-separated tokens, so "Korea, Republic of" stays whole."""
    tokens = [t.strip() for t in piece.split(",")]
    i = 0
    while i < len(tokens):
        for j in range(min(len(tokens), i + 4), i, -1):
            name = country(",".join(tokens[i:j]))
            if name is not None:
                yield name
                i = j
                break
        else:
            i += 1


def countries(value: str | None) -> tuple[str, ...]:
    """Unique pycountry names of a registry's country list, in first-seen order; unknown pieces dropped.

    The whole value is tried first (a single "Korea, Republic of"), then pieces split on ``;``, ``|`` and
    newlines, then comma-separated tokens grouped longest-first.
    """
    text = clean_registry_text(value)
    if text is None or is_placeholder(text):
        return ()
    whole = country(text)
    if whole is not None:
        return (whole,)
    found: dict[str, None] = {}
    for piece in _LIST_SEPARATORS.split(text):
        if not piece.strip():
            continue
        name = country(piece)
        names = (name,) if name is not None else tuple(_comma_pieces(piece))
        for n in names:
            found.setdefault(n, None)
    return tuple(found)


# ----------------------------------------------------------------------------------------- sponsors

_TRAILING_PUNCTUATION = re.compile(r"[\s,;:/\\\-–—.]+$")
_LEADING_PUNCTUATION = re.compile(r"^[\s,;:/\\\-–—.]+")


def sponsor_name(value: str | None) -> str | None:
    """An organisation's display name: cleaned, on one line, without stray leading/trailing punctuation.

    Keying (case and punctuation-insensitive) is ``model.keys.normalise_key``'s job, not this one's.
    """
    text = clean_registry_text(value)
    if text is None or is_placeholder(text):
        return None
    text = " ".join(text.split())
    text = _LEADING_PUNCTUATION.sub("", _TRAILING_PUNCTUATION.sub("", text))
    return text or None
