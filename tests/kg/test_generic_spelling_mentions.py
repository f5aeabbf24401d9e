"""Short structured fields in the real graph (issue 20): an intervention named only by a generic concept
("Treatment", "Tablet") gets no ``MENTIONS`` edge, "Metformin tablets" gets metformin alone, and British event
terms ("Diarrhoea", "Oedema peripheral") reach MeSH's American concepts.

The graph holds one real CT.gov v2 record of the demo sample whose interventions and event terms are rewritten
here, and the MeSH 2022 triples about its browse terms, cut from the shared file by the demo's own builder."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from typer.testing import CliRunner

from tests.data import shared
from tests.graphcheck import rows
from trialgraph.api import TrialGraph
from trialgraph.cli import app
from trialgraph.demo import sample_path
from trialgraph.samples.build import build_mesh
from trialgraph.settings import Settings

runner = CliRunner()
THERAPEUTICS, TABLETS, METFORMIN = "D013812", "D013607", "D008687"
DIARRHEA, EDEMA, SYNDROME = "D003967", "D004487", "D013577"
INTERVENTIONS = ("Treatment", "Tablet", "Metformin tablets")
CONDITIONS = ("Syndrome", "Diarrhoea")
EVENTS = ("Diarrhoea", "Oedema peripheral")


def _study(out: Path) -> Path:
    """The demo's NCT00353704 with our interventions, event terms and browse terms (the MeSH cut follows them)."""
    with gzip.open(sample_path("ctgov-demo.jsonl.gz"), "rt", encoding="utf-8") as handle:
        studies = map(json.loads, handle)
        study = next(s for s in studies if s["protocolSection"]["identificationModule"]["nctId"] == "NCT00353704")
    arms = study["protocolSection"]["armsInterventionsModule"]
    arms["interventions"] = [{"type": "DRUG", "name": name} for name in INTERVENTIONS]
    study["protocolSection"]["conditionsModule"]["conditions"] = list(CONDITIONS)
    events = study["resultsSection"]["adverseEventsModule"]
    stats = [{"groupId": "EG000", "numEvents": 1, "numAffected": 1, "numAtRisk": 22}]
    events["otherEvents"] = [{"term": term, "organSystem": "General disorders", "stats": stats} for term in EVENTS]
    browse = [{"id": d, "term": d} for d in (THERAPEUTICS, TABLETS, METFORMIN, DIARRHEA, EDEMA, SYNDROME)]
    study["derivedSection"]["interventionBrowseModule"] = {"meshes": browse}
    path = out / "study.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(study) + "\n")
    return path


@pytest.fixture(scope="module")
def graph(
    neo4j_server: Settings, neo4j_driver: neo4j.Driver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, int]]:
    from tests.conftest import wipe

    folder = tmp_path_factory.mktemp("generic")
    study = _study(folder)
    mesh = folder / "mesh.nt.gz"
    assert {THERAPEUTICS, TABLETS, METFORMIN, DIARRHEA, EDEMA, SYNDROME} <= build_mesh(
        shared("ontologies/mesh/mesh2022-core.nt.gz"), study, mesh
    )
    wipe(neo4j_driver)
    shutil.rmtree(neo4j_server.home / "linker", ignore_errors=True)
    for source, path in (("mesh", mesh), ("ctgov", study)):
        assert runner.invoke(app, ["load", source, str(path)]).exit_code == 0
    assert runner.invoke(app, ["link", "build-index"]).exit_code == 0
    with TrialGraph.connect(neo4j_server) as tg:
        written = {field: tg.link_mentions(field).written for field in ("interventions", "adverse_events")}
        written["conditions"] = tg.link("exact").written
        yield written


def _edges(driver: neo4j.Driver, label: str, name: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    query = (
        f"MATCH (n:{label}) OPTIONAL MATCH (n)-[m:MENTIONS]->(k:Concept) "
        f"RETURN n.{name} AS text, n.mentions_linked AS linked, collect(k.curie) AS curies"
    )
    for row in rows(driver, query):
        assert row["linked"], row  # every node was read and marked, none skipped
        found[str(row["text"])] = sorted(row["curies"])
    return found


def test_generic_interventions_get_no_edge_and_a_drug_beside_one_keeps_its_own(
    graph: dict[str, int], neo4j_driver: neo4j.Driver
) -> None:
    assert _edges(neo4j_driver, "Intervention", "name") == {
        "Treatment": [],
        "Tablet": [],
        "Metformin tablets": [f"MESH:{METFORMIN}"],
    }
    assert graph["interventions"] == 1  # only one intervention counts as linked
    # the index does hold the generic concepts: the stop list, not a missing concept, keeps them off
    curies = {r["c"] for r in rows(neo4j_driver, "MATCH (k:Concept) RETURN k.curie AS c")}
    assert {f"MESH:{THERAPEUTICS}", f"MESH:{TABLETS}"} <= curies


def test_british_event_terms_reach_the_american_concepts(graph: dict[str, int], neo4j_driver: neo4j.Driver) -> None:
    edges = _edges(neo4j_driver, "AdverseEvent", "term")
    assert edges == {"Diarrhoea": [f"MESH:{DIARRHEA}"], "Oedema peripheral": [f"MESH:{EDEMA}"]}
    texts = rows(neo4j_driver, "MATCH (:AdverseEvent)-[m:MENTIONS]->() RETURN m.text AS t ORDER BY t")
    assert [r["t"] for r in texts] == ["Diarrhoea", "Oedema"]  # spans as written, not respelled


def test_condition_strings_skip_generic_concepts_and_meet_american_names(
    graph: dict[str, int], neo4j_driver: neo4j.Driver
) -> None:
    query = (
        "MATCH (c:Condition) OPTIONAL MATCH (c)-[l:IS_CONCEPT {source: 'trialgraph-exact'}]->(k:Concept) "
        "RETURN c.name AS name, collect(k.curie) AS curies"
    )
    assert {r["name"]: sorted(r["curies"]) for r in rows(neo4j_driver, query)} == {
        "Syndrome": [],  # MeSH's "Syndrome" is a concept by that exact name: the stop list keeps it off
        "Diarrhoea": [f"MESH:{DIARRHEA}"],
    }
    assert graph["conditions"] == 1
