"""Tests for ``trialgraph.loaders.euctr``: full-text download and ctrdata JSON lines, checked against the raw files."""

from __future__ import annotations

import csv
import json
import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import orjson
import pytest

from tests.data import REPO_ROOT, shared, shared_data_dir
from trialgraph.errors import SourceError
from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.euctr.ctrdata_json import iter_json_records
from trialgraph.loaders.euctr.keys import field_key
from trialgraph.loaders.euctr.loader import EuctrLoader, iter_records
from trialgraph.loaders.euctr.mapping import to_record
from trialgraph.loaders.euctr.text import CUT_REASON, DUPLICATE_REASON, iter_text_records, parse_record_lines
from trialgraph.model.staged import Quarantined, Staged
from trialgraph.model.study import StudyRecord

TEXT = "registries/euctr/euctr_fulltext_2021-002179-21_2022-002568-62.txt"
JSONL = "registries/euctr/euctr_ctrdata_json.jsonl"
CROSSREF = "links/registry_record_crossref_pairs.csv"
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "euctr"
# The links table names relations by what they join; the record contract names the kind of identity.
RELATION = {"cross_registration": "same_trial", "euctr_member_state_sibling": "member_state"}
CLOSING = "\nP. End of Trial\nP. End of Trial Status: Ongoing\n\n"  # how the register ends every record


def _records(items: list[tuple[StudyRecord | Quarantined, str]]) -> dict[str, StudyRecord]:
    return {r.registry_id: r for r, _ in items if isinstance(r, StudyRecord)}


def _raw_text_records(path: Path) -> list[str]:
    """The download split independently of the parser: every record starts at a line "Summary"."""
    return re.split(r"^Summary\n", path.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]


def _line_value(record: str, label: str) -> str:
    match = re.search(rf"^{re.escape(label)}: ?(.*)$", record, flags=re.MULTILINE)
    assert match, label
    return match.group(1).strip()


# --- the full-text download -------------------------------------------------------------------------------


def test_text_download_has_ten_records_and_keeps_the_later_of_each_duplicate() -> None:
    path = shared(TEXT)
    raw = _raw_text_records(path)
    ids = [re.search(r"/trial/([\d-]+)/([A-Z]+)/", r).group(0) for r in raw]  # type: ignore[union-attr]
    assert len(raw) == 10 and len(set(ids)) == 8  # PROVENANCE: SE and PL twice
    items = list(iter_text_records(path))
    assert len(items) == 10
    dupes = [q for q, _ in items if isinstance(q, Quarantined)]
    assert sorted(q.record_id or "" for q in dupes) == ["2021-002179-21-PL", "2022-002568-62-SE"]
    assert all(q.reason.startswith(DUPLICATE_REASON) for q in dupes)
    records = _records(list(iter_records([path])))
    assert len(records) == 8
    # the later Swedish copy plans 9 subjects in the whole trial, the earlier one 15
    sweden = [r for r in raw if "/2022-002568-62/SE/" in r]
    assert [_line_value(r, "F.4.2.2 In the whole clinical trial") for r in sweden] == ["15", "9"]
    assert records["2022-002568-62-SE"].enrollment == 9


def test_text_fields_match_the_raw_lines() -> None:
    path = shared(TEXT)
    raw = next(r for r in _raw_text_records(path) if "/2022-002568-62/ES/" in r)
    rec = _records(list(iter_records([path])))["2022-002568-62-ES"]
    assert rec.source_format == "euctr-text" and rec.registry == "EUCTR"
    assert rec.canonical_id == "2022-002568-62"
    assert rec.official_title == _line_value(raw, "A.3 Full title of the trial")
    assert rec.official_title.startswith("A Phase 1/2 Open-Label")  # English, not the "(es)" line after it
    assert rec.overall_status == "ACTIVE_NOT_RECRUITING"  # "Trial Status: Ongoing"
    assert _line_value(raw, "E.7.1 Human pharmacology (Phase I)") == "Yes"
    assert _line_value(raw, "E.7.2 Therapeutic exploratory (Phase II)") == "Yes"
    assert rec.phases == ("PHASE1", "PHASE2")
    assert rec.countries == ("Spain",)
    assert rec.conditions == (_line_value(raw, "E.1.1 Medical condition(s) being investigated"),)
    assert [s.name for s in rec.sponsors] == [_line_value(raw, "B.1.1 Name of Sponsor")] == ["AviadoBio Ltd"]
    assert rec.sponsors[0].role == "LEAD" and rec.sponsors[0].agency_class == "INDUSTRY"
    assert rec.registration_date == "2023-01-16"
    primary = [o for o in rec.outcomes if o.kind == "PRIMARY"]
    assert len(primary) == 1 and primary[0].measure.startswith("Over a 26-week initial and 5year total follow up")
    assert "Change from baseline in MRI" in primary[0].measure  # continuation lines belong to the value
    assert primary[0].time_frame == "26 weeks and 5 years"
    assert rec.interventions[0].name == "Recombinant AAV-9 vector expressing the human progranulin protein"
    assert rec.interventions[0].type == "GENETIC"
    assert rec.enrollment == 15
    elig = rec.eligibility
    assert elig is not None and elig.sex == "ALL" and (elig.min_age, elig.max_age) == ("18 Years", None)
    assert elig.inclusion[0].startswith("1. Male or female, 30 to 75 years")
    # a member-state record claims its EudraCT number; this download states no other registry ids
    assert [(c.trial_id, c.registry, c.relation) for c in rec.id_claims] == [
        ("2022-002568-62", "EudraCT", "member_state")
    ]


def test_empty_condition_falls_back_to_the_lay_wording() -> None:
    path = shared(TEXT)
    raw = next(r for r in _raw_text_records(path) if "/2021-002179-21/FR/" in r)
    assert _line_value(raw, "E.1.1 Medical condition(s) being investigated") == ""
    rec = _records(list(iter_records([path])))["2021-002179-21-FR"]
    assert rec.conditions == ("Alzheimer's disease",)
    assert rec.phases == ("PHASE3",)
    assert [i.name for i in rec.interventions] == ["Masitinib"]  # two strengths, one product
    assert "Early onset Alzheimer's disease" in rec.keywords  # MedDRA block items


def test_labels_become_ctrdata_keys() -> None:
    assert field_key("E.1.1", "Medical condition(s) being investigated", "es") == (
        "e11_medical_conditions_being_investigated_es"
    )
    assert field_key("F.1.1.2", "Preterm newborn infants (up to gestational age < 37 weeks)") == (
        "f112_preterm_newborn_infants_up_to_gestational_age__37_weeks"
    )
    assert field_key("B.3.1 and B.3.2", "Status of the sponsor") == "b31_and_b32_status_of_the_sponsor"
    assert field_key("A.5.2", "US NCT (ClinicalTrials.gov) registry number") == (
        "a52_us_nct_clinicaltrialsgov_registry_number"
    )


# --- ctrdata JSON lines -------------------------------------------------------------------------------------


def test_json_lines_count_and_fields_match_the_raw_json() -> None:
    path = shared(JSONL)
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = _records(list(iter_records([path])))
    assert len(raw) == len(records) == 4
    assert sorted(records) == ["2013-000615-24-BE", "2016-004489-24-DE", "2019-002663-10-ES", "2022-000099-20-DE"]
    by_number = {r["a2_eudract_number"]: r for r in raw}
    for rec in records.values():
        src = by_number[rec.canonical_id]
        assert rec.source_format == "euctr-json"
        assert rec.official_title == src["a3_full_title_of_the_trial"].strip()
        assert rec.sponsors[0].name == src["b1_sponsor"][0]["b11_name_of_sponsor"].strip()
        assert rec.registration_date == src["x6_date_on_which_this_record_was_first_entered_in_the_eudract_database"]
        assert rec.has_results == ("trialInformation" in src)
    grifols = records["2016-004489-24-DE"]
    assert grifols.overall_status == "COMPLETED" and grifols.phases == ("PHASE3",)
    assert grifols.countries == ("Germany",)
    assert grifols.start_date == "2019-01-18" and grifols.completion_date == "2022-05-20"
    assert grifols.outcomes[0].measure.startswith("Primary efficacy endpoint in this clinical trial")
    assert grifols.conditions == ("Treatment of haemorrage during surgery",)
    assert records["2013-000615-24-BE"].overall_status == "TERMINATED"  # "Prematurely Ended"
    assert records["2013-000615-24-BE"].phases == ("PHASE4",)
    assert records["2019-002663-10-ES"].phases == ("PHASE2", "PHASE3")
    assert records["2022-000099-20-DE"].acronym == "HARMONIE"


def test_every_stated_cross_registration_is_claimed() -> None:
    path, links = shared(JSONL), shared(CROSSREF)
    records = _records(list(iter_records([path])))
    with links.open(newline="", encoding="utf-8") as handle:
        rows = [
            row for row in csv.DictReader(handle) if row["source_file"] == "registries/euctr/euctr_ctrdata_json.jsonl"
        ]
    assert len(rows) == 6
    for row in rows:
        rec = next(r for r in records.values() if r.canonical_id == row["record_id"])
        claims = {(c.trial_id, c.evidence, c.relation) for c in rec.id_claims}
        assert (row["trial_id_b"], row["evidence_field"], RELATION[row["relation"]]) in claims, row
    for rec in records.values():  # and each member-state record names its trial
        assert (rec.canonical_id, "EudraCT", "member_state") in {
            (c.trial_id, c.registry, c.relation) for c in rec.id_claims
        }


def test_text_and_json_give_equal_records_for_the_same_fields(tmp_path: Path) -> None:
    """One mapping serves both formats: a text record written as ctrdata JSON maps to the same record."""
    text_path = shared(TEXT)
    fields = next(f for f, _ in iter_text_records(text_path) if isinstance(f, dict) and f["_id"].endswith("-GR"))
    json_path = tmp_path / "one.jsonl"
    json_path.write_bytes(orjson.dumps(fields) + b"\n")
    (from_json,) = [f for f, _ in iter_json_records(json_path)]
    assert isinstance(from_json, dict)
    a, b = to_record(fields, source_format="euctr-text"), to_record(from_json, source_format="euctr-json")
    assert a.official_title and a.sponsors and a.outcomes and a.eligibility
    assert {**_as_dict(a), "source_format": None} == {**_as_dict(b), "source_format": None}


def _as_dict(rec: StudyRecord) -> dict[str, object]:
    return {name: getattr(rec, name) for name in rec.__slots__}  # type: ignore[attr-defined]


# --- a download cut short -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    start: int  # byte offset of its "Summary" line
    end: int  # byte offset of the next record's "Summary" line, or the file's end
    line: int  # line number of its "Summary" line
    record_id: str


@cache
def _download() -> bytes:
    return shared(TEXT).read_bytes()


@cache
def _spans() -> tuple[_Span, ...]:
    """Each record's bytes and register id, found with regexes on the raw download rather than by the parser."""
    data = _download()
    starts = [match.start() for match in re.finditer(rb"^Summary\n", data, re.MULTILINE)]
    spans = []
    for start, end in zip(starts, [*starts[1:], len(data)], strict=True):
        link = re.search(rb"/trial/(\d{4}-\d{6}-\d{2})/([A-Z0-9]+)/", data[start:end])
        assert link
        record_id = f"{link.group(1).decode()}-{link.group(2).decode()}"
        spans.append(_Span(start, end, data.count(b"\n", 0, start) + 1, record_id))
    return tuple(spans)


def _line_of(origin: str) -> int:
    return int(origin.rsplit(":", 1)[1])


def _cut_offsets() -> list[int]:
    """20 seeded random offsets (the issue's sweep), and the hand-picked cuts each ``_CUTS`` entry names."""
    data, spans = _download(), _spans()
    randoms = random.Random(18).sample(range(spans[0].start, len(data)), 20)
    later_se = [span for span in spans if span.record_id == "2022-002568-62-SE"][1]
    after_link = data.index(b"\nA. Protocol Information\n", later_se.start)
    multibyte = next(i for i in range(spans[6].start, len(data)) if data[i] >= 0xC0)  # a UTF-8 lead byte
    return [
        *randoms,
        spans[5].start,  # exactly at a record's end: nothing is cut
        spans[5].start - 1,  # the record's closing blank line is missing
        spans[5].start + 4,  # inside the next record's "Summary" line
        after_link,  # the later copy of a duplicated record, cut after its id was read
        len(data) - 3000,  # the audit's cut: 81 of 137 fields
        multibyte + 1,  # inside a two-byte character
        len(data),  # the whole download
    ]


@pytest.mark.parametrize("cut", _cut_offsets() if shared_data_dir().joinpath(TEXT).exists() else [])
def test_a_cut_download_yields_each_record_before_the_cut_unchanged_and_quarantines_the_cut_one(
    tmp_path: Path, cut: int
) -> None:
    data, spans = _download(), _spans()
    assert all(re.search(rb"^P\. End of Trial\n", data[s.start : s.end], re.M) for s in spans)  # premise
    assert all(data[s.start : s.end].endswith(b"\n\n") for s in spans)  # and each ends with a blank line
    path = tmp_path / Path(TEXT).name
    path.write_bytes(data[:cut])
    items = {_line_of(origin): item for item, origin in iter_text_records(path)}
    complete = {_line_of(origin): item for item, origin in iter_text_records(shared(TEXT))}

    before = [span for span in spans if span.end <= cut]
    cut_in = next((span for span in spans if span.start < cut < span.end), None)
    link = cut_in and re.search(rb"^Link: .*\n", data[cut_in.start : cut], re.M)
    cut_id = cut_in.record_id if cut_in and link else None
    assert sorted(items) == [span.line for span in before] + ([cut_in.line] if cut_in else [])
    for index, span in enumerate(before):
        item = items[span.line]
        superseded = cut_id == span.record_id or any(s.record_id == span.record_id for s in before[index + 1 :])
        if superseded:
            assert isinstance(item, Quarantined) and item.reason.startswith(DUPLICATE_REASON)
            assert item.record_id == span.record_id
            assert ("neither is loaded" in item.reason) == (span.record_id == cut_id)
            continue
        raw_lines = data[span.start : span.end].decode("utf-8").splitlines()[1:]
        assert item == parse_record_lines(raw_lines)
        assert isinstance(item, dict) and item["_id"] == span.record_id
        if isinstance(complete[span.line], dict):
            assert item == complete[span.line]
    if cut_in is not None:
        quarantined = items[cut_in.line]
        assert isinstance(quarantined, Quarantined) and quarantined.reason.startswith(f"{CUT_REASON}: ")
        assert quarantined.record_id == cut_id and "\n" not in quarantined.reason


def test_the_audits_cut_record_is_quarantined_by_the_loader_not_staged(tmp_path: Path) -> None:
    data, spans = _download(), _spans()
    path = tmp_path / Path(TEXT).name
    path.write_bytes(data[: len(data) - 3000])
    items = list(EuctrLoader().read([path], load_run="test"))
    cut = [item for item in items if isinstance(item, Quarantined) and item.reason.startswith(CUT_REASON)]
    assert [(q.origin, q.record_id, q.whole_file) for q in cut] == [
        (f"{path}:{spans[-1].line}", spans[-1].record_id, False)
    ]
    staged = {item.record_id for item in items if isinstance(item, Staged)}
    assert f"euctr:{spans[-1].record_id}" not in staged
    assert staged == {f"euctr:{span.record_id}" for span in spans[:-1]}


# --- bad input, loader ----------------------------------------------------------------------------------


def test_bad_text_records_are_quarantined_and_the_rest_loads(tmp_path: Path) -> None:
    # the fixture's last record stops before the closing section: at end of file that reads as a cut
    [*_, (last, _)] = iter_text_records(FIXTURES / "bad_records.txt")
    assert isinstance(last, Quarantined) and last.record_id == "2020-000003-33-ES"
    assert last.reason == f"{CUT_REASON}: it ends before its closing 'P. End of Trial' section"
    # closed as the register closes every record, it loads without its impossible date, which is filed
    closed = tmp_path / "bad_records.txt"
    closed.write_text((FIXTURES / "bad_records.txt").read_text() + CLOSING, encoding="utf-8")
    items = list(iter_records([closed]))
    records = _records(items)
    assert list(records) == ["2020-000001-11-DE", "2020-000003-33-ES"]
    dated = records["2020-000003-33-ES"]
    assert (dated.registration_date, dated.official_title) == (None, "A record with an impossible date")
    assert getattr(dated, "issues", None) == (
        "x6_date_on_which_this_record_was_first_entered_in_the_eudract_database '2022-02-30' is not a calendar date;"
        " stored without it",
    )
    rec = records["2020-000001-11-DE"]
    assert rec.official_title == "A small synthetic trial" and rec.phases == ("PHASE2", "PHASE3")
    assert rec.overall_status == "COMPLETED"
    assert ("NCT01234567", "a52_us_nct_clinicaltrialsgov_registry_number", "same_trial") in {
        (c.trial_id, c.evidence, c.relation) for c in rec.id_claims
    }
    rejected = [q for q, _ in items if isinstance(q, Quarantined)]
    assert len(rejected) == 1
    assert "no EudraCT number" in rejected[0].reason


def test_bad_json_lines_are_quarantined_and_the_rest_loads() -> None:
    path = FIXTURES / "bad_lines.jsonl"
    items = list(iter_records([path]))
    records = _records(items)
    assert list(records) == ["2020-000004-44-IT", "2020-000006-66-IT"]
    assert ("U1111-1234-5678", "WHO UTN", "same_trial") in {
        (c.trial_id, c.registry, c.relation) for c in records["2020-000004-44-IT"].id_claims
    }
    rejected = {origin: q for q, origin in items if isinstance(q, Quarantined)}
    assert rejected[f"{path}:2"].reason.startswith("invalid JSON")
    assert "no EudraCT number" in rejected[f"{path}:3"].reason
    assert f"{path}:4" not in rejected  # its impossible date is left out and named, the record loads
    dated = records["2020-000006-66-IT"]
    assert dated.registration_date is None
    assert getattr(dated, "issues", None) == (
        "x6_date_on_which_this_record_was_first_entered_in_the_eudract_database '2021-13-45' is not a calendar date;"
        " stored without it",
    )


def test_loader_is_registered_and_stages_a_folder() -> None:
    loader = SOURCES.create("euctr")
    assert isinstance(loader, EuctrLoader) and loader.name == loader.source == "euctr"
    assert loader.delete_statements == ("delete_record_facts", "delete_record_links")
    items = list(loader.read([shared("registries/euctr")], load_run="test"))
    staged = [i for i in items if isinstance(i, Staged)]
    assert len(staged) == 12 and len(items) == 14  # 8 + 4 records, 2 duplicates
    assert {s.record_id for s in staged} >= {"euctr:2021-002179-21-FR", "euctr:2022-000099-20-DE"}


def test_missing_path_raises_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        list(EuctrLoader().read([tmp_path / "absent.txt"], load_run="test"))
