"""The last AACT study-level fields (issue 19): site zip, age groups, patient registry, the legacy QC'd update date.

Expected values are read from the shared source files by plain dict / XML access, record by record; each field
rests on every real record of each format that states it (the counts are asserted, so a field the data stops
carrying cannot pass vacuously). The five studies in both formats give the same values, except the legacy-only date.
"""

from __future__ import annotations

import gzip
import json
import zipfile
from collections import Counter
from collections.abc import Iterator

import pytest
from lxml import etree

from tests.data import shared, v2_studies
from tests.loaders.test_ctgov_legacy import expected_date
from tests.loaders.test_ctgov_overlap import OVERLAP, legacy_raw, v2_raw
from tests.loaders.test_ctgov_people import _legacy_records, _v2_records
from trialgraph.errors import ParseError
from trialgraph.loaders.ctgov import v2
from trialgraph.loaders.ctgov.legacy import parse_study as parse_legacy
from trialgraph.model.study import Design, StudyDetails, age_groups


def _text(value: str | None) -> str | None:
    """A file's text as the record holds it: trimmed, empty as None."""
    return (value.strip() or None) if isinstance(value, str) else value


def _v2_every() -> Iterator[dict]:
    """Every shared v2 study with a protocol section: the JSONL and AACT fixtures, and the benchmark-trials JSONL."""
    yield from _v2_records()
    with gzip.open(shared("ctgov/benchmark-trials/studies-benchmark-trials.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def _legacy_every() -> Iterator[tuple[str, bytes]]:
    """Every shared legacy study: the dump subset, the AACT fixtures, and the benchmark-trials zip."""
    yield from _legacy_records()
    with zipfile.ZipFile(shared("ctgov/benchmark-trials/AllPublicXML-benchmark-trials.zip")) as archive:
        for member in archive.namelist():
            if member.endswith(".xml"):
                yield member, archive.read(member)


# Site zip.


def test_v2_site_zip_is_the_locations_zip() -> None:
    records = 0
    for raw in _v2_records():
        locations = raw["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])
        record = v2.parse_study(raw)
        assert [site.zip for site in record.sites] == [_text(loc.get("zip")) for loc in locations], record.registry_id
        records += any(loc.get("zip") for loc in locations)
    assert records >= 500, records


def test_legacy_site_zip_is_the_facility_address_zip() -> None:
    records = 0
    for member, data in _legacy_records():
        root = etree.fromstring(data)
        record = parse_legacy(data)
        expected = [_text(loc.findtext("facility/address/zip")) for loc in root.iterfind("location")]
        assert [site.zip for site in record.sites] == expected, member
        records += any(expected)
    assert records >= 500, records


# Age groups.


def test_v2_std_ages_are_the_stated_ones_and_ct_govs_rule_gives_them_from_the_ages() -> None:
    """The record holds v2's ``stdAges``; and ``age_groups`` (the rule the legacy parser derives them by) gives
    exactly those groups from the same record's minimum and maximum age, in every shared v2 record."""
    seen: Counter[str] = Counter()
    for raw in _v2_every():
        elig = raw["protocolSection"].get("eligibilityModule", {})
        if not elig:
            continue
        record = v2.parse_study(raw)
        stated = tuple(elig.get("stdAges", ()))
        assert record.eligibility is not None and record.eligibility.std_ages == stated, record.registry_id
        if stated:
            assert age_groups(elig.get("minimumAge"), elig.get("maximumAge")) == stated, record.registry_id
            seen.update(stated)
            seen["records"] += 1
            seen["not in years"] += any(
                age is not None and not age.endswith(("Year", "Years"))
                for age in (elig.get("minimumAge"), elig.get("maximumAge"))
            )
    assert seen["records"] >= 1400 and min(seen[g] for g in ("CHILD", "ADULT", "OLDER_ADULT")) >= 5, seen
    assert seen["not in years"] >= 5, seen  # months, weeks, days: the unit conversion is exercised


def test_legacy_std_ages_are_derived_from_the_xml_ages() -> None:
    """Legacy XML states no age groups; the record's are CT.gov's rule applied to the ages as the XML writes them
    ("N/A" is no limit)."""
    seen: Counter[str] = Counter()
    for member, data in _legacy_records():
        root = etree.fromstring(data)
        elig = root.find("eligibility")
        record = parse_legacy(data)
        if elig is None:
            assert record.eligibility is None, member
            continue
        ages = [_text(elig.findtext(tag)) for tag in ("minimum_age", "maximum_age")]
        low, high = (None if age is None or age.startswith("N/A") else age for age in ages)
        assert record.eligibility is not None
        assert (record.eligibility.min_age, record.eligibility.max_age) == (low, high), member
        assert record.eligibility.std_ages == age_groups(low, high), member
        assert record.eligibility.std_ages, member  # every real legacy age parses
        seen.update(record.eligibility.std_ages)
        seen["records"] += 1
    assert seen["records"] >= 3000 and min(seen[g] for g in ("CHILD", "ADULT", "OLDER_ADULT")) >= 5, seen


def test_a_legacy_age_that_is_no_age_gives_no_groups_and_is_kept_as_written() -> None:
    """A real record whose minimum age is made unreadable: nothing guessed, nothing raised, the text kept."""
    data = legacy_raw()["NCT00000410"]
    assert b"<minimum_age>18 Years</minimum_age>" in data
    record = parse_legacy(data.replace(b"<minimum_age>18 Years</minimum_age>", b"<minimum_age>adults</minimum_age>"))
    assert record.eligibility is not None
    assert (record.eligibility.min_age, record.eligibility.std_ages) == ("adults", ())


# Patient registry.


def test_v2_patient_registry_is_the_design_modules() -> None:
    seen: Counter[object] = Counter()
    for raw in _v2_every():
        stated = raw["protocolSection"].get("designModule", {}).get("patientRegistry")
        record = v2.parse_study(raw)
        assert (record.design or Design()).patient_registry is stated, record.registry_id
        seen[stated] += 1
    assert seen[True] >= 5 and seen[False] >= 5, seen


def test_legacy_patient_registry_is_the_study_type_label() -> None:
    """Legacy states it only as the study type "Observational [Patient Registry]" (still OBSERVATIONAL); the shared
    data holds three such studies in all, every one checked here."""
    registries: set[str] = set()
    for member, data in _legacy_every():
        root = etree.fromstring(data)
        label = _text(root.findtext("study_type"))
        record = parse_legacy(data)
        expected = True if label == "Observational [Patient Registry]" else None
        assert (record.design or Design()).patient_registry is expected, member
        if expected:
            assert record.study_type == "OBSERVATIONAL"
            registries.add(record.registry_id)
    assert registries == {"NCT00008216", "NCT00499941", "NCT01076361"}


# The legacy QC'd last-update date.


def test_legacy_last_update_submitted_qc_date() -> None:
    stated = 0
    for member, data in _legacy_records():
        root = etree.fromstring(data)
        expected = expected_date(root.findtext("last_update_submitted_qc"))
        assert (parse_legacy(data).details or StudyDetails()).last_update_submitted_qc_date == expected, member
        stated += expected is not None
    assert stated >= 3000, stated


def test_v2_has_no_last_update_submitted_qc_date() -> None:
    for raw in v2_studies():
        assert not {key for key in raw["protocolSection"]["statusModule"] if "Qc" in key} - {
            "studyFirstSubmitQcDate",
            "resultsFirstSubmitQcDate",
            "dispFirstSubmitQcDate",
        }
        assert (v2.parse_study(raw).details or StudyDetails()).last_update_submitted_qc_date is None


# Both formats.


@pytest.mark.parametrize("nct_id", sorted(OVERLAP))
def test_both_formats_give_the_same_extras(nct_id: str) -> None:
    raw = v2_raw()[nct_id]
    new = v2.parse_study(raw, expected_id=nct_id)
    old = parse_legacy(legacy_raw()[nct_id], expected_id=nct_id)
    assert [s.zip for s in old.sites] == [s.zip for s in new.sites] and all(s.zip for s in new.sites)
    assert old.eligibility is not None and new.eligibility is not None
    assert (
        old.eligibility.std_ages
        == new.eligibility.std_ages
        == tuple(raw["protocolSection"]["eligibilityModule"]["stdAges"])
    )
    # None of the five states it: two are observational, but neither format says "registry" (nor, in v2, "not one")
    assert "patientRegistry" not in raw["protocolSection"]["designModule"]
    assert (old.design or Design()).patient_registry is (new.design or Design()).patient_registry is None
    assert old.details is not None and new.details is not None
    assert old.details.last_update_submitted_qc_date is not None and new.details.last_update_submitted_qc_date is None


# Malformed values: a one-line reason, never a traceback.


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("contactsLocationsModule", "locations", 0, "zip"), 94612, "locations[].zip: expected a string"),
        (("eligibilityModule", "stdAges"), "ADULT", "eligibilityModule.stdAges: expected an array"),
        (("designModule", "patientRegistry"), "Yes", "designModule.patientRegistry: expected a boolean"),
    ],
)
def test_a_v2_value_of_the_wrong_type_is_a_parse_error_with_its_field(
    path: tuple[str | int, ...], value: object, reason: str
) -> None:
    raw = json.loads(json.dumps(v2_raw()["NCT00000410"]))
    target = raw["protocolSection"]
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(ParseError) as caught:
        v2.parse_study(raw)
    assert reason in caught.value.reason and "\n" not in caught.value.reason
