"""Tests for ``trialgraph.loaders.ctgov.api``: paging, retries, rate limiting; replayed, never on the network."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

from tests.data import shared
from trialgraph.errors import SourceError
from trialgraph.loaders.ctgov.api import CtgovApiClient

QUERY = {"query.cond": "erectile dysfunction"}


def _key(url: httpx.URL) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """Host, path and the *set* of query params: two URLs that mean the same request get the same key."""
    return url.host, url.path, tuple(sorted(url.params.multi_items()))


class FakeTime:
    """A clock that only moves when told to or when the client sleeps; sleeps are recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Replay:
    """An httpx transport serving the recorded responses listed in ``api/requests.json``; 404 otherwise."""

    def __init__(self) -> None:
        index_path = shared("ctgov/api/requests.json")
        self.entries: list[dict[str, Any]] = orjson.loads(index_path.read_bytes())
        self.by_key: dict[tuple[str, str, tuple[tuple[str, str], ...]], dict[str, Any]] = {}
        for entry in self.entries:
            assert entry["request"]["method"] == "GET"
            self.by_key[_key(httpx.URL(entry["request"]["url"]))] = entry
        self.root = index_path.parent
        self.seen: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        entry = self.by_key.get(_key(request.url))
        if entry is None:
            return httpx.Response(404, text="not recorded")
        body = (self.root / entry["response_file"]).read_bytes()
        return httpx.Response(entry["status"], content=body, headers={"Content-Type": entry["content_type"]})

    def body(self, url_fragment: str) -> Any:
        entry = next(e for e in self.entries if e["request"]["url"].endswith(url_fragment))
        return orjson.loads((self.root / entry["response_file"]).read_bytes())


def _client(transport: httpx.BaseTransport, fake: FakeTime, **kwargs: Any) -> CtgovApiClient:
    return CtgovApiClient(transport=transport, sleep=fake.sleep, clock=fake.clock, **kwargs)


def _nct(study: dict[str, Any]) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def test_iter_studies_follows_tokens_across_the_three_recorded_pages() -> None:
    replay = Replay()
    fake = FakeTime()
    with _client(replay.transport, fake) as client:
        studies = list(client.iter_studies(QUERY, page_size=5))
    expected_ids = [nct for entry in replay.entries[:3] for nct in entry["nct_ids"]]
    assert len(expected_ids) == 12
    assert [_nct(s) for s in studies] == expected_ids
    # The records come through unchanged.
    assert studies[0] == replay.body("pageSize=5")["studies"][0]
    # Exactly the three recorded page requests, in order, with the recorded query parameters.
    recorded = [httpx.URL(entry["request"]["url"]) for entry in replay.entries[:3]]
    assert [_key(r.url) for r in replay.seen] == [_key(u) for u in recorded]
    assert [dict(r.url.params) for r in replay.seen] == [dict(u.params) for u in recorded]
    assert all(r.url.host == "clinicaltrials.gov" and r.url.path == "/api/v2/studies" for r in replay.seen)
    assert "trialgraph" in replay.seen[0].headers["User-Agent"]


def test_max_studies_stops_before_fetching_more_pages() -> None:
    replay = Replay()
    fake = FakeTime()
    with _client(replay.transport, fake) as client:
        studies = list(client.iter_studies(QUERY, page_size=5, max_studies=3))
    assert [_nct(s) for s in studies] == replay.entries[0]["nct_ids"][:3]
    assert len(replay.seen) == 1
    assert replay.seen[0].url.params["pageSize"] == "5"

    replay.seen.clear()
    with _client(replay.transport, fake) as client:
        studies = list(client.iter_studies(QUERY, page_size=5, max_studies=7))
    assert [_nct(s) for s in studies] == replay.entries[0]["nct_ids"] + replay.entries[1]["nct_ids"][:2]
    assert len(replay.seen) == 2


def test_get_study_returns_the_recorded_record() -> None:
    replay = Replay()
    fake = FakeTime()
    with _client(replay.transport, fake) as client:
        study = client.get_study("NCT00422734")
    assert study == orjson.loads(shared("ctgov/v2/studies/NCT00422734.json").read_bytes())
    assert _nct(study) == "NCT00422734"
    assert [str(r.url) for r in replay.seen] == ["https://clinicaltrials.gov/api/v2/studies/NCT00422734?format=json"]


def test_unknown_study_404_is_a_source_error_without_retries() -> None:
    replay = Replay()
    fake = FakeTime()
    with _client(replay.transport, fake) as client, pytest.raises(SourceError, match="HTTP 404") as caught:
        client.get_study("NCT99999999")
    assert len(replay.seen) == 1
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("bad", ["NCT123", "NCT000001234", "12345678", "NCT0042273X", ""])
def test_invalid_id_is_rejected_before_any_request(bad: str) -> None:
    replay = Replay()
    fake = FakeTime()
    with _client(replay.transport, fake) as client, pytest.raises(SourceError, match="not an NCT id"):
        client.get_study(bad)
    assert replay.seen == []


class Flaky:
    """Serves each response in ``failures`` once, then delegates to ``then``; counts every call."""

    def __init__(self, failures: list[httpx.Response], then: Callable[[httpx.Request], httpx.Response]) -> None:
        self.queue = list(failures)
        self.then = then
        self.calls = 0
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return self.queue.pop(0) if self.queue else self.then(request)


def test_503_twice_then_success_backs_off_exponentially() -> None:
    replay = Replay()
    fake = FakeTime()
    flaky = Flaky([httpx.Response(503), httpx.Response(503)], replay.handle)
    with _client(flaky.transport, fake, min_interval=0.0, backoff_base=1.0) as client:
        study = client.get_study("NCT00422734")
    assert _nct(study) == "NCT00422734"
    assert flaky.calls == 3
    assert fake.sleeps == [1.0, 2.0]


def test_retry_after_header_is_respected() -> None:
    replay = Replay()
    fake = FakeTime()
    flaky = Flaky([httpx.Response(429, headers={"Retry-After": "7"})], replay.handle)
    with _client(flaky.transport, fake, min_interval=0.0) as client:
        client.get_study("NCT00422734")
    assert flaky.calls == 2
    assert fake.sleeps == [7.0]


def test_transport_errors_are_retried() -> None:
    replay = Replay()
    fake = FakeTime()
    attempts = 0

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return replay.handle(request)

    with _client(httpx.MockTransport(handle), fake, min_interval=0.0) as client:
        assert _nct(client.get_study("NCT00422734")) == "NCT00422734"
    assert attempts == 2
    assert fake.sleeps == [1.0]


def test_persistent_5xx_becomes_one_line_source_error_after_max_attempts() -> None:
    fake = FakeTime()
    flaky = Flaky([], lambda request: httpx.Response(502))
    with (
        _client(flaky.transport, fake, min_interval=0.0, max_attempts=3) as client,
        pytest.raises(SourceError, match=r"after 3 attempts: HTTP 502") as caught,
    ):
        list(client.iter_studies(QUERY))
    assert flaky.calls == 3
    assert len(fake.sleeps) == 2
    assert "\n" not in str(caught.value)


def test_rate_limit_spaces_consecutive_requests() -> None:
    replay = Replay()
    fake = FakeTime()
    with _client(replay.transport, fake, min_interval=0.35) as client:
        client.get_study("NCT00422734")
        assert fake.sleeps == []  # the first request never waits
        client.get_study("NCT00422734")
        assert fake.sleeps == [pytest.approx(0.35)]
        fake.now += 0.2  # the caller spent 0.2 s elsewhere: only the rest of the interval is waited
        client.get_study("NCT00422734")
        assert fake.sleeps == [pytest.approx(0.35), pytest.approx(0.15)]
        fake.now += 1.0  # long enough: no wait
        client.get_study("NCT00422734")
        assert len(fake.sleeps) == 2
    assert len(replay.seen) == 4


def test_paging_is_rate_limited_too() -> None:
    replay = Replay()
    fake = FakeTime()
    with _client(replay.transport, fake, min_interval=0.5) as client:
        assert len(list(client.iter_studies(QUERY, page_size=5))) == 12
    assert fake.sleeps == [pytest.approx(0.5), pytest.approx(0.5)]


def test_query_may_not_override_paging_parameters() -> None:
    fake = FakeTime()
    with _client(httpx.MockTransport(lambda r: httpx.Response(500)), fake) as client, pytest.raises(ValueError):
        list(client.iter_studies({"pageToken": "x"}))


def test_repeated_page_token_is_an_error_not_an_infinite_loop() -> None:
    fake = FakeTime()
    page = {"studies": [{"n": 1}], "nextPageToken": "SAME"}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=orjson.dumps(page)))
    with _client(transport, fake, min_interval=0.0) as client:
        studies = client.iter_studies(page_size=1)
        assert next(studies) == {"n": 1}
        assert next(studies) == {"n": 1}
        with pytest.raises(SourceError, match="repeated"):
            next(studies)


def test_html_body_is_a_source_error() -> None:
    fake = FakeTime()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="<!DOCTYPE html><html></html>"))
    with _client(transport, fake) as client, pytest.raises(SourceError, match="invalid JSON"):
        client.get_study("NCT00422734")
