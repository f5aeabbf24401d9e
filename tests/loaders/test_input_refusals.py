"""Inputs refused for what they are, each with the true reason (issue 18): no database needed.

A symlink loop was reported as "no such file" (``Path.exists`` is False for it), which sends a user looking for
a typo; a zero-byte file was a record-level reject, so a load of it alone exited 0; a negative v2 enrollment
rejected its whole record where a field issue (the record loads without the value) is what every other loader
gives. The CLI side of each is in ``tests/test_malformed_corpus.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.data import shared
from trialgraph.errors import SourceError
from trialgraph.loaders.base import discover
from trialgraph.loaders.ctgov.v2 import parse_study
from trialgraph.loaders.files import check_input, iter_inputs
from trialgraph.model.staged import Quarantined, Staged
from trialgraph.model.validate import check_study


def test_a_symlink_loop_is_named_as_one(tmp_path: Path) -> None:
    (tmp_path / "a.json").symlink_to(tmp_path / "b.json")
    (tmp_path / "b.json").symlink_to(tmp_path / "a.json")
    with pytest.raises(SourceError, match=r"^symlink loop: .*a\.json") as caught:
        check_input(tmp_path / "a.json")
    assert "\n" not in str(caught.value)


def test_a_missing_path_is_still_no_such_file(tmp_path: Path) -> None:
    (tmp_path / "dangling.json").symlink_to(tmp_path / "gone.json")  # a broken link: its target is missing
    for path in (tmp_path / "absent.json", tmp_path / "dangling.json"):
        with pytest.raises(SourceError, match=r"^no such file or folder: "):
            check_input(path)


def test_a_zero_byte_file_is_quarantined_as_a_whole_file(tmp_path: Path) -> None:
    """Whole-file, so the load is partial and exits non-zero, as for any other unreadable file."""
    empty = tmp_path / "NCT00000410.json"
    empty.write_bytes(b"")
    assert list(iter_inputs([empty], {".json": None}, in_folders="data")) == [
        Quarantined(str(empty), "empty file", whole_file=True)
    ]


def test_a_negative_v2_enrollment_is_a_field_issue_and_the_record_loads(tmp_path: Path) -> None:
    study = json.loads(shared("ctgov/v2/aact/NCT03475563.json").read_text(encoding="utf-8"))
    study["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = -5
    path = tmp_path / "NCT03475563.json"
    path.write_text(json.dumps(study), encoding="utf-8")
    [item] = discover().create("ctgov").read([path], load_run="test")
    assert isinstance(item, Staged), item
    assert item.issues == ("enrollment -5 is negative; stored without it",)
    [record] = item.rows["merge_records"]
    assert record["props"]["enrollment"] is None and record["props"]["enrollment_type"] == "ESTIMATED"


@pytest.mark.parametrize(
    ("count", "problem"),
    [
        (10**30, "100000000000... (31 digits) is past the graph's 64-bit integers"),
        (-(10**30), "-100000000000... (31 digits) is negative"),
    ],
)
def test_a_v2_enrollment_beyond_64_bits_is_a_field_issue_and_the_record_loads(
    tmp_path: Path, count: int, problem: str
) -> None:
    """No graph integer can hold it: the parser leaves it out and names it, the driver never sees it."""
    study = json.loads(shared("ctgov/v2/aact/NCT03475563.json").read_text(encoding="utf-8"))
    study["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = count
    path = tmp_path / "NCT03475563.json"
    path.write_text(json.dumps(study), encoding="utf-8")
    [item] = discover().create("ctgov").read([path], load_run="test")
    assert isinstance(item, Staged), item
    assert item.issues == (f"designModule.enrollmentInfo.count {problem}; stored without it",)
    [record] = item.rows["merge_records"]
    assert record["props"]["enrollment"] is None and record["props"]["brief_title"]


def _with_negative_result_counts() -> dict:
    """A real v2 study with results, with one count of each kind made negative (as a number or a numeric string)."""
    study = json.loads(shared("ctgov/v2/aact/NCT02210780.json").read_text(encoding="utf-8"))
    results = study["resultsSection"]
    results["participantFlowModule"]["periods"][0]["milestones"][0]["achievements"][0]["numSubjects"] = "-5"
    results["baselineCharacteristicsModule"]["denoms"][0]["counts"][0]["value"] = "-7"
    results["adverseEventsModule"]["eventGroups"][0]["seriousNumAtRisk"] = -97
    results["adverseEventsModule"]["seriousEvents"][0]["stats"][0]["numAffected"] = -1
    return study


def test_negative_v2_result_counts_are_field_issues_and_the_record_loads(tmp_path: Path) -> None:
    """Like a negative enrollment: each count is dropped with one line naming its field, and the record loads."""
    path = tmp_path / "NCT02210780.json"
    path.write_text(json.dumps(_with_negative_result_counts()), encoding="utf-8")
    [item] = discover().create("ctgov").read([path], load_run="test")
    assert isinstance(item, Staged), item
    negative = sorted(issue for issue in item.issues if "is negative" in issue)
    assert [re.sub(r"\[\d+\]", "[]", issue) for issue in negative] == [
        "results.adverse_events[].affected -1 is negative; stored without it",
        "results.baseline_denoms[].count -7 is negative; stored without it",
        "results.event_groups[].serious_at_risk -97 is negative; stored without it",
        "results.flow[].count -5 is negative; stored without it",
    ]
    record, issues = check_study(parse_study(_with_negative_result_counts()))
    assert record.results is not None and tuple(sorted(issues)) == tuple(sorted(item.issues))
    counts = [
        *(flow.count for flow in record.results.flow),
        *(denom.count for denom in record.results.baseline_denoms),
        *(event.affected for event in record.results.adverse_events),
        *(group.serious_at_risk for group in record.results.event_groups),
    ]
    assert None in counts and not [count for count in counts if count is not None and count < 0]
    untouched = check_study(parse_study(json.loads(shared("ctgov/v2/aact/NCT02210780.json").read_text("utf-8"))))
    assert not [issue for issue in untouched[1] if "is negative" in issue]


def test_legacy_counts_that_are_no_count_or_past_64_bits_are_field_issues(tmp_path: Path) -> None:
    """Legacy XML read "abc" as no value without a word, and a 23-digit count ended the load with a traceback
    (the content hash cannot serialise it). Both are now field issues; the record loads."""
    xml = shared("ctgov/legacy/aact/NCT00023673.xml").read_text(encoding="utf-8")
    xml = xml.replace('<participants group_id="P1" count="8"/>', '<participants group_id="P1" count="abc"/>', 1)
    xml = xml.replace(
        'subjects_affected="7" subjects_at_risk="8"', f'subjects_affected="{"9" * 23}" subjects_at_risk="8"', 1
    )
    path = tmp_path / "NCT00023673.xml"
    path.write_text(xml, encoding="utf-8")
    [item] = discover().create("ctgov").read([path], load_run="test")
    assert isinstance(item, Staged), item
    assert len(item.issues) == 2, item.issues
    assert item.issues[0] == "milestone/participants@count 'abc' is not a count; stored without it"
    assert re.fullmatch(
        r"results\.\w+\[\d+\]\.\w+ 999999999999\.\.\. \(23 digits\) "
        r"is past the graph's 64-bit integers; stored without it",
        item.issues[1],
    ), item.issues
    clean = tmp_path / "clean" / "NCT00023673.xml"
    clean.parent.mkdir()
    clean.write_text(shared("ctgov/legacy/aact/NCT00023673.xml").read_text(encoding="utf-8"), encoding="utf-8")
    [plain] = discover().create("ctgov").read([clean], load_run="test")
    assert isinstance(plain, Staged) and plain.issues == ()
