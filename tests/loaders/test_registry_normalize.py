"""Registry vocabulary normalisation: table-driven unit tests, then every value of the real ICTRP files."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.data import shared
from trialgraph.loaders.base import discover
from trialgraph.loaders.registries.normalize import (
    DATE_FORMATS_CSV,
    NO_PHASE_VALUES,
    PHASES,
    STATUSES,
    age,
    count_or_issue,
    countries,
    country,
    date_formats,
    is_placeholder,
    parse_date,
    phases,
    recruitment_status,
    sex,
    sponsor_name,
    study_type,
    target_size,
)
from trialgraph.model.registry_ids import REGISTRY_ID_REGEXES_CSV, registry_of
from trialgraph.model.staged import Staged
from trialgraph.model.text import clean_registry_text

FULL_EXPORT = "registries/ictrp/ictrp_full_export_sample.csv"
COVID_CSV = "registries/ictrp/ictrp_covid19_web_2020-04-15.csv.gz"
RESULTS_XML = "registries/ictrp/ICTRP-Results_2020-03-18.xml.gz"


# ------------------------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("NULL", None),
        ("null", None),
        ("Title" + " " * 300, "Title"),
        ("a   b\t c", "a b c"),
        ("line 1<br>line 2<br/>line 3<BR />", "line 1\nline 2\nline 3"),
        ("<b>bold</b> and <a href='x'>link</a>", "bold and link"),
        ("Fish &amp; chips &lt;3", "Fish & chips <3"),
        ("<= 79age old", "<= 79age old"),
        ("< 80 and > 18", "< 80 and > 18"),
        ("PÃ©diatrie", "Pédiatrie"),
        ("Pédiatrie", "Pédiatrie"),
        ("Ã‰tude â€“ phase", "Étude – phase"),
        ("<br>Female: yes<br>Male: yes<br>", "Female: yes\nMale: yes"),
    ],
)
def test_clean_text(raw: str | None, expected: str | None) -> None:
    assert clean_registry_text(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [None, "", "  ", "NULL", "null", "Nil Known", "nil known", "not appliable", "N/A", "n/a", "NA", "none",
     "Not applicable", "  NOT APPLICABLE  ", "-", "??", "/"],
)  # fmt: skip
def test_placeholders(raw: str | None) -> None:
    assert is_placeholder(raw)


@pytest.mark.parametrize("raw", ["Recruiting", "0", "China", "Phase 1", "Nil known allergies to penicillin"])
def test_not_placeholders(raw: str) -> None:
    assert not is_placeholder(raw)


# ----------------------------------------------------------------------------------- vocabularies


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Phase 2/Phase 3", ("PHASE2", "PHASE3")),
        ("II-III", ("PHASE2", "PHASE3")),
        ("Phase 2-3", ("PHASE2", "PHASE3")),
        ("Phase II/III", ("PHASE2", "PHASE3")),
        ("Phase 2 / Phase 3", ("PHASE2", "PHASE3")),
        ("Phase 2/ Phase 3", ("PHASE2", "PHASE3")),
        ("2/3", ("PHASE2", "PHASE3")),
        ("2-3", ("PHASE2", "PHASE3")),
        ("Phase-3", ("PHASE3",)),
        ("Phase III", ("PHASE3",)),
        ("Phase 1/Phase 2", ("PHASE1", "PHASE2")),
        ("Phase I/II", ("PHASE1", "PHASE2")),
        ("Phase 3/ Phase 4", ("PHASE3", "PHASE4")),
        # CTIS trialPhase labels
        ("Therapeutic exploratory (Phase II)", ("PHASE2",)),
        ("Therapeutic use (Phase IV)", ("PHASE4",)),
        ("Phase I and Phase II (Integrated)", ("PHASE1", "PHASE2")),
        ("Human pharmacology (Phase I) - First administration to humans", ("PHASE1",)),
        ("Early Phase 1", ("EARLY_PHASE1",)),
        ("Phase 0", ("EARLY_PHASE1",)),
        ("0", ("EARLY_PHASE1",)),
        ("Phase 4", ("PHASE4",)),
        ("Phase4", ("PHASE4",)),
        ("IV", ("PHASE4",)),
        ("II", ("PHASE2",)),
        ("3", ("PHASE3",)),
        ("Post Marketing Surveillance", ("PHASE4",)),
        ("N/A", ()),
        ("Not Applicable", ()),
        ("Not Specified", ()),
        ("Not selected", ()),
        ("Retrospective study", ()),
        ("", ()),
        (None, ()),
        ("something else", ()),
        (
            "Human pharmacology (Phase I): no\nTherapeutic exploratory (Phase II): yes\n"
            "Therapeutic confirmatory - (Phase III): yes\nTherapeutic use (Phase IV): no",
            ("PHASE2", "PHASE3"),
        ),
        (
            "Human pharmacology (Phase I): yesTherapeutic exploratory (Phase II): noTherapeutic confirmatory - "
            "(Phase III): noTherapeutic use (Phase IV): no",
            ("PHASE1",),
        ),
        (
            "Human pharmacology (Phase I): no\nTherapeutic exploratory (Phase II): no\n"
            "Therapeutic confirmatory - (Phase III): no\nTherapeutic use (Phase IV): no",
            (),
        ),
        ("Human pharmacology (Phase I): \nTherapeutic exploratory (Phase II): yes", ("PHASE2",)),
    ],
)
def test_phases(raw: str | None, expected: tuple[str, ...]) -> None:
    assert phases(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # ICTRP and its registries
        ("Recruiting", "RECRUITING"),
        ("recruiting", "RECRUITING"),
        ("Not recruiting", "ACTIVE_NOT_RECRUITING"),
        ("Not Recruiting", "ACTIVE_NOT_RECRUITING"),
        ("Pending", "NOT_YET_RECRUITING"),
        ("Pending (Not yet recruiting)", "NOT_YET_RECRUITING"),
        ("Authorised", "UNKNOWN"),
        ("Authorised-recruitment may be ongoing or finished", "UNKNOWN"),
        ("Completed", "COMPLETED"),
        ("Complete", "COMPLETED"),
        ("Complete: follow-up complete", "COMPLETED"),
        ("Complete: follow-up continuing", "ACTIVE_NOT_RECRUITING"),
        ("Suspended", "SUSPENDED"),
        ("Withdrawn", "WITHDRAWN"),
        ("Terminated", "TERMINATED"),
        ("Not yet recruiting", "NOT_YET_RECRUITING"),
        ("Not Yet Recruiting", "NOT_YET_RECRUITING"),
        ("Active, not recruiting", "ACTIVE_NOT_RECRUITING"),
        ("Enrolling by invitation", "ENROLLING_BY_INVITATION"),
        ("Unknown status", "UNKNOWN"),
        ("Available", "AVAILABLE"),
        ("No longer available", "NO_LONGER_AVAILABLE"),
        ("Approved for marketing", "APPROVED_FOR_MARKETING"),
        ("Open to Recruitment", "RECRUITING"),
        ("Closed to Recruitment of Participants", "ACTIVE_NOT_RECRUITING"),
        # EUCTR
        ("Ongoing", "ACTIVE_NOT_RECRUITING"),
        ("Prematurely Ended", "TERMINATED"),
        ("Temporarily Halted", "SUSPENDED"),
        ("Restarted", "ACTIVE_NOT_RECRUITING"),
        ("Not Authorised", "WITHDRAWN"),
        ("Trial now transitioned", "UNKNOWN"),
        ("GB - no longer in EU/EEA", "UNKNOWN"),
        # CTIS
        ("Ongoing, recruiting", "RECRUITING"),
        ("Ongoing, recruitment ended", "ACTIVE_NOT_RECRUITING"),
        ("Authorised, not started", "NOT_YET_RECRUITING"),
        ("Ended", "COMPLETED"),
        ("Halted", "SUSPENDED"),
        ("Revoked", "TERMINATED"),
        ("Under evaluation", "NOT_YET_RECRUITING"),
        ("DE:Pending", "NOT_YET_RECRUITING"),  # CTIS per member state
        ("NL:Recruiting", "RECRUITING"),
        (4, "UNKNOWN"),  # CTIS ctStatus code: "Authorised"
        ("8", "COMPLETED"),
        ("10", "TERMINATED"),
        # ISRCTN
        ("No longer recruiting", "ACTIVE_NOT_RECRUITING"),
        ("Stopped", "TERMINATED"),
        # already the enum
        ("ACTIVE_NOT_RECRUITING", "ACTIVE_NOT_RECRUITING"),
        # nothing
        ("NULL", None),
        ("", None),
        (None, None),
        ("Flux capacitor", None),
    ],
)
def test_recruitment_status(raw: str | int | None, expected: str | None) -> None:
    assert recruitment_status(raw) == expected


def test_status_table_targets_are_enums() -> None:
    from trialgraph.loaders.registries import normalize

    assert set(normalize._STATUS.values()) <= STATUSES


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Interventional", "INTERVENTIONAL"),
        ("interventional study", "INTERVENTIONAL"),
        ("Interventional clinical trial of medicinal product", "INTERVENTIONAL"),
        ("INTERVENTIONAL", "INTERVENTIONAL"),
        ("Intervention", "INTERVENTIONAL"),
        ("Observational", "OBSERVATIONAL"),
        ("Observational study", "OBSERVATIONAL"),
        ("Observational [Patient Registry]", "OBSERVATIONAL"),
        ("Expanded access", "EXPANDED_ACCESS"),
        ("Expanded Access", "EXPANDED_ACCESS"),
        ("Basic Science", "INTERVENTIONAL"),
        ("Diagnostic test", "INTERVENTIONAL"),
        ("Treatment study", "INTERVENTIONAL"),
        ("Prevention", "INTERVENTIONAL"),
        ("Epidemilogical research", "OBSERVATIONAL"),
        ("Prognosis study", "OBSERVATIONAL"),
        ("NULL", None),
        ("Something", None),
    ],
)
def test_study_type(raw: str | None, expected: str | None) -> None:
    assert study_type(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("18 Years", "18 Years"),
        ("18Y", "18 Years"),
        ("18 years", "18 Years"),
        ("18", "18 Years"),
        ("18.0 Year(s)", "18 Years"),
        ("19(Year)", "19 Years"),
        ("19 Year(s)", "19 Years"),
        ("20years-old", "20 Years"),
        (">= 20age old", "20 Years"),
        ("<= 79age old", "79 Years"),
        ("1 Year", "1 Year"),
        ("6 Months", "6 Months"),
        ("6M", "6 Months"),
        ("1 Month", "1 Month"),
        ("2 Weeks", "2 Weeks"),
        ("365 Days", "365 Days"),
        ("N/A", None),
        ("no limit", None),
        ("No Limit", None),
        ("no maximum age", None),
        ("Not stated", None),
        ("Not applicable", None),
        ("0", None),
        ("", None),
        (None, None),
    ],
)
def test_age(raw: str | None, expected: str | None) -> None:
    assert age(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Both", "ALL"),
        ("BOTH", "ALL"),
        ("Both, male and female", "ALL"),
        ("Both males and females", "ALL"),
        ("Male and Female", "ALL"),
        ("All", "ALL"),
        ("Male", "MALE"),
        ("Males", "MALE"),
        ("M", "MALE"),
        ("Men", "MALE"),
        ("Female", "FEMALE"),
        ("Females", "FEMALE"),
        ("F", "FEMALE"),
        ("Women", "FEMALE"),
        ("<br>Female: yes<br>Male: yes<br>", "ALL"),
        ("<br> Female: yes<br> Male: yes<br>", "ALL"),
        ("<br>Female: no<br>Male: yes<br>", "MALE"),
        ("<br>Female: yes<br>Male: no<br>", "FEMALE"),
        ("-", None),
        ("", None),
        ("Robots", None),
    ],
)
def test_sex(raw: str | None, expected: str | None) -> None:
    assert sex(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("100", 100),
        ("100.0", 100),
        ("Target condition:60;Difficult condition:0", 60),
        ("Case:30;Control:30", 60),
        ("Group 1:48;Group 2:48;Group 3:48;", 144),
        ("Standard dual antibody group(A):50;Low dose ticagrelor (C):50;", 100),
        ("1,200", 1200),
        ("approx 50", 50),
        ("NULL", None),
        ("", None),
        (None, None),
        ("not known", None),
        ("N/A", None),
        ("-", None),
        ("0", 0),
        ("Target condition:0;Difficult condition:0", 0),
        ("100-200", 100),
        ("Group-2:30;", 30),
        ("1e3", 1000),  # not 1
        ("2.5E+2", 250),
        ("1e30", int(1e30)),  # read as written; ``check_study`` drops it as past 64 bits
    ],
)
def test_target_size(raw: str | None, expected: int | None) -> None:
    assert target_size(raw) == expected
    assert count_or_issue("Target_size", raw) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("-5", "Target_size '-5' is negative; stored without it"),
        (" -5 ", "Target_size '-5' is negative; stored without it"),
        ("\u22125", "Target_size '\u22125' is negative; stored without it"),
        ("Case:-5;Control:30;", "Target_size 'Case:-5;Control:30;' is negative; stored without it"),
        ("abc", "Target_size 'abc' is not a number; stored without it"),
        ("to be\ndecided", "Target_size 'to be decided' is not a number; stored without it"),
        ("x" * 200, f"Target_size {'x' * 77 + '...'!r} is not a number; stored without it"),
        ("1e400", "Target_size '1e400' is not a finite number; stored without it"),
        ("12.5", "Target_size '12.5' is not a whole number; stored without it"),
        (
            "Case:" + "9" * 320 + ";Control:1;",
            f"Target_size {('Case:' + '9' * 320)[:77] + '...'!r} is not a finite number; stored without it",
        ),
    ],
)
def test_a_negative_or_non_numeric_size_is_left_out_with_one_line(raw: str, reason: str) -> None:
    """Not 5 for "-5" nor a silent None for "abc": the value is dropped and the line says which and why."""
    with pytest.raises(ValueError):
        target_size(raw)
    assert count_or_issue("Target_size", raw) == (None, reason)


@pytest.mark.parametrize(
    ("path", "column"),
    [
        ("registries/ictrp/ictrp_full_export_sample.csv", "Target_size"),
        ("registries/ictrp/ictrp_covid19_web_2020-04-15.csv.gz", "Target size"),
    ],
)
def test_every_real_ictrp_target_size_reads_without_an_issue(path: str, column: str) -> None:
    """The shared exports write "unknown" only as a blank cell (a placeholder, silent None), and 0 only as a
    count (CT.gov's actual 0 of withdrawn trials; ChiCTR's "Difficult condition:0"): none becomes an issue."""
    data = shared(path).read_bytes()
    text = (gzip.decompress(data) if path.endswith(".gz") else data).decode("utf-8-sig")
    values = [row[column] for row in csv.DictReader(io.StringIO(text, newline=""))]
    results = {value: count_or_issue(column, value) for value in values}
    assert [v for v, (_, issue) in results.items() if issue] == []
    assert {v for v, (size, _) in results.items() if size is None} <= {""}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("USA", "United States"),
        ("United States", "United States"),
        ("United States of America", "United States"),
        ("UK", "United Kingdom"),
        ("United Kindgdom", "United Kingdom"),
        ("Korea, Republic of", "Korea, Republic of"),
        ("Korea, Republic Of", "Korea, Republic of"),
        ("Republic of Korea", "Korea, Republic of"),
        ("South Korea", "Korea, Republic of"),
        ("Iran (Islamic Republic of)", "Iran, Islamic Republic of"),
        ("Iran, Islamic Republic of", "Iran, Islamic Republic of"),
        ("China", "China"),
        ("china", "China"),
        ("Viet Nam", "Viet Nam"),
        ("Vietnam", "Viet Nam"),
        ("Türkiye", "Türkiye"),
        ("Turkey", "Türkiye"),
        ("Czech Republic", "Czechia"),
        ("The Netherlands", "Netherlands"),
        ("Taiwan", "Taiwan, Province of China"),
        ("Côte D'Ivoire", "Côte d'Ivoire"),
        ("DE", "Germany"),
        ("GBR", "United Kingdom"),
        ("Africa", None),
        ("Europe", None),
        ("Atlantis", None),
        ("NULL", None),
        (None, None),
    ],
)
def test_country(raw: str | None, expected: str | None) -> None:
    assert country(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Korea, Republic of", ("Korea, Republic of",)),
        ("United States;Canada;United States", ("United States", "Canada")),
        ("Argentina;Republic of Korea;Taiwan", ("Argentina", "Korea, Republic of", "Taiwan, Province of China")),
        ("Japan,Asia(except Japan),Australia,Europe", ("Japan", "Australia")),
        ("France | Germany\nItaly", ("France", "Germany", "Italy")),
        ("Korea, Republic of, Japan", ("Korea, Republic of", "Japan")),
        ("Iran (Islamic Republic of);Iran (Islamic Republic of)", ("Iran, Islamic Republic of",)),
        ("NULL", ()),
        ("", ()),
    ],
)
def test_countries(raw: str, expected: tuple[str, ...]) -> None:
    assert countries(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Sun Yat-sen University   ", "Sun Yat-sen University"),
        ("Pfizer Inc.", "Pfizer Inc"),
        ("Hospital X,  ", "Hospital X"),
        ("Fish &amp; Co<br>Ltd;", "Fish & Co Ltd"),
        ("Universit\u00c3\u00a9 de Paris", "Université de Paris"),
        ("NULL", None),
        ("N/A", None),
    ],
)
def test_sponsor_name(raw: str, expected: str | None) -> None:
    assert sponsor_name(raw) == expected


# ------------------------------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("raw", "formats", "expected"),
    [
        ("2019-05-01", (), "2019-05-01"),
        ("May 1, 2019", (), "2019-05-01"),
        ("1 May 2019", (), "2019-05-01"),
        ("15 July 2019", (), "2019-07-15"),
        ("April 2019", (), "2019-04"),
        ("2019-05", (), "2019-05"),
        ("2019", (), "2019"),
        ("14/03/2019", (), "2019-03-14"),
        ("03-01-2019", (), "2019-01-03"),
        ("2018/09/21", (), "2018-09-21"),
        ("20200330", (), "2020-03-30"),
        ("2011-12-31T00:00:00.000Z", (), "2011-12-31"),
        ("Oct 29 2018 12:00AM", (), "2018-10-29"),
        ("01/05/2016", (), "2016-05-01"),
        ("01/05/2016", ("%m/%d/%Y",), "2016-01-05"),
        ("02/13/2019", (), "2019-02-13"),  # day-first impossible: month-first is the only reading
        ("  9/1/2019   ", ("%d/%m/%Y",), "2019-01-09"),
        ("NULL", (), None),
        ("", (), None),
        (None, (), None),
        ("1900-01-01", (), None),
        ("Jan  1 1900 12:00AM", (), None),
        ("01/01/1900", (), None),
    ],
)
def test_parse_date(raw: str | None, formats: tuple[str, ...], expected: str | None) -> None:
    assert parse_date(raw, formats) == expected


@pytest.mark.parametrize("raw", ["13/13/2019", "2019-13-01", "30/02/2019", "2019-02-30", "01/01/1850", "2150-01-01",
                                 "sometime next year", "32 May 2019"])  # fmt: skip
def test_parse_date_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match=re.escape(raw)):
        parse_date(raw)


@pytest.mark.parametrize(
    ("registry", "field", "expected_first"),
    [
        ("ClinicalTrials.gov", "Date_registration", "%d/%m/%Y"),
        ("ClinicalTrials.gov", "Date_enrollement", "%B %d, %Y"),
        ("ClinicalTrials.gov", "Date enrollement", "%B %d, %Y"),
        ("CTRI", "Date_registration", "%d-%m-%Y"),
        ("ChiCTR", "Date_registration", "%Y-%m-%d"),
        ("IRCT", "Date_enrollement", "%Y-%m-%d"),
        ("JPRN", "Date_enrollement", "%d/%m/%Y"),
        ("DRKS", "Date_registration", "%d/%m/%Y"),
        ("German Clinical Trials Register", "Date_registration", "%d/%m/%Y"),
        ("EUCTR", "Last_Refreshed_on", "%d %B %Y"),
        ("ANZCTR", "Date registration3", "%Y%m%d"),
    ],
)
def test_date_formats(registry: str, field: str, expected_first: str) -> None:
    assert date_formats(registry, field)[0] == expected_first


def test_date_formats_unknown() -> None:
    assert date_formats("Nowhere", "Date_registration") == ()
    assert date_formats("CTRI", "No_such_field") == ()
    assert "%B %Y" in date_formats("ClinicalTrials.gov", "Date_enrollement")
    assert set(date_formats("JPRN", "Date_enrollement")) == {"%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d"}


def test_package_tables_are_well_formed() -> None:
    with DATE_FORMATS_CSV.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(r["registry"] and r["field"] and r["date_format"].startswith("%") for r in rows)
    with REGISTRY_ID_REGEXES_CSV.open(newline="", encoding="utf-8") as handle:
        regexes = list(csv.DictReader(handle))
    assert all(r["regex"].startswith("^") and r["regex"].endswith("$") for r in regexes)


# ------------------------------------------------------------------------------------------ ids


@pytest.mark.parametrize(
    ("trial_id", "expected"),
    [
        ("NCT01234567", "ClinicalTrials.gov"),
        ("ChiCTR1900020000", "ChiCTR"),
        ("ChiCTR-IOR-17013270", "ChiCTR"),
        ("CTRI/2019/01/016868", "CTRI"),
        ("EUCTR2018-004320-11-HU", "EUCTR"),
        ("EUCTR2018-004320-11-Outside-EU/EEA", "EUCTR"),
        ("2018-004320-11", "EUCTR"),
        ("2015-002276-25-DE", "EUCTR"),
        ("2022-500244-37-00", "CTIS"),
        ("ISRCTN12949496", "ISRCTN"),
        ("ACTRN12619000423112", "ANZCTR"),
        ("DRKS00012345", "DRKS"),
        ("IRCT20190101042197N1", "IRCT"),
        ("JPRN-UMIN000035000", "JPRN"),
        ("JPRN-jRCTs031180001", "JPRN"),
        ("JPRN-JapicCTI-194567", "JPRN"),
        ("jRCTs031180001", "JPRN"),
        ("UMIN000035000", "JPRN"),
        ("JapicCTI-194567", "JPRN"),
        ("KCT0003456", "CRIS"),
        ("TCTR20190101001", "TCTR"),
        ("RBR-6qvdftm", "ReBEC"),
        ("PACTR201908123456789", "PACTR"),
        ("PER-001-19", "REPEC"),
        ("NL7654", "NTR"),
        ("NTR1234", "NTR"),
        ("LBCTR2019101234", "LBCTR"),
        ("SLCTR/2019/001", "SLCTR"),
        ("RPCEC00000300", "RPCEC"),
        ("  NCT01234567  ", "ClinicalTrials.gov"),
        ("NCT 01234567", "ClinicalTrials.gov"),
        ("XYZ123", None),
        ("see NCT01234567 for details", None),
        ("", None),
    ],
)
def test_registry_of(trial_id: str, expected: str | None) -> None:
    assert registry_of(trial_id) == expected


# ------------------------------------------------------------------------------- real ICTRP files


def _full_export() -> list[dict[str, str]]:
    with shared(FULL_EXPORT).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _covid_rows() -> list[dict[str, str]]:
    with gzip.open(shared(COVID_CSV), "rt", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _xml_trial_ids(path: Path) -> Iterator[str]:
    from lxml import etree

    with gzip.open(path, "rb") as handle:
        for _, element in etree.iterparse(handle, tag="TrialID"):
            yield element.text or ""
            element.clear()


def _check_dates(rows: list[dict[str, str]], fields: dict[str, str]) -> int:
    failures, checked = [], 0
    for row in rows:
        registry = registry_of(row["TrialID"])
        assert registry is not None, row["TrialID"]
        for column, field in fields.items():
            raw = row[column]
            if is_placeholder(clean_registry_text(raw)):
                continue
            formats = date_formats(registry, field)
            try:
                value = parse_date(raw, formats)
            except ValueError as exc:
                failures.append(f"{row['TrialID']} {column}: {exc}")
                continue
            checked += 1
            if value is not None:
                parts = [int(p) for p in value.split("-")] + [1] * (3 - value.count("-") - 1)
                date(*parts)  # a real calendar date
            if not formats:
                failures.append(f"{row['TrialID']} {column}: no formats for {registry}/{field}")
    assert not failures, "\n".join(failures[:50])
    return checked


def test_full_export_dates_parse_with_registry_formats() -> None:
    checked = _check_dates(
        _full_export(), {"Date_registration": "Date_registration", "Date_enrollement": "Date_enrollement"}
    )
    assert checked > 400


def test_covid_csv_dates_parse_with_registry_formats() -> None:
    checked = _check_dates(
        _covid_rows(), {"Date registration": "Date_registration", "Date enrollement": "Date_enrollement"}
    )
    assert checked > 2000


def test_full_export_ids_dates_respect_registry_formats() -> None:
    # A format table is only useful when it decides: ClinicalTrials.gov "9/1/2019" is 9 January.
    row = next(r for r in _full_export() if r["TrialID"].startswith("NCT") and r["Date_registration"] == "9/1/2019")
    assert parse_date(row["Date_registration"], date_formats("ClinicalTrials.gov", "Date_registration")) == (
        "2019-01-09"
    )


def test_full_export_statuses_map() -> None:
    rows = _full_export()
    unmapped = sorted({r["Recruitment_status"] for r in rows if not is_placeholder(r["Recruitment_status"])
                       and recruitment_status(r["Recruitment_status"]) is None})  # fmt: skip
    assert not unmapped, f"unmapped Recruitment_status values: {unmapped}"
    mapped = {recruitment_status(r["Recruitment_status"]) for r in rows} - {None}
    assert mapped == {
        "RECRUITING",
        "NOT_YET_RECRUITING",
        "COMPLETED",
        "ACTIVE_NOT_RECRUITING",
        "ENROLLING_BY_INVITATION",
        "TERMINATED",
        "SUSPENDED",
        "UNKNOWN",
    }


def test_covid_statuses_map() -> None:
    values = {r["Recruitment Status"] for r in _covid_rows()}
    unmapped = sorted(v for v in values if not is_placeholder(v) and recruitment_status(v) is None)
    assert not unmapped, f"unmapped Recruitment Status values: {unmapped}"


def _phase_unmapped(values: set[str]) -> list[str]:
    return sorted(
        v
        for v in values
        if not phases(v)
        and not is_placeholder(clean_registry_text(v))
        and " ".join(re.sub(r"[^\w]+", " ", v.casefold()).split()) not in NO_PHASE_VALUES
    )


def test_full_export_phases_map() -> None:
    rows = _full_export()
    values = {r["phase"] for r in rows}
    unmapped = _phase_unmapped(values)
    assert not unmapped, f"unmapped phase values: {unmapped}"
    mapped = {p for v in values for p in phases(v)}
    assert mapped == set(PHASES) - {"NA"}


def test_covid_phases_map() -> None:
    unmapped = _phase_unmapped({r["Phase"] for r in _covid_rows()})
    assert not unmapped, f"unmapped Phase values: {unmapped}"


def test_full_export_study_types_sexes_ages_sizes() -> None:
    rows = _full_export()
    assert {study_type(r["study_type"]) for r in rows} == {"INTERVENTIONAL"}
    bad_sex = sorted({r["Gender"] for r in rows if sex(r["Gender"]) is None and not is_placeholder(r["Gender"])})
    assert not bad_sex, f"unmapped Gender values: {bad_sex}"
    no_size = sorted({r["Target_size"] for r in rows if target_size(r["Target_size"]) is None})
    assert no_size in ([], [""]), f"unreadable Target_size values: {no_size}"
    ages = {age(r[c]) for r in rows for c in ("Agemin", "Agemax")} - {None}
    assert all(re.fullmatch(r"\d+ (Year|Month|Week|Day|Hour|Minute)s?", a) for a in ages), ages


def test_covid_study_types_map() -> None:
    values = {r["Study type"] for r in _covid_rows()}
    unmapped = sorted(v for v in values if not is_placeholder(v) and study_type(v) is None)
    assert not unmapped, f"unmapped Study type values: {unmapped}"


# Region names some registries put in their country field: not countries, so nothing to normalise.
_REGION_ONLY = {"Africa"}


def test_full_export_countries_normalise() -> None:
    rows = _full_export()
    empty = sorted(
        {
            r["Countries"]
            for r in rows
            if not countries(r["Countries"])
            and not is_placeholder(r["Countries"])
            and r["Countries"] not in _REGION_ONLY
        }
    )
    assert not empty, f"Countries values with no recognised country: {empty}"
    names = {n for r in rows for n in countries(r["Countries"])}
    assert {"United States", "Korea, Republic of", "Iran, Islamic Republic of", "Türkiye", "Czechia"} <= names
    # no list separator survives into a name
    assert not [n for n in names if ";" in n]


def test_covid_countries_normalise() -> None:
    values = {r["Countries"] for r in _covid_rows()}
    empty = sorted(v for v in values if not countries(v) and not is_placeholder(v) and v not in {"Wuhan"})
    assert not empty, f"Countries values with no recognised country: {empty}"


def test_registry_of_every_ictrp_trial_id() -> None:
    ids = {r["TrialID"] for r in _full_export()}
    ids |= {r["TrialID"] for r in _covid_rows()}
    xml_ids = set(_xml_trial_ids(shared(RESULTS_XML)))
    assert len(xml_ids) == 578
    ids |= xml_ids
    unknown = sorted(i for i in ids if registry_of(i) is None)
    assert not unknown, f"TrialIDs with no registry: {unknown}"
    assert {registry_of(i) for i in ids} >= {"ClinicalTrials.gov", "EUCTR", "ChiCTR", "JPRN", "CTRI", "NTR", "CRIS"}


def test_registry_of_agrees_with_covid_source_register() -> None:
    label_to_registry = {
        "German Clinical Trials Register": "DRKS",
        "EU Clinical Trials Register": "EUCTR",
        "Netherlands Trial Register": "NTR",
    }
    mismatched = []
    for row in _covid_rows():
        label = row["Source Register"].strip()
        if registry_of(row["TrialID"]) != label_to_registry.get(label, label):
            mismatched.append((row["TrialID"], label))
    assert not mismatched, mismatched[:20]


def _json_values(node: object, keys: frozenset[str]) -> Iterator[tuple[str, object]]:
    """(key, value) for every scalar under one of ``keys``, anywhere in a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in keys and not isinstance(value, dict | list):
                yield key, value
            else:
                yield from _json_values(value, keys)
    elif isinstance(node, list):
        for item in node:
            yield from _json_values(item, keys)


def _jsonl(relative: str) -> list[object]:
    with shared(relative).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_ctis_euctr_isrctn_json_vocabularies_map() -> None:
    unmapped: list[tuple[str, object]] = []
    checks = {
        "registries/ctis/ctis_trials.jsonl": {
            "ctStatus": recruitment_status,
            "recruitmentStatus": recruitment_status,
            "trialPhase": phases,
        },
        "registries/euctr/euctr_ctrdata_json.jsonl": {"p_end_of_trial_status": recruitment_status},
        "registries/isrctn/isrctn_trials_ctrdata_json.jsonl": {
            "overallStatusOverride": recruitment_status,
            "recruitmentStatusOverride": recruitment_status,
            "phase": phases,
            "gender": sex,
            "primaryStudyDesign": study_type,
            "targetEnrolment": target_size,
            "country": country,
        },
    }
    seen = 0
    for relative, functions in checks.items():
        for record in _jsonl(relative):
            for key, value in _json_values(record, frozenset(functions)):
                if value in ("", None):
                    continue
                if key == "trialPhase" and str(value).isdigit():
                    continue  # post-2024 CTIS nested code ("6"); the same record's top-level label is checked
                seen += 1
                if not functions[key](value):
                    unmapped.append((key, value))
    assert seen > 40
    assert not unmapped, f"unmapped values: {sorted(set(map(str, unmapped)))}"


# ---------------------------------------------------------------- counts through every registry's mapper

# (source, shared file, first occurrence of its count to replace, what the record keeps, the field named)
COUNT_FIELDS = [
    (
        "isrctn",
        "registries/isrctn/isrctn_trials_ctrdata_json.jsonl",
        r'"totalFinalEnrolment": "9"',
        20,
        "totalFinalEnrolment",
    ),
    ("anzctr", "registries/anzctr/SYNTHETIC_anzctr_trials.xml", r"<samplesize>100</samplesize>", None, "samplesize"),
    (
        "euctr",
        "registries/euctr/euctr_ctrdata_json.jsonl",
        r'"f41_in_the_member_state": "50"',
        None,
        "f41_in_the_member_state",
    ),
]


@pytest.mark.parametrize(("source", "path", "count", "kept", "field"), COUNT_FIELDS)
@pytest.mark.parametrize(("bad", "why"), [("-5", "is negative"), ("abc", "is not a number")])
def test_each_registry_loads_a_record_with_a_bad_count_and_files_the_count(
    tmp_path: Path, source: str, path: str, count: str, kept: int | None, field: str, bad: str, why: str
) -> None:
    """ISRCTN, ANZCTR and EU CTR read their counts like ICTRP: the first real record, its count made bad, loads
    without it (ISRCTN falls back from the final enrolment to the target) and carries one line naming it."""
    text = shared(path).read_text(encoding="utf-8")
    assert count in text
    value = re.findall(r"\d+", count)[-1]  # the count, not the "41" of "f41_..."
    head, _, tail = count.rpartition(value)
    edited = tmp_path / Path(path).name
    edited.write_text(text.replace(count, f"{head}{bad}{tail}", 1), encoding="utf-8")
    staged = list(discover().create(source).read([edited], load_run="test"))
    assert all(isinstance(s, Staged) for s in staged)
    flagged = [s for s in staged if s.issues]
    assert [s.issues for s in flagged] == [(f"{field} '{bad}' {why}; stored without it",)]
    assert flagged[0].rows["merge_records"][0]["props"]["enrollment"] == kept
