"""User-facing Cypher runs in a read-only transaction: every kind of write is refused by the server, and a
statement that would read files or URLs is refused from its plan before it runs."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import neo4j
import pytest

from tests.graphcheck import count
from trialgraph.api import TrialGraph
from trialgraph.errors import GraphError
from trialgraph.kg.graph import _outside_access, run_read
from trialgraph.settings import Settings

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


# ------------------------------------------------------------------ nothing a user sends reaches outside the graph
LOAD_CSV = "LOAD CSV reads files and URLs"
OUTSIDE = [
    ("LOAD CSV FROM 'http://127.0.0.1:{port}/x.csv' AS row RETURN row", LOAD_CSV),
    (
        "MATCH (t:Trial) CALL { LOAD CSV WITH HEADERS FROM 'http://127.0.0.1:{port}/y' AS r RETURN r } RETURN r",
        LOAD_CSV,
    ),
    ("// a comment first\nload csv from $url as row return count(row)", LOAD_CSV),
    ("LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row", LOAD_CSV),
    # not allow-listed, so the server does not even plan it; refused before anything runs all the same
    ("CALL apoc.load.json('http://127.0.0.1:{port}/x')", "apoc.load.json"),
]


@pytest.fixture()
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A local TCP port that records every connection made to it (none may arrive)."""
    received: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            with connection:
                received.append(connection.recv(1024))

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join(timeout=2)
    server.close()


@pytest.mark.parametrize(("statement", "reason"), OUTSIDE)
def test_outside_access_is_refused_before_running_and_no_request_leaves(
    graph: neo4j.Driver, neo4j_server: Settings, listener: tuple[int, list[bytes]], statement: str, reason: str
) -> None:
    port, received = listener
    with TrialGraph.connect(neo4j_server) as tg:
        with pytest.raises(GraphError, match=re.escape(reason)) as refused:
            tg.run_cypher(statement.replace("{port}", str(port)), url=f"http://127.0.0.1:{port}/z")
        assert str(refused.value).startswith("query refused: ") and "\n" not in str(refused.value)
        assert tg.run_cypher("RETURN 'LOAD CSV FROM' AS text") == [{"text": "LOAD CSV FROM"}]  # words are fine
    time.sleep(0.5)
    assert received == []


def test_the_server_advertises_the_ports_it_listens_on(graph: neo4j.Driver, neo4j_server: Settings) -> None:
    with graph.session() as session:
        table = session.run("CALL dbms.routing.getRoutingTable({}, 'neo4j')").single(strict=True)
    addresses = {address for server in table["servers"] for address in server["addresses"]}
    assert addresses == {f"127.0.0.1:{neo4j_server.bolt_port}"}
    # the HTTP discovery document, which Browser and HTTP clients read to find Bolt
    discovery = httpx.get(f"http://127.0.0.1:{neo4j_server.http_port}/", timeout=10).raise_for_status().json()
    assert discovery["bolt_routing"] == f"neo4j://127.0.0.1:{neo4j_server.bolt_port}"
    assert discovery["bolt_direct"] == f"bolt://127.0.0.1:{neo4j_server.bolt_port}"


def test_a_procedure_that_reads_outside_is_found_anywhere_in_the_plan() -> None:
    """The allowlist keeps ``apoc.load.*`` off this server; on a server that has it, the plan check refuses it."""
    leaf = {"operatorType": "ProcedureCall@neo4j", "args": {"Details": "apoc.load.json($url) :: (value :: MAP)"}}
    plan = {
        "operatorType": "ProduceResults@neo4j",
        "args": {},
        "children": [{"operatorType": "Apply", "children": [leaf]}],
    }
    assert _outside_access(plan) == "procedure apoc.load.json reads or runs outside the query"
    harmless = {**leaf, "args": {"Details": "apoc.coll.sort($xs) :: (value :: LIST)"}}
    assert _outside_access({**plan, "children": [harmless]}) is None
