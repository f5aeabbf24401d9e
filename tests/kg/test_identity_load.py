"""Identity across loads: a grouped record that changes stays in its one trial; CT.gov speaks for a trial.

Small inputs: the demo's three ICTRP rows (EudraCT 2018-004320-11 in Hungary and the UK, and NCT03924869,
which the EU records name) and one CT.gov study that the ICTRP export lists too.
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import neo4j
import pytest

from tests.data import shared
from trialgraph.api import TrialGraph
from trialgraph.demo import sample_path
from trialgraph.settings import Settings


@pytest.fixture()
def tg(graph: neo4j.Driver, neo4j_server: Settings) -> TrialGraph:
    client = TrialGraph.connect(neo4j_server)
    yield client
    client.close()


def _memberships(tg: TrialGraph) -> dict[str, list[str]]:
    rows = tg.run_cypher("MATCH (r:RegistryRecord) RETURN r.record_id AS r, [(r)-[:RECORD_OF]->(t) | t.trial_id] AS t")
    return {row["r"]: sorted(row["t"]) for row in rows}


def test_a_changed_record_that_was_regrouped_stays_in_its_one_trial(tg: TrialGraph, tmp_path: Path) -> None:
    tg.load("ictrp", [sample_path("ictrp-demo.csv")])
    with sample_path("ictrp-demo.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    expected_trial = next(r["TrialID"] for r in rows if r["TrialID"].startswith("NCT"))
    assert set(map(tuple, _memberships(tg).values())) == {(expected_trial,)}

    changed = tmp_path / "changed.csv"
    with changed.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "public_title": row["public_title"] + " (amended)"})
    report = tg.load("ictrp", [changed])
    assert report.written == len(rows)  # every record changed and was rewritten
    assert set(map(tuple, _memberships(tg).values())) == {(expected_trial,)}
    assert tg.run_cypher("MATCH (t:Trial) RETURN count(t) AS n") == [{"n": 1}]
    assert report.identity is not None and report.identity.moved == 0  # the load says what it regrouped


def test_a_trial_shows_its_ctgov_record_whatever_loads_last(tg: TrialGraph, tmp_path: Path) -> None:
    with shared("registries/ictrp/ictrp_full_export_sample.csv").open(encoding="utf-8") as fh:
        ictrp_ids = {row["TrialID"].strip() for row in csv.DictReader(fh)}
    with gzip.open(shared("ctgov/v2/studies.jsonl.gz"), "rt", encoding="utf-8") as fh:
        studies = [json.loads(line) for line in fh]
    [study] = [s for s in studies if s["protocolSection"]["identificationModule"]["nctId"] in ictrp_ids]
    nct = study["protocolSection"]["identificationModule"]["nctId"]
    single = tmp_path / "one.jsonl"
    single.write_text(json.dumps(study) + "\n")

    tg.load("ctgov", [single])
    tg.load("ictrp", [shared("registries/ictrp/ictrp_full_export_sample.csv")])  # ICTRP's copy loads last
    [trial] = tg.run_cypher(
        "MATCH (t:Trial {trial_id: $id}) RETURN t.brief_title AS title, t.nct_id AS nct_id, "
        "COUNT { (t)<-[:RECORD_OF]-() } AS records",
        id=nct,
    )
    assert trial == {"title": study["protocolSection"]["identificationModule"]["briefTitle"], "nct_id": nct,
                     "records": 2}  # fmt: skip
    others = tg.run_cypher(
        "MATCH (t:Trial) WHERE t.nct_id IS NOT NULL AND NOT t.nct_id STARTS WITH 'NCT' RETURN t.nct_id"
    )
    assert others == []
