"""People and disclosures (AACT parity): responsible party, officials, contacts, site status, links, documents,
expanded access, countries, certain agreements, limitations, pending results.

Expected values are read from the source files here by plain dict / XML access, with the legacy → v2 spelling
rules written out again (never through the parsers' tables), over every shared real record; each group must
rest on at least 5 records per format where the data holds that many (the exceptions are named).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from tests.data import legacy_studies, shared, v2_studies
from tests.loaders.test_ctgov_legacy import expected_date
from tests.loaders.test_ctgov_overlap import OVERLAP, legacy_raw, v2_raw
from trialgraph.errors import ParseError
from trialgraph.loaders.ctgov import v2
from trialgraph.loaders.ctgov.legacy import parse_study as parse_legacy
from trialgraph.model.people import Disclosure
from trialgraph.model.study import StudyRecord
from trialgraph.model.text import undo_markdown_escapes
from trialgraph.model.validate import check_study

GROUPS = (
    "responsible_party",
    "officials",
    "central_contacts",
    "site_contacts",
    "site_status",
    "see_also_links",
    "large_documents",
    "available_ipds",
    "has_expanded_access",
    "expanded_access_record",
    "expanded_access_types",
    "removed_countries",
    "certain_agreements",
    "limitations",
    "pending_results",
)


def _s(value: object) -> object:
    if isinstance(value, str):  # as a record holds it: Markdown escapes undone (v2; legacy has none)
        value = undo_markdown_escapes(value).replace("\r\n", "\n").replace("\r", "\n").strip()
        return value or None
    return value


def _parsed(record: StudyRecord) -> dict[str, object]:
    """The record's values in the plain shapes the expectations below use."""
    d = record.disclosure or Disclosure()
    return {
        "responsible_party": (
            d.responsible_party_type,
            d.responsible_party_investigator_full_name,
            d.responsible_party_investigator_title,
            d.responsible_party_investigator_affiliation,
            d.responsible_party_old_name_title,
            d.responsible_party_old_organization,
        ),
        "officials": [(o.name, o.role, o.affiliation) for o in record.officials],
        "central_contacts": [(c.name, c.role, c.phone, c.phone_ext, c.email) for c in record.central_contacts],
        "site_contacts": [[(c.name, c.role, c.phone, c.phone_ext, c.email) for c in s.contacts] for s in record.sites],
        "site_status": [s.status for s in record.sites],
        "see_also_links": [(link.url, link.label) for link in record.see_also_links],
        "large_documents": [
            (
                x.label,
                x.type_abbrev,
                x.has_protocol,
                x.has_sap,
                x.has_icf,
                x.document_date,
                x.uploaded_at,
                x.filename,
                x.size,
                x.url,
            )
            for x in record.large_documents
        ],
        "available_ipds": [(x.id, x.type, x.url, x.comment) for x in record.available_ipds],
        "has_expanded_access": d.has_expanded_access,
        "expanded_access_record": (d.expanded_access_nct_id, d.expanded_access_status),
        "expanded_access_types": (
            d.expanded_access_individual,
            d.expanded_access_intermediate,
            d.expanded_access_treatment,
        ),
        "countries": [(c.name, c.removed) for c in record.country_list],
        "removed_countries": sorted(c.name for c in record.country_list if c.removed),
        "certain_agreements": (
            d.pi_sponsor_employee,
            d.restrictive_agreement,
            d.restriction_type,
            d.restriction_other_details,
        ),
        "limitations": d.limitations_and_caveats,
        "pending_results": [(e.type, e.event_date) for e in record.pending_results],
        "unposted_responsible_party": d.unposted_responsible_party,
    }


def _stated(value: object) -> bool:
    if isinstance(value, (tuple, list)):
        return any(_stated(v) for v in value)
    return value is not None


def _contact(c: dict) -> tuple:
    return (_s(c.get("name")), c.get("role"), _s(c.get("phone")), _s(c.get("phoneExt")), _s(c.get("email")))


def _v2_expected(raw: dict) -> dict[str, object]:
    ps = raw["protocolSection"]
    rp = ps.get("sponsorCollaboratorsModule", {}).get("responsibleParty", {})
    cl = ps.get("contactsLocationsModule", {})
    refs = ps.get("referencesModule", {})
    ea = ps.get("statusModule", {}).get("expandedAccessInfo", {})
    ea_types = ps.get("designModule", {}).get("expandedAccessTypes", {})
    more = raw.get("resultsSection", {}).get("moreInfoModule", {})
    agreement = more.get("certainAgreement", {})
    unposted = raw.get("annotationSection", {}).get("annotationModule", {}).get("unpostedAnnotation", {})
    locations = cl.get("locations", [])
    site_countries = {loc["country"].strip() for loc in locations if loc.get("country")}
    removed = set(raw.get("derivedSection", {}).get("miscInfoModule", {}).get("removedCountries", []))
    return {
        "responsible_party": tuple(
            _s(rp.get(k))
            for k in (
                "type",
                "investigatorFullName",
                "investigatorTitle",
                "investigatorAffiliation",
                "oldNameTitle",
                "oldOrganization",
            )
        ),
        "officials": [
            (_s(o.get("name")), o.get("role"), _s(o.get("affiliation"))) for o in cl.get("overallOfficials", [])
        ],
        "central_contacts": [_contact(c) for c in cl.get("centralContacts", [])],
        "site_contacts": [[_contact(c) for c in loc.get("contacts", [])] for loc in locations],
        "site_status": [loc.get("status") for loc in locations],
        "see_also_links": [(_s(x.get("url")), _s(x.get("label"))) for x in refs.get("seeAlsoLinks", [])],
        "large_documents": [
            (
                _s(x.get("label")),
                x.get("typeAbbrev"),
                x.get("hasProtocol"),
                x.get("hasSap"),
                x.get("hasIcf"),
                x.get("date"),
                x.get("uploadDate"),
                _s(x.get("filename")),
                x.get("size"),
                None,
            )
            for x in raw.get("documentSection", {}).get("largeDocumentModule", {}).get("largeDocs", [])
        ],
        "available_ipds": [
            tuple(_s(x.get(k)) for k in ("id", "type", "url", "comment")) for x in refs.get("availIpds", [])
        ],
        "has_expanded_access": ea.get("hasExpandedAccess"),
        "expanded_access_record": (ea.get("nctId"), ea.get("statusForNctId")),
        "expanded_access_types": tuple(ea_types.get(k) for k in ("individual", "intermediate", "treatment")),
        "countries": [(c, False) for c in sorted(site_countries)]
        + [(c, True) for c in sorted(removed - site_countries)],
        "removed_countries": sorted(removed - site_countries),
        "certain_agreements": (
            agreement.get("piSponsorEmployee"),
            agreement.get("restrictiveAgreement"),
            agreement.get("restrictionType"),
            _s(agreement.get("otherDetails")),
        ),
        "limitations": _s(more.get("limitationsAndCaveats", {}).get("description")),
        "pending_results": [(e.get("type"), e.get("date")) for e in unposted.get("unpostedEvents", [])],
        "unposted_responsible_party": _s(unposted.get("unpostedResponsibleParty")),
    }


def _v2_records() -> list[dict]:
    """Every shared v2 study: the JSONL, and the AACT fixtures (real records) that parse."""
    records = list(v2_studies())
    for path in sorted(Path(shared("ctgov/v2/aact")).glob("NCT*.json")):
        raw = json.loads(path.read_bytes())
        if raw.get("protocolSection", {}).get("contactsLocationsModule") is not None:
            records.append(raw)
    return records


# Groups the shared v2 data holds fewer than 5 records of: how many it does hold (PROVENANCE: no v2
# expanded-access record, so no expandedAccessTypes at all).
V2_FEW = {"available_ipds": 2, "expanded_access_types": 0}


def test_v2_people_and_disclosures_are_the_records_values() -> None:
    seen: Counter[str] = Counter()
    for raw in _v2_records():
        nct = raw["protocolSection"]["identificationModule"]["nctId"]
        parsed, expected = _parsed(v2.parse_study(raw)), _v2_expected(raw)
        for name, value in expected.items():
            assert parsed[name] == value, (nct, name)
        seen.update(name for name in GROUPS if _stated(expected[name]))
    assert {name: seen[name] for name in GROUPS if seen[name] < 5} == V2_FEW, seen


# ---- legacy: the spelling rules, written out independently --------------------------------------------------
YES_NO = {"Yes": True, "No": False}
ROLE = {
    "Principal Investigator": "PRINCIPAL_INVESTIGATOR",
    "Sub-Investigator": "SUB_INVESTIGATOR",
    "Study Chair": "STUDY_CHAIR",
    "Study Director": "STUDY_DIRECTOR",
}
RP_TYPE = {
    "Sponsor": "SPONSOR",
    "Principal Investigator": "PRINCIPAL_INVESTIGATOR",
    "Sponsor-Investigator": "SPONSOR_INVESTIGATOR",
}
SITE_STATUS = {
    "Recruiting": "RECRUITING",
    "Active, not recruiting": "ACTIVE_NOT_RECRUITING",
    "Completed": "COMPLETED",
    "Not yet recruiting": "NOT_YET_RECRUITING",
    "Withdrawn": "WITHDRAWN",
    "Terminated": "TERMINATED",
    "Suspended": "SUSPENDED",
    "Enrolling by invitation": "ENROLLING_BY_INVITATION",
}
PENDING = {"submitted": "RELEASE", "returned": "RESET", "submission_canceled": "UNRELEASE"}
NO_AGREEMENT = "There is NOT an agreement between Principal Investigators and the Sponsor"
TEMPLATE = "The only disclosure restriction on the PI is that the sponsor can review results communications"


def _date(text: str | None) -> str | None:
    """A legacy date in ISO form; anything else as written (the record check drops it, see below)."""
    try:
        return expected_date(text)
    except AssertionError:
        return _s(text)


def _t(el: etree._Element | None, path: str) -> str | None:
    return None if el is None else _s(el.findtext(path))


def _person(el: etree._Element) -> str | None:
    return _t(el, "last_name")  # the 2023 dump puts the whole name there


def _legacy_contact(el: etree._Element, role: str | None) -> tuple:
    return (_person(el), role, _t(el, "phone"), _t(el, "phone_ext"), _t(el, "email"))


def _restriction(text: str | None) -> tuple:
    if text is None:
        return (None, None, None)
    flat = " ".join(text.split())
    if flat.startswith(NO_AGREEMENT):
        return (False, None, None)
    if flat.startswith(TEMPLATE) and "less than or equal to 60 days. The sponsor cannot" in flat:
        return (True, "LTE60", None)
    if flat.startswith(TEMPLATE) and "more than 60 days but less than or equal to 180 days" in flat:
        return (True, "GT60", None)
    return (True, "OTHER", text)


def _legacy_expected(root: etree._Element) -> dict[str, object]:
    rp = root.find("responsible_party")
    agreement = root.find("clinical_results/certain_agreements")
    employee = _t(agreement, "pi_employee")
    restriction = _restriction(_t(agreement, "restrictive_agreement"))
    site_people = {"contact": "CONTACT", "contact_backup": "CONTACT"}
    current = {_s(c.text) for c in root.findall("location_countries/country")}
    removed = {_s(c.text) for c in root.findall("removed_countries/country")} - current
    pending = root.find("pending_results")
    return {
        "responsible_party": (
            RP_TYPE.get(_t(rp, "responsible_party_type")),
            _t(rp, "investigator_full_name"),
            _t(rp, "investigator_title"),
            _t(rp, "investigator_affiliation"),
            _t(rp, "name_title"),
            _t(rp, "organization"),
        ),
        "officials": [
            (_person(o), ROLE.get(_t(o, "role")), _t(o, "affiliation")) for o in root.findall("overall_official")
        ],
        "central_contacts": [
            _legacy_contact(c, "CONTACT")
            for tag in ("overall_contact", "overall_contact_backup")
            for c in root.findall(tag)
        ],
        "site_contacts": [
            [
                _legacy_contact(c, site_people.get(c.tag) or ROLE.get(_t(c, "role")))
                for c in loc
                if c.tag in ("contact", "contact_backup", "investigator")
            ]
            for loc in root.findall("location")
        ],
        "site_status": [SITE_STATUS.get(_t(loc, "status")) for loc in root.findall("location")],
        "see_also_links": [(_t(x, "url"), _t(x, "description")) for x in root.findall("link")],
        "large_documents": [
            (
                _t(x, "document_type"),
                None,
                YES_NO.get(_t(x, "document_has_protocol")),
                YES_NO.get(_t(x, "document_has_sap")),
                YES_NO.get(_t(x, "document_has_icf")),
                _date(x.findtext("document_date")),
                None,
                None,
                None,
                _t(x, "document_url"),
            )
            for x in root.findall("provided_document_section/provided_document")
        ],
        "available_ipds": [
            tuple(_t(x, k) for k in ("doc_id", "doc_type", "doc_url", "doc_comment"))
            for x in root.findall("study_docs/study_doc")
        ],
        "has_expanded_access": YES_NO.get(_t(root, "has_expanded_access")),
        "expanded_access_record": (None, None),
        "expanded_access_types": tuple(
            YES_NO.get(_t(root, f"expanded_access_info/expanded_access_type_{kind}"))
            for kind in ("individual", "intermediate", "treatment")
        ),
        "countries": [(c, False) for c in sorted(current)] + [(c, True) for c in sorted(removed)],
        "removed_countries": sorted(removed),
        "certain_agreements": (
            None if employee is None else employee.startswith("All Principal Investigators ARE employed"),
            *restriction,
        )
        if agreement is not None
        else (None, None, None, None),
        "limitations": _t(root, "clinical_results/limitations_and_caveats"),
        "pending_results": []
        if pending is None
        else [(PENDING[e.tag], _date(e.text)) for e in pending if isinstance(e.tag, str)],
        "unposted_responsible_party": None,
    }


def _legacy_records() -> list[tuple[str, bytes]]:
    """The shared legacy dump subset, and the AACT legacy fixtures that are studies (expanded access lives there)."""
    records = list(legacy_studies())
    for path in sorted(Path(shared("ctgov/legacy/aact")).glob("NCT*.xml")):
        if "-id-mismatch" not in path.name:
            records.append((path.name, path.read_bytes()))
    return records


LEGACY_FEW = {"expanded_access_record": 0, "expanded_access_types": 4}  # legacy states no EA record id


def test_legacy_people_and_disclosures_in_v2_spelling() -> None:
    seen: Counter[str] = Counter()
    for member, data in _legacy_records():
        root = etree.fromstring(data)
        parsed, expected = _parsed(parse_legacy(data)), _legacy_expected(root)
        for name, value in expected.items():
            assert parsed[name] == value, (member, name)
        seen.update(name for name in GROUPS if _stated(expected[name]))
    assert {name: seen[name] for name in GROUPS if seen[name] < 5} == LEGACY_FEW, seen


# ---- both formats -------------------------------------------------------------------------------------------
# Real differences between the February 2023 legacy snapshot and the 2024 v2 snapshot: NCT00499317 was updated
# in between (its backup contact, central and at the site, left the record, and a name was completed).
VERSIONED = {"NCT00499317": {"central_contacts", "site_contacts"}}


@pytest.mark.parametrize("nct_id", sorted(OVERLAP))
def test_both_formats_give_the_same_people_and_disclosures(nct_id: str) -> None:
    new = _parsed(v2.parse_study(v2_raw()[nct_id], expected_id=nct_id))
    old = _parsed(parse_legacy(legacy_raw()[nct_id], expected_id=nct_id))
    differing = {name for name in new if name not in {"unposted_responsible_party"} and new[name] != old[name]}
    assert differing == VERSIONED.get(nct_id, set())
    assert new["officials"] and new["countries"]  # each overlap study names an official and its countries


# ---- bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("good", "bad", "reason"),
    [
        (b"<has_expanded_access>No<", b"<has_expanded_access>Maybe<", "has_expanded_access"),
        (
            b"<pi_employee>Principal Investigators are NOT",
            b"<pi_employee>Some Principal Investigators are NOT",
            "pi_employee",
        ),
        (b"<document_has_sap>No<", b"<document_has_sap>N<", "document_has_sap"),
    ],
)
def test_legacy_malformed_values_quarantine_the_record_with_a_reason(good: bytes, bad: bytes, reason: str) -> None:
    data = next(data for _, data in legacy_studies() if good in data)
    parse_legacy(data)  # the real record parses
    with pytest.raises(ParseError, match=reason) as caught:
        parse_legacy(data.replace(good, bad, 1))
    assert caught.value.record_id is not None and "\n" not in caught.value.reason


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("protocolSection", "contactsLocationsModule", "overallOfficials"), {"name": 7}, "overallOfficials"),
        (("protocolSection", "sponsorCollaboratorsModule", "responsibleParty"), ["SPONSOR"], "responsibleParty"),
        (("derivedSection", "miscInfoModule", "removedCountries"), "France", "removedCountries"),
    ],
)
def test_v2_values_of_the_wrong_type_quarantine_the_record_with_a_reason(
    path: tuple, value: object, field: str
) -> None:
    raw = json.loads(json.dumps(next(r for r in v2_studies() if r["protocolSection"].get("contactsLocationsModule"))))
    node = raw
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = [value] if path[-1] == "overallOfficials" else value
    with pytest.raises(ParseError, match=field) as caught:
        v2.parse_study(raw)
    assert caught.value.record_id is not None and "\n" not in caught.value.reason


def test_an_impossible_pending_results_date_is_dropped_and_filed_not_stored() -> None:
    """Real legacy records give "Unknown" as a pending-results date: stored without it, with a one-line issue."""
    checked = 0
    for member, data in legacy_studies():
        record = parse_legacy(data)
        unknown = [pos for pos, e in enumerate(record.pending_results) if e.event_date == "Unknown"]
        if not unknown:
            continue
        kept, issues = check_study(record)
        assert [kept.pending_results[pos].event_date for pos in unknown] == [None] * len(unknown), member
        assert [e.type for e in kept.pending_results] == [e.type for e in record.pending_results]  # events stay
        assert sum("pending_results[" in issue and "'Unknown'" in issue for issue in issues) == len(unknown)
        checked += 1
    assert checked >= 1
