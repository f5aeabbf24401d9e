"""Find trial registration numbers in free text, in canonical form, and turn a citation into trial links.

The patterns are the ``ctregistries`` text-mining regexes (``registry_id_patterns.csv`` beside this
module: the registry rows of ``shared/data/registries/registry_id_patterns.csv``; ChiCTR and NTR
tightened and EudraCT's look-behind split for Python, the originals kept in its ``upstream_trn_regex``
column). They tolerate the separators authors write ("NCT 01234567", "ISRCTN: 12345678") but are not
anchored, so each is wrapped in boundaries here: no letter or digit may touch an id on the left (except
the lost space of "ClinicalTrials.govNCT...", see ``_LEFT``) and no digit on the right. That is what
keeps "NCT012345678" (9 digits) or an id glued inside a longer number from matching. Every match is
rewritten to the registry's canonical spelling so ids from text, DataBank lists and registries meet on
one key.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from trialgraph.errors import SourceError
from trialgraph.model.publication import PublicationRecord
from trialgraph.model.publication_link import (
    SOURCE_MEDLINE_DATABANK,
    SOURCE_PATTERN_ABSTRACT,
    SOURCE_PATTERN_TITLE,
    TrialPublicationLink,
)

__all__ = [
    "DEFAULT_PATTERNS_CSV",
    "RegistryPattern",
    "TrialIdMatch",
    "canonical_trial_id",
    "find_trial_ids",
    "links_from_publication",
    "load_registry_patterns",
    "registry_databanks",
]

DEFAULT_PATTERNS_CSV = Path(__file__).with_name("registry_id_patterns.csv")

_REGISTRY_TYPES = frozenset({"registry", "registry_network"})
# No letter or digit may touch an id on the left, except lower case glued to an upper-case prefix: MEDLINE
# text often lost the space in "ClinicalTrials.govNCT01844362", while "ANCT01234567" is another token.
_LEFT = r"(?:(?<![A-Za-z0-9])|(?-i:(?<=[a-z])(?=[A-Z])))"
# EudraCT numbers carry no prefix of their own, and authors glue one on ("EudraCT2004-000123-45",
# "EUCTR2004-000123-45-GB"); any other letter directly before the digits means a different id.
_LEFT_BY_REGISTRY = {"EudraCT": r"(?:(?<=EudraCT)|(?<=EUCTR)|(?<![A-Za-z0-9]))"}
_RIGHT = r"(?![0-9])"
_DIGITS = re.compile(r"\d+")
_LEADING_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")
_NEGATIVE_LOOKBEHIND = re.compile(r"\(\?<!((?:[^()|]+\|)+[^()|]+)\)")


@dataclass(frozen=True, slots=True)
class RegistryPattern:
    registry: str  # the MEDLINE DataBankName ("ClinicalTrials.gov", "EudraCT", "UMIN-CTR"...)
    full_name: str
    kind: str  # "registry" or "registry_network"
    regex: re.Pattern[str] | None  # None for a network without ids of its own (JPRN)


@dataclass(frozen=True, slots=True)
class TrialIdMatch:
    registry: str
    trial_id: str  # canonical form
    start: int
    end: int
    raw: str  # the text as written


def _all_digits(prefix: str) -> Callable[[str], str]:
    return lambda raw: prefix + "".join(_DIGITS.findall(raw))


def _joined(prefix: str, separator: str) -> Callable[[str], str]:
    return lambda raw: prefix + separator.join(_DIGITS.findall(raw))


def _eudract(raw: str) -> str:
    digits = "".join(_DIGITS.findall(raw))
    return f"{digits[:4]}-{digits[4:10]}-{digits[10:12]}"


def _chictr(raw: str) -> str:
    m = re.search(r"ChiCTR\W*([A-Z]{3})?\W*(\d+)", raw, re.IGNORECASE)
    assert m is not None  # the registry pattern matched this text
    letters, digits = m.group(1), m.group(2)
    return f"ChiCTR-{letters.upper()}-{digits}" if letters else f"ChiCTR{digits}"


def _irct(raw: str) -> str:
    number, serial = _DIGITS.findall(raw)[:2]
    return f"IRCT{number}N{serial}"


def _jrct(raw: str) -> str:
    m = re.search(r"jRCT\W*(\w)\W*(\d{9})", raw, re.IGNORECASE)
    assert m is not None
    return f"jRCT{m.group(1).lower()}{m.group(2)}"


def _jmacct(raw: str) -> str:
    return "JMA-IIA" + _DIGITS.findall(raw)[-1]


def _ntr(raw: str) -> str:
    prefix = "NTR" if raw.upper().startswith("NTR") else "NL"
    return prefix + "".join(_DIGITS.findall(raw))


def _rebec(raw: str) -> str:
    m = re.search(r"RBR\W*(\w{6})", raw, re.IGNORECASE)
    assert m is not None
    return f"RBR-{m.group(1).lower()}"


# Canonical spellings, as the registries print them; the default is the prefix plus the digits.
_CANONICAL: dict[str, Callable[[str], str]] = {
    "ANZCTR": _all_digits("ACTRN"),
    "ChiCTR": _chictr,
    "CRiS": _all_digits("KCT"),
    "ClinicalTrials.gov": _all_digits("NCT"),
    "CTRI": _joined("CTRI/", "/"),
    "DRKS": _all_digits("DRKS"),
    "EudraCT": _eudract,
    "IRCT": _irct,
    "ISRCTN": _all_digits("ISRCTN"),
    "JapicCTI": _all_digits("JapicCTI-"),
    "JMACCT": _jmacct,
    "jRCT": _jrct,
    "LBCTR": _all_digits("LBCTR"),
    "NTR": _ntr,
    "PACTR": _all_digits("PACTR"),
    "ReBec": _rebec,
    "REPEC": _joined("PER-", "-"),
    "RPCEC": _all_digits("RPCEC"),
    "SLCTR": _joined("SLCTR/", "/"),
    "TCTR": _all_digits("TCTR"),
    "UMIN-CTR": _all_digits("UMIN"),
}


def _compile(registry: str, source: str) -> re.Pattern[str]:
    """Wrap a ctregistries regex in boundaries; its leading global flags become compile flags."""
    flags = re.ASCII  # "\d" must not match Arabic-Indic or full-width digits: ids are ASCII
    m = _LEADING_FLAGS.match(source)
    if m:
        for letter in m.group(1):
            flags |= getattr(re, letter.upper())
        source = source[m.end() :]
    # Python's look-behind must be fixed-width: "(?<!IRCT|PACTR|\d)" (upstream EudraCT) becomes
    # "(?<!IRCT)(?<!PACTR)(?<!\d)", which means the same.
    source = _NEGATIVE_LOOKBEHIND.sub(lambda lb: "".join(f"(?<!{alt})" for alt in lb.group(1).split("|")), source)
    left = _LEFT_BY_REGISTRY.get(registry, _LEFT)
    return re.compile(f"{left}(?:{source}){_RIGHT}", flags)


def load_registry_patterns(path: Path | None = None) -> tuple[RegistryPattern, ...]:
    """The trial-registry rows of a ctregistries-style table (the package's own copy by default).

    Works on the upstream file too (``shared/data/registries/registry_id_patterns.csv``); rows of other
    databanks (GEO, PDB...) are skipped. Raises :class:`SourceError` for an unreadable table or a
    regex that does not compile, since extraction without its patterns would silently find nothing.
    """
    if path is None:
        return _default_patterns()
    return _read_patterns(path)


@lru_cache(maxsize=1)
def _default_patterns() -> tuple[RegistryPattern, ...]:
    return _read_patterns(DEFAULT_PATTERNS_CSV)


def _read_patterns(path: Path) -> tuple[RegistryPattern, ...]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise SourceError(f"cannot read registry pattern table {path}: {exc}") from exc
    patterns = []
    for line, row in enumerate(rows, start=2):
        kind = (row.get("databank_type") or "").strip()
        if kind not in _REGISTRY_TYPES:
            continue
        registry = (row.get("databank") or "").strip()
        source = (row.get("trn_regex") or "").strip()
        regex = None
        if source and source != "NA":
            try:
                regex = _compile(registry, source)
            except re.error as exc:
                raise SourceError(f"{path}:{line}: bad regex for {registry}: {exc}") from exc
        patterns.append(RegistryPattern(registry, (row.get("databank_full_name") or "").strip(), kind, regex))
    return tuple(patterns)


def registry_databanks(patterns: Iterable[RegistryPattern] | None = None) -> frozenset[str]:
    """Case-folded DataBankNames that are trial registries (as opposed to GEO, PDB, GenBank...)."""
    return frozenset(p.registry.casefold() for p in (patterns or load_registry_patterns()))


def find_trial_ids(text: str | None, patterns: Iterable[RegistryPattern] | None = None) -> list[TrialIdMatch]:
    """Every registry id in ``text``, canonical, in text order; overlapping matches keep the longest.

    The same id written twice gives two matches (their positions differ); callers dedupe by ``trial_id``.
    """
    if not text:
        return []
    found = []
    for pattern in patterns or load_registry_patterns():
        if pattern.regex is None:
            continue
        canonical = _CANONICAL.get(pattern.registry, _all_digits(pattern.registry))
        for m in pattern.regex.finditer(text):
            raw = m.group(0)
            found.append(TrialIdMatch(pattern.registry, canonical(raw), m.start(), m.end(), raw))
    found.sort(key=lambda match: (match.start, -(match.end - match.start)))
    kept: list[TrialIdMatch] = []
    for match in found:
        if not kept or match.start >= kept[-1].end:
            kept.append(match)
    return kept


def canonical_trial_id(value: str, registry: str | None = None) -> TrialIdMatch | None:
    """The one id that a field such as a DataBank accession holds, canonical; None if it holds none.

    ``registry`` is a preference, not a filter: a ``JPRN`` accession is a UMIN or JapicCTI id.
    """
    matches = find_trial_ids(value)
    if registry is not None:
        preferred = [m for m in matches if m.registry.casefold() == registry.casefold()]
        matches = preferred or matches
    return matches[0] if matches else None


def links_from_publication(record: PublicationRecord) -> list[TrialPublicationLink]:
    """Trial links a citation states itself: registry DataBank accessions, then ids in title and abstract.

    One link per (trial id, source). A registry accession whose format no pattern recognises is kept
    with its whitespace removed and ``"unrecognised-format"`` in its evidence, so that the writer, not
    this function, decides what to do with it.
    """
    registries = registry_databanks()
    links: dict[tuple[str, str], TrialPublicationLink] = {}

    def add(trial_id: str, registry: str, source: str, evidence: tuple[str, ...]) -> None:
        key = (trial_id, source)
        if key not in links:
            links[key] = TrialPublicationLink(
                trial_id, registry, record.pmid, record.doi, source, evidence, record.origin
            )

    for bank in record.databanks:
        if bank.databank.casefold() not in registries:
            continue
        match = canonical_trial_id(bank.accession, bank.databank)
        if match is not None:
            add(match.trial_id, match.registry, SOURCE_MEDLINE_DATABANK, ("DataBankList", bank.databank))
        else:
            raw = "".join(bank.accession.split())
            add(raw, bank.databank, SOURCE_MEDLINE_DATABANK, ("DataBankList", bank.databank, "unrecognised-format"))
    for match in find_trial_ids(record.title):
        add(match.trial_id, match.registry, SOURCE_PATTERN_TITLE, ("ArticleTitle", match.raw))
    for section in record.abstract:
        for match in find_trial_ids(section.text):
            where = f"AbstractText[{section.label}]" if section.label else "AbstractText"
            add(match.trial_id, match.registry, SOURCE_PATTERN_ABSTRACT, (where, match.raw))
    return list(links.values())
