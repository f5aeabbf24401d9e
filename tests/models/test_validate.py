"""Field checks before versioning: impossible dates and negative counts are dropped and reported."""

from __future__ import annotations

import dataclasses

import pytest

from trialgraph.model.people import LargeDocument
from trialgraph.model.rows import content_hash
from trialgraph.model.study import Design, StudyDetails, StudyRecord
from trialgraph.model.validate import check_study, is_calendar_date, study_version


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-02-28", True),
        ("2024-02-29", True),
        ("2023-02-29", False),
        ("2023-02-30", False),
        ("2023-13", False),
        ("2023-00", False),
        ("2023-06", True),
        ("2023", True),
        ("February 30, 2023", False),
        ("2023-6-1", False),
    ],
)
def test_calendar_dates(value: str, expected: bool) -> None:
    assert is_calendar_date(value) is expected


def _record(**changes: object) -> StudyRecord:
    base = StudyRecord(source_format="ctgov-v2", registry_id="NCT00000001", brief_title="t")  # type: ignore[call-arg]
    return dataclasses.replace(base, **changes)


def test_impossible_values_are_dropped_with_one_line_each_and_the_version_falls_back() -> None:
    details = StudyDetails(last_update_submitted_date="2023-03-01", status_verified_date="2023-02-31")
    record = _record(last_update_date="2023-02-30", start_date="2020-05", enrollment=-5, details=details)
    checked, issues = check_study(record)
    assert checked.last_update_date is None and checked.start_date == "2020-05" and checked.enrollment is None
    assert checked.details is not None and checked.details.status_verified_date is None
    assert checked.details.last_update_submitted_date == "2023-03-01"
    assert issues == (
        "last_update_date '2023-02-30' is not a calendar date; stored without it",
        "details.status_verified_date '2023-02-31' is not a calendar date; stored without it",
        "enrollment -5 is negative; stored without it",
    )
    assert study_version(checked) == "2023-03-01"
    clean = _record(last_update_date="2023-02-28", enrollment=0)
    assert check_study(clean) == (clean, ())
    assert study_version(clean) == "2023-02-28"


def test_counts_no_graph_integer_can_hold_are_dropped_like_negative_ones() -> None:
    """A 23-digit count used to reach the content hash (orjson refuses past 64 bits) and end the load."""
    huge = 10**22
    record = _record(
        enrollment=huge,
        design=Design(number_of_arms=2**63),
        large_documents=(LargeDocument(size=-1), LargeDocument(size=2**63 - 1)),
    )
    checked, issues = check_study(record)
    assert checked.enrollment is None and checked.design is not None and checked.design.number_of_arms is None
    assert [d.size for d in checked.large_documents] == [None, 2**63 - 1]
    assert issues == (
        "enrollment 100000000000... (23 digits) is past the graph's 64-bit integers; stored without it",
        "design.number_of_arms 9223372036854775808 is past the graph's 64-bit integers; stored without it",
        "large_documents[0].size -1 is negative; stored without it",
    )
    content_hash(checked)  # serialises now
    with pytest.raises(TypeError):
        content_hash(record)
    assert check_study(_record(enrollment=2**63 - 1, design=Design(number_of_arms=0)))[1] == ()
