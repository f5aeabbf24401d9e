"""Dates and their types, oversight, IPD sharing and eligibility extras (AACT parity), read back from the
source files by plain dict / XML access; both formats agree on the studies they share."""

from __future__ import annotations

from dataclasses import fields

import pytest
from lxml import etree

from tests.data import legacy_studies, v2_studies
from tests.loaders.test_ctgov_legacy import expected_date
from tests.loaders.test_ctgov_overlap import OVERLAP, legacy_raw, v2_raw
from trialgraph.loaders.ctgov import v2
from trialgraph.loaders.ctgov.legacy import parse_study as parse_legacy
from trialgraph.model.study import StudyDetails
from trialgraph.model.text import undo_markdown_escapes

V2_DATES = {  # field → statusModule key (a plain date, or a struct's date)
    "status_verified_date": "statusVerifiedDate",
    "first_submitted_qc_date": "studyFirstSubmitQcDate",
    "results_first_submitted_date": "resultsFirstSubmitDate",
    "results_first_submitted_qc_date": "resultsFirstSubmitQcDate",
    "results_first_posted_date": "resultsFirstPostDateStruct",
    "disposition_first_submitted_date": "dispFirstSubmitDate",
    "disposition_first_submitted_qc_date": "dispFirstSubmitQcDate",
    "disposition_first_posted_date": "dispFirstPostDateStruct",
    "last_update_submitted_date": "lastUpdateSubmitDate",
}
V2_TYPES = {
    "first_posted_date_type": "studyFirstPostDateStruct",
    "start_date_type": "startDateStruct",
    "primary_completion_date_type": "primaryCompletionDateStruct",
    "completion_date_type": "completionDateStruct",
    "results_first_posted_date_type": "resultsFirstPostDateStruct",
    "disposition_first_posted_date_type": "dispFirstPostDateStruct",
    "last_update_posted_date_type": "lastUpdatePostDateStruct",
}
V2_OVERSIGHT = {
    "has_dmc": "oversightHasDmc",
    "is_fda_regulated_drug": "isFdaRegulatedDrug",
    "is_fda_regulated_device": "isFdaRegulatedDevice",
    "is_unapproved_device": "isUnapprovedDevice",
    "is_ppsd": "isPpsd",
    "is_us_export": "isUsExport",
}
V2_IPD = {
    "ipd_sharing": "ipdSharing",
    "ipd_description": "description",
    "ipd_time_frame": "timeFrame",
    "ipd_access_criteria": "accessCriteria",
    "ipd_url": "url",
}


LEGACY_ONLY = frozenset({"last_update_submitted_qc_date"})  # see tests/loaders/test_ctgov_aact_extras.py


def _stripped(value: object) -> object:
    """A file's text as a record holds it: trimmed, Markdown escapes undone (v2; legacy has none)."""
    return undo_markdown_escapes(value).strip() if isinstance(value, str) else value


def test_v2_details_are_the_records_values() -> None:
    seen: dict[str, int] = {}
    for raw in v2_studies():
        ps = raw["protocolSection"]
        status, oversight = ps["statusModule"], ps.get("oversightModule", {})
        ipd, elig = ps.get("ipdSharingStatementModule", {}), ps.get("eligibilityModule", {})
        record = v2.parse_study(raw)
        details = record.details or StudyDetails()
        expected = {name: status.get(key) for name, key in V2_DATES.items()}
        expected |= {n: status[k]["date"] for n, k in V2_DATES.items() if isinstance(status.get(k), dict)}
        expected |= {name: status.get(key, {}).get("type") for name, key in V2_TYPES.items()}
        expected |= {name: oversight.get(key) for name, key in V2_OVERSIGHT.items()}
        expected |= {name: _stripped(ipd.get(key)) for name, key in V2_IPD.items()}
        expected["ipd_info_types"] = tuple(ipd.get("infoTypes", ()))
        expected["last_known_status"] = status.get("lastKnownStatus")
        expected["source_organization"] = ps["identificationModule"].get("organization", {}).get("fullName")
        expected |= dict.fromkeys(LEGACY_ONLY)  # v2 has no such field, so the record never holds one
        for name, value in expected.items():
            assert getattr(details, name) == value, (ps["identificationModule"]["nctId"], name)
            seen[name] = seen.get(name, 0) + (value not in (None, ()))
        assert record.eligibility is not None
        assert record.eligibility.sampling_method == elig.get("samplingMethod")
        assert record.eligibility.gender_based == elig.get("genderBased")
        assert record.eligibility.study_population == _stripped(elig.get("studyPopulation"))
        seen["sampling_method"] = seen.get("sampling_method", 0) + ("samplingMethod" in elig)
    few = {name for name in (f.name for f in fields(StudyDetails)) if seen.get(name, 0) < 5}
    assert few == {"is_ppsd", *LEGACY_ONLY}
    assert seen["is_ppsd"] == 1 and seen["sampling_method"] >= 5  # the one record that states it


LEGACY_DATE_TYPE = {"Actual": "ACTUAL", "Anticipated": "ESTIMATED", "Estimate": "ESTIMATED"}
LEGACY_DATES = {
    "status_verified_date": "verification_date",
    "first_submitted_qc_date": "study_first_submitted_qc",
    "results_first_submitted_date": "results_first_submitted",
    "results_first_submitted_qc_date": "results_first_submitted_qc",
    "results_first_posted_date": "results_first_posted",
    "disposition_first_submitted_date": "disposition_first_submitted",
    "disposition_first_posted_date": "disposition_first_posted",
    "last_update_submitted_date": "last_update_submitted",
}
LEGACY_TYPES = {
    "first_posted_date_type": "study_first_posted",
    "start_date_type": "start_date",
    "primary_completion_date_type": "primary_completion_date",
    "completion_date_type": "completion_date",
    "results_first_posted_date_type": "results_first_posted",
    "last_update_posted_date_type": "last_update_posted",
}


def test_legacy_details_in_v2_spelling() -> None:
    seen: dict[str, int] = {}
    yes_no = {"Yes": True, "No": False, None: None}
    for member, data in legacy_studies():
        root = etree.fromstring(data)
        details = parse_legacy(data).details or StudyDetails()
        expected = {name: expected_date(root.findtext(tag)) for name, tag in LEGACY_DATES.items()}
        for name, tag in LEGACY_TYPES.items():
            element = root.find(tag)
            expected[name] = None if element is None else LEGACY_DATE_TYPE.get(element.get("type"))
        expected["source_organization"] = _stripped(root.findtext("source"))
        expected["has_dmc"] = yes_no[root.findtext("oversight_info/has_dmc")]
        expected["is_fda_regulated_drug"] = yes_no[root.findtext("oversight_info/is_fda_regulated_drug")]
        expected["ipd_sharing"] = (root.findtext("patient_data/sharing_ipd") or "").strip().upper() or None
        for name, value in expected.items():
            assert getattr(details, name) == value, (member, name)
            seen[name] = seen.get(name, 0) + (value is not None)
    assert all(count >= 5 for count in seen.values()), seen


# The two snapshots are a year apart: a study updated in between really differs in these fields.
VERSIONED = {"status_verified_date", "last_update_submitted_date", "last_update_posted_date_type"}


@pytest.mark.parametrize("nct_id", sorted(OVERLAP))
def test_both_formats_give_the_same_details(nct_id: str) -> None:
    new = v2.parse_study(v2_raw()[nct_id], expected_id=nct_id)
    old = parse_legacy(legacy_raw()[nct_id], expected_id=nct_id)
    same_version = new.last_update_date == old.last_update_date
    for field in fields(StudyDetails):
        if (same_version or field.name not in VERSIONED) and field.name not in LEGACY_ONLY:
            assert getattr(new.details, field.name) == getattr(old.details, field.name), field.name
    for name in ("sampling_method", "gender_based", "gender_description"):
        assert getattr(new.eligibility, name) == getattr(old.eligibility, name)
    # legacy hard-wraps text blocks; the words are the same
    assert " ".join((new.eligibility.study_population or "").split()) == " ".join(
        (old.eligibility.study_population or "").split()
    )
