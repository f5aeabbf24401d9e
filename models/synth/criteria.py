"""A trial's eligibility criteria as checkable constraints: what a synthetic patient is built against and read back by.

Pure: no graph, no model. Each criterion line becomes zero or more *atoms* (an age range, the sex, a lab or score
range, a concept that must be present or absent); a line with none stays free text and never labels anyone.

A line's atoms are read the robust way round, so that "and"/"or" between them never matters to a label: a line is
*met* when every atom holds and *violated* when every atom fails. "SBP ≥ 150 mmHg or DBP ≥ 100 mmHg" (exclusion) is
met by 130/80 and violated by 160/105 under either reading; a patient with 160/80 is neither and is never labelled.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from trialgraph.models.synth.measures import MEASURES, NUMBER, Measure, is_negated, to_float

__all__ = [
    "Atom",
    "Criterion",
    "Interval",
    "Mention",
    "ParsedTrial",
    "TrialInput",
    "parse_age_field",
    "parse_trial",
]

Kind = Literal["inclusion", "exclusion", "field", "condition"]


class Mention(Protocol):
    """A linked mention, as :class:`trialgraph.link.Span` gives it."""

    start: int
    end: int
    text: str
    curie: str
    name: str
    types: tuple[str, ...]


MentionFinder = Callable[[str], Sequence[Mention]]


@dataclass(frozen=True, slots=True)
class Interval:
    """A range of values; a missing end is unbounded."""

    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True

    def contains(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_inclusive)):
            return False
        return not (self.high is not None and (value > self.high or (value == self.high and not self.high_inclusive)))

    def intersect(self, other: Interval) -> Interval:
        low, low_inc = self.low, self.low_inclusive
        if other.low is not None and (low is None or other.low > low or (other.low == low and not other.low_inclusive)):
            low, low_inc = other.low, other.low_inclusive
        high, high_inc = self.high, self.high_inclusive
        if other.high is not None and (
            high is None or other.high < high or (other.high == high and not other.high_inclusive)
        ):
            high, high_inc = other.high, other.high_inclusive
        return Interval(low, high, low_inc, high_inc)

    def complement(self) -> Interval | None:
        """The values outside a one-sided interval (None for a two-sided one: its outside is two pieces)."""
        if self.low is not None and self.high is not None:
            return None
        if self.low is not None:
            return Interval(high=self.low, high_inclusive=not self.low_inclusive)
        if self.high is not None:
            return Interval(low=self.high, low_inclusive=not self.high_inclusive)
        return None

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            return (
                f"{'[' if self.low_inclusive else '('}{self.low:g}, {self.high:g}{']' if self.high_inclusive else ')'}"
            )
        if self.low is not None:
            return f"{'≥' if self.low_inclusive else '>'} {self.low:g}"
        if self.high is not None:
            return f"{'≤' if self.high_inclusive else '<'} {self.high:g}"
        return "any"


@dataclass(frozen=True, slots=True)
class Atom:
    """One checkable fact a criterion asks for.

    ``fact`` is "age" (``interval`` in years), "sex" (``value`` "female"/"male"), "measure" (``key`` a
    :data:`MEASURES` key, ``value`` its unit, ``interval``) or "concept" (``key`` a CURIE, ``name``, ``value``
    "condition"/"medication", ``present`` whether the patient must have it).
    """

    fact: Literal["age", "sex", "measure", "concept"]
    key: str
    name: str
    value: str | None = None
    interval: Interval | None = None
    present: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"fact": self.fact, "key": self.key, "name": self.name}
        if self.value is not None:
            out["value"] = self.value
        if self.interval is not None:
            out["range"] = self.interval.describe()
        if self.present is not None:
            out["present"] = self.present
        return out


@dataclass(frozen=True, slots=True)
class Criterion:
    """A structured criterion: where it came from (``kind``, ``index`` = the Criterion node's position) and atoms."""

    kind: Kind
    index: int | None
    text: str
    atoms: tuple[Atom, ...]
    primary: bool = False  # the trial's studied condition: its absence makes a patient clearly ineligible

    @property
    def name(self) -> str:
        return f"{self.kind}[{self.index}]" if self.index is not None else self.kind

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "index": self.index, "text": self.text, "atoms": [a.as_dict() for a in self.atoms]}


@dataclass(frozen=True, slots=True)
class TrialInput:
    """What the graph says about one trial's eligibility (one record: the trial's CT.gov record when it has one)."""

    trial_id: str
    record_id: str
    title: str | None
    min_age: str | None
    max_age: str | None
    sex: str | None
    healthy_volunteers: bool | None
    criteria: tuple[tuple[str, int, str], ...]  # (INCLUSION | EXCLUSION, position, text)
    conditions: tuple[tuple[str, str], ...] = ()  # (curie, name) of the studied conditions, in the record's order


@dataclass
class ParsedTrial:
    trial: TrialInput
    criteria: list[Criterion] = field(default_factory=list)
    free_text: list[tuple[str, int, str]] = field(default_factory=list)
    problem: str | None = None  # a counted reason when the trial cannot be used


# --- numbers after a name: "≥ 7.0 %", "between 7 and 10.5%", "18-75", "of 0 or 1" ----------------------------------

_GE = (
    r"≥|>=|=>|≧|greater\s+than\s+or\s+equal\s+to|more\s+than\s+or\s+equal\s+to|at\s+least|no\s+less\s+than"
    r"|not\s+less\s+than|minimum\s+of"
)
_LE = (
    r"≤|<=|=<|≦|less\s+than\s+or\s+equal\s+to|at\s+most|no\s+more\s+than|not\s+more\s+than|no\s+greater\s+than"
    r"|not\s+(?:greater|higher)\s+than|not\s+exceeding|up\s+to|maximum\s+of"
)
_GT = r">|greater\s+than|more\s+than|higher\s+than|above|over|exceeding|in\s+excess\s+of|older\s+than"
_LT = r"<|less\s+than|lower\s+than|below|under|younger\s+than"
_COMPARATORS: dict[str, tuple[str, bool]] = {
    _GE: ("low", True),
    _LE: ("high", True),
    _GT: ("low", False),
    _LT: ("high", False),
}
_FILLER = (
    r"(?:\s*\([^)]{0,25}\))?"
    r"(?:[\s:=]*(?:levels?|values?|count|score|concentration|of|must|should|be|is|was|at\s+screening)\b)*[\s:=]*"
)
_DASH = r"(?:-|–|—|~|to)"


def _range_at(text: str, unit: str = "") -> tuple[Interval, int] | None:
    """The range written at the start of ``text`` and where it ends, or None."""
    between = re.match(rf"{_FILLER}(?:between|from)\s+{NUMBER}\s*(?:{unit})?\s*(?:and|{_DASH})\s*{NUMBER}", text, re.I)
    if between:
        return Interval(to_float(between.group(1)), to_float(between.group(2))), between.end()
    span = re.match(rf"{_FILLER}{NUMBER}\s*(?:{unit})?\s*{_DASH}\s*{NUMBER}", text, re.I)
    if span:
        return Interval(to_float(span.group(1)), to_float(span.group(2))), span.end()
    either = re.match(rf"{_FILLER}{NUMBER}(?:\s*,\s*{NUMBER})?\s*,?\s*or\s+{NUMBER}(?!\s*[.,]\d)", text, re.I)
    if either:
        values = [to_float(g) for g in either.groups() if g is not None]
        if all(v.is_integer() for v in values):
            return Interval(min(values), max(values)), either.end()
    for pattern, (side, inclusive) in _COMPARATORS.items():
        one = re.match(rf"{_FILLER}(?:{pattern})\s*{NUMBER}", text, re.I)
        if one:
            value = to_float(one.group(1))
            interval = (
                Interval(low=value, low_inclusive=inclusive)
                if side == "low"
                else Interval(high=value, high_inclusive=inclusive)
            )
            return interval, one.end()
    return None


_RELATIVE = re.compile(r"\s*(?:x|×|\*|times)?\s*(?:the\s+)?(?:ULN|upper\s+limit|institutional|LLN|lower\s+limit)", re.I)


def _measure_atoms(line: str, flip: bool) -> tuple[list[Atom], list[tuple[int, int]]]:
    """Lab and score atoms in one line, and the character spans of the names they came from."""
    atoms: list[Atom] = []
    spans: list[tuple[int, int]] = []
    for measure in MEASURES.values():
        for match in measure.regex().finditer(line):
            if any(s < match.end() and match.start() < e for s, e in spans):
                continue
            spans.append((match.start(), match.end()))
            atom = _measure_atom(measure, line[match.end() : match.end() + 80], flip)
            if atom is not None and all(a.key != atom.key for a in atoms):
                atoms.append(atom)
    return atoms, spans


def _measure_atom(measure: Measure, tail: str, flip: bool) -> Atom | None:
    unit_pattern = "|".join(f"(?:{u.pattern})" for u in measure.units)
    found = _range_at(tail, unit_pattern)
    if found is None:
        return None
    interval, end = found
    after = tail[end:]
    if _RELATIVE.match(after):
        return None  # "≤ 1.5 × ULN": relative to a laboratory's own limit, which a note cannot check
    bounds = [b for b in (interval.low, interval.high) if b is not None]
    written = next((u for u in measure.units if re.match(rf"\s*(?:{u.pattern})", after, re.I)), None)
    if (
        written is None
        and re.match(r"\s*[A-Za-zµμ/%]", after)
        and not re.match(r"\s*(?:and|or|in|at|for|on|with|the)\b", after, re.I)
    ):
        return None  # a unit this registry does not know: the value cannot be compared
    candidates = [written] if written is not None else list(measure.units)
    unit = next((u for u in candidates if all(u.low <= b <= u.high for b in bounds)), None)
    if unit is None:
        return None
    if flip:
        complement = interval.complement()
        if complement is None:
            return None
        interval = complement
    return Atom("measure", measure.key, measure.name, value=unit.unit, interval=interval)


# --- age ----------------------------------------------------------------------------------------------------------

_AGE_UNITS = {"year": 1.0, "month": 1 / 12, "week": 1 / 52, "day": 1 / 365}


def parse_age_field(text: str | None) -> float | None:
    """CT.gov's "18 Years", "6 Months" → years; None for none or an unreadable value."""
    if not text:
        return None
    match = re.match(r"\s*(\d+(?:\.\d+)?)\s*(year|month|week|day)s?\b", text, re.I)
    return float(match.group(1)) * _AGE_UNITS[match.group(2).lower()] if match else None


_AGE_KEYWORD = re.compile(r"\b(?:age[ds]?|aged)\b", re.I)
_AGE_SUFFIX = re.compile(
    rf"{NUMBER}\s*(?:years?|yrs?)(?:\s+of\s+age|\s+old)?\s+(?:(or|and)\s+(older|above|over|younger|less|under))", re.I
)


def _age_atom(line: str, flip: bool) -> Atom | None:
    interval: Interval | None = None
    keyword = _AGE_KEYWORD.search(line)
    if keyword:
        found = _range_at(line[keyword.end() : keyword.end() + 60])
        if found and re.match(r"\s*(?:years?|yrs?|\)|,|;|\.|$|and|or)", line[keyword.end() + found[1] :], re.I):
            interval = found[0]
    if interval is None:
        suffix = _AGE_SUFFIX.search(line)
        if suffix:
            value = to_float(suffix.group(1))
            upward = suffix.group(3).lower() in {"older", "above", "over"}
            interval = Interval(low=value) if upward else Interval(high=value)
    if interval is None:
        years_old = re.search(
            rf"(?:{_GE}|{_LE}|{_GT}|{_LT}|between)[^.;]{{0,20}}?(?:years?|yrs?)\s+(?:of\s+age|old)", line, re.I
        )
        if years_old:
            found = _range_at(line[years_old.start() :])
            interval = found[0] if found else None
    if interval is None or any(b is not None and not 0 <= b <= 120 for b in (interval.low, interval.high)):
        return None
    if flip:
        interval = interval.complement()
        if interval is None:
            return None
    return Atom("age", "age", "age", interval=interval)


# --- concepts -----------------------------------------------------------------------------------------------------

_SKIP_CONCEPTS = re.compile(r"allerg|hypersensitiv|intoleran|contraindicat|family\s+history|partner|spouse", re.I)
_CURRENT_USE = re.compile(
    r"(?:currently|stable\s+(?:dose|doses|regimen)\s+of|on|receiving|treated\s+with|taking|prescribed|using|use\s+of|therapy\s+with)\s+(?:\S+\s+){0,3}$",
    re.I,
)
_AS_MEASURED = re.compile(r"\s*(?:\(\w+\)\s*)?(?:levels?|concentrations?|values?|resistance|deficiency)\b", re.I)
_NOT_YET = re.compile(r"\b(?:start|initiat|naive|naïve|candidate|eligible\s+for|scheduled|planned|plan\s+to)", re.I)
CONCEPT_KINDS = {"C": "condition", "F": "condition", "D": "medication"}
_GENERIC = frozenset(
    {"syndrome", "disease", "diseases", "recurrence", "neoplasms", "emergencies", "death", "chronic disease", "pain",
     "pathologic processes", "disease progression", "infections", "inflammation", "wounds and injuries"}
)  # fmt: skip
"""Names too general to label a patient by: "radicular syndrome" does not make a patient have "Syndrome"."""
"""MeSH tree branch → what a mention of it is in a patient: a disease is a condition, a chemical a medication."""


def _concept_atoms(line: str, mentions: Iterable[Mention], skip: list[tuple[int, int]], inclusion: bool) -> list[Atom]:
    if _SKIP_CONCEPTS.search(line):
        return []  # "allergy to X", "family history of X": the patient need not have or take X
    atoms: list[Atom] = []
    for mention in mentions:
        if any(s < mention.end and mention.start < e for s, e in skip):
            continue  # the name of a lab ("haemoglobin") already read as a measure
        kind = next((CONCEPT_KINDS[t] for t in mention.types if t in CONCEPT_KINDS), None)
        if kind is None or mention.name.lower() in _GENERIC or any(a.key == mention.curie for a in atoms):
            continue
        if kind == "medication" and _AS_MEASURED.match(line[mention.end :]):
            continue  # "testosterone level < 200 ng/dL" is a lab value, not a medication
        negated = is_negated(line, mention.start)
        if kind == "medication" and inclusion and not negated:
            before = line[max(0, mention.start - 60) : mention.start]
            if not _CURRENT_USE.search(before) or _NOT_YET.search(line):
                continue  # "decision to start X" is not "takes X"
        present = inclusion != negated
        atoms.append(Atom("concept", mention.curie, mention.name, value=kind, present=present))
    return atoms


# --- a trial ------------------------------------------------------------------------------------------------------

_SEX_FIELD = {"FEMALE": "female", "MALE": "male", "F": "female", "M": "male"}


def _field_criteria(trial: TrialInput) -> list[Criterion]:
    out: list[Criterion] = []
    low, high = parse_age_field(trial.min_age), parse_age_field(trial.max_age)
    if low is not None or high is not None:
        text = " / ".join(
            f"{label} age {value}" for label, value in (("minimum", trial.min_age), ("maximum", trial.max_age)) if value
        )
        out.append(Criterion("field", None, text, (Atom("age", "age", "age", interval=Interval(low, high)),)))
    sex = _SEX_FIELD.get((trial.sex or "").upper())
    if sex:
        out.append(Criterion("field", None, f"sex {trial.sex}", (Atom("sex", "sex", "sex", value=sex),)))
    return out


def _line_atoms(kind: str, text: str, find_mentions: MentionFinder) -> list[Atom]:
    flip = kind == "exclusion"
    measures, spans = _measure_atoms(text, flip)
    atoms: list[Atom] = list(measures)
    age = _age_atom(text, flip)
    if age is not None:
        atoms.append(age)
    atoms.extend(_concept_atoms(text, find_mentions(text), spans, inclusion=not flip))
    return atoms


def parse_trial(trial: TrialInput, find_mentions: MentionFinder) -> ParsedTrial:
    """Structured criteria of one trial; ``problem`` says why none can label a patient.

    Concepts an exclusion forbids but another criterion requires ("episodic cluster headache" in a cluster
    headache trial) are qualifiers of the studied condition, not exclusions of it: those atoms are dropped.
    """
    parsed = ParsedTrial(trial)
    criteria = _field_criteria(trial)
    if trial.conditions and trial.healthy_volunteers is not True:
        curie, name = trial.conditions[0]
        atom = Atom("concept", curie, name, value="condition", present=True)
        criteria.append(Criterion("condition", None, f"condition studied: {name}", (atom,), primary=True))
    lines: list[tuple[str, int, str, list[Atom]]] = []
    for raw_kind, position, text in trial.criteria:
        kind = raw_kind.lower()
        lines.append(
            (kind, position, text, _line_atoms(kind, text, find_mentions) if kind in {"inclusion", "exclusion"} else [])
        )
    required = {a.key for c in criteria for a in c.atoms if a.fact == "concept" and a.present}
    required |= {a.key for *_, atoms in lines for a in atoms if a.fact == "concept" and a.present}
    for kind, position, text, atoms in lines:
        kept = tuple(a for a in atoms if not (a.fact == "concept" and not a.present and a.key in required))
        if kept:
            criteria.append(Criterion(kind, position, text, kept))  # type: ignore[arg-type]
        else:
            parsed.free_text.append((kind, position, text))
    parsed.criteria = _consistent(criteria)
    labelling = [c for c in parsed.criteria if c.kind != "field" or len(parsed.criteria) > 1]
    if not any(c.kind in {"inclusion", "exclusion", "condition"} for c in labelling):
        parsed.problem = "no parseable criteria"
    elif _satisfiable(parsed.criteria) is False:
        parsed.problem = "contradictory criteria"
    return parsed


def _consistent(criteria: list[Criterion]) -> list[Criterion]:
    """Measure atoms of one lab in different units cannot be met by one stated value: the later one is dropped."""
    units: dict[str, str] = {}
    out: list[Criterion] = []
    for criterion in criteria:
        atoms = []
        for atom in criterion.atoms:
            if atom.fact == "measure" and units.setdefault(atom.key, atom.value or "") != atom.value:
                continue
            atoms.append(atom)
        if atoms:
            out.append(Criterion(criterion.kind, criterion.index, criterion.text, tuple(atoms), criterion.primary))
    return out


def _satisfiable(criteria: Sequence[Criterion]) -> bool:
    """Whether one patient can meet every criterion: ranges of each fact intersect, no concept both ways."""
    ranges: dict[str, Interval] = {}
    presence: dict[str, set[bool]] = {}
    sexes: set[str] = set()
    for criterion in criteria:
        for atom in criterion.atoms:
            if atom.interval is not None:
                ranges[atom.key] = ranges.get(atom.key, Interval()).intersect(atom.interval)
            if atom.fact == "concept":
                presence.setdefault(atom.key, set()).add(bool(atom.present))
            if atom.fact == "sex" and atom.value:
                sexes.add(atom.value)
    empty = any(
        r.low is not None
        and r.high is not None
        and (r.low > r.high or (r.low == r.high and not (r.low_inclusive and r.high_inclusive)))
        for r in ranges.values()
    )
    return not empty and len(sexes) <= 1 and all(len(v) == 1 for v in presence.values())
