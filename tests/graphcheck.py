"""Helpers that read the graph back for assertions (fingerprints for idempotency, counts)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import neo4j

# Provenance of *which run* wrote a record is expected to differ between two equivalent loads, and so is the
# identity_pending token (new on every write, trialgraph.kg.identity.PendingFlags): only whether it is set counts.
_VOLATILE = ["load_run", "identity_pending"]


def _props(var: str) -> str:
    """Cypher for an entity's properties as hashed: volatile keys dropped, the pending flag as set or not."""
    return (f"apoc.convert.toSortedJsonMap(apoc.map.setKey(apoc.map.removeKeys(properties({var}), $volatile), "
            f"'identity_pending', {var}.identity_pending IS NOT NULL))")  # fmt: skip


_NODE_HASHES = f"""
MATCH (n) WHERE NOT n:LoadRun
RETURN apoc.util.md5([apoc.text.join(apoc.coll.sort(labels(n)), ':'), {_props("n")}]) AS h
"""

_REL_HASHES = f"""
MATCH (a)-[r]->(b) WHERE NOT a:LoadRun AND NOT b:LoadRun
WITH r,
     apoc.util.md5([apoc.text.join(apoc.coll.sort(labels(a)), ':'), {_props("a")}]) AS ha,
     apoc.util.md5([apoc.text.join(apoc.coll.sort(labels(b)), ':'), {_props("b")}]) AS hb
RETURN apoc.util.md5([type(r), {_props("r")}, ha, hb]) AS h
"""


def fingerprint(driver: neo4j.Driver, ignore: Sequence[str] = ()) -> dict[str, object]:
    """Counts plus an order-independent hash of every node and relationship (labels, type, properties), less
    the volatile properties and those named in ``ignore``."""
    volatile = [*_VOLATILE, *ignore]
    with driver.session() as session:
        nodes = sorted(r["h"] for r in session.run(_NODE_HASHES, volatile=volatile))
        rels = sorted(r["h"] for r in session.run(_REL_HASHES, volatile=volatile))
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


_NODE_TYPES = """
MATCH (n)
UNWIND keys(n) AS key
RETURN labels(n) AS labels, key, collect(DISTINCT valueType(n[key])) AS types
"""

_EDGE_TYPES = """
MATCH (a)-[r]->(b)
UNWIND CASE WHEN size(keys(r)) = 0 THEN [null] ELSE keys(r) END AS key
RETURN labels(a) AS start, type(r) AS type, labels(b) AS end, key,
       collect(DISTINCT CASE WHEN key IS NULL THEN null ELSE valueType(r[key]) END) AS types
"""


def _value_type(neo4j_type: str) -> str:
    """``LIST<STRING NOT NULL> NOT NULL`` → ``LIST<STRING>``: the description's names."""
    return neo4j_type.replace(" NOT NULL", "")


def _fits(found: str, described: str | None) -> bool:
    """An empty list (``LIST<NOTHING>``) fits any list type; everything else must match exactly."""
    return found == described or (found == "LIST<NOTHING>" and (described or "").startswith("LIST<"))


def description_mismatches(driver: neo4j.Driver) -> list[str]:
    """Everything in the graph that ``cypher/graph.toml`` does not describe, or describes with another type."""
    from trialgraph.kg.graph_description import graph_description

    description = graph_description()
    problems: list[str] = []
    with driver.session() as session:
        node_rows = session.run(_NODE_TYPES).data()
        edge_rows = session.run(_EDGE_TYPES).data()
    for row in node_rows:
        kind = description.kind_of(row["labels"])
        if kind is None:
            problems.append(f"node labels {sorted(row['labels'])} are no described kind")
            continue
        extra_labels = set(row["labels"]) - set(kind.labels)
        if len(extra_labels) > int(kind.dynamic_label):
            problems.append(f"{kind.name} carries labels {sorted(extra_labels)} the description does not give it")
        for found in {_value_type(t) for t in row["types"]}:
            if not _fits(found, kind.property_type(row["key"])):
                problems.append(f"{kind.name}.{row['key']} is {found}, described {kind.property_type(row['key'])}")
    for row in edge_rows:
        edge = description.edges.get(row["type"])
        if edge is None:
            problems.append(f"relationship {row['type']} is not described")
            continue
        start, end = description.kind_of(row["start"]), description.kind_of(row["end"])
        ends = (start.name if start else None, end.name if end else None)
        if ends not in edge.ends:
            problems.append(f"{row['type']} joins {ends}, described {edge.ends}")
        for found in {_value_type(t) for t in row["types"] if t is not None}:
            if not _fits(found, edge.property_type(row["key"])):
                problems.append(f"{row['type']}.{row['key']} is {found}, described {edge.property_type(row['key'])}")
    return sorted(set(problems))
