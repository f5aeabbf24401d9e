"""What a task builder knows about one trial: the facts of its first record (CT.gov first), read from the graph.

A plain frozen dataclass so that builders are pure functions of facts, testable without Neo4j, and so that a
builder can never reach a fact the graph reader did not hand it (the answer of another split, for instance).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = ["Arm", "Endpoint", "TrialFacts", "earliest_day", "latest_day_of"]

_DAY = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def latest_day_of(value: str | None) -> str | None:
    """``2020-03-05`` as is; a partial date as its last possible day (``2020-03`` → ``2020-03-31``, ``2020`` →
    ``2020-12-31``), so that a trial known only by month is never placed before a day in that month; anything
    else (``N/A``, free text) is ``None``: undated, not sorted among dates as text."""
    match = _DAY.match((value or "").strip())
    if not match:
        return None
    year, month, day = match.groups()
    try:
        if day:
            return date(int(year), int(month), int(day)).isoformat()
        if month:
            return date(int(year), int(month), calendar.monthrange(int(year), int(month))[1]).isoformat()
        return f"{year}-12-31"
    except ValueError:
        return None


def earliest_day(values: Sequence[str | None]) -> str | None:
    days = [d for d in (latest_day_of(v) for v in values) if d]
    return min(days) if days else None


@dataclass(frozen=True, slots=True)
class Arm:
    label: str
    type: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Endpoint:
    measure: str
    time_frame: str | None = None


@dataclass(frozen=True, slots=True)
class TrialFacts:
    """One trial as the task builders see it. ``status`` is upper-case with underscores (``COMPLETED``)."""

    trial_id: str
    record_ids: tuple[str, ...] = ()
    nct_id: str | None = None
    registration_date: str | None = None
    title: str | None = None
    official_title: str | None = None
    study_type: str | None = None
    phase: str | None = None
    allocation: str | None = None
    intervention_model: str | None = None
    observational_model: str | None = None
    primary_purpose: str | None = None
    time_perspective: str | None = None
    masking: str | None = None
    number_of_arms: int | None = None
    status: str | None = None
    why_stopped: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None
    conditions: tuple[str, ...] = ()
    condition_mesh: tuple[str, ...] = ()
    condition_mesh_ancestors: tuple[str, ...] = ()  # the MeSH ancestors NLM added to the record's condition terms
    arms: tuple[Arm, ...] = ()
    interventions: tuple[str, ...] = ()
    eligibility_text: str | None = None
    min_age: str | None = None
    max_age: str | None = None
    sex: str | None = None
    healthy_volunteers: bool | None = None
    inclusion: tuple[str, ...] = ()
    exclusion: tuple[str, ...] = ()
    primary_endpoints: tuple[Endpoint, ...] = ()
    twins: tuple[str, ...] = field(default=())

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> TrialFacts:
        """From one row of ``read/task_trial_facts``."""
        status = row.get("status")
        return cls(
            trial_id=row["trial_id"],
            record_ids=tuple(row.get("record_ids") or ()),
            nct_id=row.get("nct_id"),
            registration_date=earliest_day(row.get("registration_dates") or [row.get("registration_date")]),
            title=row.get("title"),
            official_title=row.get("official_title"),
            study_type=row.get("study_type"),
            phase=row.get("phase"),
            allocation=row.get("allocation"),
            intervention_model=row.get("intervention_model"),
            observational_model=row.get("observational_model"),
            primary_purpose=row.get("primary_purpose"),
            time_perspective=row.get("time_perspective"),
            masking=row.get("masking"),
            number_of_arms=row.get("number_of_arms"),
            status=status.strip().upper().replace(" ", "_").replace(",", "") if status else None,
            why_stopped=row.get("why_stopped"),
            enrollment=row.get("enrollment"),
            enrollment_type=row.get("enrollment_type"),
            conditions=tuple(c for c in row.get("conditions") or () if c),
            condition_mesh=tuple(c for c in row.get("condition_mesh") or () if c),
            condition_mesh_ancestors=tuple(c for c in row.get("condition_mesh_ancestors") or () if c),
            arms=tuple(
                Arm(a["label"], a.get("type"), a.get("description")) for a in row.get("arms") or () if a and a["label"]
            ),
            interventions=tuple(i["name"] for i in row.get("interventions") or () if i and i.get("name")),
            eligibility_text=row.get("eligibility_text"),
            min_age=row.get("min_age"),
            max_age=row.get("max_age"),
            sex=row.get("sex"),
            healthy_volunteers=row.get("healthy_volunteers"),
            inclusion=tuple(x for x in row.get("inclusion") or () if x),
            exclusion=tuple(x for x in row.get("exclusion") or () if x),
            primary_endpoints=tuple(
                Endpoint(e["measure"], e.get("time_frame"))
                for e in row.get("primary_endpoints") or ()
                if e and e.get("measure")
            ),
        )
