"""Identity evidence in the graph: a stated pair that the records contradict stays apart and is flagged; a pipeline
candidate whose records agree joins, recorded as such.

Records: six real rows of the ICTRP COVID-19 export (three EudraCT/NCT cross-registrations of COVID-19 trials, two
of them by University Hospital Ghent, each EU registration stating its NCT id: the pipeline's ``trn2inreg1`` /
``trn1inreg2`` rows), none of which states the other's id inside the export itself. Pairs, in the layouts the
crossreg loader reads:
- registry-crossreg: NCT04330638 ↔ 2020-001500-41 (the real cross-registration of COV-AID) and
  NCT04342221 ↔ 2020-001500-41 (wrong: a hydroxychloroquine trial against COV-AID's EU record);
- pipeline candidates (no registry flag, only a title match): 2020-001224-33 ↔ NCT04342221 (the real
  cross-registration of the hydroxychloroquine trial) and 2020-001254-22 ↔ NCT04330638 (SARPAC's EU record
  against COV-AID: one sponsor, two trials).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest

from tests.data import shared
from trialgraph.api import TrialGraph
from trialgraph.kg.identity import IdentityReport, resolve_identities
from trialgraph.model.identity_evidence import CONFLICT, METHOD
from trialgraph.settings import Settings

COVID = "registries/ictrp/ictrp_covid19_web_2020-04-15.csv.gz"
ROWS = ("EUCTR2020-001224-33-DE", "NCT04342221", "EUCTR2020-001500-41-BE", "NCT04330638", "EUCTR2020-001254-22-BE",
        "NCT04326920")  # fmt: skip
PIPELINE_HEADER = ["trn1", "trn2", "trn1inreg2", "trn2inreg1", "is_title_matched", "priority"]


def _covid_subset(path: Path) -> Path:
    text = gzip.decompress(shared(COVID).read_bytes()).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = [row for row in reader if row["TrialID"] in ROWS]
    assert sorted(r["TrialID"] for r in rows) == sorted(ROWS)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def loaded(
    neo4j_driver: neo4j.Driver, neo4j_server: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TrialGraph, IdentityReport]]:
    from tests.conftest import wipe

    wipe(neo4j_driver)
    folder = tmp_path_factory.mktemp("evidence")
    stated = folder / "registry-crossreg.csv"
    stated.write_text("id,crossreg_registry,crossreg_trn\nNCT04330638,EudraCT,2020-001500-41\n"
                      "NCT04342221,EudraCT,2020-001500-41\n", encoding="utf-8")  # fmt: skip
    candidates = folder / "crossreg_pipeline_output.csv"
    candidates.write_text(",".join(PIPELINE_HEADER) + "\n2020-001224-33,NCT04342221,FALSE,FALSE,TRUE,5\n"
                          "2020-001254-22,NCT04330638,FALSE,FALSE,TRUE,5\n", encoding="utf-8")  # fmt: skip
    with TrialGraph.connect(neo4j_server) as client:
        client.load("ictrp", [_covid_subset(folder / "covid.csv")])
        apart = _trials(client)
        assert len(set(apart.values())) == 6, apart  # nothing in the records joins them
        report = client.load("crossreg", [stated, candidates])
        assert report.identity is not None and report.identity.marked == 4  # two stated pairs, two candidates
        yield client, report.identity


def _trials(tg: TrialGraph) -> dict[str, str]:
    rows = tg.run_cypher("MATCH (r:RegistryRecord)-[:RECORD_OF]->(t) RETURN r.raw_id AS id, t.trial_id AS trial")
    return {row["id"]: row["trial"] for row in rows}


def test_a_stated_pair_the_records_contradict_stays_apart_and_is_flagged(loaded) -> None:
    tg, report = loaded
    trials = _trials(tg)
    assert trials["NCT04342221"] != trials["EUCTR2020-001500-41-BE"]
    assert trials["NCT04330638"] == trials["EUCTR2020-001500-41-BE"]  # the true pair of the same table applies
    [flag] = tg.run_query("identity_evidence", decision="conflict")
    assert {flag["id_a"], flag["id_b"]} == {"NCT04342221", "2020-001500-41"}
    assert flag["stated_by"] == "intovalue-registry-crossreg" and flag["method"] == METHOD
    assert flag["score"] < CONFLICT and flag["reason"].startswith("title ")
    assert [c["ids"] for c in report.conflicts] == [["NCT04342221", "2020-001500-41"]]
    [applied] = tg.run_query("identity_evidence", decision="applied")
    assert {applied["id_a"], applied["id_b"]} == {"NCT04330638", "2020-001500-41"} and applied["reason"] is None


def test_a_candidate_whose_records_agree_joins_recorded_as_such(loaded) -> None:
    tg, report = loaded
    trials = _trials(tg)
    assert trials["EUCTR2020-001224-33-DE"] == trials["NCT04342221"] == "NCT04342221"
    assert trials["EUCTR2020-001254-22-BE"] != trials["NCT04330638"]  # one sponsor's other trial: left apart
    assert trials["EUCTR2020-001254-22-BE"] != trials["NCT04326920"]  # stated nowhere here: not joined either
    assert report.joined == 1
    [edge] = tg.run_cypher(
        "MATCH (:TrialId {id: '2020-001224-33'})-[s:SAME_TRIAL_AS]->(:TrialId {id: 'NCT04342221'}) "
        "RETURN s.candidate AS candidate, s.applied_by AS applied_by, s.identity_decision AS decision, "
        "s.score AS priority"
    )
    assert edge == {"candidate": True, "applied_by": METHOD, "decision": "joined", "priority": 5.0}
    [record_of] = tg.run_cypher(
        "MATCH (:RegistryRecord {raw_id: 'EUCTR2020-001224-33-DE'})-[e:RECORD_OF]->() RETURN e.evidence AS evidence"
    )
    assert any(METHOD in line and "joined candidate" in line for line in record_of["evidence"])
    [left] = tg.run_query("identity_evidence", decision="candidate")
    assert {left["id_a"], left["id_b"]} == {"2020-001254-22", "NCT04330638"}


def test_resolving_again_changes_nothing(loaded, neo4j_driver: neo4j.Driver) -> None:
    tg, _ = loaded
    before = (_trials(tg), tg.run_query("identity_evidence", limit=100))
    again = resolve_identities(neo4j_driver)
    assert again.moved == 0 and again.joined == 1 and len(again.conflicts) == 1
    assert again.marked == 0  # the evidence on the edges is already what it would write
    assert (_trials(tg), tg.run_query("identity_evidence", limit=100)) == before


def test_eval_identity_lists_the_pairs_evidence_set_aside(loaded) -> None:
    from tests.test_cli import _invoke

    code, out = _invoke("eval", "identity", "--gold", str(shared("links/registry_record_crossref_pairs.csv")), "--json")
    assert code == 0, out
    figures = json.loads(out)
    assert figures["set_aside"] == 1
    [row] = figures["set_aside_examples"]
    assert {row["id_a"], row["id_b"]} == {"NCT04342221", "2020-001500-41"} and row["reason"].startswith("title ")
