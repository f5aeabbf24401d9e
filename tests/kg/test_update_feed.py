"""``trialgraph update ctgov``: the live feed, replayed from recorded pages of real records, into the real graph.

The pages in ``tests/fixtures/ctgov_feed`` are what API v2 answers for ``filter.advanced=AREA[LastUpdatePostDate]
RANGE[SINCE,MAX]`` (built by ``build.py`` from the shared records; one is a derived withdrawal, said so there).
The transport serves them by exact request and can be told to fail a request, to play a truncated page,
an HTML error page, HTTP 429/503 or a repeating token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest
from typer.testing import CliRunner

from tests.graphcheck import fingerprint, rows
from trialgraph.api import TrialGraph
from trialgraph.cli import app
from trialgraph.errors import SourceError
from trialgraph.kg.feed import FEED_SOURCE, run_update
from trialgraph.loaders.ctgov.api import CtgovApiClient
from trialgraph.settings import Settings

FEED = Path(__file__).resolve().parents[1] / "fixtures" / "ctgov_feed"
INDEX: list[dict[str, Any]] = json.loads((FEED / "requests.json").read_text(encoding="utf-8"))
FIRST = [e for e in INDEX if "2025-11-01" in e["response_file"]]
WITHDRAWAL = [e for e in INDEX if "2025-12-03" in e["response_file"]]
FIRST_IDS = [nct for e in FIRST for nct in e["nct_ids"]]
Fault = Callable[[httpx.Request, int], httpx.Response | None]


def _key(url: httpx.URL) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    return url.host, url.path, tuple(sorted(url.params.multi_items()))


class FeedReplay:
    """Serves the recorded pages by exact request; ``fault(request, n)`` may answer the n-th request instead."""

    def __init__(self, fault: Fault | None = None) -> None:
        self.by_key = {_key(httpx.URL(e["request"]["url"])): e for e in INDEX}
        self.fault = fault
        self.seen: list[httpx.URL] = []
        self.sleeps: list[float] = []
        self.now = 0.0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.url)
        if self.fault is not None and (answer := self.fault(request, len(self.seen))) is not None:
            return answer
        entry = self.by_key.get(_key(request.url))
        if entry is None:
            return httpx.Response(404, text="not recorded")
        return httpx.Response(
            200, content=(FEED / entry["response_file"]).read_bytes(), headers={"Content-Type": "application/json"}
        )

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def client(self, **kwargs: Any) -> CtgovApiClient:
        return CtgovApiClient(
            transport=httpx.MockTransport(self.handle), sleep=self.sleep, clock=lambda: self.now, **kwargs
        )


def _page_body(entry: dict[str, Any]) -> dict[str, Any]:
    return json.loads((FEED / entry["response_file"]).read_text(encoding="utf-8"))


def _run_row(driver: neo4j.Driver) -> dict[str, Any]:
    (row,) = rows(
        driver,
        "MATCH (l:LoadRun {source: $s}) RETURN l.status AS status, l.feed_since AS since, l.feed_until AS until, "
        "l.next_token AS next_token, l.pages AS pages, l.studies AS studies",
        s=FEED_SOURCE,
    )
    return row


def _run_counts(driver: neo4j.Driver) -> dict[str, Any]:
    """The counters of the one update run, with the ids of the page loads it lists that exist as ``LoadRun`` nodes."""
    (row,) = rows(
        driver,
        "MATCH (l:LoadRun {source: $s}) "
        "RETURN l.pages AS pages, l.studies AS studies, l.written AS written, l.unchanged AS unchanged, "
        "l.superseded AS superseded, l.rejected AS rejected, size(l.page_runs) AS page_runs, "
        "COUNT { MATCH (p:LoadRun {source: 'ctgov'}) WHERE p.run_id IN l.page_runs } AS page_loads",
        s=FEED_SOURCE,
    )
    return row


def _trials(driver: neo4j.Driver) -> dict[str, dict[str, Any]]:
    found = rows(
        driver,
        "MATCH (r:RegistryRecord)-[:RECORD_OF]->(t:Trial) RETURN t.trial_id AS id, r.overall_status AS status, "
        "r.enrollment AS enrollment, r.why_stopped AS why_stopped",
    )
    return {row["id"]: row for row in found}


def _update(tg: TrialGraph, replay: FeedReplay, *, since: str | None, today: date, **client: Any) -> Any:
    plan = tg.plan_update(since=since, today=today)
    return tg.update(plan, client=replay.client(**client), page_size=3)


@pytest.fixture()
def tg(graph: neo4j.Driver, neo4j_server: Settings) -> Any:
    with TrialGraph.connect(neo4j_server) as client:
        yield client


def test_update_since_a_date_loads_the_changed_studies_and_records_the_window(tg: TrialGraph) -> None:
    replay = FeedReplay()
    report = _update(tg, replay, since="2025-11-01", today=date(2025, 12, 3))
    assert [_key(url) for url in replay.seen] == [_key(httpx.URL(e["request"]["url"])) for e in FIRST]
    assert (report.pages, report.studies, report.written, report.status) == (3, 7, 7, "completed")
    trials = _trials(tg.driver)
    assert sorted(trials) == sorted(FIRST_IDS)
    for entry in FIRST:  # the graph holds what the pages said, read back by plain dict access
        for study in _page_body(entry)["studies"]:
            nct = study["protocolSection"]["identificationModule"]["nctId"]
            assert trials[nct]["status"] == study["protocolSection"]["statusModule"]["overallStatus"]
    assert _run_row(tg.driver) == {
        "status": "completed", "since": "2025-11-01", "until": "2025-12-03", "next_token": None, "pages": 3,
        "studies": 7,
    }  # fmt: skip


def test_the_next_update_starts_where_the_last_ended_and_a_withdrawal_replaces_the_study(tg: TrialGraph) -> None:
    _update(tg, FeedReplay(), since="2025-11-01", today=date(2025, 12, 3))
    before = _trials(tg.driver)["NCT05463224"]
    assert before["status"] == "ACTIVE_NOT_RECRUITING"

    replay = FeedReplay()
    plan = tg.plan_update(today=date(2025, 12, 5))
    assert (plan.since, plan.until, plan.resumed) == ("2025-12-03", "2025-12-05", False)
    report = tg.update(plan, client=replay.client(), page_size=3)
    assert [_key(u) for u in replay.seen] == [_key(httpx.URL(WITHDRAWAL[0]["request"]["url"]))]
    assert (report.studies, report.written) == (1, 1)
    trials = _trials(tg.driver)
    assert sorted(trials) == sorted(FIRST_IDS)  # studies the feed no longer lists are kept
    withdrawn = _page_body(WITHDRAWAL[0])["studies"][0]["protocolSection"]["statusModule"]
    assert trials["NCT05463224"]["status"] == "WITHDRAWN" == withdrawn["overallStatus"]
    assert trials["NCT05463224"]["why_stopped"] == withdrawn["whyStopped"]
    assert trials["NCT05463224"]["enrollment"] == 0


def test_without_an_earlier_update_since_is_required(tg: TrialGraph) -> None:
    with pytest.raises(SourceError, match="give --since YYYY-MM-DD"):
        tg.plan_update()
    with pytest.raises(SourceError, match="must be a date as YYYY-MM-DD, got '2025-02-30'"):
        tg.plan_update(since="2025-02-30")


def _fail_page(number: int, response: Callable[[], httpx.Response]) -> Fault:
    """Answer every request for recorded page ``number`` of the first window with ``response()``."""
    token = FIRST[number - 2]["next_page_token"] if number > 1 else None

    def fault(request: httpx.Request, _n: int) -> httpx.Response | None:
        return response() if request.url.params.get("pageToken") == token else None

    return fault


def test_a_killed_update_resumes_from_the_last_committed_page_and_equals_an_uninterrupted_one(
    tg: TrialGraph, graph: neo4j.Driver
) -> None:
    _update(tg, FeedReplay(), since="2025-11-01", today=date(2025, 12, 3))
    uninterrupted, whole = fingerprint(graph), _run_counts(graph)
    assert (whole["pages"], whole["studies"], whole["page_runs"], whole["page_loads"]) == (3, len(FIRST_IDS), 3, 3)
    graph.execute_query("MATCH (n) DETACH DELETE n")

    # Killed after page 2 was written but before its cursor was committed: page 3's request never happens.
    broken = FeedReplay()
    plan = tg.plan_update(since="2025-11-01", today=date(2025, 12, 3))

    def load_then_die(path: Path) -> Any:
        report = tg.load("ctgov", [path])
        if path.name.endswith("page00002.jsonl"):
            raise KeyboardInterrupt  # the process dies here
        return report

    with pytest.raises(KeyboardInterrupt):
        run_update(tg.driver, broken.client(), plan, load_then_die, work_dir=tg.settings.home / "updates", page_size=3)
    assert _run_row(graph) == {
        "status": "running", "since": "2025-11-01", "until": "2025-12-03", "next_token": FIRST[0]["next_page_token"],
        "pages": 1, "studies": len(FIRST[0]["nct_ids"]),
    }  # fmt: skip

    resumed = FeedReplay()
    plan = tg.plan_update(today=date(2026, 1, 1))  # a later day: the unfinished window is resumed as it was
    assert (plan.resumed, plan.start_token, plan.pages_done, plan.until) == (
        True, FIRST[0]["next_page_token"], 1, "2025-12-03",
    )  # fmt: skip
    tg.update(plan, client=resumed.client(), page_size=3)
    assert [u.params.get("pageToken") for u in resumed.seen] == [e["next_page_token"] for e in FIRST[:2]]
    assert fingerprint(graph) == uninterrupted
    assert _run_row(graph)["status"] == "completed"
    # The run counts the whole window, as the uninterrupted one did; only page 2, written before the kill and
    # loaded again on resume, counts as unchanged instead of written.
    again = len(FIRST[1]["nct_ids"])
    assert _run_counts(graph) == whole | {"written": whole["written"] - again, "unchanged": whole["unchanged"] + again}


def _truncated() -> httpx.Response:
    return httpx.Response(200, content=(FEED / FIRST[1]["response_file"]).read_bytes()[:5000])


def _html() -> httpx.Response:
    return httpx.Response(200, text="<!DOCTYPE html><html><body>Service down</body></html>")


@pytest.mark.parametrize(
    ("name", "response", "message"),
    [
        ("truncated", _truncated, "invalid JSON"),
        ("html", _html, "invalid JSON"),
        ("503 for good", lambda: httpx.Response(503, text="busy"), "failed after 2 attempts: HTTP 503"),
    ],
)
def test_a_bad_page_is_one_line_and_nothing_of_it_is_written(
    tg: TrialGraph, name: str, response: Callable[[], httpx.Response], message: str
) -> None:
    replay = FeedReplay(_fail_page(2, response))
    with pytest.raises(SourceError, match=message) as error:
        _update(tg, replay, since="2025-11-01", today=date(2025, 12, 3), max_attempts=2)
    assert "\n" not in str(error.value)
    assert sorted(_trials(tg.driver)) == sorted(FIRST[0]["nct_ids"])  # page 1 only
    assert (
        _run_row(tg.driver)["status"] == "running" and _run_row(tg.driver)["next_token"] == FIRST[0]["next_page_token"]
    )


def test_429_and_503_are_retried_honouring_retry_after(tg: TrialGraph) -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(503)])

    def fault(request: httpx.Request, _n: int) -> httpx.Response | None:
        return next(answers, None) if request.url.params.get("pageToken") == FIRST[1]["next_page_token"] else None

    replay = FeedReplay(fault)
    report = _update(tg, replay, since="2025-11-01", today=date(2025, 12, 3), min_interval=0.0)
    assert report.status == "completed" and report.studies == 7
    assert 7.0 in replay.sleeps  # the server's Retry-After


def test_a_repeating_page_token_ends_the_update_with_one_line(tg: TrialGraph) -> None:
    def fault(request: httpx.Request, _n: int) -> httpx.Response | None:
        if request.url.params.get("pageToken") != FIRST[0]["next_page_token"]:
            return None
        body = _page_body(FIRST[1]) | {"nextPageToken": FIRST[0]["next_page_token"]}  # page 2 points to itself
        return httpx.Response(200, json=body)

    with pytest.raises(SourceError, match="repeated nextPageToken"):
        _update(tg, FeedReplay(fault), since="2025-11-01", today=date(2025, 12, 3))
    assert _run_row(tg.driver)["status"] == "running"


def test_cli_dry_run_says_what_would_be_fetched_and_fetches_nothing(graph: neo4j.Driver) -> None:
    result = CliRunner().invoke(app, ["update", "ctgov", "--since", "2025-11-01", "--query", "asthma", "--dry-run"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "would fetch CT.gov studies last updated 2025-11-01 .." in flat and "'asthma'" in flat
    assert "filter.advanced=AREA%5BLastUpdatePostDate%5DRANGE%5B2025-11-01%2CMAX%5D" in flat
    assert "query.term=asthma" in flat
    assert rows(graph, "MATCH (l:LoadRun) RETURN count(l) AS n") == [{"n": 0}]  # nothing recorded or loaded

    result = CliRunner().invoke(app, ["update", "ctgov", "--dry-run"])
    assert result.exit_code == 1 and "give --since YYYY-MM-DD" in result.output
    assert len(result.output.strip().splitlines()) == 1
