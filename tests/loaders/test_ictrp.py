"""WHO ICTRP parsers and loader: record counts, field mapping against the raw rows, identity claims, bad input.

Expected values are read from the raw files with the csv module / lxml / a regex, independently of the
parsers, so a test fails when the parser drifts from the data rather than from a copy of its own output.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from tests.data import REPO_ROOT, ictrp_export_with_target_sizes, shared
from trialgraph.errors import SourceError
from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.ictrp import covid_csv, csv_export, xml_export
from trialgraph.loaders.ictrp.crosswalk import COVID_TO_CANONICAL, FULL_EXPORT_FIELDS, XML_TO_CANONICAL
from trialgraph.loaders.ictrp.loader import IctrpLoader, parse_paths
from trialgraph.loaders.ictrp.sniff import sniff
from trialgraph.model.staged import Quarantined, Staged
from trialgraph.model.study import IdClaim, StudyRecord

FULL = "registries/ictrp/ictrp_full_export_sample.csv"
COVID = "registries/ictrp/ictrp_covid19_web_2020-04-15.csv.gz"
XML = "registries/ictrp/ICTRP-Results_2020-03-18.xml.gz"
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "ictrp"


# ------------------------------------------------------------------------------------------ helpers


def _raw_full() -> dict[str, dict[str, str]]:
    with shared(FULL).open(newline="", encoding="utf-8") as handle:
        return {row["TrialID"]: row for row in csv.DictReader(handle)}


def _raw_covid() -> dict[str, dict[str, str]]:
    text = gzip.decompress(shared(COVID).read_bytes()).decode("utf-8-sig")
    return {row["TrialID"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}


def _records(parse, path: Path) -> dict[str, StudyRecord]:
    items = [item for item, _ in parse(path)]
    assert not [i for i in items if isinstance(i, Quarantined)]
    return {r.registry_id: r for r in items if isinstance(r, StudyRecord)}


@pytest.fixture(scope="module")
def full() -> dict[str, StudyRecord]:
    return _records(csv_export.parse, shared(FULL))


@pytest.fixture(scope="module")
def covid() -> dict[str, StudyRecord]:
    return _records(covid_csv.parse, shared(COVID))


@pytest.fixture(scope="module")
def xml() -> dict[str, StudyRecord]:
    return _records(xml_export.parse, shared(XML))


# ------------------------------------------------------------------------------------------- counts


def test_full_export_count_matches_csv_module(full: dict[str, StudyRecord]) -> None:
    raw = _raw_full()
    assert len(raw) == 260
    assert set(full) == set(raw)


def test_covid_count_matches_csv_module(covid: dict[str, StudyRecord]) -> None:
    raw = _raw_covid()
    assert len(raw) == 1135
    assert set(covid) == set(raw)


def test_xml_count_matches_regex(xml: dict[str, StudyRecord]) -> None:
    text = gzip.decompress(shared(XML).read_bytes()).decode("utf-8")
    ids = re.findall(r"<TrialID>([^<]+)</TrialID>", text)
    assert len(ids) == 578 == len(re.findall(r"<Trial>", text))
    assert set(xml) == set(ids)


def test_full_export_registry_counts_match_provenance(full: dict[str, StudyRecord]) -> None:
    provenance = (shared("registries/PROVENANCE.md")).read_text(encoding="utf-8")
    line = next(x for x in provenance.splitlines() if x.startswith("- full export sample:"))
    line = re.sub(r"\([^)]*\)", "", line.split(":", 1)[1])
    expected = {name.split("/")[0]: int(n) for name, n in re.findall(r"([A-Za-z.]+(?:/[A-Za-z]+)?) (\d+)", line)}
    assert Counter(r.registry for r in full.values()) == expected


def test_covid_registry_counts_match_source_register(covid: dict[str, StudyRecord]) -> None:
    labels = {
        "EU Clinical Trials Register": "EUCTR",
        "Netherlands Trial Register": "NTR",
        "German Clinical Trials Register": "DRKS",
    }
    raw = Counter(labels.get(r["Source Register"], r["Source Register"]) for r in _raw_covid().values())
    assert Counter(r.registry for r in covid.values()) == raw
    assert raw["ChiCTR"] == 602 and raw["ClinicalTrials.gov"] == 438


# ------------------------------------------------------------------------------------- field checks


@pytest.mark.parametrize(
    ("trial_id", "status", "phases", "registration", "start"),
    [
        ("ACTRN12619000423112", "RECRUITING", ("PHASE2",), "2019-03-14", "2019-03-14"),
        ("NCT03803540", None, None, "2019-01-09", "2019-05-01"),
        ("CTRI/2019/01/016889", None, None, "2019-01-03", "2019-01-15"),
        ("ChiCTR1900020551", None, None, "2019-01-08", "2019-01-10"),
        ("IRCT20140525017827N5", "COMPLETED", ("PHASE3",), "2019-07-28", "2019-07-29"),
        ("JPRN-UMIN000035497", None, None, "2019-01-19", "2018-09-21"),
    ],
)
def test_field_spot_checks(
    full: dict[str, StudyRecord],
    trial_id: str,
    status: str | None,
    phases: tuple[str, ...] | None,
    registration: str,
    start: str,
) -> None:
    raw, rec = _raw_full()[trial_id], full[trial_id]
    assert rec.brief_title == " ".join(raw["public_title"].split())
    assert rec.registration_date == registration and rec.start_date == start
    if status is not None:
        assert rec.overall_status == status
    if phases is not None:
        assert rec.phases == phases
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", rec.last_update_date or "")
    sponsor = raw["Primary_sponsor"].strip()
    assert [s.name for s in rec.sponsors if s.role == "LEAD"] == ([sponsor] if sponsor not in ("", "NULL") else [])
    primary = [o for o in rec.outcomes if o.kind == "PRIMARY"]
    assert primary and primary[0].measure.split()[0] in raw["Primary_Outcome"]


def test_target_size_countries_conditions(full: dict[str, StudyRecord]) -> None:
    raw = _raw_full()
    chictr = full["ChiCTR1900020551"]  # "Experimental group:134;Control group:134;"
    assert chictr.enrollment == sum(int(n) for n in re.findall(r":(\d+)", raw["ChiCTR1900020551"]["Target_size"]))
    assert full["ACTRN12619000423112"].enrollment == int(raw["ACTRN12619000423112"]["Target_size"])
    assert full["IRCT20140525017827N5"].countries == ("Iran, Islamic Republic of",)
    eu = full["EUCTR2015-002276-25-PL"]
    assert len(eu.countries) == len(raw["EUCTR2015-002276-25-PL"]["Countries"].split(";"))
    nct = full["NCT03803540"]
    assert nct.conditions == tuple(raw["NCT03803540"]["Conditions"].split(";"))
    assert [i.type for i in nct.interventions] == ["OTHER"]
    assert [s.role for s in nct.sponsors] == ["LEAD", "COLLABORATOR"]
    assert full["ACTRN12619000423112"].conditions[0] == "Peripheral Arterial Disease"


def test_eligibility_split_into_items(full: dict[str, StudyRecord]) -> None:
    anz = full["ACTRN12619000423112"].eligibility
    assert anz is not None and anz.min_age == "40 Years" and anz.max_age == "80 Years" and anz.sex == "ALL"
    assert anz.inclusion[0] == "1) Age 40-80 yrs;" and len(anz.inclusion) > 3
    nct = full["NCT03803540"].eligibility  # CT.gov rows hold both lists in Inclusion_Criteria
    assert nct is not None and nct.exclusion and not any("Exclusion" in i for i in nct.inclusion)
    rbr = full["RBR-2kkb6d"].eligibility  # one line of prose: one item
    assert rbr is not None and len(rbr.inclusion) == 1


def test_titles_are_trimmed_and_markup_free(covid: dict[str, StudyRecord]) -> None:
    raw = _raw_covid()["ChiCTR2000029953"]
    assert raw["Scientific title"] != raw["Scientific title"].rstrip()
    assert covid["ChiCTR2000029953"].official_title == raw["Scientific title"].strip()
    assert all("<br" not in (r.eligibility.text or "") for r in covid.values() if r.eligibility)


# ----------------------------------------------------------------------------------------- identity


def _canonical(trial_id: str) -> str:
    return trial_id.removeprefix("JPRN-")


def test_bridging_flag_claim(full: dict[str, StudyRecord]) -> None:
    raw = _raw_full()["NCT03896685"]
    assert IdClaim(raw["Bridging_flag"], "CTRI", "Bridging_flag") in full["NCT03896685"].id_claims
    raw = _raw_full()["NCT04095936"]  # "JPRN-JapicCTI-194962"
    assert IdClaim(_canonical(raw["Bridging_flag"]), "JapicCTI", "Bridging_flag") in full["NCT04095936"].id_claims


def test_childs_claims_and_member_state(full: dict[str, StudyRecord]) -> None:
    raw = _raw_full()["EUCTR2018-004320-11-HU"]
    rec = full["EUCTR2018-004320-11-HU"]
    assert rec.canonical_id == "2018-004320-11"
    assert IdClaim("2018-004320-11", "EudraCT", "TrialID", "member_state") in rec.id_claims
    nct_children = [c for c in raw["Childs"].split(";") if c.startswith("NCT")]
    assert [c.trial_id for c in rec.id_claims if c.evidence == "Childs"] == nct_children
    # sibling member-state records and the record's own id are never claimed
    assert all(c.trial_id != rec.registry_id for c in rec.id_claims)
    assert [c for c in rec.id_claims if c.trial_id == "2018-004320-11"] == [
        IdClaim("2018-004320-11", "EudraCT", "TrialID", "member_state")
    ]


def test_secondary_ids_claims(full: dict[str, StudyRecord]) -> None:
    raw = _raw_full()["EUCTR2018-001771-21-ES"]  # "XL184–311;NCT03690388;113,446;2018-001771-21-DE"
    rec = full["EUCTR2018-001771-21-ES"]
    assert rec.secondary_ids == tuple(raw["SecondaryIDs"].split(";"))
    claimed = [c.trial_id for c in rec.id_claims if c.evidence == "SecondaryIDs"]
    assert claimed == [x for x in raw["SecondaryIDs"].split(";") if x.startswith("NCT")]
    nct = full["NCT03924869"]  # SecondaryIDs hold the bare EudraCT number among sponsor numbers
    assert IdClaim("2018-004320-11", "EudraCT", "SecondaryIDs") in nct.id_claims
    assert {c.evidence for c in nct.id_claims} == {"SecondaryIDs", "Bridging_flag"}


def test_jrct_claims_former_umin_id(full: dict[str, StudyRecord]) -> None:
    raw = _raw_full()["JPRN-jRCTs011180027"]
    rec = full["JPRN-jRCTs011180027"]
    assert rec.canonical_id == "jRCTs011180027"
    assert rec.id_claims == (IdClaim(raw["SecondaryIDs"], "UMIN-CTR", "SecondaryIDs", "subregistry_transfer"),)


def test_covid_bridging_flag_is_not_a_claim(covid: dict[str, StudyRecord]) -> None:
    raw = _raw_covid()
    bridged = [t for t, r in raw.items() if r["Bridging flag truefalse"].strip() == "True"]
    assert len(bridged) == 16
    assert all(c.evidence == "TrialID" for t in bridged for c in covid[t].id_claims)


# ---------------------------------------------------------------------------------- cross-format


@pytest.mark.parametrize("trial_id", ["ChiCTR2000029953", "NCT04246242"])
def test_same_trial_in_covid_csv_and_xml(
    covid: dict[str, StudyRecord], xml: dict[str, StudyRecord], trial_id: str
) -> None:
    a, b = covid[trial_id], xml[trial_id]
    assert (a.brief_title, a.official_title, a.overall_status) == (b.brief_title, b.official_title, b.overall_status)
    assert a.source_format == "ictrp-covid-csv" and b.source_format == "ictrp-xml"


def test_same_version_records_are_equal_across_formats(
    covid: dict[str, StudyRecord], xml: dict[str, StudyRecord]
) -> None:
    same = [t for t in xml if t in covid and covid[t].last_update_date == xml[t].last_update_date]
    assert len(same) > 400
    unequal = [t for t in same if covid[t] != _as_format(xml[t], "ictrp-covid-csv")]
    assert unequal == []


def _as_format(record: StudyRecord, source_format: str) -> StudyRecord:
    return dataclasses.replace(record, source_format=source_format)


def test_crosswalk_matches_shared_file() -> None:
    with shared("registries/ictrp/ictrp_field_crosswalk.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        canonical = row["full_export_csv_field"] or row["xml_element"]
        if row["xml_element"] == "Bridging_flag_truefalse":  # a boolean there, a TrialID in the full export
            canonical = "Bridging_flag_truefalse"
        if canonical.startswith("(unnamed"):
            canonical = "Last_Refreshed_on"
        if row["xml_element"]:
            assert XML_TO_CANONICAL.get(row["xml_element"], row["xml_element"]) == canonical, row
        if row["covid19_csv_column"]:
            assert COVID_TO_CANONICAL.get(row["covid19_csv_column"], row["covid19_csv_column"]) == canonical, row
    lines = shared("registries/ictrp/ICTRP_export_datafields.txt").read_text(encoding="utf-8").splitlines()
    start = lines.index("ICTRP CSV export file list of data fields:") + 2
    names = [x.strip() for x in lines[start:] if x.strip()]
    assert ("TrialID", "Last_Refreshed_on", *names[1:]) == FULL_EXPORT_FIELDS


# ---------------------------------------------------------------------------------- bad input, loader


def test_bad_rows_are_quarantined_and_the_rest_loads() -> None:
    items = list(csv_export.parse(FIXTURES / "bad_full_export.csv"))
    loaded = [i.registry_id for i, _ in items if isinstance(i, StudyRecord)]
    reasons = {i.record_id: i.reason for i, _ in items if isinstance(i, Quarantined)}
    assert loaded == ["ACTRN12619000423112", "ACTRN12619000720112", "DRKS00005083"]
    assert reasons["NCT03803540"] == "row has 64 columns, the header has 63"
    assert reasons["NCT03803541"] == "row has 61 columns, the header has 63"
    assert "no known registry prefix" in reasons["XYZ12345"]
    # an impossible registration date is left out and named; the rest of the row loads
    dated = next(i for i, _ in items if isinstance(i, StudyRecord) and i.registry_id == "ACTRN12619000720112")
    assert (dated.registration_date, dated.start_date, dated.last_update_date) == (None, "2019-03-14", "2019-07-15")
    assert getattr(dated, "issues", None) == (
        "Date_registration '31/02/2019' is not a calendar date; stored without it",
    )
    assert "ACTRN12619000720112" not in reasons
    assert "not valid UTF-8" in reasons["ACTRN12619000749101"]
    assert [i.brief_title for i, _ in items if isinstance(i, StudyRecord)][-1] == "Last good über trial"


def test_headerless_full_export_uses_who_field_order() -> None:
    path = FIXTURES / "headerless_full_export.csv"
    assert sniff(path) == "ictrp-csv"
    records = [i for i, _ in csv_export.parse(path)]
    assert [r.registry_id for r in records] == ["ACTRN12619000423112", "NCT03803540"]
    assert records[1].phases == ("PHASE2", "PHASE3") and records[1].start_date == "2019-05-01"


def test_bom_covid_csv() -> None:
    path = FIXTURES / "covid_bom.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert sniff(path) == "ictrp-covid-csv"
    records = [i for i, _ in covid_csv.parse(path)]
    assert [r.registry_id for r in records] == ["ChiCTR2000029953", "NCT04246242"]


def test_sniff_real_files() -> None:
    assert sniff(shared(FULL)) == "ictrp-csv"
    assert sniff(shared(COVID)) == "ictrp-covid-csv"
    assert sniff(shared(XML)) == "ictrp-xml"
    assert sniff(shared("registries/ictrp/ictrp_field_crosswalk.csv")) is None


def test_truncated_xml_keeps_earlier_trials(tmp_path: Path) -> None:
    text = gzip.decompress(shared(XML).read_bytes())
    cut = text.index(b"<Trial>", text.index(b"<Trial>", 100) + 10)
    path = tmp_path / "cut.xml"
    path.write_bytes(text[: cut + 40])
    items = [i for i, _ in xml_export.parse(path)]
    assert isinstance(items[0], StudyRecord) and isinstance(items[-1], Quarantined)
    assert "not well-formed" in items[-1].reason


def test_loader_registered_and_stages(tmp_path: Path) -> None:
    loader = SOURCES.create("ictrp")
    assert isinstance(loader, IctrpLoader) and loader.name == loader.source == "ictrp"
    staged = list(loader.read([FIXTURES], load_run="test"))
    records = [s for s in staged if isinstance(s, Staged)]
    assert {s.record_id for s in records} >= {"ictrp:ACTRN12619000423112", "ictrp:ChiCTR2000029953"}
    assert len([s for s in staged if isinstance(s, Quarantined)]) == 4
    # the row with an impossible registration date is staged, its date filed as a field issue
    dated = next(s for s in records if s.record_id == "ictrp:ACTRN12619000720112")
    assert dated.issues == ("Date_registration '31/02/2019' is not a calendar date; stored without it",)
    with pytest.raises(SourceError, match="no such file or folder"):
        list(loader.read([tmp_path / "missing.csv"], load_run="test"))


def test_xml_values_match_raw_elements(xml: dict[str, StudyRecord]) -> None:
    root = etree.fromstring(gzip.decompress(shared(XML).read_bytes()))
    trial = next(t for t in root if t.findtext("TrialID") == "NCT00523276")
    rec = xml["NCT00523276"]
    assert rec.brief_title == trial.findtext("Public_title")
    assert rec.registration_date == "2007-08-30" and rec.start_date == "1996-01"
    assert rec.enrollment == int(trial.findtext("Target_size")) and rec.study_type == "OBSERVATIONAL"
    assert rec.eligibility is not None and rec.eligibility.min_age == trial.findtext("Inclusion_agemin")


def test_parse_paths_on_shared_folder_quarantines_non_exports() -> None:
    items = list(parse_paths([shared(XML).parent]))
    records = [i for i, _ in items if isinstance(i, StudyRecord)]
    assert len(records) == 260 + 1135 + 578


# ------------------------------------------------------------------------- target size field issues


def test_a_negative_or_non_numeric_target_size_is_a_field_issue_and_the_record_loads(tmp_path: Path) -> None:
    """A target size of "-5" was read as 5 and "abc" silently as nothing; now the record loads without it and
    carries one line naming it. A placeholder (NULL) stays a silent None."""
    path = tmp_path / "sizes.csv"
    ids = ictrp_export_with_target_sizes(path, ["-5", "abc", "NULL", "120"])
    records = {r.registry_id: r for r, _ in csv_export.parse(path)}
    assert [records[i].enrollment for i in ids] == [None, None, None, 120]

    staged = {s.record_id: s for s in IctrpLoader().read([path], load_run="test")}
    assert all(isinstance(s, Staged) for s in staged.values())
    issues = {i: staged[f"ictrp:{i}"].issues for i in ids}
    assert issues == {
        ids[0]: ("Target_size '-5' is negative; stored without it",),
        ids[1]: ("Target_size 'abc' is not a number; stored without it",),
        ids[2]: (),
        ids[3]: (),
    }
    props = {i: staged[f"ictrp:{i}"].rows["merge_records"][0]["props"] for i in ids}
    assert [props[i]["enrollment"] for i in ids] == [None, None, None, 120]


# ------------------------------------------------------------------ a file cut short (issue 18: whole rows only)

CUT = "row cut at end of file (no line end)"


def _rows_with_spans(text: str) -> list[tuple[list[str], int, int, int]]:
    """(cells, first line, start, end) of every CSV record, header included, found with plain csv; ``end`` is
    just past the record's line end."""
    lines = list(io.StringIO(text, newline=""))
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    reader = csv.reader(lines)
    found, done = [], 0
    for cells in reader:
        found.append((cells, done + 1, starts[done], starts[reader.line_num]))
        done = reader.line_num
    return found


def _write_copy(tmp_path: Path, text: str, packed: bool) -> Path:
    path = tmp_path / ("export.csv.gz" if packed else "export.csv")
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if packed else data)
    return path


def _split(path: Path) -> tuple[list[StudyRecord], list[tuple[str, str, str | None]]]:
    items = [item for item, _ in csv_export.parse(path)]
    quarantined = [(q.origin, q.reason, q.record_id) for q in items if isinstance(q, Quarantined)]
    return [r for r in items if isinstance(r, StudyRecord)], quarantined


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_full_export_row_cut_inside_its_last_field_is_quarantined_and_earlier_rows_load(
    tmp_path: Path, packed: bool, full: dict[str, StudyRecord]
) -> None:
    text = shared(FULL).read_text("utf-8")
    rows = _rows_with_spans(text)
    index = max(i for i, (cells, *_) in enumerate(rows) if len(cells[-1].strip()) > 1)  # a non-empty email
    cells, first_line, _, end = rows[index]
    cut = text[: end - 1 - len(cells[-1]) // 2]
    assert len(next(csv.reader(io.StringIO(cut[rows[index][2] :], newline="")))) == 63  # full count: csv takes it
    records, quarantined = _split(path := _write_copy(tmp_path, cut, packed))
    assert [r.registry_id for r in records] == [cells[0] for cells, *_ in rows[1:index]]
    assert all(record == full[record.registry_id] for record in records)
    assert quarantined == [(f"{path}:{first_line}", CUT, cells[0])]


def test_full_export_without_its_final_line_end_quarantines_the_last_row(
    tmp_path: Path, full: dict[str, StudyRecord]
) -> None:
    text = shared(FULL).read_text("utf-8")
    rows = _rows_with_spans(text)
    assert text.endswith("\n") and rows[-1][0][-1] == ""  # the last value is empty: only the line end tells
    records, quarantined = _split(path := _write_copy(tmp_path, text[:-1], packed=False))
    assert [r.registry_id for r in records] == [cells[0] for cells, *_ in rows[1:-1]]
    assert quarantined == [(f"{path}:{rows[-1][1]}", CUT, rows[-1][0][0])]


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_full_export_cut_exactly_at_a_line_end_loads_every_whole_row(
    tmp_path: Path, packed: bool, full: dict[str, StudyRecord]
) -> None:
    text = shared(FULL).read_text("utf-8")
    rows = _rows_with_spans(text)
    records, quarantined = _split(_write_copy(tmp_path, text[: rows[130][3]], packed))
    assert [r.registry_id for r in records] == [cells[0] for cells, *_ in rows[1:131]]
    assert all(record == full[record.registry_id] for record in records)
    assert quarantined == []


def test_full_export_complete_gzip_copy_loads_every_row(tmp_path: Path, full: dict[str, StudyRecord]) -> None:
    text = shared(FULL).read_text("utf-8")
    records, quarantined = _split(_write_copy(tmp_path, text, packed=True))
    assert [r.registry_id for r in records] == [cells[0] for cells, *_ in _rows_with_spans(text)[1:]]
    assert {r.registry_id: r for r in records} == full and quarantined == []
