"""User-facing Cypher runs in a read-only transaction: every kind of write is refused by the server."""

from __future__ import annotations

import neo4j
import pytest

from tests.graphcheck import count
from trialgraph.errors import GraphError
from trialgraph.kg.graph import run_read

WRITES = [
    "CREATE (n:Intruder {name: 'x'}) RETURN n",
    "MERGE (n:Intruder {name: 'x'}) RETURN n",
    "MATCH (t:Trial) SET t.tampered = true RETURN count(t)",
    "MATCH (t:Trial) DETACH DELETE t",
    "MATCH (t:Trial) REMOVE t.brief_title RETURN count(t)",
    "CALL { CREATE (:Intruder) } IN TRANSACTIONS",
    "CREATE INDEX intruder IF NOT EXISTS FOR (n:Intruder) ON (n.name)",
    "CALL apoc.create.node(['Intruder'], {name: 'x'})",
    "CALL apoc.refactor.rename.label('Trial', 'Intruder')",
]


@pytest.mark.parametrize("statement", WRITES)
def test_writes_are_refused(graph: neo4j.Driver, statement: str) -> None:
    with graph.session() as session:
        session.run("CREATE (:Trial {trial_id: 'NCT00000001', brief_title: 'kept'})").consume()
    with pytest.raises(GraphError):
        run_read(graph, statement)
    assert count(graph, "MATCH (n:Intruder) RETURN count(n)") == 0
    assert count(graph, "MATCH (t:Trial {brief_title: 'kept'}) WHERE t.tampered IS NULL RETURN count(t)") == 1
    assert count(graph, "SHOW INDEXES YIELD name WHERE name = 'intruder' RETURN count(*)") == 0
