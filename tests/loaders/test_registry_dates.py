"""An impossible registry date is a field issue, never a lost record and never the record's version (issue 18).

Each case takes a real shared record, writes one of its dates as an impossible one in that registry's own format
("30/02/2023", "30 February 2023", "2023-02-30T00:00:00.000Z"), and runs the registry's real loader on the file.
Before, the whole record was quarantined; now it loads without that date, with one line naming the field and the
value, and every other record of the file stages exactly as from the unchanged file. A last-update date dropped so
is not the version either: the version falls back to the registration date, the next valid date
(``study_version``), and the precedence the graph compares is built from it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.data import shared
from trialgraph.loaders.base import SOURCES, discover
from trialgraph.model.rows import precedence
from trialgraph.model.staged import Quarantined, Staged
from trialgraph.model.study import StudyRecord
from trialgraph.model.validate import study_version

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ISSUE = "{field} {value!r} is not a calendar date; stored without it"


def _replace_once(old: str, new: str) -> Callable[[str], str]:
    """A text edit that must hit exactly one place, so the case changes the one date it names."""

    def edit(text: str) -> str:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        return text.replace(old, new)

    return edit


def _json_line(line: int, path: tuple[str, ...], value: str) -> Callable[[str], str]:
    """Set ``path`` of the JSON object on (0-based) ``line`` of a JSON-lines text to ``value``."""

    def edit(text: str) -> str:
        lines = text.splitlines()
        record: dict[str, Any] = json.loads(lines[line])
        parent = record
        for key in path[:-1]:
            parent = parent[key]
        assert path[-1] in parent
        parent[path[-1]] = value
        lines[line] = json.dumps(record)
        return "\n".join(lines) + "\n"

    return edit


def _csv_cell(trial_id: str, field: str, value: str) -> Callable[[str], str]:
    """Set ``field`` of the ICTRP export row of ``trial_id`` to ``value``."""

    def edit(text: str) -> str:
        rows = list(csv.DictReader(text.splitlines(keepends=True)))
        [row] = [r for r in rows if r["TrialID"] == trial_id]
        row[field] = value
        out: list[str] = []
        writer = csv.DictWriter(_Lines(out), fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        return "".join(out)

    return edit


class _Lines:
    """A file-like target for ``csv.writer`` that keeps the written lines."""

    def __init__(self, out: list[str]) -> None:
        self.out = out

    def write(self, line: str) -> int:
        self.out.append(line)
        return len(line)


@dataclass(frozen=True)
class Case:
    """One real record with one date made impossible, and what the staged record must then hold."""

    source: str
    path: Path
    edit: Callable[[str], str]
    record_id: str
    field: str  # the registry's own field name, as the issue names it
    value: str  # the impossible value, as written in the file
    prop: str  # the record property that must be absent
    was: str  # the property's value from the unchanged file
    version: str | None  # the staged version after the change (the next valid date)


ICTRP = shared("registries/ictrp/ictrp_full_export_sample.csv")
ISRCTN_XML = shared("registries/isrctn/SYNTHETIC_isrctn_api_allTrials.xml")
ISRCTN_JSON = shared("registries/isrctn/isrctn_trials_ctrdata_json.jsonl")
ANZCTR = shared("registries/anzctr/SYNTHETIC_anzctr_trials.xml")
CTIS = shared("registries/ctis/ctis_trials.jsonl")
EUCTR_JSON = shared("registries/euctr/euctr_ctrdata_json.jsonl")
EUCTR_TEXT = shared("registries/euctr/euctr_fulltext_2021-002179-21_2022-002568-62.txt")
X6 = "x6_date_on_which_this_record_was_first_entered_in_the_eudract_database"
ENTERED = "Date on which this record was first entered in the EudraCT database"  # EU CTR text

CASES: dict[str, Case] = {
    "ictrp-registration": Case(
        "ictrp", ICTRP, _csv_cell("ACTRN12619000720112", "Date_registration", "30/02/2023"),
        "ictrp:ACTRN12619000720112", "Date_registration", "30/02/2023", "registration_date", "2019-05-13",
        "2019-09-16",
    ),
    "ictrp-last-update": Case(
        "ictrp", ICTRP, _csv_cell("ACTRN12619000720112", "Last_Refreshed_on", "30 February 2023"),
        "ictrp:ACTRN12619000720112", "Last_Refreshed_on", "30 February 2023", "last_update_date", "2019-09-16",
        "2019-05-13",
    ),
    "isrctn-xml": Case(
        "isrctn", ISRCTN_XML,
        _replace_once("<recruitmentStart>2015-11-01T00:00:00.000Z", "<recruitmentStart>2023-02-30T00:00:00.000Z"),
        "isrctn:ISRCTN12949496", "recruitmentStart", "2023-02-30T00:00:00.000Z", "start_date", "2015-11-01", None,
    ),
    "isrctn-xml-last-update": Case(
        "isrctn", FIXTURES / "isrctn" / "api_with_parties.xml",
        _replace_once('lastUpdated="2023-01-12T10:15:00.000Z"', 'lastUpdated="2023-02-30T10:15:00.000Z"'),
        "isrctn:ISRCTN88261002", "lastUpdated", "2023-02-30T10:15:00.000Z", "last_update_date", "2023-01-12",
        "2013-03-27",
    ),
    "isrctn-json": Case(
        "isrctn", ISRCTN_JSON, _json_line(0, ("participants", "recruitmentStart"), "2023-02-30T00:00:00.000Z"),
        "isrctn:ISRCTN12949496", "recruitmentStart", "2023-02-30T00:00:00.000Z", "start_date", "2015-11-01", None,
    ),
    "anzctr": Case(
        "anzctr", ANZCTR, _replace_once("<approvaldate>14/03/2019<", "<approvaldate>30/02/2023<"),
        "anzctr:ACTRN12619000423112", "approvaldate", "30/02/2023", "registration_date", "2019-03-14", None,
    ),
    "ctis-2023-last-update": Case(
        "ctis", CTIS, _json_line(0, ("lastUpdated",), "2023-02-30"),
        "ctis:2022-500244-37-00", "lastUpdated", "2023-02-30", "last_update_date", "2022-08-03", "2022-04-19",
    ),
    "ctis-2024-start": Case(
        "ctis", CTIS, _json_line(1, ("startDateEU",), "30/02/2023"),
        "ctis:2023-505613-24-00", "startDateEU", "30/02/2023", "start_date", "2021-04-28", "2025-08-19",
    ),
    "euctr-json": Case(
        "euctr", EUCTR_JSON, _json_line(0, (X6,), "2023-02-30"),
        "euctr:2013-000615-24-BE", X6, "2023-02-30", "registration_date", "2014-02-07", None,
    ),
    "euctr-text": Case(
        "euctr", EUCTR_TEXT,
        _replace_once(f"{ENTERED}: 2023-01-16", f"{ENTERED}: 2023-02-30"),
        "euctr:2022-002568-62-ES", X6, "2023-02-30", "registration_date", "2023-01-16", None,
    ),
}  # fmt: skip


def _stage(source: str, path: Path) -> tuple[dict[str, Staged], list[tuple[str | None, str]]]:
    """The staged records of a file by record id, and its rejections (record id, reason)."""
    discover()
    items = list(SOURCES.create(source).read([path], load_run="test"))
    rejected = [(i.record_id, i.reason) for i in items if isinstance(i, Quarantined)]
    return {i.record_id: i for i in items if isinstance(i, Staged)}, rejected


def _props(staged: Staged) -> dict[str, Any]:
    props: dict[str, Any] = staged.rows["merge_records"][0]["props"]
    return props


@pytest.mark.parametrize("name", list(CASES))
def test_an_impossible_date_is_left_out_and_filed_and_the_record_loads(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    before, rejected_before = _stage(case.source, case.path)
    changed = tmp_path / case.path.name
    changed.write_text(case.edit(case.path.read_text(encoding="utf-8")), encoding="utf-8")
    after, rejected_after = _stage(case.source, changed)

    assert set(after) == set(before)  # every record loads, the one with the impossible date too
    assert rejected_after == rejected_before  # nothing more is rejected (EU CTR's file repeats two records)
    old, new = before[case.record_id], after[case.record_id]
    assert _props(old)[case.prop] == case.was and old.issues == ()
    assert _props(new)[case.prop] is None
    assert new.issues == (ISSUE.format(field=case.field, value=case.value),)
    others = {rid: s.content_hash for rid, s in after.items() if rid != case.record_id}
    assert others == {rid: s.content_hash for rid, s in before.items() if rid != case.record_id}
    # the impossible value is not the version: the next valid date is, and the graph's precedence follows it
    assert new.version == case.version
    assert _props(new)["version"] == (None if case.prop == "last_update_date" else _props(old)["version"])
    assert new.precedence == _props(new)["precedence"] == f"{case.version or '0000-00-00'}|0"


def _record(**dates: str | None) -> StudyRecord:
    return StudyRecord(registry_id="ACTRN12619000720112", source_format="ictrp-csv", registry="ANZCTR", **dates)  # type: ignore[call-arg, arg-type]


def test_the_version_falls_back_to_the_registration_date_only_when_no_last_update_date_is_left() -> None:
    dated = _record(last_update_date="2019-09-16", registration_date="2019-05-13")
    assert (study_version(dated), precedence(dated)) == ("2019-09-16", "2019-09-16|0")
    dropped = _record(last_update_date=None, registration_date="2019-05-13")
    assert (study_version(dropped), precedence(dropped)) == ("2019-05-13", "2019-05-13|0")
    undated = _record()
    assert (study_version(undated), precedence(undated)) == (None, "0000-00-00|0")
