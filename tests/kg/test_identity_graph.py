"""Identity across registries in the graph: every registry's records loaded, grouped into trials with evidence.

Expected groupings come from the source files (the CT.gov study that ICTRP also lists, EUCTR member-state
records, the cross-registrations stated inside the records as listed in ``links/registry_record_crossref_pairs
.csv``), never from TrialGraph's own parsers.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterator

import neo4j
import pytest

from tests.data import shared
from trialgraph.api import TrialGraph
from trialgraph.kg.identity import canonical_id, id_lookup
from trialgraph.models.identity.evaluate import evaluate_identity, read_gold_pairs
from trialgraph.settings import Settings

REGISTRY_FILES = (
    ("ctgov", "ctgov/v2/studies.jsonl.gz"),
    ("ictrp", "registries/ictrp/ictrp_full_export_sample.csv"),
    ("euctr", "registries/euctr"),
    ("ctis", "registries/ctis/ctis_trials.jsonl"),
    ("isrctn", "registries/isrctn/isrctn_trials_ctrdata_json.jsonl"),
    ("anzctr", "registries/anzctr/SYNTHETIC_anzctr_trials.xml"),
)
PAIRS = "links/registry_record_crossref_pairs.csv"


@pytest.fixture(scope="module")
def tg(neo4j_driver: neo4j.Driver, neo4j_server: Settings) -> Iterator[TrialGraph]:
    from tests.conftest import wipe

    wipe(neo4j_driver)
    with TrialGraph.connect(neo4j_server) as client:
        for source, path in REGISTRY_FILES:
            client.load(source, [shared(path)])
        yield client


def _count(tg: TrialGraph, cypher: str) -> int:
    return tg.run_cypher(cypher)[0]["n"]


def test_a_study_from_ctgov_and_from_ictrp_is_one_trial_with_two_records(tg: TrialGraph) -> None:
    with gzip.open(shared("ctgov/v2/studies.jsonl.gz"), "rt", encoding="utf-8") as fh:
        ctgov = {json.loads(line)["protocolSection"]["identificationModule"]["nctId"] for line in fh}
    with shared("registries/ictrp/ictrp_full_export_sample.csv").open(encoding="utf-8") as fh:
        ictrp = {row["TrialID"].strip() for row in csv.DictReader(fh)}
    both = sorted(ctgov & ictrp)
    assert both, "the shared files have a study in both"
    for nct in both:
        rows = tg.run_cypher(
            "MATCH (t:Trial {trial_id: $id})<-[:RECORD_OF]-(r) RETURN r.source AS source ORDER BY source", id=nct
        )
        assert [r["source"] for r in rows] == ["ctgov", "ictrp"], nct


def test_member_state_records_of_one_eudract_number_are_one_trial(tg: TrialGraph) -> None:
    with shared("registries/ictrp/ictrp_full_export_sample.csv").open(encoding="utf-8") as fh:
        euctr = [row["TrialID"].strip() for row in csv.DictReader(fh) if row["TrialID"].startswith("EUCTR")]
    by_number: dict[str, set[str]] = {}
    for trial_id in euctr:
        by_number.setdefault(trial_id[5:19], set()).add(f"ictrp:{trial_id}")
    siblings = {number: ids for number, ids in by_number.items() if len(ids) > 1}
    assert siblings
    for number, record_ids in siblings.items():
        trials = tg.run_cypher(
            "UNWIND $ids AS id MATCH (:RegistryRecord {record_id: id})-[:RECORD_OF]->(t) "
            "RETURN collect(DISTINCT t.trial_id) AS trials",
            ids=sorted(record_ids),
        )[0]["trials"]
        assert len(trials) == 1, (number, trials)


def test_cross_registrations_stated_in_the_records_group_them(tg: TrialGraph) -> None:
    trial_of = id_lookup(tg.driver)
    with shared(PAIRS).open(encoding="utf-8") as fh:
        rows = [row for row in csv.DictReader(fh) if row["relation"] != "euctr_member_state_sibling"]
    grouped = [r for r in rows if trial_of(r["trial_id_a"]) and trial_of(r["trial_id_a"]) == trial_of(r["trial_id_b"])]
    missed = [(r["record_id"], r["trial_id_a"], r["trial_id_b"]) for r in rows if r not in grouped]
    assert len(grouped) / len(rows) >= 0.9, missed


def test_every_registry_record_belongs_to_exactly_one_trial(tg: TrialGraph) -> None:
    assert _count(tg, "MATCH (r:RegistryRecord) WHERE COUNT { (r)-[:RECORD_OF]->() } <> 1 RETURN count(r) AS n") == 0
    assert _count(tg, "MATCH (t:Trial) WHERE NOT EXISTS { (t)<-[:RECORD_OF]-() } RETURN count(t) AS n") == 0


def test_identity_evaluation_meets_its_floor(tg: TrialGraph) -> None:
    pairs = read_gold_pairs([shared(PAIRS)])
    result = evaluate_identity(pairs, id_lookup(tg.driver), canonical_id)
    print(f"identity vs stated pairs: {result.as_dict()}")
    assert result.gold_pairs == 91  # distinct unordered pairs, as PROVENANCE says
    assert result.judged_pairs >= 80
    assert result.precision >= 0.95 and result.recall >= 0.9


def test_reloading_changes_nothing(tg: TrialGraph) -> None:
    before = tg.run_cypher("MATCH (t:Trial) RETURN count(t) AS trials, COUNT { ()-[:RECORD_OF]->() } AS links")
    reports = [tg.load(source, [shared(path)]) for source, path in REGISTRY_FILES]
    assert all(r.identity is not None and r.identity.moved == 0 for r in reports)
    after = tg.run_cypher("MATCH (t:Trial) RETURN count(t) AS trials, COUNT { ()-[:RECORD_OF]->() } AS links")
    assert after == before


def test_stats_count_records_and_distinct_trials_per_registry(tg: TrialGraph) -> None:
    rows = {(r["source"], r["registry"]): r for r in tg.run_query("trials_by_registry")}
    assert {source for source, _ in rows} >= {"ctgov", "ictrp", "euctr", "ctis", "isrctn", "anzctr"}
    assert {registry for source, registry in rows if source == "ictrp"} >= {"ChiCTR", "CTRI", "EUCTR", "JPRN"}
    several = tg.run_query("trials_in_several_registries", limit=1000)
    assert several and all(len(r["records"]) > 1 for r in several)
    total_records = _count(tg, "MATCH (r:RegistryRecord) RETURN count(r) AS n")
    total_trials = _count(tg, "MATCH (t:Trial) RETURN count(t) AS n")
    assert total_trials < total_records  # duplicates were grouped
    assert sum(r["records"] for r in rows.values()) == total_records
