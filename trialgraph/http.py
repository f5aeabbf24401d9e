"""``trialgraph serve``: the read-only operations over HTTP (FastAPI, OpenAPI docs at ``/docs``).

It binds 127.0.0.1 only. When ``TRIALGRAPH_API_TOKEN`` is set, every request except ``/health`` must carry it
as ``Authorization: Bearer <token>`` (compared in constant time). A TrialGraph error becomes a JSON body with a
one-line ``error``: 404 for an unknown name or trial, 400 for anything else the caller can fix.
"""

import hmac
from typing import Annotated, Any

from pydantic import BaseModel, Field

from trialgraph.api import TrialGraph
from trialgraph.errors import ConfigError, TrialGraphError, UnknownNameError
from trialgraph.operations import context, match_patient, named_queries, run_query, search, similar

__all__ = ["HOST", "ContextRequest", "MatchRequest", "SearchRequest", "create_app"]

HOST = "127.0.0.1"


class SearchRequest(BaseModel):
    query: str
    retriever: str = "hybrid"
    top_k: int = Field(default=10, ge=1, le=1000)


class MatchRequest(BaseModel):
    description: str
    top_k: int = Field(default=10, ge=1, le=1000)


class ContextRequest(BaseModel):
    trial_ids: list[str]
    max_tokens: int = Field(default=2000, ge=1, le=1_000_000)


def create_app(tg: TrialGraph) -> Any:
    """The FastAPI app over an open ``TrialGraph`` (the caller owns and closes it)."""
    try:
        from fastapi import Depends, FastAPI, Header, Request
        from fastapi.responses import JSONResponse
    except ImportError as e:
        raise ConfigError(
            f"the HTTP API needs the [serve] extra: pip install 'trialgraph[serve]' ({e.name} missing)"
        ) from None

    token = tg.settings.api_token.get_secret_value() if tg.settings.api_token else None

    def authorised(authorization: Annotated[str | None, Header()] = None) -> None:
        if token is None:
            return
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise _Unauthorised

    app = FastAPI(
        title="TrialGraph",
        summary="Read-only search and queries over the clinical-trial knowledge graph.",
        dependencies=[],
    )

    @app.exception_handler(_Unauthorised)
    async def _unauthorised(request: Request, exc: _Unauthorised) -> JSONResponse:
        return JSONResponse({"error": "missing or wrong bearer token"}, status_code=401)

    @app.exception_handler(TrialGraphError)
    async def _error(request: Request, exc: TrialGraphError) -> JSONResponse:
        status = 404 if isinstance(exc, UnknownNameError) else 400
        return JSONResponse({"error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}, status_code=status)

    guarded = [Depends(authorised)]

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/search", dependencies=guarded)
    def search_endpoint(body: SearchRequest) -> list[dict[str, Any]]:
        return search(tg, body.query, body.retriever, body.top_k)

    @app.get("/trials/{trial_id}/similar", dependencies=guarded)
    def similar_endpoint(trial_id: str, top_k: int = 10) -> list[dict[str, Any]]:
        return similar(tg, trial_id, top_k)

    @app.post("/match", dependencies=guarded)
    def match_endpoint(body: MatchRequest) -> dict[str, Any]:
        return match_patient(tg, body.description, body.top_k)

    @app.post("/context", dependencies=guarded)
    def context_endpoint(body: ContextRequest) -> dict[str, Any]:
        return context(tg, body.trial_ids, body.max_tokens)

    @app.get("/queries", dependencies=guarded)
    def queries_endpoint() -> list[dict[str, str]]:
        return named_queries(tg)

    @app.post("/queries/{name}", dependencies=guarded)
    def query_endpoint(name: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return run_query(tg, name, parameters)

    return app


class _Unauthorised(Exception):
    """A request without the configured bearer token."""
