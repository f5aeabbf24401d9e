"""What a patient description says about age and sex, and whether a trial's age and sex limits admit it.

Patient summaries in TREC and SIGIR style state both in the first sentence ("A 58-year-old African-American
woman presents…", "45 yo M", "a 6-month-old boy"). Only what is stated is used: an unknown age or sex, or a trial
limit that cannot be read, never excludes a trial. Trial ages are as CT.gov writes them ("18 Years", "6 Months").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PatientFacts", "admits", "age_in_years", "patient_facts"]

_UNIT_YEARS = {
    "year": 1.0,
    "yr": 1.0,
    "y": 1.0,
    "month": 1 / 12,
    "mo": 1 / 12,
    "week": 1 / 52.18,
    "wk": 1 / 52.18,
    "day": 1 / 365.25,
    "hour": 1 / 8766,
    "minute": 1 / 525960,
}
_PATIENT_AGE = re.compile(
    r"\b(\d{1,3}(?:\.\d+)?)[\s-]*(years?|yrs?|y|months?|mos?|weeks?|wks?|days?)[\s-]*(?:old|of age|o\b|/o\b)?",
    re.IGNORECASE,
)
_AGE_SHORT = re.compile(r"\b(\d{1,3})\s*(?:yo|y\.o\.|y/o)(?![a-z])", re.IGNORECASE)
_AGE_SEX = re.compile(r"\b(\d{1,3})\s?(?:yo\s?|y/o\s?|y\.o\.\s?)?([MF])\b")  # clinical shorthand: "74M", "48 M"
_SEX_WORDS = {
    "FEMALE": ("woman", "female", "girl", "lady", "she", "her", "mother", "pregnant", "f"),
    "MALE": ("man", "male", "boy", "gentleman", "he", "his", "father", "m"),
}
_TRIAL_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)")


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """Age in years and sex (``FEMALE`` or ``MALE``) when the description states them."""

    age_years: float | None
    sex: str | None


def _unit(word: str) -> float | None:
    word = word.lower().rstrip("s")
    for stem, factor in _UNIT_YEARS.items():
        if word == stem or (len(stem) > 2 and word.startswith(stem)):
            return factor
    return None


def patient_facts(text: str) -> PatientFacts:
    """The first stated age and the sex most words point to (ties: unknown)."""
    found = []  # (position, age, sex stated with it)
    for match in _PATIENT_AGE.finditer(text):
        factor = _unit(match.group(2))
        if factor is not None:
            found.append((match.start(), float(match.group(1)) * factor, None))
            break
    if short := _AGE_SHORT.search(text):
        found.append((short.start(), float(short.group(1)), None))
    if shorthand := _AGE_SEX.search(text):
        found.append((shorthand.start(), float(shorthand.group(1)), "FEMALE" if shorthand.group(2) == "F" else "MALE"))
    found.sort(key=lambda f: (f[0], f[2] is None))  # at one position, the form that also states sex
    age = found[0][1] if found else None
    stated_sex = found[0][2] if found else None
    words = re.findall(r"[a-z]+", text.lower())
    counts = {sex: sum(words.count(w) for w in stems if len(w) > 1) for sex, stems in _SEX_WORDS.items()}
    if stated_sex:
        return PatientFacts(age, stated_sex)
    sex = None
    if counts["FEMALE"] != counts["MALE"]:
        sex = "FEMALE" if counts["FEMALE"] > counts["MALE"] else "MALE"
    return PatientFacts(age, sex)


def age_in_years(written: str | None) -> float | None:
    """A trial's age limit as written ("18 Years", "6 Months") in years; None when absent or unreadable."""
    if not written:
        return None
    match = _TRIAL_AGE.match(written)
    if not match:
        return None
    factor = _unit(match.group(2))
    return None if factor is None else float(match.group(1)) * factor


def admits(patient: PatientFacts, min_age: str | None, max_age: str | None, sex: str | None) -> str | None:
    """None when the trial's limits admit the patient (or cannot say); else the reason it does not."""
    if patient.age_years is not None:
        low, high = age_in_years(min_age), age_in_years(max_age)
        if low is not None and patient.age_years < low:
            return f"age {patient.age_years:g} below the minimum {min_age}"
        if high is not None and patient.age_years > high:
            return f"age {patient.age_years:g} above the maximum {max_age}"
    if patient.sex and sex in ("FEMALE", "MALE") and sex != patient.sex:
        return f"sex {patient.sex.lower()}, trial enrols {sex.lower()} only"
    return None
