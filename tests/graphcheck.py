"""Helpers that read the graph back for assertions (fingerprints for idempotency, counts)."""

from __future__ import annotations

import hashlib

import neo4j

# Provenance of *which run* wrote a record is expected to differ between two equivalent loads.
_VOLATILE = ["load_run"]

_NODE_HASHES = """
MATCH (n) WHERE NOT n:LoadRun
RETURN apoc.util.md5([apoc.text.join(apoc.coll.sort(labels(n)), ':'),
                      apoc.convert.toSortedJsonMap(apoc.map.removeKeys(properties(n), $volatile))]) AS h
"""

_REL_HASHES = """
MATCH (a)-[r]->(b) WHERE NOT a:LoadRun AND NOT b:LoadRun
WITH r,
     apoc.util.md5([apoc.text.join(apoc.coll.sort(labels(a)), ':'),
                    apoc.convert.toSortedJsonMap(apoc.map.removeKeys(properties(a), $volatile))]) AS ha,
     apoc.util.md5([apoc.text.join(apoc.coll.sort(labels(b)), ':'),
                    apoc.convert.toSortedJsonMap(apoc.map.removeKeys(properties(b), $volatile))]) AS hb
RETURN apoc.util.md5([type(r), apoc.convert.toSortedJsonMap(properties(r)), ha, hb]) AS h
"""


def fingerprint(driver: neo4j.Driver) -> dict[str, object]:
    """Counts plus an order-independent hash of every node and relationship (labels, type, properties)."""
    with driver.session() as session:
        nodes = sorted(r["h"] for r in session.run(_NODE_HASHES, volatile=_VOLATILE))
        rels = sorted(r["h"] for r in session.run(_REL_HASHES, volatile=_VOLATILE))
    return {
        "nodes": len(nodes),
        "relationships": len(rels),
        "node_hash": hashlib.sha256("".join(nodes).encode()).hexdigest(),
        "relationship_hash": hashlib.sha256("".join(rels).encode()).hexdigest(),
    }


def count(driver: neo4j.Driver, statement: str, **params: object) -> int:
    with driver.session() as session:
        return session.run(statement, params).single(strict=True)[0]


def rows(driver: neo4j.Driver, statement: str, **params: object) -> list[dict[str, object]]:
    with driver.session() as session:
        return session.run(statement, params).data()


def value(driver: neo4j.Driver, statement: str, **params: object) -> object:
    with driver.session() as session:
        return session.run(statement, params).single(strict=True)[0]


def shape(driver: neo4j.Driver) -> dict[str, int]:
    """Node counts by label and relationship counts by type (load bookkeeping left out)."""
    nodes = rows(driver, "MATCH (n) WHERE NOT n:LoadRun UNWIND labels(n) AS l RETURN l, count(*) AS n")
    rels = rows(driver, "MATCH (a)-[r]->(b) WHERE NOT a:LoadRun AND NOT b:LoadRun RETURN type(r) AS t, count(*) AS n")
    return {**{f"node:{r['l']}": r["n"] for r in nodes}, **{f"rel:{r['t']}": r["n"] for r in rels}}
