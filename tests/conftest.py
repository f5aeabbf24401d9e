"""Test wiring: one real Neo4j server for the session, started by the project's own server code.

The tests WIPE the database they use, so they never pick up the user's own ``NEO4J_URI`` or
``TRIALGRAPH_HOME``. By default ``trialgraph.kg.server.start_server`` provisions and starts a private
server under ``.trialgraph/test-home`` on ports 17687/17474 (``TRIALGRAPH_TEST_HOME``,
``TRIALGRAPH_TEST_BOLT_PORT``, ``TRIALGRAPH_TEST_HTTP_PORT`` move it) and stops it at the end. To test
against a scratch external server, set ``TRIALGRAPH_TEST_NEO4J_URI`` (and ``TRIALGRAPH_TEST_NEO4J_PASSWORD``).
A server that cannot start fails the run; nothing is skipped for want of a database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest

from tests.data import REPO_ROOT

# Settings are read from the environment: set them before anything builds them.
for _name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
    os.environ.pop(_name, None)
    os.environ.pop(f"TRIALGRAPH_{_name}", None)
os.environ["TRIALGRAPH_HOME"] = os.environ.get("TRIALGRAPH_TEST_HOME", str(REPO_ROOT / ".trialgraph" / "test-home"))
os.environ["TRIALGRAPH_BOLT_PORT"] = os.environ.get("TRIALGRAPH_TEST_BOLT_PORT", "17687")
os.environ["TRIALGRAPH_HTTP_PORT"] = os.environ.get("TRIALGRAPH_TEST_HTTP_PORT", "17474")
os.environ["TRIALGRAPH_HEAP_SIZE"] = "2g"
os.environ["TRIALGRAPH_PAGECACHE_SIZE"] = "2g"
# the code under test reads the shared data through its settings (TRIALGRAPH_SHARED_DATA): give it the folder the
# tests themselves fall back to (../shared/data), so the README's test command needs no variable set
if not os.environ.get("TRIALGRAPH_SHARED_DATA") and (REPO_ROOT.parent / "shared" / "data").is_dir():
    os.environ["TRIALGRAPH_SHARED_DATA"] = str(REPO_ROOT.parent / "shared" / "data")
if os.environ.get("TRIALGRAPH_TEST_NEO4J_URI"):
    os.environ["NEO4J_URI"] = os.environ["TRIALGRAPH_TEST_NEO4J_URI"]
    os.environ["NEO4J_PASSWORD"] = os.environ.get("TRIALGRAPH_TEST_NEO4J_PASSWORD", "")

from trialgraph import TrialGraph  # noqa: E402
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
def graph(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> Iterator[neo4j.Driver]:
    """A driver on an empty database with the schema applied.

    A new driver per test: a bulk import replaces the database, and a driver that kept
    ``execute_query`` bookmarks from the old one would wait for them in vain.
    """
    wipe(neo4j_driver)
    with connect(neo4j_server) as driver:
        yield driver


@pytest.fixture(scope="module")
def module_driver(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> Iterator[neo4j.Driver]:
    """A driver for one module's shared graph (new per module, for the same reason as ``graph``).

    ``neo4j_driver`` is asked for so that the schema exists before the module loads anything.
    """
    with connect(neo4j_server) as driver:
        yield driver


@pytest.fixture(scope="module")
def tg(neo4j_driver: neo4j.Driver, neo4j_server: Settings) -> Iterator[TrialGraph]:
    """A TrialGraph client for one module's shared graph (modules that load per test define their own)."""
    with TrialGraph.connect(neo4j_server) as client:
        yield client


@pytest.fixture()
def quarantine_dir(tmp_path: Path) -> Path:
    return tmp_path / "quarantine"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the real server ``neo4j`` (select with ``-m neo4j`` or ``-m 'not neo4j'``)."""
    for item in items:
        if {"neo4j_driver", "graph", "neo4j_server"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.neo4j)
