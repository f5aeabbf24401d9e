"""``trialgraph mcp``: the read-only operations as MCP tools (official ``mcp`` SDK), over stdio.

An LLM agent gets the same operations as the HTTP API, from :mod:`trialgraph.operations`: search, similar,
match_patient, context, named_queries and run_query. A TrialGraph error comes back as the tool's error result
with its one-line message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trialgraph import operations
from trialgraph.api import TrialGraph
from trialgraph.errors import ConfigError, TrialGraphError

__all__ = ["create_server"]

_INSTRUCTIONS = (
    "TrialGraph: registered clinical trials in a Neo4j knowledge graph. Use search or match_patient to find trials, "
    "context to read them compactly, similar for neighbours, named_queries and run_query for aggregate questions. "
    "Everything is read-only; cite trial ids."
)


def create_server(tg: TrialGraph) -> Any:
    """An ``MCPServer`` whose tools call ``tg`` (the caller owns and closes it)."""
    try:
        from mcp.server.mcpserver import MCPServer
        from mcp.server.mcpserver.exceptions import ToolError
    except ImportError as e:
        raise ConfigError(
            f"the MCP server needs the [serve] extra: pip install 'trialgraph[serve]' ({e.name} missing)"
        ) from None
    server = MCPServer(name="trialgraph", instructions=_INSTRUCTIONS)

    def call(operation: Callable[..., Any], *args: Any) -> Any:
        """A TrialGraph error reaches the agent as the tool's error with its one line (others stay generic)."""
        try:
            return operation(tg, *args)
        except TrialGraphError as e:
            raise ToolError(str(e)) from e

    @server.tool(description=operations.search.__doc__)
    def search(query: str, retriever: str = "hybrid", top_k: int = 10) -> list[dict[str, Any]]:
        return call(operations.search, query, retriever, top_k)

    @server.tool(description=operations.similar.__doc__)
    def similar(trial_id: str, top_k: int = 10) -> list[dict[str, Any]]:
        return call(operations.similar, trial_id, top_k)

    @server.tool(description=operations.match_patient.__doc__)
    def match_patient(description: str, top_k: int = 10) -> dict[str, Any]:
        return call(operations.match_patient, description, top_k)

    @server.tool(description=operations.context.__doc__)
    def context(trial_ids: list[str], max_tokens: int = 2000) -> dict[str, Any]:
        return call(operations.context, trial_ids, max_tokens)

    @server.tool(description=operations.named_queries.__doc__)
    def named_queries() -> list[dict[str, str]]:
        return call(operations.named_queries)

    @server.tool(description=operations.run_query.__doc__)
    def run_query(name: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return call(operations.run_query, name, parameters)

    return server
