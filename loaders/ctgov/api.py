"""Client for the live ClinicalTrials.gov API v2 (``https://clinicaltrials.gov/api/v2``).

This module owns *talking to the public API politely*: paging through ``/studies`` by following
``nextPageToken``, fetching one study by NCT id, spacing requests out (``min_interval``), retrying
transient failures (429, 5xx, network errors) with exponential backoff that honours ``Retry-After``,
and turning every final failure into a one-line :class:`~trialgraph.errors.SourceError`.

It returns the decoded study objects unchanged; validating them is the v2 parser's job. The clock,
the sleep function and the HTTP transport are injectable so that tests replay recorded responses
without touching the network or sleeping.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from types import TracebackType
from typing import Any, Self

import httpx
import orjson
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from trialgraph.errors import SourceError
from trialgraph.model.study import NCT_ID

__all__ = ["DEFAULT_BASE_URL", "CtgovApiClient", "StudyPage"]

DEFAULT_BASE_URL = "https://clinicaltrials.gov/api/v2"
MAX_PAGE_SIZE = 1000  # the API's documented maximum for pageSize
_RESERVED_PARAMS = frozenset({"format", "pageSize", "pageToken"})  # set by the client itself


@dataclass(frozen=True, slots=True)
class StudyPage:
    """One page of ``/studies``: the token that fetched it (None for the first), its studies, the next token."""

    token: str | None
    studies: list[dict[str, Any]]
    next_token: str | None


def _user_agent() -> str:
    try:
        version = metadata.version("trialgraph")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"trialgraph/{version} (ClinicalTrials.gov loader; python-httpx/{httpx.__version__})"


class _RetryableError(Exception):
    """A failure worth retrying (429, 5xx, transport error); ``retry_after`` is the server's hint in seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _parse_retry_after(value: str | None, now: Callable[[], datetime]) -> float | None:
    """``Retry-After`` is either delta-seconds or an HTTP date; anything unreadable is ignored."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())


class CtgovApiClient:
    """A polite, retrying client for ClinicalTrials.gov API v2; use it as a context manager to close it.

    Args:
        base_url: API root; override only to point at a mirror or a test server.
        timeout: seconds for connect/read per request.
        min_interval: minimum seconds between the starts of two requests (the API asks clients to
            stay well under ~50 requests a minute per IP; 0.35 s keeps a single client near 3/s).
        max_attempts: total tries per request, including the first, before giving up.
        backoff_base: first backoff in seconds; doubles each retry, capped at ``max_backoff``.
        max_backoff: cap on any single wait, including a server's ``Retry-After``.
        transport: an ``httpx.BaseTransport`` (tests replay recorded responses through one).
        sleep / clock: injectable so tests neither sleep nor depend on wall time.
    """

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        min_interval: float = 1.2,
        max_attempts: int = 5,
        backoff_base: float = 1.0,
        max_backoff: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        user_agent: str | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min_interval < 0:
            raise ValueError("min_interval must not be negative")
        self._base_url = base_url.rstrip("/")
        self._min_interval = min_interval
        self._max_attempts = max_attempts
        self._max_backoff = max_backoff
        self._exponential = wait_exponential(multiplier=backoff_base, max=max_backoff)
        self._sleep = sleep
        self._clock = clock
        self._last_request: float | None = None
        self._http = httpx.Client(
            base_url=self._base_url,
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": user_agent or _user_agent(), "Accept": "application/json"},
            follow_redirects=True,
        )

    # --- lifecycle --------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- public API -------------------------------------------------------------------------------

    def iter_studies(
        self,
        query: Mapping[str, str] | None = None,
        *,
        page_size: int = 100,
        max_studies: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield study objects from ``GET /studies``, following ``nextPageToken`` until it is absent.

        ``query`` holds the API's own parameter names (``query.cond``, ``query.term``,
        ``filter.overallStatus``...), passed through unchanged so every documented filter works
        without this client knowing it. Pages are fetched lazily: stopping iteration (or reaching
        ``max_studies``) stops requests.
        """
        if max_studies is not None and max_studies < 0:
            raise ValueError("max_studies must not be negative")
        if max_studies == 0:
            return
        yielded = 0
        for page in self.iter_pages(query, page_size=page_size):
            for study in page.studies:
                yield study
                yielded += 1
                if max_studies is not None and yielded >= max_studies:
                    return

    def iter_pages(
        self, query: Mapping[str, str] | None = None, *, page_size: int = 100, start_token: str | None = None
    ) -> Iterator[StudyPage]:
        """Yield whole pages of ``GET /studies``, each with the token that fetches the page after it.

        A caller that records ``next_token`` once a page is safely stored can resume later with
        ``start_token`` (the update feed does). ``pageSize`` stays ``page_size`` on every page, because
        page tokens belong to the query they were issued for. A token the API repeats would loop for
        ever, so it ends the paging with a one-line error.
        """
        query = dict(query or {})
        clash = sorted(_RESERVED_PARAMS & query.keys())
        if clash:
            raise ValueError(f"query must not set {', '.join(clash)}; the client sets them (use page_size)")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
        token = start_token
        seen_tokens: set[str] = {start_token} if start_token else set()
        while True:
            params = {"format": "json", **query, "pageSize": str(page_size)}
            if token is not None:
                params["pageToken"] = token
            page = self._get_json("/studies", params)
            studies = page.get("studies") if isinstance(page, dict) else None
            if not isinstance(studies, list):
                raise SourceError("ClinicalTrials.gov API: /studies response has no 'studies' list")
            next_token = page.get("nextPageToken") or None
            yield StudyPage(token=token, studies=studies, next_token=next_token)
            if next_token is None:
                return
            if not isinstance(next_token, str) or next_token in seen_tokens:
                # A repeated token would loop forever; an odd one means the API contract changed.
                raise SourceError(f"ClinicalTrials.gov API: bad or repeated nextPageToken {next_token!r}")
            seen_tokens.add(next_token)
            token = next_token

    def get_study(self, nct_id: str) -> dict[str, Any]:
        """The full record of one study (``GET /studies/{nct_id}``); the id is checked before any request."""
        candidate = nct_id.strip().upper() if isinstance(nct_id, str) else ""
        if not NCT_ID.match(candidate):
            raise SourceError(f"not an NCT id: {nct_id!r} (expected NCT followed by 8 digits)")
        study = self._get_json(f"/studies/{candidate}", {"format": "json"})
        if not isinstance(study, dict):
            raise SourceError(f"ClinicalTrials.gov API: /studies/{candidate} did not return a JSON object")
        return study

    # --- plumbing ---------------------------------------------------------------------------------

    def _get_json(self, path: str, params: Mapping[str, str]) -> Any:
        """One logical GET with rate limiting and retries; returns the decoded JSON body."""
        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_RetryableError),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            response = retrying(self._attempt, path, params)
        except _RetryableError as exc:
            raise SourceError(
                f"ClinicalTrials.gov API: GET {path} failed after {self._max_attempts} attempts: {exc.message}"
            ) from None
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise SourceError(f"ClinicalTrials.gov API: GET {path} returned invalid JSON: {exc}") from None

    def _attempt(self, path: str, params: Mapping[str, str]) -> httpx.Response:
        """One HTTP try: classify the outcome as success, retryable, or final (4xx)."""
        self._throttle()
        try:
            response = self._http.get(path, params=dict(params))
        except httpx.TransportError as exc:
            raise _RetryableError(f"{type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status == 429 or status >= 500:
            retry_after = _parse_retry_after(response.headers.get("Retry-After"), lambda: datetime.now(UTC))
            raise _RetryableError(f"HTTP {status} {response.reason_phrase}".strip(), retry_after)
        if status >= 400:
            raise SourceError(f"ClinicalTrials.gov API: HTTP {status} {response.reason_phrase} for GET {response.url}")
        return response

    def _throttle(self) -> None:
        """Wait so that two request starts are at least ``min_interval`` apart (retries included)."""
        if self._last_request is not None:
            remaining = self._last_request + self._min_interval - self._clock()
            if remaining > 0:
                self._sleep(remaining)
        self._last_request = self._clock()

    def _wait(self, state: RetryCallState) -> float:
        """Backoff before the next try: the server's ``Retry-After`` if given, else exponential."""
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, _RetryableError) and exc.retry_after is not None:
            return min(exc.retry_after, self._max_backoff)
        return float(self._exponential(state))
