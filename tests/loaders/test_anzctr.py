"""ANZCTR parser and loader: counts, spot checks against the raw XML, and agreement with the same trials'
rows in the WHO ICTRP full export (read with ``csv``/``xml.etree`` here, independently of the parser)."""

from __future__ import annotations

import csv
import html
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest

from tests.data import REPO_ROOT, shared
from trialgraph.errors import SourceError
from trialgraph.loaders.anzctr.loader import iter_anzctr
from trialgraph.loaders.base import SOURCES, discover
from trialgraph.model.rows import WRITE_ORDER
from trialgraph.model.staged import Quarantined, Staged
from trialgraph.model.study import IdClaim, StudyRecord

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "anzctr"
XML = "registries/anzctr/SYNTHETIC_anzctr_trials.xml"


def _words(text: str) -> str:
    """Compare text as words: ICTRP pads and keeps ``<br>``; the parser cleans."""
    return " ".join(re.sub(r"<br\s*/?>", " ", html.unescape(text)).split())


@pytest.fixture(scope="module")
def raw_trials() -> dict[str, ET.Element]:
    root = ET.parse(shared(XML)).getroot()
    return {t.findtext("actrnumber", ""): t for t in root.iter("ANZCTR_Trial")}


@pytest.fixture(scope="module")
def records() -> dict[str, StudyRecord]:
    items = list(iter_anzctr([shared(XML)]))
    assert all(isinstance(item, StudyRecord) for item, _ in items)
    return {item.registry_id: item for item, _ in items}  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def ictrp_rows() -> dict[str, dict[str, str]]:
    with shared("registries/ictrp/ictrp_full_export_sample.csv").open(newline="", encoding="utf-8") as handle:
        return {row["TrialID"]: row for row in csv.DictReader(handle) if row["TrialID"].startswith("ACTRN")}


def test_count_matches_independent_reading(raw_trials: dict, records: dict) -> None:
    assert len(raw_trials) == len(records) == 4
    assert set(records) == set(raw_trials)


def test_fields_match_raw_xml(raw_trials: dict, records: dict) -> None:
    for rid, raw in raw_trials.items():
        rec = records[rid]
        assert rec.registry == "ANZCTR" and rec.source_format == "anzctr-xml" and rec.canonical_id is None
        assert rec.brief_title == _words(raw.findtext("trial_identification/studytitle", ""))
        assert rec.official_title == _words(raw.findtext("trial_identification/scientifictitle", ""))
        assert rec.enrollment == int(raw.findtext("recruitment/samplesize", ""))
        assert rec.conditions == (raw.findtext("conditions/healthcondition"),)
        first_primary = raw.find("outcomes/primaryOutcome")
        assert first_primary is not None
        assert rec.outcomes[0].kind == "PRIMARY"
        assert rec.outcomes[0].measure.split() == _words(first_primary.findtext("outcome", "")).split()
        assert rec.outcomes[0].time_frame.split() == _words(first_primary.findtext("timepoint", "")).split()
        assert rec.sponsors[0].role == "LEAD"
        assert rec.sponsors[0].name == raw.findtext("sponsorship/primarysponsorname")
        assert rec.countries == ("Australia",)
        assert rec.study_type == "INTERVENTIONAL"
        day, month, year = raw.findtext("approvaldate", "").split("/")
        assert rec.registration_date == f"{year}-{month}-{day}"


def test_spot_checks(records: dict) -> None:
    star = records["ACTRN12619000423112"]
    assert star.overall_status == "RECRUITING"
    assert star.phases == ("PHASE2",)
    assert star.start_date == "2019-03-14"  # actualstartdate
    assert star.eligibility is not None
    assert (star.eligibility.min_age, star.eligibility.max_age, star.eligibility.sex) == ("40 Years", "80 Years", "ALL")
    assert star.eligibility.inclusion[0] == "Age 40-80 yrs;"
    assert len(star.eligibility.exclusion) == 7
    assert star.secondary_ids == ()  # "Nil Known"
    assert [o.kind for o in star.outcomes].count("SECONDARY") == 8
    assert star.sponsors[1].name == "Heart Foundation" and star.sponsors[1].role == "COLLABORATOR"

    psma = records["ACTRN12619000720112"]
    assert psma.phases == ()  # "Not Applicable"
    assert psma.start_date == "2019-06-03"  # anticipatedstartdate
    assert psma.eligibility is not None
    assert (psma.eligibility.max_age, psma.eligibility.sex) == (None, "MALE")  # "Not stated"
    assert [o.kind for o in psma.outcomes] == ["PRIMARY"]  # the secondary outcome is "NIL"
    assert psma.secondary_ids == ("ENHA01",) and psma.id_claims == ()

    booster = records["ACTRN12619000749101"]
    assert booster.overall_status == "NOT_YET_RECRUITING"
    assert booster.keywords == (
        "Musculoskeletal - Other muscular and skeletal disorders",
        "Neurological - Other neurological disorders",
    )
    assert records["ACTRN12619001489189"].phases == ("PHASE4",)


def test_agrees_with_ictrp_rows(records: dict, ictrp_rows: dict) -> None:
    assert set(ictrp_rows) == set(records)
    for rid, row in ictrp_rows.items():
        rec = records[rid]
        assert rec.brief_title == _words(row["public_title"])
        assert rec.official_title == _words(row["Scientific_title"])
        assert rec.enrollment == int(row["Target_size"])
        assert rec.registration_date == datetime.strptime(row["Date_registration"], "%d/%m/%Y").date().isoformat()
        assert rec.sponsors[0].name == row["Primary_sponsor"]


def test_one_trial_per_file_layout() -> None:
    (rec, origin), *rest = list(iter_anzctr([FIXTURES / "single"]))
    assert rest == [] and isinstance(rec, StudyRecord)
    assert origin.endswith("ACTRN12600000000001.xml[0]")
    assert rec.brief_title == "A test trial of aspirin for headache"  # a <br> in a title is a space
    assert rec.secondary_ids == ("NCT00000102", "Sponsor protocol 7", "U1111-1111-1111")
    assert rec.id_claims == (IdClaim("NCT00000102", "ClinicalTrials.gov", "trial_identification.secondaryid"),)
    assert (rec.enrollment, rec.enrollment_type) == (98, "ACTUAL")
    assert rec.phases == ("PHASE1", "PHASE2")
    assert (rec.start_date, rec.completion_date) == ("2006-03-15", "2007-12-31")
    assert rec.overall_status == "COMPLETED"
    assert rec.countries == ("Australia", "New Zealand")
    assert rec.interventions[0].type == "DRUG"
    assert [(s.name, s.role, s.agency_class) for s in rec.sponsors] == [
        ("University of Melbourne", "LEAD", "OTHER"),
        ("Royal Melbourne Hospital", "COLLABORATOR", "OTHER"),
        ("Bayer Australia", "COLLABORATOR", "INDUSTRY"),
    ]
    assert rec.eligibility is not None
    assert rec.eligibility.inclusion == ("Adults", "Headache diary") and rec.eligibility.healthy_volunteers is False


def test_bad_input_is_quarantined_and_the_rest_loads() -> None:
    items = list(iter_anzctr([FIXTURES / "bad"]))
    loaded = [item.registry_id for item, _ in items if isinstance(item, StudyRecord)]
    rejected = {origin.rsplit("/", 1)[-1]: item for item, origin in items if isinstance(item, Quarantined)}
    assert loaded == ["ACTRN12619000423112", "ACTRN12619000749101", "ACTRN12619001489189"]
    assert set(rejected) == {"truncated.xml", "wrapped_mixed.xml[0]"}
    assert "truncated XML after 1 ANZCTR_Trial" in rejected["truncated.xml"].reason
    assert "without a usable id" in rejected["wrapped_mixed.xml[0]"].reason
    assert all("\n" not in q.reason for q in rejected.values())
    # an impossible approval date is left out and named; the record loads
    dated = next(
        item for item, _ in items if isinstance(item, StudyRecord) and item.registry_id == "ACTRN12619000749101"
    )
    assert dated.registration_date is None
    assert getattr(dated, "issues", None) == ("approvaldate '31/02/2019' is not a calendar date; stored without it",)


def test_missing_path_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        list(iter_anzctr([tmp_path / "nothing.xml"]))


def test_registered_loader_stages_records() -> None:
    discover()
    loader = SOURCES.create("anzctr")
    assert loader.name == loader.source == "anzctr"
    assert loader.write_order == WRITE_ORDER
    assert loader.delete_statements == ("delete_record_facts", "delete_record_links")
    staged = list(loader.read([shared("registries/anzctr")], load_run="test"))
    assert len(staged) == 4 and all(isinstance(s, Staged) for s in staged)
    assert sorted(s.record_id for s in staged if isinstance(s, Staged))[0] == "anzctr:ACTRN12619000423112"
