"""API v2 counts written as strings: read as the number would be, and bounded to Neo4j's 64-bit integers.

v2 writes some counts as numeric strings ("78"). A negative one ("-5") rejected the whole record while the same
count as a JSON number loaded; a count past 2**63 - 1 would have failed the driver in the middle of a batch.
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


@pytest.mark.parametrize("value", [str(2**63), 2**63, -(2**63) - 1, str(-(2**63) - 1)])
def test_a_count_past_64_bits_is_refused_with_its_field(with_flow: dict[str, Any], value: object) -> None:
    with pytest.raises(ParseError, match=r"numSubjects: expected a 64-bit integer"):
        parse_study(_with_first_count(with_flow, value))


@pytest.mark.parametrize("value", ["-", "--5", "5-", "1e3", "١٢"])
def test_a_string_that_is_no_count_is_refused_with_its_field(with_flow: dict[str, Any], value: str) -> None:
    with pytest.raises(ParseError, match=r"numSubjects: not a count"):
        parse_study(_with_first_count(with_flow, value))
