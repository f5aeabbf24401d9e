"""Registry keywords linked to concepts in the real graph (``link_mentions("keywords")``) on the demo samples,
compared with the offline linker run on the keyword strings read by hand: each distinct keyword is one shared node,
linked once for every record that lists it."""

from __future__ import annotations

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

pytestmark = pytest.mark.neo4j
runner = CliRunner()
# Written out, not imported: a keyword names a condition, drug, procedure, sign or phenomenon (the criteria's kinds)
TYPES = frozenset({"C", "D", "E", "F", "G"})
STORED = (
    "MATCH (n:Keyword)-[m:MENTIONS]->(k:Concept) RETURN n.key AS key, m.field AS field, k.curie AS curie, "
    "m.start AS start, m.end AS end, m.text AS text, m.negated AS negated, m.history AS history"
)


@pytest.fixture(scope="module")
def linked(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> Iterator[LoadReport]:
    from tests.conftest import wipe

    wipe(neo4j_driver)
    shutil.rmtree(neo4j_server.home / "linker", ignore_errors=True)
    for source, name in (("mesh", "mesh-demo.nt.gz"), ("ctgov", "ctgov-demo.jsonl.gz")):
        assert runner.invoke(app, ["load", source, str(sample_path(name))]).exit_code == 0
    assert runner.invoke(app, ["link", "build-index"]).exit_code == 0
    with TrialGraph.connect(neo4j_server) as tg:
        yield tg.link_mentions("keywords")


def _keywords(driver: neo4j.Driver) -> list[dict[str, object]]:
    return rows(driver, "MATCH (k:Keyword) RETURN k.key AS key, k.name AS name")


def _stored(driver: neo4j.Driver) -> list[tuple[object, ...]]:
    keys = ("key", "field", "curie", "start", "end", "text", "negated", "history")
    return sorted(tuple(r[k] for k in keys) for r in rows(driver, STORED))  # type: ignore[misc]


def test_stored_keyword_mentions_equal_the_offline_linker_on_each_keyword(
    linked: LoadReport, neo4j_driver: neo4j.Driver, neo4j_server: Settings
) -> None:
    linker = Linker.load(neo4j_server)
    keywords = [k for k in _keywords(neo4j_driver) if k["name"]]
    found = [generic_concepts().specific(s) for s in linker.link_many([str(k["name"]) for k in keywords], TYPES)]
    expected = sorted(
        (k["key"], "keyword", s.curie, s.start, s.end, s.text, s.negated, s.history)
        for k, spans in zip(keywords, found, strict=True)
        for s in spans
    )
    stored = _stored(neo4j_driver)
    assert stored == expected and len({e[0] for e in expected}) >= 10
    with_mentions = {e[0] for e in stored}
    assert (linked.read, linked.rejected) == (len(keywords), 0)
    assert (linked.written, linked.unchanged) == (len(with_mentions), len(keywords) - len(with_mentions))
    # a record reaches its keywords' concepts: every keyword with mentions is listed by at least one record
    reached = rows(
        neo4j_driver,
        "MATCH (:RegistryRecord)-[:HAS_KEYWORD]->(k:Keyword)-[:MENTIONS]->(:Concept) RETURN DISTINCT k.key AS key",
    )
    assert {r["key"] for r in reached} == with_mentions


def test_relinking_keywords_reads_nothing_and_changes_nothing(
    linked: LoadReport, neo4j_driver: neo4j.Driver, neo4j_server: Settings
) -> None:
    before = _stored(neo4j_driver)
    with TrialGraph.connect(neo4j_server) as tg:
        assert tg.link_mentions("keywords").read == 0
    assert _stored(neo4j_driver) == before
