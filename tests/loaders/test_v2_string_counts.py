"""API v2 counts written as strings: read as the number would be, and bounded to Neo4j's 64-bit integers.

v2 writes some counts as numeric strings ("78"). A negative one ("-5") rejected the whole record while the same
count as a JSON number loaded; a count past 2**63 - 1 would have failed the driver in the middle of a batch.
A string that is no count, or a count past 64 bits, is left out of the record and named as a field issue.
"""

from __future__ import annotations

import copy
import gzip
from typing import Any

import orjson
import pytest

from tests.data import shared
from trialgraph.errors import ParseError
from trialgraph.loaders.ctgov.v2 import parse_study


@pytest.fixture(scope="module")
def with_flow() -> dict[str, Any]:
    """The first real shared v2 study whose participant flow has an achievement."""
    with gzip.open(shared("ctgov/v2/studies.jsonl.gz"), "rb") as fh:
        for line in fh:
            raw = orjson.loads(line)
            flow = raw.get("resultsSection", {}).get("participantFlowModule", {})
            if any(m.get("achievements") for p in flow.get("periods", []) for m in p.get("milestones", [])):
                return raw
    raise AssertionError("no shared v2 study with a participant flow")


def _with_first_count(raw: dict[str, Any], value: object) -> dict[str, Any]:
    changed = copy.deepcopy(raw)
    periods = changed["resultsSection"]["participantFlowModule"]["periods"]
    first = next(m["achievements"][0] for p in periods for m in p["milestones"] if m.get("achievements"))
    first["numSubjects"] = value
    return changed


@pytest.mark.parametrize(
    ("value", "count"), [("-5", -5), (-5, -5), (" 12 ", 12), ("0", 0), (str(2**63 - 1), 2**63 - 1), ("NA", None)]
)
def test_a_string_count_reads_as_the_number_would(with_flow: dict[str, Any], value: object, count: int | None) -> None:
    record = parse_study(_with_first_count(with_flow, value))
    assert record.results is not None and record.results.flow[0].count == count


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (str(2**63), "9223372036854775808 is past the graph's 64-bit integers"),
        (2**63, "9223372036854775808 is past the graph's 64-bit integers"),
        (10**40, "100000000000... (41 digits) is past the graph's 64-bit integers"),
        (-(2**63) - 1, "-9223372036854775809 is negative"),
        (str(-(2**63) - 1), "-9223372036854775809 is negative"),
    ],
)
def test_a_count_past_64_bits_is_left_out_and_named(with_flow: dict[str, Any], value: object, problem: str) -> None:
    """The record loads without the count (the driver would fail its whole batch on it); the line says which."""
    record = parse_study(_with_first_count(with_flow, value))
    assert record.results is not None and record.results.flow[0].count is None
    field = "participantFlowModule.periods[].milestones[].achievements[].numSubjects"
    assert getattr(record, "issues", ()) == (f"{field} {problem}; stored without it",)


@pytest.mark.parametrize("value", ["-", "--5", "5-", "1e3", "١٢", "abc"])
def test_a_string_that_is_no_count_is_left_out_and_named(with_flow: dict[str, Any], value: str) -> None:
    record = parse_study(_with_first_count(with_flow, value))
    assert record.results is not None and record.results.flow[0].count is None
    (line,) = getattr(record, "issues", ())
    assert line.endswith(f"numSubjects {value!r} is not a count; stored without it")


@pytest.mark.parametrize("value", [12.5, float("nan")])
def test_a_number_that_is_no_whole_count_is_left_out_and_named(with_flow: dict[str, Any], value: float) -> None:
    record = parse_study(_with_first_count(with_flow, value))
    assert record.results is not None and record.results.flow[0].count is None
    (line,) = getattr(record, "issues", ())
    assert line.endswith(f"numSubjects {value!r} is not a whole count; stored without it")


def test_a_count_of_another_json_type_refuses_the_record(with_flow: dict[str, Any]) -> None:
    with pytest.raises(ParseError, match=r"numSubjects: expected a 64-bit integer"):
        parse_study(_with_first_count(with_flow, {"value": 5}))


def test_a_clean_record_carries_no_issues(with_flow: dict[str, Any]) -> None:
    assert not hasattr(parse_study(with_flow), "issues")  # the plain record: its content hash is unchanged
