"""A graph loaded from real files of every kind of source matches the typed description, property by property.

The pure checks (``tests/test_graph_description.py``) compare the description with the Cypher text; this one
compares it with what Neo4j actually stored: labels, relationship ends and every property's value type.
"""

from __future__ import annotations

import neo4j

from tests.bench.graph_equivalence import LOADS as EQUIVALENCE_LOADS
from tests.data import shared
from tests.graphcheck import description_mismatches
from trialgraph import TrialGraph
from trialgraph.settings import Settings

# Every kind of source the equivalence script loads, with the small MeSH sample and no big OBO file:
# the types, not the volume, are under test.
LOADS = (
    ("mesh", ("ontologies/mesh/samples-2020",)),
    *((source, paths) for source, paths in EQUIVALENCE_LOADS if source not in {"mesh", "obo"}),
)


def test_every_stored_property_has_the_described_type(graph: neo4j.Driver, neo4j_server: Settings) -> None:
    tg = TrialGraph.connect(neo4j_server)  # on the emptied graph: nothing another module left behind is judged
    for source, paths in LOADS:
        report = tg.load(source, [shared(p) for p in paths])
        assert report.written > 0, source
    tg.link("exact")  # the linker's IS_CONCEPT edges from normalised conditions
    assert description_mismatches(tg.driver) == []
    tg.close()
