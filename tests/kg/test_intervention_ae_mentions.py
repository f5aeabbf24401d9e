"""Interventions and adverse-event terms linked to concepts in the real graph (``link_mentions("interventions")``,
``link_mentions("adverse_events")``) on the demo samples (CT.gov and ICTRP records, the MeSH slice), compared with
the offline linker run on the same strings read by hand."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import neo4j
import pytest
from typer.testing import CliRunner

from tests.graphcheck import rows
from trialgraph.api import TrialGraph
from trialgraph.cli import app
from trialgraph.demo import sample_path
from trialgraph.kg.writer import LoadReport
from trialgraph.link import Linker
from trialgraph.models.linking.generic import generic_concepts
from trialgraph.settings import Settings

runner = CliRunner()
FIELDS = ("interventions", "adverse_events")
# The test's own reading of the rule in read/interventions_to_link.cypher: a placebo or sham names what it imitates.
IMITATION = re.compile(r"\b(placebos?|sham)\b", re.IGNORECASE)

TEXTS = {
    "interventions": "MATCH (n:Intervention) RETURN n.key AS key, n.record_id AS record, n.name AS name, "
    "[t IN [['intervention_name', n.name], ['intervention_description', n.description]] WHERE t[1] IS NOT NULL] "
    "+ CASE WHEN size(coalesce(n.other_names, [])) > 0 THEN [['intervention_other_names', "
    "reduce(s = head(n.other_names), o IN tail(n.other_names) | s + '; ' + o)]] ELSE [] END AS texts",
    "adverse_events": "MATCH (n:AdverseEvent) RETURN n.key AS key, n.record_id AS record, n.term AS name, "
    "[t IN [['adverse_event_term', n.term]] WHERE t[1] IS NOT NULL] AS texts",
}
STORED = {
    "interventions": "MATCH (n:Intervention)-[m:MENTIONS]->(k:Concept) RETURN n.key AS key, m.field AS field, "
    "k.curie AS curie, m.start AS start, m.end AS end, m.text AS text, m.negated AS negated, m.history AS history",
    "adverse_events": "MATCH (n:AdverseEvent)-[m:MENTIONS]->(k:Concept) RETURN n.key AS key, m.field AS field, "
    "k.curie AS curie, m.start AS start, m.end AS end, m.text AS text, m.negated AS negated, m.history AS history",
}
# Written out, not imported: an intervention is a drug (D) or procedure (E), an event a disease, sign, mental state
# or phenomenon (C, F, G); a change to kg/mentions.py's choice must show here.
TYPES = {"interventions": frozenset({"D", "E"}), "adverse_events": frozenset({"C", "F", "G"})}


@pytest.fixture(scope="module")
def linked(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> Iterator[dict[str, LoadReport]]:
    """The demo graph of ``tests/kg/test_text_mentions.py`` with its index, interventions and events linked once."""
    from tests.conftest import wipe

    wipe(neo4j_driver)
    shutil.rmtree(neo4j_server.home / "linker", ignore_errors=True)
    for source, name in (("mesh", "mesh-demo.nt.gz"), ("ctgov", "ctgov-demo.jsonl.gz"), ("ictrp", "ictrp-demo.csv")):
        assert runner.invoke(app, ["load", source, str(sample_path(name))]).exit_code == 0
    assert runner.invoke(app, ["link", "build-index"]).exit_code == 0
    with TrialGraph.connect(neo4j_server) as tg:
        yield {field: tg.link_mentions(field) for field in FIELDS}


def _nodes(driver: neo4j.Driver, field: str) -> list[dict[str, object]]:
    return rows(driver, TEXTS[field])


def _offline(driver: neo4j.Driver, linker: Linker, field: str) -> list[tuple[object, ...]]:
    """The offline linker on each node's strings as read here, a placebo's or sham's strings left out."""
    nodes = [n for n in _nodes(driver, field) if field != "interventions" or not IMITATION.search(str(n["name"]))]
    texts = [(n["key"], name, text) for n in nodes for name, text in n["texts"]]  # type: ignore[attr-defined]
    found = [generic_concepts().specific(s) for s in linker.link_many([text for _, _, text in texts], TYPES[field])]
    return sorted(
        (key, name, s.curie, s.start, s.end, s.text, s.negated, s.history)
        for (key, name, _), spans in zip(texts, found, strict=True)
        for s in spans
    )


def _stored(driver: neo4j.Driver, field: str) -> list[tuple[object, ...]]:
    keys = ("key", "field", "curie", "start", "end", "text", "negated", "history")
    return sorted(tuple(r[k] for k in keys) for r in rows(driver, STORED[field]))  # type: ignore[misc]


@pytest.mark.parametrize("field", FIELDS)
def test_stored_mentions_equal_the_offline_linker_on_the_strings_read_by_hand(
    linked: dict[str, LoadReport], neo4j_driver: neo4j.Driver, neo4j_server: Settings, field: str
) -> None:
    linker = Linker.load(neo4j_server)
    expected = _offline(neo4j_driver, linker, field)
    stored = _stored(neo4j_driver, field)
    assert stored == expected and len(expected) >= 10, field
    kb = linker.tfidf.generator.kb.cui_to_entity
    assert all(set(kb[str(e[2])].types) & TYPES[field] for e in stored)
    report, nodes = linked[field], _nodes(neo4j_driver, field)
    with_mentions = {e[0] for e in stored}
    assert (report.read, report.rejected) == (len(nodes), 0)
    assert (report.written, report.unchanged) == (len(with_mentions), len(nodes) - len(with_mentions))


def test_relinking_reads_nothing_and_a_forgotten_node_alone_is_read_again(
    linked: dict[str, LoadReport], neo4j_driver: neo4j.Driver, neo4j_server: Settings
) -> None:
    before = {field: _stored(neo4j_driver, field) for field in FIELDS}
    with TrialGraph.connect(neo4j_server) as tg:
        assert [tg.link_mentions(field).read for field in FIELDS] == [0, 0]
        assert {field: _stored(neo4j_driver, field) for field in FIELDS} == before
        key = before["adverse_events"][0][0]
        with neo4j_driver.session() as session:
            session.run("MATCH (e:AdverseEvent {key: $key}) REMOVE e.mentions_linked", key=key).consume()
        report = tg.link_mentions("adverse_events")
    assert (report.read, report.written) == (1, 1)
    assert {field: _stored(neo4j_driver, field) for field in FIELDS} == before


def test_a_placebo_is_not_linked_to_the_drug_it_imitates(
    linked: dict[str, LoadReport], neo4j_driver: neo4j.Driver, neo4j_server: Settings
) -> None:
    placebos = [n for n in _nodes(neo4j_driver, "interventions") if IMITATION.search(str(n["name"]))]
    keys = [str(n["key"]) for n in placebos]
    assert len(keys) >= 5  # "Placebo", "placebo", "Placebo 5mg", "Sham Intervention"...
    linked_keys = rows(
        neo4j_driver, "MATCH (i:Intervention) WHERE i.key IN $keys AND i.mentions_linked IS NOT NULL RETURN i.key AS k",
        keys=keys,
    )  # fmt: skip
    assert len(linked_keys) == len(keys)  # read and marked, not skipped
    edges = rows(
        neo4j_driver, "MATCH (i:Intervention)-[:MENTIONS]->(k) WHERE i.key IN $keys RETURN k.curie AS c", keys=keys
    )
    assert edges == []
    # the rule is what keeps them off: their own strings do name drugs ("... Bupropion Hydrochloride ... or placebo")
    linker = Linker.load(neo4j_server)
    texts = [text for n in placebos for _, text in n["texts"]]  # type: ignore[attr-defined]
    named = {s.curie for spans in linker.link_many(texts, {"D"}) for s in spans}
    assert named, "the demo's placebo descriptions no longer name a drug; the test would prove nothing"


def test_a_trials_adverse_event_concepts_by_cypher_equal_the_edges_read_by_hand(
    linked: dict[str, LoadReport], neo4j_driver: neo4j.Driver, neo4j_server: Settings
) -> None:
    by_cypher: dict[str, set[str]] = {}
    for row in rows(
        neo4j_driver,
        "MATCH (t:Trial)<-[:RECORD_OF]-(:RegistryRecord)-[:HAS_ADVERSE_EVENT]->(:AdverseEvent)"
        "-[:MENTIONS]->(k:Concept) "
        "RETURN t.trial_id AS trial, collect(DISTINCT k.curie) AS curies",
    ):
        by_cypher[str(row["trial"])] = set(row["curies"])  # type: ignore[call-overload]
    trial_of = {
        str(r["record"]): str(r["trial"])
        for r in rows(neo4j_driver, "MATCH (r:RegistryRecord)-[:RECORD_OF]->(t:Trial) RETURN r.record_id AS record, "
                      "t.trial_id AS trial")
    }  # fmt: skip
    record_of = {str(n["key"]): str(n["record"]) for n in _nodes(neo4j_driver, "adverse_events")}
    by_hand: dict[str, set[str]] = {}
    for edge in _offline(neo4j_driver, Linker.load(neo4j_server), "adverse_events"):
        by_hand.setdefault(trial_of[record_of[str(edge[0])]], set()).add(str(edge[2]))
    assert by_cypher == by_hand and len(by_hand) >= 2  # the demo: two trials report events the MeSH slice names


def test_each_field_links_only_its_own_kind_of_concept(
    linked: dict[str, LoadReport], neo4j_driver: neo4j.Driver, neo4j_server: Settings
) -> None:
    sildenafil, dysfunction, morphine = "MESH:D000068677", "MESH:D007172", "MESH:D009020"
    given = "Sildenafil citrate for erectile dysfunction"  # the condition is the trial's, not what is given
    event = "Morphine overdose"  # the drug is the cause, not the event
    untyped = {s.curie for spans in Linker.load(neo4j_server).link_many([given, event]) for s in spans}
    assert untyped == {sildenafil, dysfunction, morphine}  # each string does name the other kind too
    with neo4j_driver.session() as session:
        session.run(
            "CREATE (:RecordFact:Intervention {key: 'test-given', record_id: 'none', name: 'Sildenafil', "
            "description: $given}) "
            "CREATE (:RecordFact:AdverseEvent {key: 'test-event', record_id: 'none', term: $event})",
            given=given,
            event=event,
        ).consume()
    try:
        with TrialGraph.connect(neo4j_server) as tg:
            assert [tg.link_mentions(field).read for field in FIELDS] == [1, 1]
        found = rows(
            neo4j_driver,
            "MATCH (n:RecordFact)-[m:MENTIONS]->(k) WHERE n.key STARTS WITH 'test-' "
            "RETURN n.key AS key, m.field AS field, k.curie AS curie ORDER BY field",
        )
        assert [(r["key"], r["field"], r["curie"]) for r in found] == [
            ("test-given", "intervention_description", sildenafil),
            ("test-given", "intervention_name", sildenafil),
        ]
    finally:
        with neo4j_driver.session() as session:
            session.run("MATCH (n:RecordFact) WHERE n.key STARTS WITH 'test-' DETACH DELETE n").consume()


def test_an_interventions_other_names_are_read_and_linked(
    linked: dict[str, LoadReport], neo4j_driver: neo4j.Driver, neo4j_server: Settings
) -> None:
    other = [e for e in _stored(neo4j_driver, "interventions") if e[1] == "intervention_other_names"]
    assert other  # the demo lists brand names and codes that name concepts
    names = {
        str(r["key"]): "; ".join(r["names"])  # type: ignore[arg-type]
        for r in rows(neo4j_driver, "MATCH (n:Intervention) RETURN n.key AS key, coalesce(n.other_names, []) AS names")
    }
    assert all(names[str(e[0])][int(e[3]) : int(e[4])] == e[5] for e in other)  # type: ignore[call-overload]
    # graphs linked before other names were read are read again: the field's reading version is in the method
    key = str(other[0][0])
    with neo4j_driver.session() as session:
        version = session.run(
            "MATCH (i:Intervention {key: $key}) "
            "SET i.mentions_linked = replace(i.mentions_linked, '+other-names-1', '') RETURN i.mentions_linked AS v",
            key=key,
        ).single()["v"]  # type: ignore[index]
    assert "other-names" not in version
    with TrialGraph.connect(neo4j_server) as tg:
        report = tg.link_mentions("interventions")
    assert (report.read, report.written) == (1, 1)
