"""The HTTP API through FastAPI's test client and the MCP server through the SDK's own client, on the real Neo4j."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import neo4j
import pytest
from fastapi.testclient import TestClient
from mcp import Client

from tests.conftest import wipe
from tests.graphcheck import value
from trialgraph.api import TrialGraph
from trialgraph.demo import sample_path
from trialgraph.http import create_app
from trialgraph.mcp_server import create_server
from trialgraph.operations import OPERATIONS
from trialgraph.settings import Settings

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def served(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> Iterator[TrialGraph]:
    wipe(neo4j_driver)
    with TrialGraph.connect(neo4j_server) as client:
        client.load("ctgov", [sample_path()])
        yield client


def _first_trial(tg: TrialGraph) -> tuple[str, str]:
    trial_id = value(tg.driver, "MATCH (t:Trial) RETURN t.trial_id ORDER BY t.trial_id LIMIT 1")
    title = value(tg.driver, "MATCH (r:RegistryRecord {record_id: 'ctgov:' + $t}) RETURN r.brief_title", t=trial_id)
    return trial_id, title


def test_http_api_serves_the_read_only_operations(served: TrialGraph) -> None:
    trial_id, title = _first_trial(served)
    http = TestClient(create_app(served))
    assert http.get("/health").json() == {"status": "ok"}
    hits = http.post("/search", json={"query": title, "retriever": "fulltext", "top_k": 3}).json()
    assert hits[0]["trial_id"] == trial_id == served.search(title, retriever="fulltext", top_k=3)[0].trial_id
    rows = http.post("/queries/trial_overview", json={"nct_id": trial_id}).json()
    assert rows == served.run_query("trial_overview", nct_id=trial_id)
    names = {q["name"] for q in http.get("/queries").json()}
    assert "trials_by_phase" in names
    context = http.post("/context", json={"trial_ids": [trial_id]}).json()
    assert context["included"] == [trial_id] and title in context["text"]
    assert "/search" in http.get("/openapi.json").json()["paths"]
    # One-line errors with fitting statuses, never a traceback.
    missing = http.post("/queries/no_such_query", json={})
    assert missing.status_code == 404 and "no named query" in missing.json()["error"]
    empty = http.post("/search", json={"query": "  ", "retriever": "fulltext"})
    assert empty.status_code == 400 and "empty" in empty.json()["error"]
    assert http.post("/search", json={"query": "x", "top_k": 0}).status_code == 422
    # A statement that tries to write never reaches the graph: only named queries run, read-only.
    before = value(served.driver, "MATCH (n) RETURN count(n)")
    attack = http.post("/queries/MATCH (n) DETACH DELETE n", json={})
    assert attack.status_code == 404 and value(served.driver, "MATCH (n) RETURN count(n)") == before


def test_http_api_asks_for_the_token_when_one_is_set(served: TrialGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALGRAPH_API_TOKEN", "s3cret-token")  # tokens come from the environment
    http = TestClient(create_app(TrialGraph(served.driver, Settings())))
    assert http.get("/health").status_code == 200
    assert http.get("/queries").status_code == 401
    assert http.get("/queries", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = http.get("/queries", headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200 and ok.json()


def test_mcp_server_offers_the_same_operations_to_the_sdk_client(served: TrialGraph) -> None:
    trial_id, title = _first_trial(served)

    async def session() -> tuple[set[str], object, object, object]:
        async with Client(create_server(served)) as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            found = await client.call_tool("search", {"query": title, "retriever": "fulltext", "top_k": 2})
            rows = await client.call_tool("run_query", {"name": "trial_overview", "parameters": {"nct_id": trial_id}})
            bad = await client.call_tool("run_query", {"name": "no_such_query"})
            return tools, found, rows, bad

    tools, found, rows, bad = asyncio.run(session())
    assert tools == set(OPERATIONS)
    hits = json.loads(found.content[0].text)  # type: ignore[attr-defined]
    hits = hits if isinstance(hits, list) else [hits]
    assert hits[0]["trial_id"] == trial_id
    assert not rows.is_error  # type: ignore[attr-defined]
    assert bad.is_error and "no named query" in bad.content[0].text  # type: ignore[attr-defined]
