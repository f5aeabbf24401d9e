"""Adverse-event totals are per-group totals on the event groups, never adverse-event terms, in both formats.

Legacy XML writes each group's totals as events of a category titled "Total" ("Total, serious adverse
events", "Total, other adverse events", "Total, all-cause mortality"); API v2 keeps them on the event group
(``seriousNumAffected``...). Expected values are read from the files by plain XML and dict access.
"""

from __future__ import annotations

import gzip
import json
import zipfile
from functools import cache

from lxml import etree

from tests.data import shared
from trialgraph.loaders.ctgov import v2
from trialgraph.loaders.ctgov.legacy import parse_study as parse_legacy
from trialgraph.model.rows import EVENT_TOTALS
from trialgraph.model.study import StudyRecord

LEGACY_TOTALS = {
    ("serious_events", "Total, serious adverse events"): "serious",
    ("other_events", "Total, other adverse events"): "other",
    ("serious_events", "Total, all-cause mortality"): "deaths",
}


@cache
def _legacy() -> list[tuple[bytes, StudyRecord]]:
    with zipfile.ZipFile(shared("ctgov/legacy/AllPublicXML-subset.zip")) as zf:
        datas = [zf.read(m) for m in zf.namelist() if m.endswith(".xml")]
    return [(data, parse_legacy(data)) for data in datas]


def _count(text: str | None) -> int | None:
    return int(text) if text is not None and text.strip().isdigit() else None


def test_no_total_line_is_stored_as_an_adverse_event() -> None:
    with_results = [record for _, record in _legacy() if record.results is not None]
    assert len(with_results) > 400
    for record in with_results:
        for event in record.results.adverse_events:
            assert not (event.organ_system == "Total" and event.term.startswith("Total,")), record.registry_id


def test_legacy_totals_are_on_the_event_groups_as_the_file_states_them() -> None:
    checked = 0
    for data, record in _legacy():
        root = etree.fromstring(data)
        expected: dict[str, dict[str, int | None]] = {}
        for (section, title), kind in LEGACY_TOTALS.items():
            for event in root.iterfind(f"clinical_results/reported_events/{section}/category_list/category"):
                if (event.findtext("title") or "").strip() != "Total":
                    continue
                for item in event.iterfind("event_list/event"):
                    if (item.findtext("sub_title") or "").strip() != title:
                        continue
                    for counts in item.iterfind("counts"):
                        group = expected.setdefault(counts.get("group_id"), {})
                        group[f"{kind}_affected"] = _count(counts.get("subjects_affected"))
                        group[f"{kind}_at_risk"] = _count(counts.get("subjects_at_risk"))
        if not expected:
            continue
        groups = {g.group_id: g for g in record.results.event_groups}
        for group_id, fields in expected.items():
            for name, value in fields.items():
                assert getattr(groups[group_id], name) == value, (record.registry_id, group_id, name)
                checked += 1
    assert checked > 2000


def test_v2_totals_are_on_the_event_groups() -> None:
    checked = 0
    with gzip.open(shared("ctgov/v2/studies.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for line in fh:
            raw = json.loads(line)
            module = raw.get("resultsSection", {}).get("adverseEventsModule")
            if not module:
                continue
            record = v2.parse_study(raw)
            groups = {g.group_id: g for g in record.results.event_groups}
            for raw_group in module.get("eventGroups", []):
                group = groups[raw_group["id"]]
                for kind in ("serious", "other", "deaths"):
                    assert getattr(group, f"{kind}_affected") == raw_group.get(f"{kind}NumAffected")
                    assert getattr(group, f"{kind}_at_risk") == raw_group.get(f"{kind}NumAtRisk")
                    checked += 1
    assert checked > 500
    assert len(EVENT_TOTALS) == 6
