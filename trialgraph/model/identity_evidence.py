"""How much two registry records agree that they describe one trial: per-signal agreement and a combined score.

Pure: two :class:`RecordFacts` in, an :class:`Agreement` out. A registry's statement that two ids are one trial
(a record's claim, a curated pair) is usually right, but curated tables carry wrong rows and a cross-registration
pipeline proposes pairs no registry states. When both records are loaded, what they say about themselves weighs
the statement: title (the best single discriminator in the record-linkage literature), sponsor, start date,
enrollment and conditions.

Each signal gives an agreement in [0, 1] or nothing when either side lacks it; a missing signal is never
counted as disagreement. The score is the weighted mean of the signals present; the title weighs as much as all
the others together and a half (5 of 8.5), so that a pair whose titles share nothing stays below ``CONFLICT`` even
when sponsor, dates, enrollment and conditions all agree (an extension study of the same sponsor is the typical
wrong cross-registration). Thresholds were set a priori from what cross-registered records are known to differ in
(EU records give EU-only enrollment and the date of the authority's decision; CT.gov gives a brief title where EU
CTR gives the full one; unrelated titles share 3-grams up to a cosine of about 0.3), then looked at only on COVID-19
EudraCT/NCT pairs of the cross-registration pipeline in the ICTRP COVID export (not pairs of the gold tables that
``trialgraph eval identity`` reports on):

- ``APPLY`` (0.6): a stated pair at or above it is applied;
- ``CONFLICT`` (0.45): a stated pair below it, whose titles were compared, is not applied and is flagged with the
  signals that disagree; between the two a stated pair is applied as before (the registry said so) and marked
  ``weak``;
- ``JOIN`` (0.8, title agreement ≥ 0.8, three signals or more, at most one of them below 0.5): a pipeline candidate
  that no registry states joins only then. Distinct trials with one title (national arms of a platform trial) can
  pass it; the registry clash check of ``resolve`` still keeps two records of one registry apart.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from trialgraph.model.study import StudyRecord

__all__ = [
    "APPLY",
    "CONFLICT",
    "JOIN",
    "METHOD",
    "Agreement",
    "RecordFacts",
    "Signal",
    "agreement",
    "decide",
    "title_similarity",
]

METHOD = "evidence-v1"  # written on every edge this module weighed, with the score and the signals
APPLY = 0.6
CONFLICT = 0.45
JOIN = 0.8
JOIN_MIN_TITLE = 0.8
JOIN_MIN_SIGNALS = 3
JOIN_MAX_WEAK = 1  # signals below 0.5 a joined candidate may have


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """What one registry record says about itself, as far as identity is concerned."""

    record_id: str
    brief_title: str | None = None
    official_title: str | None = None
    sponsors: tuple[str, ...] = ()
    start_date: str | None = None  # ISO, YYYY-MM-DD or YYYY-MM
    enrollment: int | None = None
    conditions: tuple[str, ...] = ()

    @classmethod
    def of(cls, record: StudyRecord, record_id: str) -> RecordFacts:
        """The facts of a parsed record, as ``read/record_identity_facts`` reads them from the graph."""
        sponsors = tuple(sorted(s.name for s in record.sponsors))
        return cls(
            record_id,
            record.brief_title,
            record.official_title,
            sponsors,
            record.start_date,
            record.enrollment,
            tuple(sorted(record.conditions)),
        )


@dataclass(frozen=True, slots=True)
class Signal:
    name: str
    agreement: float  # 0: disagree, 1: agree
    detail: str  # what was compared, for the flag's reason

    def label(self) -> str:
        return f"{self.name}={self.agreement:.2f}"


@dataclass(frozen=True, slots=True)
class Agreement:
    """The signals both records had, and their weighted mean (None when they share no signal)."""

    record_a: str
    record_b: str
    signals: tuple[Signal, ...]
    score: float | None

    def signal(self, name: str) -> Signal | None:
        return next((s for s in self.signals if s.name == name), None)

    def reason(self) -> str:
        """The disagreeing signals, worst first: why a pair is flagged."""
        bad = sorted((s for s in self.signals if s.agreement < 0.5), key=lambda s: s.agreement)
        return "; ".join(f"{s.name} {s.agreement:.2f} ({s.detail})" for s in bad) or "low overall agreement"


_STOP = frozenset(
    re.findall(
        r"\w+",
        "a an the of in and or for to with on at by from vs versus study trial clinical phase randomised randomized "
        "controlled multicentre multicenter open label double blind placebo patients subjects participants",
    )
)
_NON_WORD = re.compile(r"[^\w]+")
_LEGAL = frozenset(
    re.findall(r"\w+", "inc ltd llc gmbh ag co kg sa srl spa bv nv plc corp corporation company limited the")
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _tokens(text: str, drop: frozenset[str]) -> list[str]:
    return [t for t in _NON_WORD.sub(" ", _fold(text)).split() if t not in drop and t != "_"]


def _latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isascii() for c in letters) / len(letters) >= 0.8


def _grams(tokens: list[str]) -> Counter[str]:
    padded = f" {' '.join(tokens)} "
    return Counter(padded[i : i + 3] for i in range(len(padded) - 2))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def title_similarity(a: str, b: str) -> float:
    """Character-3-gram cosine of the two titles after case, accent, punctuation and stop-word folding."""
    return _cosine(_grams(_tokens(a, _STOP)), _grams(_tokens(b, _STOP)))


def _ramp(value: float, low: float, high: float) -> float:
    """0 at or below ``low``, 1 at or above ``high``, linear between."""
    return min(1.0, max(0.0, (value - low) / (high - low)))


def _comparable(text: str | None) -> str | None:
    return text if text and _latin(text) else None  # another script (or none): not comparable by 3-grams


def _title(a: RecordFacts, b: RecordFacts) -> Signal | None:
    """Like with like: the mean of brief×brief and official×official; across kinds only when that is all there is.

    Official titles of one sponsor's trials share long boilerplate ("a prospective, randomized, interventional
    study to ... in improving oxygenation and outcome of COVID-19 patients with ..."), so the best of all pairs
    would call two of its trials one; the brief titles tell them apart.
    """
    left = (_comparable(a.brief_title), _comparable(a.official_title))
    right = (_comparable(b.brief_title), _comparable(b.official_title))
    like = [(x, y) for x, y in zip(left, right, strict=True) if x and y]
    pairs = like or [(x, y) for x in left for y in right if x and y]
    if not pairs:
        return None
    values = [title_similarity(x, y) for x, y in pairs]
    value = sum(values) / len(values) if like else max(values)
    x, y = pairs[0]
    # Unrelated trial titles share 3-grams up to ~0.3; one trial's titles in two registries reach 0.6 and more.
    return Signal("title", _ramp(value, 0.3, 0.6), f"cosine {value:.2f}: {x[:60]!r} / {y[:60]!r}")


def _sponsor(a: RecordFacts, b: RecordFacts) -> Signal | None:
    left = [_grams(_tokens(s, _LEGAL)) for s in a.sponsors]
    right = [_grams(_tokens(s, _LEGAL)) for s in b.sponsors]
    left, right = [g for g in left if g], [g for g in right if g]
    if not left or not right:
        return None
    best = max(_cosine(x, y) for x in left for y in right)
    names = f"{a.sponsors[0][:40]!r} / {b.sponsors[0][:40]!r}"
    return Signal("sponsor", _ramp(best, 0.2, 0.6), f"cosine {best:.2f}: {names}")


def _day(value: str) -> date | None:
    parts = value.split("-")
    try:
        return date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 7, int(parts[2]) if len(parts) > 2 else 15)
    except (ValueError, IndexError):
        return None


def _start(a: RecordFacts, b: RecordFacts) -> Signal | None:
    left, right = _day(a.start_date or ""), _day(b.start_date or "")
    if left is None or right is None:
        return None
    days = abs((left - right).days)
    # Registries date a start differently (authority decision, first patient in): half a year is agreement.
    return Signal("start_date", 1.0 - _ramp(days, 183, 3 * 365), f"{a.start_date} / {b.start_date}")


def _enrollment(a: RecordFacts, b: RecordFacts) -> Signal | None:
    if not a.enrollment or not b.enrollment or a.enrollment < 0 or b.enrollment < 0:
        return None
    ratio = min(a.enrollment, b.enrollment) / max(a.enrollment, b.enrollment)
    # An EU record counts EU participants only, an estimate becomes an actual: a ratio of 1/2 still agrees.
    return Signal("enrollment", _ramp(ratio, 0.1, 0.5), f"{a.enrollment} / {b.enrollment}")


def _conditions(a: RecordFacts, b: RecordFacts) -> Signal | None:
    left = {t for c in a.conditions for t in _tokens(c, _STOP) if len(t) > 2}
    right = {t for c in b.conditions for t in _tokens(c, _STOP) if len(t) > 2}
    if not left or not right:
        return None
    overlap = len(left & right) / min(len(left), len(right))
    return Signal("conditions", _ramp(overlap, 0.0, 0.5), f"{len(left & right)} shared words")


# name → (comparison, weight). The title weighs most; enrollment least (EU-only counts).
_SIGNALS: dict[str, tuple[Callable[[RecordFacts, RecordFacts], Signal | None], float]] = {
    "title": (_title, 5.0),
    "sponsor": (_sponsor, 1.0),
    "start_date": (_start, 1.0),
    "enrollment": (_enrollment, 0.5),
    "conditions": (_conditions, 1.0),
}


def agreement(a: RecordFacts, b: RecordFacts) -> Agreement:
    """Every signal both records have, and their weighted mean; missing signals weigh nothing."""
    signals = [(signal, weight) for compare, weight in _SIGNALS.values() if (signal := compare(a, b)) is not None]
    total = sum(w for _, w in signals)
    score = round(sum(s.agreement * w for s, w in signals) / total, 4) if total else None
    return Agreement(a.record_id, b.record_id, tuple(s for s, _ in signals), score)


def decide(best: Agreement | None, *, stated: bool) -> str:
    """What resolution does with a pair given its best-agreeing records: ``applied``, ``conflict``, ``joined``,
    ``weak`` (stated, applied, between the thresholds), ``unscored`` (stated, a side not loaded or no shared
    signal: applied as before) or ``candidate`` (not stated and not strong enough: left apart)."""
    if best is None or best.score is None:
        return "unscored" if stated else "candidate"
    if stated:
        if best.score >= APPLY:
            return "applied"
        return "conflict" if best.score < CONFLICT and best.signal("title") is not None else "weak"
    title = best.signal("title")
    weak = sum(1 for s in best.signals if s.agreement < 0.5)
    strong = best.score >= JOIN and len(best.signals) >= JOIN_MIN_SIGNALS and weak <= JOIN_MAX_WEAK
    return "joined" if strong and title is not None and title.agreement >= JOIN_MIN_TITLE else "candidate"
