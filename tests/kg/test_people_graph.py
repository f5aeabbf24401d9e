"""The graph holds the people and disclosures the source files state, e-mail and phone only when asked to.

Real records are picked from the shared data (for every group, the first records that state it, in each
format), copied byte for byte into a folder, loaded through the transactional writer, and read back; expected
values come from the plain dict / XML readers of ``tests/loaders/test_ctgov_people.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import neo4j
import pytest
from lxml import etree

from tests.graphcheck import rows
from tests.loaders.test_ctgov_people import (
    GROUPS,
    _legacy_expected,
    _legacy_records,
    _stated,
    _v2_expected,
    _v2_records,
)
from trialgraph.kg.load import load
from trialgraph.loaders.ctgov.loader import CtgovLoader
from trialgraph.settings import Settings, get_settings

pytestmark = pytest.mark.neo4j

PER_GROUP = 5
ISO = re.compile(r"^\d{4}(-\d{2}){0,2}$")

_READ = """
MATCH (r:RegistryRecord {record_id: $record_id})
RETURN r{.*} AS r,
  [(r)-[:HAS_OFFICIAL]->(x) | x{.*}] AS officials,
  [(r)-[:HAS_CONTACT]->(x) | x{.*}] AS central,
  [(r)-[:HAS_SITE]->(s) | {position: s.position, status: s.status, contacts: [(s)-[:HAS_CONTACT]->(x) | x{.*}]}]
    AS sites,
  [(r)-[:HAS_SEE_ALSO_LINK]->(x) | x{.*}] AS links,
  [(r)-[:HAS_LARGE_DOCUMENT]->(x) | x{.*}] AS documents,
  [(r)-[:HAS_AVAILABLE_IPD]->(x) | x{.*}] AS ipds,
  [(r)-[:HAS_PENDING_RESULTS_EVENT]->(x) | x{.*}] AS pending,
  [(r)-[h:HAS_COUNTRY]->(c) | {position: h.position, name: c.name, removed: h.removed}] AS countries
"""
_CONTACT = ("name", "role", "phone", "phone_ext", "email")
_DISCLOSURE = {
    "responsible_party": (
        "responsible_party_type",
        "responsible_party_investigator_full_name",
        "responsible_party_investigator_title",
        "responsible_party_investigator_affiliation",
        "responsible_party_old_name_title",
        "responsible_party_old_organization",
    ),
    "expanded_access_record": ("expanded_access_nct_id", "expanded_access_status"),
    "expanded_access_types": (
        "expanded_access_individual",
        "expanded_access_intermediate",
        "expanded_access_treatment",
    ),
    "certain_agreements": (
        "pi_sponsor_employee",
        "restrictive_agreement",
        "restriction_type",
        "restriction_other_details",
    ),
}


def _sorted(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda item: item["position"])


def _graph_values(driver: neo4j.Driver, nct: str) -> dict[str, object]:
    (g,) = rows(driver, _READ, record_id=f"ctgov:{nct}")
    r = g["r"]
    out: dict[str, object] = {name: tuple(r.get(k) for k in keys) for name, keys in _DISCLOSURE.items()}
    out |= {
        "has_expanded_access": r.get("has_expanded_access"),
        "limitations": r.get("limitations_and_caveats"),
        "unposted_responsible_party": r.get("unposted_responsible_party"),
        "officials": [(o.get("name"), o.get("role"), o.get("affiliation")) for o in _sorted(g["officials"])],
        "central_contacts": [tuple(c.get(k) for k in _CONTACT) for c in _sorted(g["central"])],
        "site_contacts": [
            [tuple(c.get(k) for k in _CONTACT) for c in _sorted(s["contacts"])] for s in _sorted(g["sites"])
        ],
        "site_status": [s["status"] for s in _sorted(g["sites"])],
        "see_also_links": [(x.get("url"), x.get("label")) for x in _sorted(g["links"])],
        "large_documents": [
            tuple(
                x.get(k)
                for k in (
                    "label",
                    "type_abbrev",
                    "has_protocol",
                    "has_sap",
                    "has_icf",
                    "document_date",
                    "uploaded_at",
                    "filename",
                    "size",
                    "url",
                )
            )
            for x in _sorted(g["documents"])
        ],
        "available_ipds": [tuple(x.get(k) for k in ("id", "type", "url", "comment")) for x in _sorted(g["ipds"])],
        "pending_results": [(x.get("type"), x.get("event_date")) for x in _sorted(g["pending"])],
        "countries": [(c["name"], c["removed"]) for c in _sorted(g["countries"])],
    }
    out["removed_countries"] = sorted(name for name, removed in out["countries"] if removed)
    return out


def _stored_form(expected: dict[str, object], contact_details: bool) -> dict[str, object]:
    """What the graph should hold: impossible dates are dropped (and filed), contact details only when asked."""

    def contact(c: tuple) -> tuple:
        return c if contact_details else (*c[:2], None, None, None)

    out = dict(expected)
    out["central_contacts"] = [contact(c) for c in expected["central_contacts"]]
    out["site_contacts"] = [[contact(c) for c in site] for site in expected["site_contacts"]]
    out["pending_results"] = [(t, d if d is None or ISO.match(d) else None) for t, d in expected["pending_results"]]
    out["large_documents"] = [
        (*doc[:5], doc[5] if doc[5] is None or ISO.match(doc[5]) else None, *doc[6:])
        for doc in expected["large_documents"]
    ]
    return out


@pytest.fixture(scope="module")
def picked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, object]]]:
    """A folder of real records (the first ``PER_GROUP`` stating each group, per format) and their expectations."""
    folder = tmp_path_factory.mktemp("people")
    expected: dict[str, dict[str, object]] = {}
    counts = dict.fromkeys((f"{fmt}:{g}" for fmt in ("v2", "xml") for g in GROUPS), 0)
    for raw in _v2_records():
        nct = raw["protocolSection"]["identificationModule"]["nctId"]
        values = _v2_expected(raw)
        wanted = [g for g in GROUPS if _stated(values[g]) and counts[f"v2:{g}"] < PER_GROUP]
        if wanted and nct not in expected:
            (folder / f"{nct}.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
            expected[nct] = values
            for g in GROUPS:
                counts[f"v2:{g}"] += _stated(values[g])
    for _, data in _legacy_records():
        root = etree.fromstring(data)
        nct = root.findtext("id_info/nct_id").strip()
        values = _legacy_expected(root)
        wanted = [g for g in GROUPS if _stated(values[g]) and counts[f"xml:{g}"] < PER_GROUP]
        if wanted and nct not in expected:
            (folder / f"{nct}.xml").write_bytes(data)
            expected[nct] = values
            for g in GROUPS:
                counts[f"xml:{g}"] += _stated(values[g])
    few = ("expanded_access_types", "expanded_access_record", "available_ipds")  # see test_ctgov_people
    assert all(n >= PER_GROUP for key, n in counts.items() if not key.endswith(few)), counts
    return folder, expected


def _check(driver: neo4j.Driver, expected: dict[str, dict[str, object]], contact_details: bool) -> None:
    for nct, values in expected.items():
        stored = _graph_values(driver, nct)
        for name, value in _stored_form(values, contact_details).items():
            assert stored[name] == value, (nct, name)


def test_people_and_disclosures_are_stored_and_contact_details_only_when_asked(
    graph: neo4j.Driver, picked: tuple[Path, dict[str, dict[str, object]]], tmp_path: Path
) -> None:
    folder, expected = picked
    report = load(graph, CtgovLoader(contact_details=False), [folder], quarantine_dir=tmp_path / "q")
    assert report.rejected == 0 and report.written == len(expected)
    _check(graph, expected, contact_details=False)
    [(emails,)] = [
        tuple(r.values()) for r in rows(graph, "MATCH (c:Contact) WHERE c.email IS NOT NULL RETURN count(c)")
    ]
    assert emails == 0

    report = load(graph, CtgovLoader(contact_details=True), [folder], quarantine_dir=tmp_path / "q")
    assert report.written == len(expected)  # turning the setting on rewrites every record
    _check(graph, expected, contact_details=True)
    stated = sum(c[4] is not None for v in expected.values() for c in v["central_contacts"])
    assert stated >= PER_GROUP
    assert (
        rows(
            graph, "MATCH (:RegistryRecord)-[:HAS_CONTACT]->(c:Contact) WHERE c.email IS NOT NULL RETURN count(c) AS n"
        )[0]["n"]
        == stated
    )

    report = load(graph, CtgovLoader(contact_details=False), [folder], quarantine_dir=tmp_path / "q")
    assert report.written == len(expected)  # and off again removes them
    _check(graph, expected, contact_details=False)


def test_the_setting_is_off_by_default_and_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRIALGRAPH_STORE_CONTACT_DETAILS", raising=False)
    assert Settings().store_contact_details is False
    monkeypatch.setenv("TRIALGRAPH_STORE_CONTACT_DETAILS", "1")
    assert Settings().store_contact_details is True
    get_settings.cache_clear()
    try:
        assert CtgovLoader().contact_details is True
        monkeypatch.setenv("TRIALGRAPH_STORE_CONTACT_DETAILS", "0")
        get_settings.cache_clear()
        assert CtgovLoader().contact_details is False
    finally:
        get_settings.cache_clear()
