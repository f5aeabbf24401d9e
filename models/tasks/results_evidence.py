"""Evidence summarisation from posted CT.gov results: what a registered statistical comparison shows.

Evidence Inference asks what an article's sentence shows; here the evidence is the registry's own results
section. An outcome measure's statistical analysis compares two groups; the question names the outcome, the
two groups and the measure (never the values or the p-value), and asks what the analysis found for the first
group relative to the second, with Evidence Inference's three labels. The gold follows from what the registry
states, by a fixed rule:

- significant when the stated p-value is below 0.05 (``p = 0.03``, ``p < 0.001``, ``p < 0.05``); not significant
  when it is 0.05 or more (``p = 0.05``, ``p = 0.4``, ``p > 0.05``); a bound that does not decide it (``p < 0.1``,
  ``p <= 0.05``) leaves the analysis out;
- the direction is the sign of the two groups' measured values (first group minus second), as posted for the
  outcome; equal values with a significant p-value are left out (the comparison is of something else);
- left out, with a counted reason: non-inferiority and equivalence tests, by type or by legacy XML's bare
  ``<non_inferiority>Yes</non_inferiority>`` (a p-value there tests another hypothesis), analyses of more or
  fewer than two groups, measures with several categories or classes (which value is compared is not stated),
  values that are no number ("NaN", "0,5"), no p-value.

One item per qualifying analysis. The split is by trial (twin groups kept together) but by a hash of the group,
not by registration date as the other trial tasks: trials post results years after they register, so every
trial with posted results falls before the date cut (353 training items and no test item on the shared v2
studies). The hash takes no seed, so builds with different seeds share their test trials. A prompt's graph
context is still made of the date split's training trials, without their result publications, so no prompt
shows any trial's results. Option order is a seeded shuffle.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from trialgraph.models.tasks.evidence import LABELS  # Evidence Inference's three labels
from trialgraph.models.tasks.items import BuildResult, TaskItem
from trialgraph.models.tasks.splits import TEST_SHARE, VALIDATION_SHARE, Split

__all__ = ["TASK", "GroupShown", "ResultComparison", "build_results_evidence", "comparison_label", "results_side"]

TASK = "results_evidence"
ALPHA = 0.05
MAX_TEXT = 400
_OTHER_HYPOTHESES = ("NON_INFERIORITY", "EQUIVALENCE")  # in CT.gov's enum names (…_OR_EQUIVALENCE, …_LEGACY)
_WHOLE_OR_DECIMAL = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")  # "1,200.5" yes; "0,5", "NaN" no


@dataclass(frozen=True, slots=True)
class GroupShown:
    """A results group as the question shows it: its title and description (never its values)."""

    title: str
    description: str | None
    value: str | None  # the posted value for this analysis's outcome: read by the label, never shown


@dataclass(frozen=True, slots=True)
class ResultComparison:
    """One statistical analysis of an outcome measure, with what the question may show and the label needs."""

    trial_id: str
    key: str  # the analysis node's key: stable across builds
    trial_title: str | None
    conditions: tuple[str, ...]
    outcome_kind: str | None  # PRIMARY, SECONDARY, OTHER
    outcome_title: str
    outcome_description: str | None
    time_frame: str | None
    param_type: str | None  # the measure's (MEAN, MEDIAN, COUNT_OF_PARTICIPANTS...)
    units: str | None
    groups: tuple[GroupShown, ...]  # in the analysis's order
    categories: int  # measure values per group: 1 when the measure has one class and one category
    p_value: float | None
    p_modifier: str | None
    non_inferiority_type: str | None
    tested_non_inferiority: bool | None = None  # legacy XML's <non_inferiority>Yes</non_inferiority>, with no type
    outcome_position: int | None = None  # the measure's place in the record's results, and the analysis's in it
    analysis_position: int | None = None


def comparison_label(c: ResultComparison) -> tuple[str | None, str | None]:
    """(label, None), or (None, why the analysis is left out)."""
    if c.tested_non_inferiority or any(kind in (c.non_inferiority_type or "").upper() for kind in _OTHER_HYPOTHESES):
        return None, "a non-inferiority or equivalence test"
    if len(c.groups) != 2:
        return None, "an analysis of other than two groups"
    if c.categories != 1:
        return None, "a measure with several categories or classes"
    if c.p_value is None:
        return None, "no p-value"
    first, second = (_number(g.value) for g in c.groups)
    if first is None or second is None:
        return None, "a group's value is no number"
    significant = _significant(c.p_value, (c.p_modifier or "").strip())
    if significant is None:
        return None, "a p-value bound that does not decide significance at 0.05"
    if not significant:
        return "no significant difference", None
    if first == second:
        return None, "equal values with a significant p-value"
    return ("significantly increased" if first > second else "significantly decreased"), None


def _number(text: str | None) -> float | None:
    """A posted value as a number: digits, thousands commas and a decimal point only ("NaN", "0,5" are not)."""
    written = (text or "").strip()
    return float(written.replace(",", "")) if _WHOLE_OR_DECIMAL.match(written) else None


def _significant(p: float, modifier: str) -> bool | None:
    """Whether p < 0.05 as the registry states p: exactly, or as a bound (None where the bound does not say)."""
    if modifier in ("", "="):
        return p < ALPHA
    if modifier == "<":  # p < bound: below 0.05 when the bound is at most 0.05
        return True if p <= ALPHA else None
    if modifier == "<=":
        return True if p < ALPHA else None
    if modifier == ">=":  # p >= bound: not below 0.05 when the bound is at least 0.05
        return False if p >= ALPHA else None
    if modifier == ">":
        return False if p >= ALPHA else None
    return None


def _cut(text: str | None, limit: int = MAX_TEXT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _group_line(name: str, group: GroupShown) -> str:
    description = _cut(group.description, 300)
    return f"{name}: {_cut(group.title, 120)}" + (f" ({description})" if description else "")


def _question(c: ResultComparison) -> str:
    measure = ", ".join(x for x in (c.param_type and c.param_type.replace("_", " ").lower(), c.units) if x)
    optional = [
        ("Conditions", _cut("; ".join(c.conditions), 200)),
        ("Description", _cut(c.outcome_description)),
        ("Time frame", _cut(c.time_frame, 200)),
        ("Measure", measure),
    ]
    lines = [
        f"Trial: {_cut(c.trial_title, 300)}",
        f"Outcome ({(c.outcome_kind or 'registered').lower()}): {_cut(c.outcome_title, 300)}",
        *(f"{name}: {text}" for name, text in optional if text),
        _group_line("First group", c.groups[0]),
        _group_line("Second group", c.groups[1]),
        "",
        "The registry posts a statistical analysis comparing these two groups on this outcome. At the 0.05 level, "
        "what did it find for the first group relative to the second?",
    ]
    return "\n".join(lines)


def results_side(group: str) -> str:
    """train, validation or test for a trial's twin group, in the trial splits' shares."""
    bucket = int(hashlib.sha256(f"results-evidence-split\x1f{group}".encode()).hexdigest()[:12], 16) / 16**12
    if bucket < TEST_SHARE:
        return "test"
    return "validation" if bucket < TEST_SHARE + VALIDATION_SHARE else "train"


def build_results_evidence(
    comparisons: Mapping[str, Sequence[ResultComparison]], split: Split, seed: int
) -> BuildResult:
    """One item per analysis the rule labels; every other analysis is a counted reason."""
    result = BuildResult()
    for trial_id in sorted(comparisons):
        side = results_side(split.group_of(trial_id)) if split.of(trial_id) is not None else None
        for c in comparisons[trial_id]:
            if side is None:
                result.skipped["trial without a registration date"] += 1
                continue
            label, why = comparison_label(c)
            if label is None:
                result.skipped[why or "unlabelled"] += 1
                continue
            order = list(LABELS)
            digest = hashlib.sha256(f"{seed}\x1f{TASK}\x1f{c.key}".encode()).digest()
            random.Random(int.from_bytes(digest[:8], "big")).shuffle(order)
            options = dict(zip("ABC", order, strict=True))
            letter = "ABC"[order.index(label)]
            record = {
                "id": f"{TASK}:{c.key}",
                "question": _question(c),
                "options": options,
                "answer": letter,
                "metadata": {
                    "trial_id": trial_id,
                    "analysis": c.key,
                    "outcome_position": c.outcome_position,
                    "analysis_position": c.analysis_position,
                    "label": label,
                    "source": "CT.gov posted results (outcome measure analysis)",
                },
            }
            query = f"{c.trial_title or ''} {c.outcome_title}"
            result.items.append(TaskItem(record["id"], TASK, trial_id, side, record, letter, query))
    return result
