"""The last AACT study-level fields land on their nodes: ``Site.zip``, ``Eligibility.std_ages``, and the record's
``patient_registry`` and (legacy only) ``last_update_submitted_qc_date``.

Real records (each format's first ones that state the fields, and every legacy patient registry in the shared data)
are copied byte for byte into a folder, loaded through the transactional writer, and read back; expected values
come from the files by plain dict / XML access (legacy age groups: CT.gov's rule on the XML's ages, which
tests/loaders/test_ctgov_aact_extras.py checks against every v2 record's stated groups).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import neo4j
import pytest
from lxml import etree

from tests.data import legacy_studies, shared, v2_studies
from tests.graphcheck import count, rows
from tests.loaders.test_ctgov_legacy import expected_date
from trialgraph.kg.load import load
from trialgraph.loaders.ctgov.loader import CtgovLoader
from trialgraph.model.study import age_groups

pytestmark = pytest.mark.neo4j

PER_KIND = 5
LEGACY_REGISTRIES = {"NCT00008216", "NCT00499941", "NCT01076361"}  # every one in the shared data

_READ = """
MATCH (r:RegistryRecord {record_id: $record_id})
RETURN r.patient_registry AS patient_registry, r.last_update_submitted_qc_date AS qc_date,
  [(r)-[:HAS_SITE]->(s) | [s.position, s.zip]] AS sites,
  [(r)-[:HAS_ELIGIBILITY]->(e) | e.std_ages] AS std_ages
"""


def _v2_expected(raw: dict) -> dict[str, Any]:
    ps = raw["protocolSection"]
    locations = ps.get("contactsLocationsModule", {}).get("locations", [])
    return {
        "patient_registry": ps.get("designModule", {}).get("patientRegistry"),
        "qc_date": None,
        "sites": [loc.get("zip") for loc in locations],
        "std_ages": [ps["eligibilityModule"].get("stdAges")],
    }


def _legacy_expected(root: etree._Element) -> dict[str, Any]:
    elig = root.find("eligibility")
    ages = [(elig.findtext(tag) or "").strip() for tag in ("minimum_age", "maximum_age")]
    low, high = (None if not age or age.startswith("N/A") else age for age in ages)
    registry = (root.findtext("study_type") or "").strip() == "Observational [Patient Registry]"
    return {
        "patient_registry": True if registry else None,
        "qc_date": expected_date(root.findtext("last_update_submitted_qc")),
        "sites": [loc.findtext("facility/address/zip") for loc in root.iterfind("location")],
        "std_ages": [list(age_groups(low, high))],
    }


@pytest.fixture(scope="module")
def picked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("aact-extras")
    expected: dict[str, dict[str, Any]] = {}
    wanted = {True: PER_KIND, False: PER_KIND}  # v2 records stating patientRegistry true / false, with site zips
    for raw in v2_studies():
        values = _v2_expected(raw)
        if wanted.get(values["patient_registry"]) and any(values["sites"]):
            wanted[values["patient_registry"]] -= 1
            nct = raw["protocolSection"]["identificationModule"]["nctId"]
            (folder / f"{nct}.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
            expected[nct] = values
    assert wanted == {True: 0, False: 0}
    legacy = list(legacy_studies())
    legacy.append(("NCT01076361.xml", shared("ctgov/legacy/aact/NCT01076361.xml").read_bytes()))
    plain = PER_KIND
    for _, data in legacy:
        root = etree.fromstring(data)
        nct = root.findtext("id_info/nct_id").strip()
        values = _legacy_expected(root)
        if nct in LEGACY_REGISTRIES or (plain and any(values["sites"]) and values["qc_date"]):
            plain -= nct not in LEGACY_REGISTRIES
            (folder / f"{nct}.xml").write_bytes(data)
            expected[nct] = values
    assert plain == 0 and set(expected) >= LEGACY_REGISTRIES
    return folder, expected


def test_the_aact_extras_are_properties_of_their_nodes(
    graph: neo4j.Driver, picked: tuple[Path, dict[str, dict[str, Any]]], tmp_path: Path
) -> None:
    folder, expected = picked
    report = load(graph, CtgovLoader(), [folder], quarantine_dir=tmp_path / "q")
    assert report.rejected == 0 and report.written == len(expected) == 2 * PER_KIND + PER_KIND + 3
    for nct, values in expected.items():
        (stored,) = rows(graph, _READ, record_id=f"ctgov:{nct}")
        stored["sites"] = [z for _, z in sorted(stored["sites"])]
        values = {**values, "sites": [z.strip() if z else None for z in values["sites"]]}
        assert stored == values, nct
    assert count(graph, "MATCH (r:RegistryRecord) WHERE r.patient_registry RETURN count(r)") == PER_KIND + 3
