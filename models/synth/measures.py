"""The measurements synthetic patients are built from and read back by: labs, scores, age, sex, and negation.

One registry serves both directions on purpose: the criterion parser finds "HbA1c between 7.0% and 10.5%" with the
same aliases the verifier uses to find "HbA1c 8.2 %" in a note, so a note can only pass when the value it states
is the value the criterion constrains. Ranges per unit keep a threshold honest: "haemoglobin ≥ 90 g/L" and
"haemoglobin ≥ 9 g/dL" are both read, while "glucose ≥ CTCAE level 2" is not (no number after the comparator).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "MEASURES",
    "Measure",
    "UnitRange",
    "find_measure_values",
    "is_negated",
    "read_age",
    "read_sex",
]


@dataclass(frozen=True, slots=True)
class UnitRange:
    """A unit as written in criteria and notes, and the values that are plausible in it (plausible, then normal)."""

    unit: str
    low: float
    high: float
    normal_low: float
    normal_high: float
    pattern: str  # how the unit may be spelled after a number


@dataclass(frozen=True, slots=True)
class Measure:
    """A lab value or clinical score: its display name, the aliases that name it, its units and decimals."""

    key: str
    name: str
    aliases: str  # one regex; case-insensitive unless ``case_sensitive``
    units: tuple[UnitRange, ...]
    decimals: int = 1
    case_sensitive: bool = False

    def regex(self) -> re.Pattern[str]:
        flags = 0 if self.case_sensitive else re.IGNORECASE
        return re.compile(rf"(?<![A-Za-z0-9])(?:{self.aliases})(?![A-Za-z0-9])", flags)


def _u(unit: str, low: float, high: float, normal: tuple[float, float], pattern: str) -> UnitRange:
    return UnitRange(unit, low, high, normal[0], normal[1], pattern)


_PCT = r"%|percent"
_HB = r"g\s*/\s*dl"
_GL = r"g\s*/\s*l"
_E9 = (
    r"(?:x|×|\*)\s*10\s*(?:\^|e|\*\*)?\s*9\s*/\s*l|(?:x|×)\s*109\s*/\s*l"
    r"|/\s*(?:mm3|mm³|µl|ul|μl)|cells\s*/\s*(?:mm3|µl|ul)"
)

# Order matters: longer names first, so "haemoglobin A1c" is HbA1c, not haemoglobin.
MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure(
            "hba1c",
            "HbA1c",
            r"hb\s?a1c|ha?emoglobin\s+a1c|glyc(?:at|osyl)ated\s+ha?emoglobin(?:\s*\(hba1c\))?|a1c",
            (_u("%", 4.0, 15.0, (5.5, 9.0), _PCT), _u("mmol/mol", 20, 140, (37, 75), r"mmol\s*/\s*mol")),
        ),
        Measure(
            "egfr",
            "eGFR",
            r"eGFR|e-GFR|estimated\s+glomerular\s+filtration\s+rate|[Gg]lomerular\s+filtration\s+rate|GFR",
            (_u("mL/min/1.73 m2", 5, 150, (60, 110), r"ml\s*/\s*min(?:\s*/\s*1[.,]73\s*m(?:2|²|\^2)?)?"),),
            decimals=0,
            case_sensitive=True,  # "EGFR" is the gene of the lung-cancer trials
        ),
        Measure(
            "creatinine_clearance",
            "creatinine clearance",
            r"creatinine\s+clearance|CrCl",
            (_u("mL/min", 5, 150, (60, 120), r"ml\s*/\s*min"),),
            decimals=0,
        ),
        Measure(
            "creatinine",
            "serum creatinine",
            r"(?:serum\s+)?creatinine",
            (
                _u("mg/dL", 0.3, 10.0, (0.6, 1.2), r"mg\s*/\s*dl"),
                _u("µmol/L", 25, 900, (50, 105), r"(?:µ|μ|u)mol\s*/\s*l"),
            ),
            decimals=2,
        ),
        Measure(
            "hemoglobin",
            "hemoglobin",
            r"ha?emoglobin|Hg?b",
            (_u("g/dL", 5.0, 20.0, (12.0, 15.5), _HB), _u("g/L", 50, 200, (120, 155), _GL)),
        ),
        Measure(
            "platelets", "platelet count", r"platelets?(?:\s+count)?|PLT", (_u("×10^9/L", 10, 900, (150, 400), _E9),), 0
        ),
        Measure(
            "anc",
            "absolute neutrophil count",
            r"absolute\s+neutrophil\s+count|ANC|neutrophils?(?:\s+count)?",
            (_u("×10^9/L", 0.1, 20.0, (2.0, 7.0), _E9),),
        ),
        Measure(
            "bilirubin",
            "total bilirubin",
            r"(?:total\s+|serum\s+)?bilirubin",
            (_u("mg/dL", 0.1, 20, (0.3, 1.0), r"mg\s*/\s*dl"),),
        ),
        Measure("bmi", "BMI", r"BMI|body\s+mass\s+index", (_u("kg/m2", 12, 70, (20, 30), r"kg\s*/\s*m(?:2|²|\^2)"),)),
        Measure(
            "lvef",
            "LVEF",
            r"LVEF|left\s+ventricular\s+ejection\s+fraction|ejection\s+fraction",
            (_u("%", 10, 80, (55, 65), _PCT),),
            0,
        ),
        Measure(
            "sbp",
            "systolic blood pressure",
            r"systolic\s+blood\s+pressure|SBP",
            (_u("mmHg", 70, 230, (110, 130), r"mm\s*hg"),),
            0,
        ),
        Measure(
            "dbp",
            "diastolic blood pressure",
            r"diastolic\s+blood\s+pressure|DBP",
            (_u("mmHg", 40, 140, (70, 85), r"mm\s*hg"),),
            0,
        ),
        Measure(
            "fasting_glucose",
            "fasting plasma glucose",
            r"fasting\s+(?:plasma\s+|blood\s+|serum\s+)?glucose|FPG",
            (_u("mg/dL", 40, 500, (80, 110), r"mg\s*/\s*dl"), _u("mmol/L", 2.0, 28.0, (4.4, 6.1), r"mmol\s*/\s*l")),
        ),
        Measure(
            "ldl",
            "LDL cholesterol",
            r"LDL(?:-C)?(?:\s+cholesterol)?|low[- ]density\s+lipoprotein(?:\s+cholesterol)?",
            (_u("mg/dL", 20, 400, (70, 130), r"mg\s*/\s*dl"), _u("mmol/L", 0.5, 10.0, (1.8, 3.4), r"mmol\s*/\s*l")),
        ),
        Measure(
            "ecog",
            "ECOG performance status",
            r"ECOG(?:\s+(?:performance\s+status|PS))?(?:\s+score)?",
            (_u("", 0, 4, (0, 1), r"(?!)"),),
            0,
        ),
        Measure(
            "karnofsky",
            "Karnofsky performance status",
            r"Karnofsky(?:\s+performance\s+(?:status|score))?|KPS",
            (_u("%", 0, 100, (80, 100), _PCT),),
            0,
        ),
    )
}

NUMBER = r"(\d+(?:[.,]\d+)?)"


def to_float(text: str) -> float:
    return float(text.replace(",", "."))


def find_measure_values(text: str) -> dict[str, tuple[float, str]]:
    """The first value stated for each measure in a note: ``{key: (value, unit)}`` ("HbA1c 8.2 %", "ECOG: 1").

    A value is the first number within a few words after the measure's name; its unit is the registry unit whose
    spelling follows the number, or the measure's first unit when none is written (scores have none).
    """
    found: dict[str, tuple[float, str]] = {}
    taken: list[tuple[int, int]] = []
    for measure in MEASURES.values():
        for match in measure.regex().finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            tail = text[match.end() : match.end() + 40]
            number = re.match(
                rf"[\s:=(),]*(?:(?:level|value|count|score|of|was|is|at|measured)\s+)*[\s:=]*{NUMBER}", tail, re.I
            )
            if number is None:
                continue
            taken.append((match.start(), match.end()))
            after = tail[number.end() :]
            unit = next(
                (u.unit for u in measure.units if re.match(rf"\s*(?:{u.pattern})", after, re.IGNORECASE)),
                measure.units[0].unit,
            )
            found.setdefault(measure.key, (to_float(number.group(1)), unit))
            break
    return found


_AGE = re.compile(
    r"(\d{1,3})[- ](?:year|yr)s?[- ]old|\baged?\s*:?\s*(\d{1,3})\b|(\d{1,3})\s*(?:years|yrs)\s+(?:of\s+age|old)",
    re.IGNORECASE,
)


def read_age(text: str) -> int | None:
    """The patient's age as a note states it ("a 54-year-old", "age: 54", "54 years old"), or None."""
    match = _AGE.search(text)
    if match is None:
        return None
    return int(next(group for group in match.groups() if group))


_SEX_WORDS = {
    "female": r"woman|women|female|lady|girl|she|her",
    "male": r"man|men|male|gentleman|boy|he|his|him",
}


def read_sex(text: str) -> str | None:
    """The sex a note states, from its words ("woman", "he"), or None when absent or when both appear."""
    found = {
        sex for sex, words in _SEX_WORDS.items() if re.search(rf"(?<![A-Za-z])(?:{words})(?![A-Za-z])", text, re.I)
    }
    return next(iter(found)) if len(found) == 1 else None


_NEGATION_CUES = re.compile(
    r"\b(?:no|not|denies|denied|without|never|negative\s+for|free\s+of|absence\s+of|none|non|nor|ruled\s+out|excluding)\b",
    re.IGNORECASE,
)
_SCOPE_BREAK = re.compile(r"[.;:\n]|\b(?:but|however|except|although|who|which|whereas|has|have|is|are|with)\b", re.I)


def is_negated(text: str, start: int) -> bool:
    """Whether the mention starting at ``start`` is in a negation's scope (a NegEx-style cue before it).

    The scope runs from the cue to the mention unless a sentence or clause break ("but", "who", ";") intervenes;
    commas and "or" do not break it, so "No history of stroke, MI or cancer" negates all three.
    """
    before = text[max(0, start - 80) : start]
    cues = list(_NEGATION_CUES.finditer(before))
    if not cues:
        return False
    return not _SCOPE_BREAK.search(before[cues[-1].end() :])
