"""The graph says what the source files say: one load of every ctgov fixture, checked against the raw bytes.

Expected values are read here straight from the JSON / XML with ``json`` and ``xml.etree`` (never through
the project's parsers), so a loader that drops, reorders or mangles a field fails these tests.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import zipfile
from collections import Counter
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tests.conftest import wipe
from tests.data import shared
from trialgraph.kg.load import load
from trialgraph.loaders.base import discover

SEED = 20230203
NCT = re.compile(r"^NCT\d{8}$")
OVERLAP = {"NCT00000410", "NCT00007696", "NCT00492635", "NCT00498680", "NCT00499317"}
INPUTS = (
    "ctgov/v2/studies.jsonl.gz",
    "ctgov/v2/ctg-studies_NSCLC-export.json",
    "ctgov/v2/studies",
    "ctgov/v2/aact",
    "ctgov/v2/broken",
    "ctgov/legacy/AllPublicXML-subset.zip",
    "ctgov/legacy/aact",
    "ctgov/legacy/SYNTHETIC-BROKEN_AllPublicXML-truncated.zip",
)
# PROVENANCE: the real fixtures that must be rejected, and the reason each SYNTHETIC-BROKEN input gets.
REAL_REJECTS = {
    "study_data_initialize.json",
    "NCT02278341.json",
    "covid_search.xml",
    "empty_search.xml",
    "Invalid-nct-id.html",
}
BROKEN_REASONS = {
    "SYNTHETIC-BROKEN_truncated_NCT00000410.json": r"json|unterminated",
    "SYNTHETIC-BROKEN_html-error-page_NCT00000000.json": r"not json|html",
    "SYNTHETIC-BROKEN_id-mismatch_NCT00007696.json": r"file name says",
    "SYNTHETIC-BROKEN_missing-protocolSection_NCT00042536.json": r"protocolSection",
    "SYNTHETIC-BROKEN_studies_mixed.jsonl:3": r"json|unterminated",
    "SYNTHETIC-BROKEN_studies_mixed.jsonl:5": r"object|array|list",
    "SYNTHETIC-BROKEN_studies_mixed.jsonl:7": r"nct",
    "SYNTHETIC-BROKEN_AllPublicXML-truncated.zip": r"zip|truncated|archive",
    "SYNTHETIC-BROKEN_truncated_NCT00490009.xml": r"cut at end of file",  # a download that stopped: truncated
    "SYNTHETIC-BROKEN_html-error-page_NCT00000000.xml": r"html|clinical_study|well-formed",
    "SYNTHETIC-BROKEN_id-mismatch_NCT00000102.xml": r"file name says",
    "SYNTHETIC-BROKEN_empty_NCT00000105.xml": r"empty",
    "SYNTHETIC-BROKEN_missing-nct-id_NCT00000106.xml": r"nct",
    "SYNTHETIC-BROKEN_bad-utf8_NCT00000107.xml": r"utf|encod|well-formed|invalid",
}
LEGACY_STATUS = {
    "Completed": "COMPLETED",
    "Unknown status": "UNKNOWN",
    "Terminated": "TERMINATED",
    "Withdrawn": "WITHDRAWN",
    "Recruiting": "RECRUITING",
    "Not yet recruiting": "NOT_YET_RECRUITING",
    "Active, not recruiting": "ACTIVE_NOT_RECRUITING",
    "Suspended": "SUSPENDED",
    "No longer available": "NO_LONGER_AVAILABLE",
    "Enrolling by invitation": "ENROLLING_BY_INVITATION",
    "Approved for marketing": "APPROVED_FOR_MARKETING",
}
LEGACY_TYPE = {
    "Interventional": "INTERVENTIONAL",
    "Observational": "OBSERVATIONAL",
    "Expanded Access": "EXPANDED_ACCESS",
}
LEGACY_TYPE["Observational [Patient Registry]"] = "OBSERVATIONAL"
LEGACY_ENROLLMENT = {"Actual": "ACTUAL", "Anticipated": "ESTIMATED", "Estimated": "ESTIMATED"}
LEGACY_SEX = {"All": "ALL", "Both": "ALL", "Female": "FEMALE", "Male": "MALE"}
BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+\S", re.MULTILINE)


# ---- reading the sources independently ------------------------------------------------------------


def _name_id(name: str) -> str | None:
    m = re.search(r"NCT\d{8}", Path(name).name)
    return m.group(0) if m else None


def _v2_id(obj: object, name: str | None) -> str | None:
    """The NCT id a v2 record would load under, or None if PROVENANCE says it must be rejected."""
    if not isinstance(obj, dict):
        return None
    nct = obj.get("protocolSection", {}).get("identificationModule", {}).get("nctId")
    if not nct or not NCT.match(nct):
        return None
    expected = _name_id(name) if name else None
    return None if expected and expected != nct else nct


def _xml_id(data: bytes, name: str) -> str | None:
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    nct = (root.findtext("id_info/nct_id") or "").strip()
    if root.tag != "clinical_study" or not NCT.match(nct):
        return None
    aliases = {a.text.strip() for a in root.iter("nct_alias") if a.text}
    expected = _name_id(name)
    return None if expected and expected != nct and expected not in aliases else nct


def _zip_members(path: Path):
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    yield info.filename, zf.read(info)
    except zipfile.BadZipFile:
        return


def _read_sources() -> dict:
    """{nct: [origin, ...]} of every record that should load, plus raw v2 objects and legacy bytes."""
    ids: dict[str, list[str]] = {}
    v2: dict[str, dict] = {}
    legacy: dict[str, bytes] = {}

    def add(nct: str | None, origin: str) -> None:
        if nct:
            ids.setdefault(nct, []).append(origin)

    with gzip.open(shared(INPUTS[0]), "rt", encoding="utf-8") as fh:
        for line in fh:
            obj = json.loads(line)
            add(_v2_id(obj, None), "jsonl")
            v2[obj["protocolSection"]["identificationModule"]["nctId"]] = obj
    for obj in json.loads(shared(INPUTS[1]).read_text(encoding="utf-8")):
        add(_v2_id(obj, None), "export")
    for folder in (shared("ctgov/v2/studies"), shared("ctgov/v2/aact"), shared("ctgov/v2/broken")):
        for path in sorted(folder.iterdir()):
            lines = path.read_text(encoding="utf-8").splitlines() if path.suffix == ".jsonl" else [path.read_text()]
            for text in lines:
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError:
                    continue
                add(_v2_id(obj, None if path.suffix == ".jsonl" else path.name), path.name)
    for member, data in _zip_members(shared(INPUTS[5])):
        nct = _xml_id(data, member)
        add(nct, "legacy-zip")
        legacy[nct] = data
    for path in sorted(shared("ctgov/legacy/aact").iterdir()):
        if path.suffix == ".zip":
            for member, data in _zip_members(path):
                add(_xml_id(data, member), path.name)
        else:
            add(_xml_id(path.read_bytes(), path.name), path.name)
    return {"ids": ids, "v2": v2, "legacy": legacy}


@pytest.fixture(scope="module")
def source() -> dict:
    return _read_sources()


@pytest.fixture(scope="module")
def loaded(module_driver, tmp_path_factory):
    paths = [shared(p) for p in INPUTS]
    wipe(module_driver)
    qdir = tmp_path_factory.mktemp("quarantine")
    report = load(module_driver, discover().create("ctgov"), paths, quarantine_dir=qdir, batch_size=200)
    entries = [json.loads(line) for line in Path(report.quarantine_file).read_text().splitlines()]
    # rejected records, and values dropped from records that loaded (kind "field"): each test picks its kind
    return module_driver, report, entries


def test_field_issues_are_filed_one_line_each(loaded):
    """Real legacy records give "Unknown" as a pending-results date: filed, with the record, not lost silently."""
    _, report, _ = loaded
    issues = [json.loads(line) for line in Path(report.quarantine_file).read_text().splitlines()]
    issues = [e for e in issues if e.get("kind") == "field"]
    assert report.field_issues == len(issues) > 0
    for entry in issues:
        assert re.fullmatch(r"ctgov:NCT\d{8}", entry["record"]) and "\n" not in entry["reason"]
        date = r"\[\d+\]\.(event_date|document_date) '.+' is not a calendar date"
        number = r"\.analyses\[\d+\]\.\w+ '.+' is not a number; stored without it"
        assert re.search(date, entry["reason"]) or re.search(number, entry["reason"]), entry


# ---- 1. accounting --------------------------------------------------------------------------------


def test_read_is_accepted_plus_rejected(loaded, source):
    _, report, entries = loaded
    # accepted inputs counted independently from the source files (one per study unit that should load)
    assert report.accepted == sum(len(origins) for origins in source["ids"].values())
    rejects = [e for e in entries if e.get("kind") != "field"]  # field issues: values dropped, records loaded
    assert report.rejected == len(rejects) > 0
    assert report.field_issues == len(entries) - len(rejects)
    assert report.read == report.accepted + report.rejected


def test_one_trial_per_distinct_accepted_nct_id(loaded, source):
    driver, _, _ = loaded
    expected = set(source["ids"])
    assert "NCT00081588" in expected and "NCT00980226" not in expected  # the alias resolves
    with driver.session() as s:
        trials = {r["t"] for r in s.run("MATCH (t:Trial) RETURN t.trial_id AS t")}
        records = s.run("MATCH (r:RegistryRecord)-[:RECORD_OF]->(t:Trial) RETURN count(*) AS n").single()["n"]
    assert len(trials) == len(expected)
    assert trials == expected
    assert records == len(expected)


def _key(entry: dict) -> str:
    """Quarantine origin as 'file name' or 'file name:line' (for JSONL lines)."""
    origin = entry["file"]
    name = re.split(r"[/\\!]", origin)[-1]
    m = re.match(r"^(.*\.jsonl(?:\.gz)?):(\d+)$", name)
    return f"{m.group(1)}:{m.group(2)}" if m else re.sub(r"\[\d+\]$", "", name)


def test_every_broken_input_is_quarantined_with_its_reason(loaded):
    _, _, entries = loaded
    by_key: dict[str, list[str]] = {}
    for entry in (e for e in entries if e.get("kind") != "field"):
        by_key.setdefault(_key(entry), []).append(entry["reason"])
    for name, pattern in BROKEN_REASONS.items():
        reasons = by_key.get(name)
        assert reasons, f"{name} not quarantined; quarantine holds {sorted(by_key)}"
        assert any(re.search(pattern, r, re.IGNORECASE) for r in reasons), f"{name}: {reasons} !~ {pattern}"


def test_no_real_fixture_quarantined_except_the_known_rejects(loaded):
    _, _, entries = loaded
    names = {_key(e).split(":")[0] for e in entries if e.get("kind") != "field"}
    real = {n for n in names if "SYNTHETIC-BROKEN" not in n}
    assert real == REAL_REJECTS
    lines = {_key(e) for e in entries if "studies_mixed" in e["file"]}
    # values dropped from records that loaded: the one analysis number no reader can take (a decimal comma)
    fields = [
        (_key(e), e["record"], e["reason"]) for e in entries if e.get("kind") == "field" and ".analyses[" in e["reason"]
    ]
    assert fields == [
        (
            "NCT03191552.xml",
            "ctgov:NCT03191552",
            "results.outcome_measures[11].analyses[0].p_value '0,001' is not a number; stored without it",
        )
    ]
    assert lines - {"SYNTHETIC-BROKEN_studies_mixed.jsonl:4"} == {
        f"SYNTHETIC-BROKEN_studies_mixed.jsonl:{i}" for i in (3, 5, 7)
    }


# ---- 2. field by field ----------------------------------------------------------------------------

GRAPH_VIEW = """
MATCH (r:RegistryRecord {record_id: $rid})-[:RECORD_OF]->(t:Trial {trial_id: $nct})
RETURN r{.*} AS r,
  [(r)-[:SPONSORED_BY {role: 'LEAD'}]->(o) | o.name] AS lead,
  [(r)-[s:STUDIES_CONDITION]->() | [s.position, s.as_written]] AS conditions,
  [(r)-[:HAS_KEYWORD]->(k) | k.name] AS keywords,
  [(r)-[:HAS_INTERVENTION]->(i) | [i.position, i.name, i.type]] AS interventions,
  [(r)-[:HAS_ARM]->(a) | [a.position, a.label, [(a)-[:USES_INTERVENTION]->(i) | i.name]]] AS arms,
  [(r)-[:HAS_OUTCOME]->(o) | [o.position, o.kind, o.measure, o.time_frame]] AS outcomes,
  [(r)-[:HAS_ELIGIBILITY]->(e) | [e.min_age, e.max_age, e.sex, size([(e)-[:HAS_CRITERION]->(c) | c])]] AS elig,
  [(r)-[:HAS_SITE]->(s) | [(s)-[:IN_COUNTRY]->(c) | c.name]] AS sites,
  [(r)-[h:HAS_REFERENCE]->(p) WHERE p.pmid IS NOT NULL | [p.pmid, h.type]] AS refs,
  [(r)-[h:HAS_CONDITION_MESH]->(m) | [m.name, h.ancestor]] AS cmesh,
  [(r)-[h:HAS_INTERVENTION_MESH]->(m) | [m.name, h.ancestor]] AS imesh,
  [(r)-[:HAS_ADVERSE_EVENT]->(e) | [e.kind, e.affected]] AS aes,
  [(r)-[:HAS_OUTCOME_MEASURE]->(m) | [m.position, m.title]] AS measures,
  [(r)-[:HAS_FLOW_COUNT]->(f)-[:FOR_GROUP]->(g) | [f.period, f.milestone, g.group_id, f.count]] AS flow,
  [(r)-[:HAS_RESULT_GROUP]->(g) WHERE g.serious_at_risk IS NOT NULL OR g.other_at_risk IS NOT NULL
     | [g.group_id, g.serious_affected, g.serious_at_risk, g.other_affected, g.other_at_risk]] AS totals,
  [(r)-[:HAS_OUTCOME_MEASURE]->(m)-[:HAS_ANALYSIS]->(a) | [m.position, a.position, a.p_value_modifier, a.p_value,
     a.ci_lower_limit, a.ci_upper_limit, a.method, [(a)-[:COMPARES]->(g) | g.group_id]]] AS analyses,
  [(r)-[:HAS_OUTCOME_MEASURE]->(m)-[:HAS_ANALYZED_COUNT]->(c)-[:FOR_GROUP]->(g)
     | [m.position, g.group_id, c.units, c.count]] AS om_counts,
  [(r)-[:HAS_OUTCOME_MEASURE]->(m) | [m.position, m.population, m.dispersion_type, m.reporting_status,
     m.results_first_posted_date]] AS om_details,
  [(r)-[:HAS_BASELINE_COUNT]->(c)-[:FOR_GROUP]->(g) | [g.group_id, c.units, c.count]] AS bl_counts,
  [(r)-[:HAS_DROP_WITHDRAWAL]->(d)-[:FOR_GROUP]->(g) | [d.period, d.reason, g.group_id, d.count]] AS drops,
  [(r)-[:HAS_EVENT_REPORTING]->(e) | [e.time_frame, e.description, e.frequency_threshold]] AS reporting,
  [(r)-[:HAS_ADVERSE_EVENT]->(e) | [e.assessment_type, e.source_vocabulary]] AS ae_sources
"""
P_VALUE = re.compile(r"^\s*(<=|>=|<|>|=)?\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


def _p(text: str | None) -> tuple[str | None, float | None]:
    """A p-value as (modifier, number): "<0.001" is ("<", 0.001); what is no number is stored as neither."""
    match = P_VALUE.match(text) if text else None
    return (match[1], float(match[2])) if match else (None, None)


def _f(text: str | None) -> float | None:
    match = P_VALUE.match(text) if text else None
    return float(match[2]) if match and not match[1] else None


def _c(text: str | None) -> str | None:
    return (text.replace("\r\n", "\n").replace("\r", "\n").strip() or None) if text is not None else None


def _norm(text: str) -> str:
    return re.sub(r"[^\w]+", " ", text.casefold()).strip()


def _graph(driver, nct: str) -> dict:
    with driver.session() as s:
        row = s.run(GRAPH_VIEW, rid=f"ctgov:{nct}", nct=nct).single()
    assert row is not None, f"{nct}: no RegistryRecord-[:RECORD_OF]->Trial"
    g = row.data()
    sites = g["sites"]
    elig = g["elig"][0] if g["elig"] else [None, None, None, 0]
    ae_kinds = Counter(k for k, _ in g["aes"])
    return {
        **{k: g["r"].get(k) for k in ("brief_title", "official_title", "overall_status", "study_type")},
        "phases": g["r"].get("phases") or [],  # an empty list is stored as no property
        **{k: g["r"].get(k) for k in ("enrollment", "enrollment_type", "start_date")},
        "lead": [_norm(n) for n in g["lead"]],
        "conditions": [c for _, c in sorted(g["conditions"])],
        "keywords": {_norm(k) for k in g["keywords"]},
        "interventions": [tuple(i[1:]) for i in sorted(g["interventions"])],
        "arms": [(a[1], frozenset(a[2])) for a in sorted(g["arms"], key=lambda a: a[0])],
        "outcomes": [tuple(o[1:]) for o in sorted(g["outcomes"])],
        "ages_sex": tuple(elig[:3]),
        "n_criteria": elig[3],
        "n_sites": len(sites),
        "countries": {c for cs in sites for c in cs},
        "refs": {tuple(r) for r in g["refs"]},
        "cmesh": {tuple(m) for m in g["cmesh"]},
        "imesh": {tuple(m) for m in g["imesh"]},
        "ae_rows": dict(ae_kinds),
        "ae_affected": {k: sum(a or 0 for kk, a in g["aes"] if kk == k) for k in ae_kinds},
        "measures": [t for _, t in sorted(g["measures"])],
        "flow": Counter(tuple(f) for f in g["flow"]),
        "totals": {t[0]: tuple(t[1:]) for t in g["totals"]},
        "registration_date": g["r"].get("registration_date"),
        "design": {k: g["r"].get(k) for k in ("allocation", "masking", "primary_purpose")},
        "analyses": Counter((*a[:7], tuple(sorted(a[7]))) for a in g["analyses"]),
        "om_counts": Counter(tuple(c) for c in g["om_counts"]),
        "om_details": sorted(tuple(m) for m in g["om_details"]),
        "bl_counts": Counter(tuple(c) for c in g["bl_counts"]),
        "drops": Counter(tuple(d) for d in g["drops"]),
        "reporting": [tuple(e) for e in g["reporting"]],
        "ae_sources": Counter(tuple(e) for e in g["ae_sources"]),
    }


def _compare(nct: str, expected: dict, actual: dict) -> list[str]:
    out = []
    for key, want in expected.items():
        if key == "n_criteria":
            if want and not actual[key]:
                out.append(f"{nct} criteria: text has bullet lines but graph has 0 Criterion nodes")
        elif actual[key] != want:
            out.append(f"{nct} {key}: expected {want!r}, graph {actual[key]!r}")
    return out


def _arm_uses(arm_names: list[str], interventions: list[tuple[str, str]]) -> frozenset[str]:
    wanted = {n.casefold() for n in arm_names} | {n.split(": ", 1)[-1].casefold() for n in arm_names}
    return frozenset(name for name, _ in interventions if name.casefold() in wanted)


def _v2_expected(obj: dict) -> dict:
    ps, ds, rs = obj["protocolSection"], obj.get("derivedSection", {}), obj.get("resultsSection", {})
    ident, status, design = ps["identificationModule"], ps.get("statusModule", {}), ps.get("designModule", {})
    arms_mod, elig = ps.get("armsInterventionsModule", {}), ps.get("eligibilityModule", {})
    interventions = [(i["name"], i.get("type")) for i in arms_mod.get("interventions", [])]
    outcomes = []
    for key, kind in (("primaryOutcomes", "PRIMARY"), ("secondaryOutcomes", "SECONDARY"), ("otherOutcomes", "OTHER")):
        outcomes += [(kind, o["measure"], o.get("timeFrame")) for o in ps.get("outcomesModule", {}).get(key, [])]
    locations = ps.get("contactsLocationsModule", {}).get("locations", [])
    info = design.get("enrollmentInfo", {})

    def mesh(mod: str) -> set:
        m = ds.get(mod, {})
        return {(t["term"], False) for t in m.get("meshes", [])} | {(t["term"], True) for t in m.get("ancestors", [])}

    ae = rs.get("adverseEventsModule", {})
    stats = {
        k: [s for e in ae.get(key, []) for s in e.get("stats", [])]
        for key, k in (("seriousEvents", "SERIOUS"), ("otherEvents", "OTHER"))
    }
    flow = Counter(
        (p.get("title", ""), m["type"], a["groupId"], int(a["numSubjects"]) if a.get("numSubjects") else None)
        for p in rs.get("participantFlowModule", {}).get("periods", [])
        for m in p.get("milestones", [])
        for a in m.get("achievements", [])
    )
    return {
        "brief_title": ident.get("briefTitle"),
        "official_title": ident.get("officialTitle"),
        "overall_status": status.get("overallStatus"),
        "study_type": design.get("studyType"),
        "phases": design.get("phases", []),
        "enrollment": info.get("count"),
        "enrollment_type": info.get("type"),
        "start_date": status.get("startDateStruct", {}).get("date"),
        "lead": [_norm(ps["sponsorCollaboratorsModule"]["leadSponsor"]["name"])],
        "conditions": ps.get("conditionsModule", {}).get("conditions", []),
        "keywords": {_norm(k) for k in ps.get("conditionsModule", {}).get("keywords", [])},
        "interventions": interventions,
        "arms": [
            (a["label"], _arm_uses(a.get("interventionNames", []), interventions))
            for a in arms_mod.get("armGroups", [])
        ],
        "outcomes": outcomes,
        "ages_sex": (elig.get("minimumAge"), elig.get("maximumAge"), elig.get("sex")),
        "n_criteria": bool(BULLET.search(elig.get("eligibilityCriteria", ""))),
        "n_sites": len(locations),
        "countries": {loc["country"] for loc in locations if loc.get("country")},
        "refs": {(r["pmid"], r["type"]) for r in ps.get("referencesModule", {}).get("references", []) if r.get("pmid")},
        "cmesh": mesh("conditionBrowseModule"),
        "imesh": mesh("interventionBrowseModule"),
        "ae_rows": {k: len(v) for k, v in stats.items() if v},
        "ae_affected": {k: sum(s.get("numAffected", 0) for s in v) for k, v in stats.items() if v},
        "measures": [m["title"] for m in rs.get("outcomeMeasuresModule", {}).get("outcomeMeasures", [])],
        "flow": flow,
        "totals": {
            eg["id"]: tuple(
                eg.get(k) for k in ("seriousNumAffected", "seriousNumAtRisk", "otherNumAffected", "otherNumAtRisk")
            )
            for eg in ae.get("eventGroups", [])
            if eg.get("seriousNumAtRisk") is not None or eg.get("otherNumAtRisk") is not None
        },
        "registration_date": status.get("studyFirstSubmitDate"),
        **_v2_results_expected(rs, status),
        "design": {
            "allocation": design.get("designInfo", {}).get("allocation"),
            "masking": design.get("designInfo", {}).get("maskingInfo", {}).get("masking"),
            "primary_purpose": design.get("designInfo", {}).get("primaryPurpose"),
        },
    }


def _v2_results_expected(rs: dict, status: dict) -> dict:
    measures = rs.get("outcomeMeasuresModule", {}).get("outcomeMeasures", [])
    ae = rs.get("adverseEventsModule", {})
    reporting = tuple(_c(ae.get(k)) for k in ("timeFrame", "description", "frequencyThreshold"))
    posted = status.get("resultsFirstPostDateStruct", {}).get("date")
    return {
        "analyses": Counter(
            (
                m_pos,
                a_pos,
                *_p(a.get("pValue")),
                _f(a.get("ciLowerLimit")),
                _f(a.get("ciUpperLimit")),
                _c(a.get("statisticalMethod")),
                tuple(sorted(set(a.get("groupIds", [])))),
            )
            for m_pos, m in enumerate(measures)
            for a_pos, a in enumerate(m.get("analyses", []))
        ),
        "om_counts": Counter(
            (m_pos, c["groupId"], _c(d.get("units")), int(c["value"]))
            for m_pos, m in enumerate(measures)
            for d in m.get("denoms", [])
            for c in d.get("counts", [])
        ),
        "om_details": sorted(
            (m_pos, _c(m.get("populationDescription")), _c(m.get("dispersionType")), m.get("reportingStatus"), posted)
            for m_pos, m in enumerate(measures)
        ),
        "bl_counts": Counter(
            (c["groupId"], _c(d.get("units")), int(c["value"]))
            for d in rs.get("baselineCharacteristicsModule", {}).get("denoms", [])
            for c in d.get("counts", [])
        ),
        "drops": Counter(
            (p.get("title", ""), d["type"], r["groupId"], int(r["numSubjects"]))
            for p in rs.get("participantFlowModule", {}).get("periods", [])
            for d in p.get("dropWithdraws", [])
            for r in d.get("reasons", [])
        ),
        "reporting": [reporting] if any(reporting) else [],
        "ae_sources": Counter(
            (e.get("assessmentType"), _c(e.get("sourceVocabulary")))
            for key in ("seriousEvents", "otherEvents")
            for e in ae.get(key, [])
            for _ in e.get("stats", [])
        ),
    }


def _legacy_results_expected(root: ET.Element) -> dict:
    outcomes = root.findall("clinical_results/outcome_list/outcome")
    reported = root.find("clinical_results/reported_events")
    reporting = (
        tuple(_c(reported.findtext(p)) for p in ("time_frame", "desc", "other_events/frequency_threshold"))
        if reported is not None
        else (None,)
    )
    posted = _legacy_date(_t(root, "results_first_posted"))
    assessments = {
        "Systematic Assessment": "SYSTEMATIC_ASSESSMENT",
        "Non-systematic Assessment": "NON_SYSTEMATIC_ASSESSMENT",
    }
    sources: Counter = Counter()
    for section in ("serious_events", "other_events") if reported is not None else ():
        vocab, assessment = _t(reported, f"{section}/default_vocab"), _t(reported, f"{section}/default_assessment")
        for cat in reported.findall(f"{section}/category_list/category"):
            for event in cat.findall("event_list/event"):
                if _t(cat, "title") == "Total" and (_t(event, "sub_title") or "").startswith("Total, "):
                    continue
                sub = event.find("sub_title")
                own_vocab = (sub.get("vocab") or "").strip() if sub is not None else ""
                key = (assessments.get(_t(event, "assessment") or assessment), own_vocab or vocab)
                sources[key] += len(event.findall("counts"))
    return {
        "analyses": Counter(
            (
                m_pos,
                a_pos,
                *_p(a.findtext("p_value")),
                _f(a.findtext("ci_lower_limit")),
                _f(a.findtext("ci_upper_limit")),
                _c(a.findtext("method")),
                tuple(sorted({_t(g, ".") for g in a.findall("group_id_list/group_id")})),
            )
            for m_pos, o in enumerate(outcomes)
            for a_pos, a in enumerate(o.findall("analysis_list/analysis"))
        ),
        "om_counts": Counter(
            (m_pos, c.get("group_id"), _t(a, "units"), int(c.get("value")))
            for m_pos, o in enumerate(outcomes)
            for a in o.findall("measure/analyzed_list/analyzed")
            for c in a.findall("count_list/count")
        ),
        "om_details": sorted(
            (m_pos, _c(o.findtext("measure/population")), _t(o, "measure/dispersion"), None, posted)
            for m_pos, o in enumerate(outcomes)
        ),
        "bl_counts": Counter(
            (c.get("group_id"), _t(a, "units"), int(c.get("value")))
            for a in root.findall("clinical_results/baseline/analyzed_list/analyzed")
            for c in a.findall("count_list/count")
        ),
        "drops": Counter(
            (_t(p, "title") or "", _t(d, "title"), x.get("group_id"), int(x.get("count")))
            for p in root.findall("clinical_results/participant_flow/period_list/period")
            for d in p.findall("drop_withdraw_reason_list/drop_withdraw_reason")
            for x in d.findall("participants_list/participants")
        ),
        "reporting": [reporting] if any(reporting) else [],
        "ae_sources": sources,
    }


def _t(el: ET.Element | None, path: str) -> str | None:
    text = el.findtext(path) if el is not None else None
    return text.strip() or None if text is not None else None


def _legacy_date(text: str | None) -> str | None:
    for fmt, out in (("%B %d, %Y", "%Y-%m-%d"), ("%B %Y", "%Y-%m")):
        try:
            return datetime.strptime(text, fmt).strftime(out) if text else None
        except ValueError:
            pass
    return text


def _enum(text: str | None) -> str | None:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").upper() if text else None


def _legacy_arm_uses(ivs: list[ET.Element], label: str | None) -> frozenset[str]:
    return frozenset(
        _t(i, "intervention_name") for i in ivs if label in [_t(a, ".") for a in i.iter("arm_group_label")]
    )


def _legacy_expected(data: bytes) -> dict:
    root = ET.fromstring(data)
    phase = _t(root, "phase")
    phases = [] if not phase else ["NA"] if phase == "N/A" else [_enum(p).replace("_", "") for p in phase.split("/")]
    phases = ["EARLY_PHASE1" if p == "EARLYPHASE1" else p for p in phases]
    ivs = root.findall("intervention")
    interventions = [(_t(i, "intervention_name"), _enum(_t(i, "intervention_type"))) for i in ivs]
    outcomes = [
        (kind, _t(o, "measure"), _t(o, "time_frame"))
        for tag, kind in (
            ("primary_outcome", "PRIMARY"),
            ("secondary_outcome", "SECONDARY"),
            ("other_outcome", "OTHER"),
        )
        for o in root.findall(tag)
    ]
    enrollment = root.find("enrollment")
    elig = root.find("eligibility")
    locations = root.findall("location")
    refs = {(_t(r, "PMID"), "BACKGROUND") for r in root.findall("reference") if _t(r, "PMID")}
    refs |= {(_t(r, "PMID"), "RESULT") for r in root.findall("results_reference") if _t(r, "PMID")}
    cr = root.find("clinical_results")
    counts = {  # legacy's "Total" category holds each group's totals: those are group properties, not events
        k: [
            c
            for cat in root.findall(f"clinical_results/reported_events/{tag}/category_list/category")
            for event in cat.findall("event_list/event")
            if not (_t(cat, "title") == "Total" and (_t(event, "sub_title") or "").startswith("Total, "))
            for c in event.findall("counts")
        ]
        for tag, k in (("serious_events", "SERIOUS"), ("other_events", "OTHER"))
    }
    flow = Counter(
        (_t(p, "title") or "", _t(m, "title") or "", x.get("group_id"), int(x.get("count")) if x.get("count") else None)
        for p in root.findall("clinical_results/participant_flow/period_list/period")
        for m in p.findall("milestone_list/milestone")
        for x in m.findall("participants_list/participants")
    )
    return {
        "brief_title": _t(root, "brief_title"),
        "official_title": _t(root, "official_title"),
        "overall_status": LEGACY_STATUS[_t(root, "overall_status")],
        "study_type": LEGACY_TYPE[_t(root, "study_type")],
        "phases": phases,
        "enrollment": int(enrollment.text) if enrollment is not None else None,
        "enrollment_type": LEGACY_ENROLLMENT.get(enrollment.get("type")) if enrollment is not None else None,
        "start_date": _legacy_date(_t(root, "start_date")),
        "lead": [_norm(_t(root, "sponsors/lead_sponsor/agency"))],
        "conditions": [_t(c, ".") for c in root.findall("condition")],
        "keywords": {_norm(_t(k, ".")) for k in root.findall("keyword")},
        "interventions": interventions,
        "arms": [
            (_t(a, "arm_group_label"), _legacy_arm_uses(ivs, _t(a, "arm_group_label")))
            for a in root.findall("arm_group")
        ],
        "outcomes": outcomes,
        "ages_sex": (
            *(
                None if (v := _t(elig, tag)) is None or v.startswith("N/A") else v
                for tag in ("minimum_age", "maximum_age")
            ),
            LEGACY_SEX.get(_t(elig, "gender")),
        ),
        "n_criteria": bool(BULLET.search(_t(elig, "criteria/textblock") or "")),
        "n_sites": len(locations),
        "countries": {c for loc in locations if (c := _t(loc, "facility/address/country"))},
        "refs": refs,
        "cmesh": {(_t(m, "."), False) for m in root.findall("condition_browse/mesh_term")},
        "imesh": {(_t(m, "."), False) for m in root.findall("intervention_browse/mesh_term")},
        "ae_rows": {k: len(v) for k, v in counts.items() if v},
        "ae_affected": {k: sum(int(c.get("subjects_affected") or 0) for c in v) for k, v in counts.items() if v},
        "measures": [_t(o, "title") for o in cr.findall("outcome_list/outcome")] if cr is not None else [],
        "flow": flow,
        "totals": _legacy_totals(root),
        "registration_date": _legacy_date(_t(root, "study_first_submitted")),
        **_legacy_results_expected(root),
        "design": {  # labels spelled as v2 spells them, by the rule written out here
            "allocation": _legacy_label(_t(root, "study_design_info/allocation")),
            "masking": _legacy_label((_t(root, "study_design_info/masking") or "").split(" (")[0] or None),
            "primary_purpose": _legacy_label(_t(root, "study_design_info/primary_purpose")),
        },
    }


def _legacy_label(label: str | None) -> str | None:
    if label is None:
        return None
    return {"N/A": "NA", "None": "NONE"}.get(label) or _enum(label)


def _legacy_totals(root: ET.Element) -> dict[str, tuple]:
    """Group totals from legacy's "Total" category: (serious affected, at risk, other affected, at risk)."""
    found: dict[str, list] = {}
    for tag, offset, title in (
        ("serious_events", 0, "Total, serious adverse events"),
        ("other_events", 2, "Total, other adverse events"),
    ):
        for cat in root.findall(f"clinical_results/reported_events/{tag}/category_list/category"):
            if _t(cat, "title") != "Total":
                continue
            for event in cat.findall("event_list/event"):
                if _t(event, "sub_title") != title:
                    continue
                for c in event.findall("counts"):
                    row = found.setdefault(c.get("group_id"), [None] * 4)
                    row[offset] = int(c.get("subjects_affected")) if c.get("subjects_affected") else None
                    row[offset + 1] = int(c.get("subjects_at_risk")) if c.get("subjects_at_risk") else None
    return {group: tuple(row) for group, row in found.items()}


def _sample(pool: list[str], with_results: set[str], n: int = 20, n_results: int = 8) -> list[str]:
    rng = random.Random(SEED)
    res = sorted(set(pool) & with_results)
    rest = sorted(set(pool) - with_results)
    return sorted(rng.sample(res, n_results) + rng.sample(rest, n - n_results))


def _single_source(source: dict, origin: str) -> list[str]:
    return sorted(n for n, o in source["ids"].items() if o == [origin] and n not in OVERLAP)


def test_v2_studies_match_source(loaded, source):
    driver, _, _ = loaded
    pool = _single_source(source, "jsonl")
    sample = _sample(pool, {n for n in pool if source["v2"][n].get("hasResults")})
    assert sum(bool(source["v2"][n].get("resultsSection")) for n in sample) >= 8
    problems = [p for n in sample for p in _compare(n, _v2_expected(source["v2"][n]), _graph(driver, n))]
    assert not problems, "\n".join(problems)


def test_legacy_studies_match_source(loaded, source):
    driver, _, _ = loaded
    pool = [n for n in _single_source(source, "legacy-zip") if n != "NCT00460811"]
    sample = _sample(pool, {n for n in pool if b"<clinical_results>" in source["legacy"][n]})
    problems = [p for n in sample for p in _compare(n, _legacy_expected(source["legacy"][n]), _graph(driver, n))]
    assert not problems, "\n".join(problems)
