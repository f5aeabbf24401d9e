"""The five studies in both the legacy XML subset and the v2 JSON data give the same key fields.

PROVENANCE section 5 lists the fields that agree between the February 2023 legacy snapshot and the
2024 v2 snapshot; both parsers must normalise them to identical values.
"""

from __future__ import annotations

import gzip
import json
import zipfile
from datetime import datetime
from functools import lru_cache

import pytest

from tests.data import shared
from trialgraph.loaders.ctgov import v2
from trialgraph.loaders.ctgov.legacy import parse_study as parse_legacy
from trialgraph.model.study import StudyRecord

OVERLAP = {
    "NCT00000410": "NCT0000xxxx/NCT00000410.xml",
    "NCT00007696": "NCT0000xxxx/NCT00007696.xml",
    "NCT00492635": "NCT0049xxxx/NCT00492635.xml",
    "NCT00498680": "NCT0049xxxx/NCT00498680.xml",
    "NCT00499317": "NCT0049xxxx/NCT00499317.xml",
}


@lru_cache(maxsize=1)
def v2_raw() -> dict[str, dict]:
    out = {}
    with gzip.open(shared("ctgov/v2/studies.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for line in fh:
            raw = json.loads(line)
            nct = raw["protocolSection"]["identificationModule"]["nctId"]
            if nct in OVERLAP:
                out[nct] = raw
    return out


@lru_cache(maxsize=1)
def legacy_raw() -> dict[str, bytes]:
    with zipfile.ZipFile(shared("ctgov/legacy/AllPublicXML-subset.zip")) as zf:
        return {nct: zf.read(member) for nct, member in OVERLAP.items()}


def _terms(record: StudyRecord, field: str) -> list[str]:
    return [m.term for m in getattr(record, field) if not m.ancestor]


def test_all_five_are_in_both() -> None:
    assert set(v2_raw()) == set(OVERLAP)
    assert set(legacy_raw()) == set(OVERLAP)


@pytest.mark.parametrize("nct_id", sorted(OVERLAP))
def test_legacy_and_v2_agree(nct_id: str) -> None:
    new = v2.parse_study(v2_raw()[nct_id], expected_id=nct_id)
    old = parse_legacy(legacy_raw()[nct_id], expected_id=nct_id)
    assert old.registry_id == new.registry_id == nct_id
    assert (old.source_format, new.source_format) == ("ctgov-xml", "ctgov-v2")
    assert old.brief_title == new.brief_title
    assert old.org_study_id == new.org_study_id
    assert old.overall_status == new.overall_status
    assert old.start_date == new.start_date and old.start_date is not None
    assert old.enrollment == new.enrollment and old.enrollment is not None
    assert old.conditions == new.conditions
    assert _terms(old, "condition_mesh") == _terms(new, "condition_mesh")
    assert _terms(old, "intervention_mesh") == _terms(new, "intervention_mesh")


def test_registration_date_is_the_first_submitted_date_in_every_record_that_carries_it() -> None:
    """Read by plain dict / XML access: v2 ``studyFirstSubmitDate``, legacy ``study_first_submitted``."""
    from lxml import etree

    checked = 0
    with gzip.open(shared("ctgov/v2/studies.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for line in fh:
            raw = json.loads(line)
            submitted = raw["protocolSection"]["statusModule"].get("studyFirstSubmitDate")
            record = v2.parse_study(raw)
            assert record.registration_date == submitted, record.registry_id
            checked += submitted is not None
    assert checked > 1000
    checked = 0
    with zipfile.ZipFile(shared("ctgov/legacy/AllPublicXML-subset.zip")) as zf:
        for member in zf.namelist():
            if not member.endswith(".xml"):
                continue
            data = zf.read(member)
            submitted = etree.fromstring(data).findtext("study_first_submitted")
            record = parse_legacy(data)
            if submitted is not None:
                expected = datetime.strptime(submitted.strip(), "%B %d, %Y").date().isoformat()
                assert record.registration_date == expected, record.registry_id
                checked += 1
    assert checked > 3000


@pytest.mark.parametrize("nct_id", sorted(OVERLAP))
def test_both_formats_give_the_same_results_section(nct_id: str) -> None:
    """None of the five has posted results in either snapshot (checked here against the files themselves), so
    results parity rests on tests/loaders/test_ctgov_results.py: each format against its own files, and both
    formats' enumerations against one spelling. Real differences the formats have there: group ids ("O1" in
    legacy, "OG000" in v2), and ``reporting_status``, which legacy XML never states (``tested_non_inferiority`` only
    in its older files)."""
    new = v2.parse_study(v2_raw()[nct_id], expected_id=nct_id)
    old = parse_legacy(legacy_raw()[nct_id], expected_id=nct_id)
    assert "resultsSection" not in v2_raw()[nct_id] and b"<clinical_results>" not in legacy_raw()[nct_id]
    assert (old.has_results, old.results) == (new.has_results, new.results) == (False, None)


@pytest.mark.parametrize("nct_id", sorted(OVERLAP))
def test_both_formats_give_the_same_registration_date(nct_id: str) -> None:
    new = v2.parse_study(v2_raw()[nct_id], expected_id=nct_id)
    old = parse_legacy(legacy_raw()[nct_id], expected_id=nct_id)
    assert new.registration_date is not None and new.registration_date == old.registration_date
