"""Load semantics against the real server: idempotency, updates replace stale facts, quarantine accounting."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import neo4j

from tests.conftest import wipe
from tests.data import shared
from tests.graphcheck import count, fingerprint
from trialgraph.kg.load import load
from trialgraph.kg.writer import LoadReport
from trialgraph.loaders.base import discover


def _load(driver: neo4j.Driver, paths: list[Path], quarantine: Path, batch_size: int = 200) -> LoadReport:
    return load(driver, discover().create("ctgov"), paths, quarantine_dir=quarantine, batch_size=batch_size)


def _record_facts(driver: neo4j.Driver, nct_id: str) -> dict[str, Any]:
    """Everything a record states: its own fact nodes and its edges to shared nodes, as comparable data."""
    rid = f"ctgov:{nct_id}"
    with driver.session() as session:
        facts = session.run(
            "MATCH (f:RecordFact {record_id: $rid}) "
            "RETURN apoc.coll.sort(labels(f)) AS labels, apoc.convert.toSortedJsonMap(f{.*}) AS props",
            rid=rid,
        ).data()
        links = session.run(
            "MATCH (:RegistryRecord {record_id: $rid})-[rel]->(x) "
            "RETURN type(rel) AS type, apoc.convert.toSortedJsonMap(properties(rel)) AS props, "
            "coalesce(x.key, x.name, x.trial_id) AS target",
            rid=rid,
        ).data()
    return {
        "facts": sorted(json.dumps(f, sort_keys=True) for f in facts),
        "links": sorted(json.dumps(x, sort_keys=True) for x in links),
    }


def test_loading_twice_leaves_the_graph_identical(graph: neo4j.Driver, tmp_path: Path) -> None:
    paths = [shared("ctgov/v2/studies"), shared("ctgov/v2/aact"), shared("ctgov/legacy/aact")]
    first = _load(graph, paths, tmp_path / "q1")
    before = fingerprint(graph)
    second = _load(graph, paths, tmp_path / "q2")
    after = fingerprint(graph)
    assert before == after
    assert before["nodes"] > 1000  # the load really wrote something
    assert second.written == 0
    assert second.read == first.read and second.rejected == first.rejected
    # legacy/aact holds one synthetic download cut short (SYNTHETIC-BROKEN_truncated_NCT00490009.xml): each run
    # says so (partial), and the cut study never reaches the graph
    assert first.files_truncated == second.files_truncated == 1
    assert count(graph, "MATCH (l:LoadRun {status: 'partial'}) RETURN count(l)") == 2
    assert count(graph, "MATCH (r:RegistryRecord {record_id: 'ctgov:NCT00490009'}) RETURN count(r)") == 0


def _bump(study: dict[str, Any], date: str) -> dict[str, Any]:
    newer = copy.deepcopy(study)
    newer["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": date, "type": "ACTUAL"}
    return newer


def test_newer_version_replaces_stale_facts(graph: neo4j.Driver, tmp_path: Path) -> None:
    original = json.loads(shared("ctgov/v2/studies/NCT00422734.json").read_text())
    nct = original["protocolSection"]["identificationModule"]["nctId"]
    newer = _bump(original, "2030-01-01")
    arms = newer["protocolSection"]["armsInterventionsModule"]["armGroups"]
    dropped_arm = arms.pop()["label"]
    outcomes = newer["protocolSection"]["outcomesModule"]["secondaryOutcomes"]
    dropped_outcome = outcomes.pop()["measure"]
    newer["protocolSection"]["conditionsModule"]["conditions"] = ["A condition only the new version names"]
    newer["protocolSection"]["identificationModule"]["briefTitle"] = "Updated title"
    del newer["resultsSection"]["adverseEventsModule"]

    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    old_dir.mkdir()
    new_dir.mkdir()
    (old_dir / f"{nct}.json").write_text(json.dumps(original))
    (new_dir / f"{nct}.json").write_text(json.dumps(newer))

    _load(graph, [old_dir], tmp_path / "q")
    assert count(graph, "MATCH (:ArmGroup {label: $l, record_id: $r}) RETURN count(*)", l=dropped_arm, r=f"ctgov:{nct}")
    assert count(graph, "MATCH (r:RegistryRecord)-[:HAS_ADVERSE_EVENT]->() RETURN count(*)") > 0

    report = _load(graph, [new_dir], tmp_path / "q")
    assert report.written == 1
    updated = _record_facts(graph, nct)
    assert count(graph, "MATCH (a:ArmGroup {label: $l}) RETURN count(a)", l=dropped_arm) == 0
    assert count(graph, "MATCH (o:Outcome {measure: $m}) RETURN count(o)", m=dropped_outcome) == 0
    assert count(graph, "MATCH (:RegistryRecord)-[:HAS_ADVERSE_EVENT]->() RETURN count(*)") == 0
    assert count(graph, "MATCH (e:AdverseEvent) RETURN count(e)") == 0
    conditions = graph.execute_query(
        "MATCH (:RegistryRecord {nct_id: $n})-[:STUDIES_CONDITION]->(c) RETURN collect(c.name) AS c", n=nct
    ).records[0]["c"]
    assert conditions == ["A condition only the new version names"]
    assert count(graph, "MATCH (t:Trial {trial_id: $n, brief_title: 'Updated title'}) RETURN count(t)", n=nct) == 1

    # The updated graph is exactly a fresh load of the new version: no stale fact, no orphaned shared node.
    after_update = fingerprint(graph)
    wipe(graph)
    _load(graph, [new_dir], tmp_path / "q")
    assert _record_facts(graph, nct) == updated
    assert fingerprint(graph) == after_update


def test_older_version_does_not_overwrite_newer(graph: neo4j.Driver, tmp_path: Path) -> None:
    newer = shared("ctgov/legacy/aact/NCT02028676.xml")  # 2018 download
    older = shared("ctgov/legacy/aact/NCT02028676_modified.xml")  # 2016 download (despite its name)
    _load(graph, [newer], tmp_path / "q")
    before = fingerprint(graph)
    report = _load(graph, [older], tmp_path / "q")
    assert report.superseded == 1 and report.written == 0
    assert fingerprint(graph) == before


def test_same_study_edited_later_updates_in_place(graph: neo4j.Driver, tmp_path: Path) -> None:
    original = shared("ctgov/legacy/aact/NCT00513591_redownloaded.xml")  # 2016 download, changed 2016-06-14
    edited = shared("ctgov/legacy/aact/NCT00513591_mod.xml")  # AACT's edit of it: new title, a day later
    new_title = ElementTree.parse(edited).getroot().findtext("official_title")
    assert new_title != ElementTree.parse(original).getroot().findtext("official_title")
    _load(graph, [original], tmp_path / "q")
    report = _load(graph, [edited], tmp_path / "q")
    assert report.written == 1
    assert count(graph, "MATCH (t:Trial) RETURN count(t)") == 1
    assert count(graph, "MATCH (r:RegistryRecord {official_title: $t}) RETURN count(r)", t=new_title) == 1
    latest = shared("ctgov/legacy/aact/NCT00513591.xml")  # the 2018 download (changed 2017) wins over both
    assert _load(graph, [latest], tmp_path / "q").written == 1
    assert _load(graph, [edited], tmp_path / "q").superseded == 1
    assert count(graph, "MATCH (r:RegistryRecord {official_title: $t}) RETURN count(r)", t=new_title) == 0


def test_outcome_groups_are_scoped_to_their_measure(graph: neo4j.Driver, tmp_path: Path) -> None:
    """CT.gov reuses OG000 for different groups in different outcome measures; each value keeps its own group."""
    with gzip.open(shared("ctgov/v2/studies.jsonl.gz"), "rt") as handle:
        study = next(
            s
            for line in handle
            if (s := json.loads(line))["protocolSection"]["identificationModule"]["nctId"] == "NCT06094296"
        )
    measures = study["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
    titles = {(pos, g["id"]): g["title"] for pos, m in enumerate(measures) for g in m.get("groups", [])}
    assert len({title for (_, gid), title in titles.items() if gid == "OG000"}) > 1  # the case this test is about
    path = tmp_path / "NCT06094296.json"
    path.write_text(json.dumps(study))
    _load(graph, [path], tmp_path / "q")
    rows = graph.execute_query(
        "MATCH (:RegistryRecord)-[:HAS_OUTCOME_MEASURE]->(m)-[:HAS_VALUE]->(v)-[:FOR_GROUP]->(g) "
        "RETURN m.position AS pos, v.group_id AS gid, g.title AS title"
    ).records
    assert rows
    assert all(r["title"] == titles[(r["pos"], r["gid"])] for r in rows)


def test_alias_file_loads_as_one_study(graph: neo4j.Driver, tmp_path: Path) -> None:
    files = ["NCT00980226-id-mismatch.xml", "NCT00980226.xml", "NCT00081588.xml"]
    report = _load(graph, [shared(f"ctgov/legacy/aact/{f}") for f in files], tmp_path / "q")
    assert report.rejected == 0
    trials = graph.execute_query("MATCH (t:Trial) RETURN t.trial_id AS id, t.aliases AS aliases").records
    assert [(r["id"], r["aliases"]) for r in trials] == [("NCT00081588", ["NCT00980226"])]


def test_mixed_jsonl_accounts_for_every_line(graph: neo4j.Driver, tmp_path: Path) -> None:
    report = _load(graph, [shared("ctgov/v2/broken/SYNTHETIC-BROKEN_studies_mixed.jsonl")], tmp_path / "q")
    assert report.read == 8
    assert report.read == report.accepted + report.rejected
    assert count(graph, "MATCH (t:Trial) RETURN count(t)") == 3
    assert report.rejected == 4  # lines 3 (truncated), 4 (empty), 5 ([]), 7 (NCT123)
    entries = [json.loads(line) for line in Path(report.quarantine_file).read_text().splitlines()]
    by_line = {e["file"].rsplit(":", 1)[1]: e["reason"] for e in entries}
    assert set(by_line) == {"3", "4", "5", "7"}
    assert "JSON" in by_line["3"] and "empty" in by_line["4"]
    assert "object" in by_line["5"] and "NCT123" in by_line["7"]
    stored = graph.execute_query("MATCH (l:LoadRun) RETURN l.read AS read, l.rejected AS rejected").records[0]
    assert (stored["read"], stored["rejected"]) == (8, 4)


def test_an_impossible_update_date_is_dropped_and_a_later_valid_update_still_wins(
    graph: neo4j.Driver, tmp_path: Path
) -> None:
    study = json.loads(shared("ctgov/v2/studies/NCT00000410.json").read_text(encoding="utf-8"))
    status = study["protocolSection"]["statusModule"]
    bad = copy.deepcopy(study)
    # stored as a version, "2023-13-45" would sort after every real 2023 date and block the update below
    bad["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2023-13-45"
    bad["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = 12
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    report = _load(graph, [tmp_path / "bad.json"], tmp_path / "q")
    assert (report.written, report.rejected, report.field_issues) == (1, 0, 1)
    entries = [json.loads(line) for line in Path(report.quarantine_file or "").read_text().splitlines()]
    assert entries == [
        {
            "file": str(tmp_path / "bad.json"),
            "record": "ctgov:NCT00000410",
            "reason": "last_update_date '2023-13-45' is not a calendar date; stored without it",
            "kind": "field",
            "load_run": report.run_id,
        }
    ]
    stored = count(graph, "MATCH (r:RegistryRecord {record_id: 'ctgov:NCT00000410'}) RETURN r.last_update_date IS NULL")
    assert stored  # the impossible date is not stored; the version fell back to the submission date
    assert status["lastUpdateSubmitDate"] < "2023-12-20"

    newer = copy.deepcopy(study)
    newer["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2023-12-20"
    newer["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = 99
    (tmp_path / "newer.json").write_text(json.dumps(newer), encoding="utf-8")
    report = _load(graph, [tmp_path / "newer.json"], tmp_path / "q")
    assert (report.written, report.superseded, report.field_issues) == (1, 0, 0)
    enrollment = count(graph, "MATCH (r:RegistryRecord {record_id: 'ctgov:NCT00000410'}) RETURN r.enrollment")
    assert enrollment == 99
