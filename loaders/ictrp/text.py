"""Splitting ICTRP free-text fields into lists: conditions, interventions, outcomes, eligibility criteria.

ICTRP passes each registry's text through with that registry's own list convention: ``;``-separated
items (ClinicalTrials.gov, ChiCTR), ``<br>``-separated lines (ISRCTN, EUCTR), ``measure[time frame]``
(ANZCTR), ``X. Timepoint: Y`` (IRCT), labelled blocks (EUCTR end points). Splitting prose on ``;``
would cut sentences, so *which* separator is a list separator is decided per registry, in the tables
below; a registry not listed keeps the field as one item. Cleaning of each piece (``<br>``, padding,
entities, placeholders) is ``clean_registry_text``'s job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlparse

from trialgraph.loaders.registries import normalize
from trialgraph.model.study import Eligibility, Intervention, Outcome, OutcomeKind, Reference
from trialgraph.model.text import clean_registry_text

__all__ = ["conditions", "eligibility", "interventions", "outcomes", "references", "split_list"]

_BREAK = re.compile(r"<\s*br\s*/?\s*>|\r\n|\r|\n", re.IGNORECASE)
_SEMICOLON = re.compile(r";")
_SEMICOLON_OR_BREAK = re.compile(r";|<\s*br\s*/?\s*>|\r\n|\r|\n", re.IGNORECASE)

# Registries whose ICTRP field is a ';'-list of separate items (others write prose containing ';').
_INTERVENTION_LISTS = frozenset({"ClinicalTrials.gov", "ChiCTR", "PACTR"})
_OUTCOME_LISTS = frozenset({"ClinicalTrials.gov", "ChiCTR", "ANZCTR", "IRCT", "CRIS"})

# ClinicalTrials.gov writes "Drug: aspirin"; the prefix is the intervention type in v2 spelling.
_INTERVENTION_TYPES = {
    "drug": "DRUG",
    "device": "DEVICE",
    "biological": "BIOLOGICAL",
    "behavioral": "BEHAVIORAL",
    "procedure": "PROCEDURE",
    "procedure/surgery": "PROCEDURE",
    "radiation": "RADIATION",
    "dietary supplement": "DIETARY_SUPPLEMENT",
    "genetic": "GENETIC",
    "combination product": "COMBINATION_PRODUCT",
    "diagnostic test": "DIAGNOSTIC_TEST",
    "other": "OTHER",
}
_TYPED = re.compile(r"^\s*(?P<type>[A-Za-z][A-Za-z /]+?)\s*:\s*(?P<name>.+)$", re.DOTALL)

# "measure[time frame]" (ANZCTR, TCTR) and "measure. Timepoint: t. Method of measurement: m" (IRCT, CTRI).
_BRACKETED_TIME = re.compile(r"^(?P<measure>.+?)\s*\[(?P<time>[^\[\]]*)\]\s*$", re.DOTALL)
_TIMEPOINT = re.compile(r"^(?P<measure>.+?)\.?\s*Timepoint\s*:\s*(?P<time>.+?)\s*$", re.DOTALL | re.IGNORECASE)
# EUCTR end points are labelled blocks, in any order, separated by ';'.
_EUCTR_LABEL = re.compile(
    r"(?P<label>(?:Primary|Secondary) end point\(s\)|Timepoint\(s\) of evaluation of this end point"
    r"|Main Objective|Secondary Objective)\s*:",
    re.IGNORECASE,
)
_CRITERIA_LABEL = re.compile(r"^\s*(?:inclusion|exclusion)\s+criteria\s*:?\s*", re.IGNORECASE)
_EXCLUSION_HEADING = re.compile(r"exclusion\s+criteria\s*:", re.IGNORECASE)
_MEDDRA = re.compile(r"^\s*MedDRA version", re.IGNORECASE)
_PUBMED_PATH = re.compile(r"/(?:pubmed/)?(\d{1,9})/?$")


def _clean(value: str | None) -> str | None:
    text = clean_registry_text(value)
    return None if text is None or normalize.is_placeholder(text) else text


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def split_list(value: str | None, separator: re.Pattern[str] = _SEMICOLON) -> tuple[str, ...]:
    """The distinct cleaned, non-placeholder pieces of ``value`` split on ``separator``, in order."""
    if value is None:
        return ()
    return _unique(_clean(piece) for piece in separator.split(value))


def conditions(value: str | None) -> tuple[str, ...]:
    """Conditions are ';'- or '<br>'-separated everywhere; EUCTR's MedDRA code blocks are codes, not names."""
    return tuple(c for c in split_list(value, _SEMICOLON_OR_BREAK) if not _MEDDRA.match(c))


# ICTRP's list order is not the registry's: the XML and CSV exports of one trial list the same items in
# different orders. Items are sorted so that equal content gives equal records.
def _intervention_key(item: Intervention) -> tuple[str, str]:
    return (item.type or "", item.name)


def _outcome_key(item: Outcome) -> tuple[str, str]:
    return (item.measure, item.time_frame or "")


def _intervention(piece: str) -> Intervention:
    m = _TYPED.match(piece)
    kind = _INTERVENTION_TYPES.get(m.group("type").strip().casefold()) if m else None
    if m and kind:
        return Intervention(type=kind, name=m.group("name").strip())
    return Intervention(type=None, name=piece)


def interventions(value: str | None, registry: str) -> tuple[Intervention, ...]:
    """One intervention per list item (list registries) or for the whole text; typed when prefixed."""
    pieces = split_list(value) if registry in _INTERVENTION_LISTS else _unique([_clean(value)])
    return tuple(sorted(dict.fromkeys(_intervention(p) for p in pieces), key=_intervention_key))


def _outcome(piece: str, kind: OutcomeKind) -> Outcome:
    for pattern in (_BRACKETED_TIME, _TIMEPOINT):
        m = pattern.match(piece)
        if m and m.group("time").strip():
            return Outcome(kind=kind, measure=m.group("measure").strip(), time_frame=m.group("time").strip())
    return Outcome(kind=kind, measure=piece)


def _euctr_outcomes(value: str, kind: OutcomeKind) -> tuple[Outcome, ...]:
    labels = list(_EUCTR_LABEL.finditer(value))
    if not labels:
        return ()
    blocks: dict[str, str] = {}
    for here, after in zip(labels, [*labels[1:], None], strict=True):
        body = value[here.end() : after.start() if after else len(value)].strip().rstrip(";")
        blocks[here.group("label").casefold().split()[0]] = body
    measure = _clean(blocks.get("primary") or blocks.get("secondary"))
    if measure is None:
        return ()
    return (Outcome(kind=kind, measure=measure, time_frame=_clean(blocks.get("timepoint(s)"))),)


def outcomes(value: str | None, kind: OutcomeKind, registry: str) -> tuple[Outcome, ...]:
    """Outcomes of one kind: EUCTR labelled blocks, ';'-lists for list registries, else the whole text."""
    if value is None or _clean(value) is None:
        return ()
    if registry == "EUCTR":
        found = _euctr_outcomes(value, kind)
        if found:
            return found
    pieces = split_list(value) if registry in _OUTCOME_LISTS else _unique([_clean(value)])
    return tuple(sorted(dict.fromkeys(_outcome(p, kind) for p in pieces), key=_outcome_key))


def _without_blank_lines(value: str | None) -> str | None:
    """Exports of one trial differ in blank lines only ("<br><br>" in XML, "<br>" in CSV)."""
    return "\n".join(line for line in value.splitlines() if line.strip()) if value else None


def _criteria_items(raw: str | None) -> tuple[str, ...]:
    """Items of one criteria text: its lines when it has several, else the whole text as one item."""
    if raw is None:
        return ()
    lines = [_clean(_CRITERIA_LABEL.sub("", line)) for line in _BREAK.split(raw)]
    items = _unique(lines)
    if len(items) >= 2:
        return items
    whole = _clean(_CRITERIA_LABEL.sub("", _clean(raw) or ""))
    return (whole,) if whole else ()


def eligibility(
    inclusion: str | None, exclusion: str | None, *, min_age: str | None, max_age: str | None, sex: str | None
) -> Eligibility | None:
    """Criteria text and items; ClinicalTrials.gov rows carry both lists in the inclusion field."""
    if inclusion and not _clean(exclusion) and _EXCLUSION_HEADING.search(inclusion):
        m = _EXCLUSION_HEADING.search(inclusion)
        assert m is not None
        inclusion, exclusion = inclusion[: m.start()], inclusion[m.start() :]
    texts = _unique([_without_blank_lines(_clean(inclusion)), _without_blank_lines(_clean(exclusion))])
    included, excluded = _criteria_items(inclusion), _criteria_items(exclusion)
    if not (texts or min_age or max_age or sex):
        return None
    return Eligibility(
        text="\n".join(texts) or None,
        inclusion=included,
        exclusion=excluded,
        min_age=min_age,
        max_age=max_age,
        sex=sex,
    )


def references(results_url: str | None) -> tuple[Reference, ...]:
    """A results link that is a PubMed record becomes a RESULT reference; other links are not citations."""
    url = _clean(results_url)
    if url is None:
        return ()
    parsed = urlparse(url)
    m = _PUBMED_PATH.search(parsed.path)
    if "pubmed" in (parsed.netloc + parsed.path).casefold() and m:
        return (Reference(type="RESULT", pmid=m.group(1), citation=url),)
    return ()
