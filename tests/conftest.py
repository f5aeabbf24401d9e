"""Test wiring: one real Neo4j server for the session, started by the project's own server code.

With ``NEO4J_URI`` set, tests use that server instead (and wipe its database: point it at a scratch
instance). Without it, ``trialgraph.kg.server.start_server`` provisions and starts a private server
under ``.trialgraph/test-home`` on ports 17687/17474 and stops it at the end. A server that cannot
start fails the run; nothing is skipped for want of a database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest

from tests.data import REPO_ROOT

_TEST_HOME = REPO_ROOT / ".trialgraph" / "test-home"
_EXTERNAL = bool(os.environ.get("NEO4J_URI"))

if not _EXTERNAL:
    # Settings are read from the environment: set them before anything builds them.
    os.environ.setdefault("TRIALGRAPH_HOME", str(_TEST_HOME))
    os.environ.setdefault("TRIALGRAPH_BOLT_PORT", "17687")
    os.environ.setdefault("TRIALGRAPH_HTTP_PORT", "17474")
    os.environ.setdefault("TRIALGRAPH_HEAP_SIZE", "2g")
    os.environ.setdefault("TRIALGRAPH_PAGECACHE_SIZE", "2g")

from trialgraph.kg import server  # noqa: E402
from trialgraph.kg.graph import apply_schema, connect  # noqa: E402
from trialgraph.settings import Settings, get_settings  # noqa: E402


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def neo4j_server(settings: Settings) -> Iterator[Settings]:
    """The running server: started here (and stopped at the end) unless NEO4J_URI names one."""
    started = False
    if settings.uses_local_server and not server.server_status(settings).running:
        server.start_server(settings)
        started = True
    yield settings
    if started:
        server.stop_server(settings)


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_server: Settings) -> Iterator[neo4j.Driver]:
    driver = connect(neo4j_server)
    apply_schema(driver)
    yield driver
    driver.close()


def wipe(driver: neo4j.Driver) -> None:
    """Empty the database but keep the schema (constraints take long to rebuild)."""
    with driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS").consume()


@pytest.fixture()
def graph(neo4j_driver: neo4j.Driver) -> neo4j.Driver:
    """A driver on an empty database with the schema applied."""
    wipe(neo4j_driver)
    return neo4j_driver


@pytest.fixture()
def quarantine_dir(tmp_path: Path) -> Path:
    return tmp_path / "quarantine"
