"""``trialgraph serve`` and ``trialgraph mcp`` as the processes a user starts, on the real Neo4j: the HTTP API on
127.0.0.1 only, asking for the token from the environment; the MCP server over stdio through the SDK's own client.
(``tests/kg/test_servers.py`` drives the same apps in-process.)"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import neo4j
import pytest

from tests.conftest import wipe
from trialgraph.api import TrialGraph
from trialgraph.demo import sample_path
from trialgraph.operations import OPERATIONS
from trialgraph.settings import Settings

pytestmark = pytest.mark.neo4j
TOKEN = "process-test-token"
CLI = [sys.executable, "-m", "trialgraph"]


@pytest.fixture(scope="module")
def loaded(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> Iterator[str]:
    """The demo studies loaded; yields the first trial id."""
    wipe(neo4j_driver)
    with TrialGraph.connect(neo4j_server) as tg:
        tg.load("ctgov", [sample_path()])
        first = tg.driver.execute_query("MATCH (t:Trial) RETURN t.trial_id AS t ORDER BY t LIMIT 1").records[0]["t"]
    yield first


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _other_address() -> str | None:
    """An address of this machine that is not loopback, if it has one (the route a neighbour would use)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent, the kernel only picks a source address
            address = str(s.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_serve_listens_on_loopback_only_and_asks_for_the_environments_token(loaded: str, tmp_path: Path) -> None:
    port = _free_port()
    env = os.environ | {"TRIALGRAPH_API_TOKEN": TOKEN}
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen([*CLI, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not answer within 60 s"
            time.sleep(0.5)
        assert httpx.get(f"{base}/queries", timeout=10).status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        rows = httpx.post(f"{base}/queries/trial_overview", json={"nct_id": loaded}, headers=auth, timeout=30)
        assert rows.status_code == 200 and rows.json() and rows.json()[0]["nct_id"] == loaded
        other = _other_address()
        if other is not None:  # bound to 127.0.0.1: the machine's other address refuses the connection
            with pytest.raises((httpx.ConnectError, httpx.ConnectTimeout)):
                httpx.get(f"http://{other}:{port}/health", timeout=5)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_the_mcp_command_serves_the_operations_over_stdio(loaded: str) -> None:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=CLI[0], args=[*CLI[1:], "mcp"], env=dict(os.environ))

    async def session() -> tuple[set[str], object]:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            tools = {t.name for t in (await client.list_tools()).tools}
            rows = await client.call_tool("run_query", {"name": "trial_overview", "parameters": {"nct_id": loaded}})
            return tools, rows

    tools, rows = asyncio.run(asyncio.wait_for(session(), timeout=120))
    assert tools == set(OPERATIONS)
    assert not rows.is_error  # type: ignore[attr-defined]
    found = json.loads(rows.content[0].text)  # type: ignore[attr-defined]
    found = found if isinstance(found, list) else [found]
    assert found[0]["nct_id"] == loaded
