"""Connections to Neo4j and the two ways TrialGraph runs Cypher: read-only for users, batched writes for loaders."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import neo4j
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ClientError, DriverError, Neo4jError, ServiceUnavailable

from trialgraph.errors import GraphError
from trialgraph.kg import cypher
from trialgraph.kg.contention import retry_races
from trialgraph.kg.server import local_password
from trialgraph.settings import Settings

__all__ = ["apply_schema", "connect", "refuse_outside_access", "run_read"]

log = logging.getLogger(__name__)


def connect(settings: Settings) -> neo4j.Driver:
    """A verified driver for the configured server (external ``NEO4J_URI`` or the local one)."""
    password = local_password(settings)
    driver = GraphDatabase.driver(
        settings.bolt_uri, auth=(settings.neo4j_user, password), notifications_min_severity="OFF"
    )
    try:
        driver.verify_connectivity()
    except AuthError as e:
        driver.close()
        raise GraphError(
            f"Neo4j at {settings.bolt_uri} refused the password for user {settings.neo4j_user!r}; check NEO4J_PASSWORD"
        ) from e
    except (ServiceUnavailable, OSError) as e:
        driver.close()
        hint = "run `trialgraph server start`" if settings.uses_local_server else "check NEO4J_URI"
        raise GraphError(f"Neo4j not reachable at {settings.bolt_uri}; {hint}") from e
    return driver


def run_read(
    driver: neo4j.Driver, statement: str, parameters: Mapping[str, Any] | None = None, *, database: str = "neo4j"
) -> list[dict[str, Any]]:
    """Run a statement in a read-only transaction: the server refuses any write it attempts."""

    def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
        return [record.data() for record in tx.run(statement, dict(parameters or {}))]

    try:
        with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
            return session.execute_read(work)
    except ClientError as e:
        raise GraphError(f"query refused: {e.message.splitlines()[0] if e.message else e.code}") from e
    except (Neo4jError, DriverError) as e:
        raise GraphError(f"query failed: {getattr(e, 'message', None) or e}") from e


# What a user's read-only statement may not do: reach outside the database. Decided from the plan the server
# makes (EXPLAIN runs nothing), so no spelling, comment or CALL {} nesting hides it from the check.
_OUTSIDE_OPERATORS = frozenset({"LoadCSV"})
_OUTSIDE_PROCEDURES = ("apoc.load.", "apoc.import.", "apoc.export.", "apoc.cypher.", "apoc.periodic.", "apoc.do.")


def _outside_access(plan: Mapping[str, Any] | None) -> str | None:
    pending = [plan] if plan else []
    while pending:
        step = pending.pop()
        operator = str(step.get("operatorType", "")).split("@", 1)[0]
        if operator in _OUTSIDE_OPERATORS:
            return "LOAD CSV reads files and URLs"
        details = str((step.get("args") or {}).get("Details", ""))
        if operator == "ProcedureCall" and details.startswith(_OUTSIDE_PROCEDURES):
            return f"procedure {details.split('(', 1)[0]} reads or runs outside the query"
        pending.extend(step.get("children") or [])
    return None


def refuse_outside_access(
    driver: neo4j.Driver, statement: str, parameters: Mapping[str, Any] | None = None, *, database: str = "neo4j"
) -> None:
    """Refuse, in one line, a statement whose plan loads CSV or calls a procedure that reads files or URLs.

    A read-only transaction stops writes but not ``LOAD CSV FROM 'http://…'``: the server would fetch any
    address for whoever can send a query (server-side request forgery through the CLI, HTTP or MCP).
    """

    def explain(tx: neo4j.ManagedTransaction) -> Mapping[str, Any] | None:
        return tx.run("EXPLAIN " + statement, dict(parameters or {})).consume().plan

    try:
        with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
            plan = session.execute_read(explain)
    except ClientError as e:
        raise GraphError(f"query refused: {e.message.splitlines()[0] if e.message else e.code}") from e
    except (Neo4jError, DriverError) as e:
        raise GraphError(f"query failed: {getattr(e, 'message', None) or e}") from e
    if (reason := _outside_access(plan)) is not None:
        raise GraphError(f"query refused: {reason}; user queries read the graph only")


def apply_schema(driver: neo4j.Driver, *, database: str = "neo4j") -> int:
    """Create every constraint and index in ``cypher/schema.cypher`` (idempotent: ``IF NOT EXISTS``)."""
    statements = cypher.load_script("schema")
    try:
        with driver.session(database=database) as session:
            for statement in statements:  # a second process creating the schema at once is waited for, not fatal
                retry_races(lambda statement=statement: session.run(statement).consume())
            session.run(cypher.load("write/await_indexes")).consume()
    except (Neo4jError, DriverError) as e:
        raise GraphError(f"could not create the schema: {getattr(e, 'message', None) or e}") from e
    return len(statements)
