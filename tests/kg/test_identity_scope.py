"""Identity resolution after a load weighs only what the load touched, and still groups as a full resolution would.

Every registry's shared file and the IntoValue cross-registrations are loaded one source at a time, in an order
where later loads join records written by earlier ones (an EU record claimed by CT.gov studies loaded before it,
curated pairs between ids loaded long before). The checks compare with a full resolution run afterwards: if the
scope missed anything, the full one would regroup records, relink ids or rewrite identity evidence.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest

from tests.conftest import wipe
from tests.data import shared
from tests.graphcheck import count, fingerprint
from trialgraph.api import TrialGraph
from trialgraph.kg.load import load
from trialgraph.loaders.base import discover
from trialgraph.settings import Settings

LOAD_ORDER = (
    ("ctgov", "ctgov/v2/studies.jsonl.gz"),
    ("crossreg", "links/intovalue/registry-crossreg.csv"),
    ("anzctr", "registries/anzctr/SYNTHETIC_anzctr_trials.xml"),
    ("isrctn", "registries/isrctn/isrctn_trials_ctrdata_json.jsonl"),
    ("ctis", "registries/ctis/ctis_trials.jsonl"),
    ("euctr", "registries/euctr"),
    ("ictrp", "registries/ictrp/ictrp_full_export_sample.csv"),
    ("crossreg", "links/crossreg/crossreg_pipeline_output.csv"),
)
PENDING = "MATCH (n) WHERE n.identity_pending IS NOT NULL RETURN count(n)"
PENDING_PAIRS = "MATCH ()-[s:SAME_TRIAL_AS]->() WHERE s.identity_pending IS NOT NULL RETURN count(s)"


@pytest.fixture(scope="module")
def loaded(neo4j_driver: neo4j.Driver, neo4j_server: Settings) -> Iterator[tuple[TrialGraph, list]]:
    wipe(neo4j_driver)
    with TrialGraph.connect(neo4j_server) as client:
        reports = [client.load(source, [shared(path)]) for source, path in LOAD_ORDER]
        yield client, reports


def test_loads_resolve_only_their_scope_and_a_full_resolution_afterwards_changes_nothing(
    loaded: tuple[TrialGraph, list],
) -> None:
    tg, reports = loaded
    assert all(r.identity is not None and r.identity.scope == "pending" for r in reports)
    assert sum(r.identity.moved for r in reports) > 0  # later loads did regroup earlier records
    records = count(tg.driver, "MATCH (r:RegistryRecord) RETURN count(r)")
    assert reports[0].identity.records == reports[0].written  # the first load: every record it wrote, no more
    assert min(r.identity.records for r in reports[1:]) < records  # later ones read less than the graph
    assert count(tg.driver, PENDING) == 0 and count(tg.driver, PENDING_PAIRS) == 0

    before = fingerprint(tg.driver)
    full = tg.resolve_identities()
    assert full.scope == "all" and full.records == records
    assert (full.moved, full.marked) == (0, 0)
    assert fingerprint(tg.driver) == before


def test_a_changed_record_is_resolved_with_its_group_only(loaded: tuple[TrialGraph, list], tmp_path: Path) -> None:
    tg, _ = loaded
    [trial] = tg.run_cypher(
        "MATCH (t:Trial)<-[:RECORD_OF]-(r:RegistryRecord {source: 'ctgov'}) WITH t, count(r) AS n, "
        "COUNT { (t)<-[:RECORD_OF]-() } AS records WHERE records > 1 "
        "RETURN t.trial_id AS trial_id, records ORDER BY records DESC, trial_id LIMIT 1"
    )
    with gzip.open(shared("ctgov/v2/studies.jsonl.gz"), "rt", encoding="utf-8") as fh:
        studies = [json.loads(line) for line in fh]
    [study] = [s for s in studies if s["protocolSection"]["identificationModule"]["nctId"] == trial["trial_id"]]
    study["protocolSection"]["identificationModule"]["briefTitle"] += " (amended)"
    changed = tmp_path / "changed.jsonl"
    changed.write_text(json.dumps(study) + "\n", encoding="utf-8")

    report = tg.load("ctgov", [changed])
    assert report.written == 1
    assert report.identity.records == trial["records"]  # the record and the records grouped with it, no more
    assert report.identity.moved == 0
    assert count(tg.driver, PENDING) == 0


def test_what_an_interrupted_load_left_pending_is_resolved_by_the_next_load(
    graph: neo4j.Driver, neo4j_server: Settings, tmp_path: Path
) -> None:
    with TrialGraph.connect(neo4j_server) as tg:
        tg.ensure_schema()
        # the load loop alone: records written, the process gone before its identity resolution
        load(graph, discover().create("euctr"), [shared("registries/euctr")], quarantine_dir=tmp_path)
        left = count(graph, "MATCH (r:RegistryRecord) WHERE r.identity_pending IS NOT NULL RETURN count(r)")
        assert left == count(graph, "MATCH (r:RegistryRecord) RETURN count(r)") > 0
        report = tg.load("ctgov", [shared("ctgov/v2/studies.jsonl.gz")])
        assert report.identity.records >= left
        assert count(graph, PENDING) == 0
        before = fingerprint(graph)
        full = tg.resolve_identities()
        assert (full.moved, full.marked) == (0, 0)
        assert fingerprint(graph) == before
