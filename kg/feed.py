"""Keep the graph current from ClinicalTrials.gov's live feed: the studies changed since the last update.

API v2 filters ``/studies`` on the last-update-posted date (``filter.advanced=AREA[LastUpdatePostDate]
RANGE[SINCE,MAX]``) and pages with ``pageToken``. An update run is a ``LoadRun`` node (``source:
'ctgov-update'``) that states the feed window (``feed_since`` .. ``feed_until``) and, while it runs, the
token of the next page to fetch. That makes it:

* **incremental**: without ``since``, a run starts at the ``feed_until`` of the last completed run (the
  range is inclusive, so the boundary day is fetched again; unchanged records are skipped by hash);
* **resumable**: each page is written through the ordinary transactional CT.gov load (which replaces a
  study's stale facts) and only then is the next token committed on the run, so a killed run restarts
  from the first page whose cursor was not committed (a page loaded twice changes nothing). The resumed
  run carries the counters its committed pages recorded, so the ``LoadRun`` counts the whole window;
* **honest about failures**: a page that is truncated, HTML or otherwise not the API's JSON ends the run
  with a one-line ``SourceError`` before anything of that page is written; the run stays ``running``
  and the next call resumes it.

Studies never disappear because the feed stops listing them: the graph only ever receives newer versions.
A withdrawal is such a version (``overall_status = WITHDRAWN``) and replaces the older one like any update.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import neo4j
import orjson

from trialgraph import __version__
from trialgraph.errors import SourceError
from trialgraph.kg import cypher
from trialgraph.kg.runclock import RunClock
from trialgraph.kg.writer import LoadReport
from trialgraph.loaders.ctgov.api import DEFAULT_BASE_URL, CtgovApiClient

__all__ = ["FEED_SOURCE", "FeedCounts", "FeedPlan", "FeedReport", "plan_update", "run_update"]

FEED_SOURCE = "ctgov-update"

PageLoader = Callable[[Path], LoadReport]
"""Writes one page file through the transactional CT.gov load (``TrialGraph.load('ctgov', [path])``)."""


@dataclass(frozen=True, slots=True)
class FeedCounts:
    """What the committed pages of an unfinished run wrote: a resumed run adds its own pages to these, so that
    its ``LoadRun`` counts the whole window as an uninterrupted run would (the page count is ``pages_done``)."""

    studies: int = 0
    written: int = 0
    unchanged: int = 0
    superseded: int = 0
    rejected: int = 0
    page_runs: tuple[str, ...] = ()

    @classmethod
    def of_run(cls, run: dict[str, Any]) -> FeedCounts:
        """The counters ``find_feed_runs`` read back from a ``LoadRun`` (absent ones as 0)."""
        numbers = {name: run.get(name) or 0 for name in ("studies", "written", "unchanged", "superseded", "rejected")}
        return cls(**numbers, page_runs=tuple(run.get("page_runs") or ()))


@dataclass(frozen=True, slots=True)
class FeedPlan:
    """What an update will fetch: the window, the optional search, and where it starts (a resumed run)."""

    run_id: str
    since: str
    until: str
    query: str | None
    start_token: str | None = None
    pages_done: int = 0
    resumed: bool = False
    done: FeedCounts = FeedCounts()

    def api_params(self) -> dict[str, str]:
        params = {"filter.advanced": f"AREA[LastUpdatePostDate]RANGE[{self.since},MAX]"}
        if self.query:
            params["query.term"] = self.query
        return params

    def first_request(self, page_size: int, base_url: str = DEFAULT_BASE_URL) -> str:
        """The URL of the first request this plan makes (what ``--dry-run`` shows)."""
        params: dict[str, str] = {"format": "json", **self.api_params(), "pageSize": str(page_size)}
        if self.start_token:
            params["pageToken"] = self.start_token
        return f"{base_url.rstrip('/')}/studies?{urlencode(params)}"


@dataclass(slots=True)
class FeedReport:
    """What this call of an update did: its plan, the pages and studies it wrote, and the summed page loads
    (a resumed run's earlier pages are in ``plan.done``; its ``LoadRun`` records the sum of both)."""

    plan: FeedPlan
    pages: int = 0
    studies: int = 0
    written: int = 0
    unchanged: int = 0
    superseded: int = 0
    rejected: int = 0
    page_runs: list[str] = field(default_factory=list)
    status: str = "running"

    def as_dict(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "run_id": plan.run_id,
            "since": plan.since,
            "until": plan.until,
            "query": plan.query,
            "resumed": plan.resumed,
            "pages": self.pages,
            "studies": self.studies,
            "written": self.written,
            "unchanged": self.unchanged,
            "superseded": self.superseded,
            "rejected": self.rejected,
            "status": self.status,
        }


def _feed_runs(driver: neo4j.Driver, database: str) -> list[dict[str, Any]]:
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
        return session.execute_read(lambda tx: tx.run(cypher.load("write/find_feed_runs"), source=FEED_SOURCE).data())


def _valid_date(text: str, what: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except (TypeError, ValueError):
        raise SourceError(f"{what} must be a date as YYYY-MM-DD, got {text!r}") from None


def plan_update(
    driver: neo4j.Driver,
    *,
    since: str | None = None,
    query: str | None = None,
    today: date | None = None,
    database: str = "neo4j",
) -> FeedPlan:
    """Decide the window: resume an unfinished run of the same window, else start where the last one ended."""
    since = _valid_date(since, "--since") if since is not None else None
    query = query or None
    runs = _feed_runs(driver, database)
    for run in runs:
        if run["status"] == "running" and run["query"] == query and since in (None, run["since"]):
            return FeedPlan(
                run_id=run["run_id"],
                since=run["since"],
                until=run["until"],
                query=query,
                start_token=run["next_token"],
                pages_done=run["pages"] or 0,
                resumed=True,
                done=FeedCounts.of_run(run),
            )
    if since is None:
        completed = [run for run in runs if run["status"] == "completed"]
        if not completed:
            raise SourceError("no earlier update in this graph to continue from: give --since YYYY-MM-DD")
        since = max(run["until"] for run in completed)
    until = (today or datetime.now(UTC).date()).isoformat()
    return FeedPlan(run_id=uuid.uuid4().hex, since=since, until=until, query=query)


def _record(driver: neo4j.Driver, report: FeedReport, next_token: str | None, database: str) -> None:
    """Commit the run's cursor and its counters: this call's pages on top of those an unfinished run committed."""
    plan, done = report.plan, report.plan.done
    props = {
        "source": FEED_SOURCE,
        "status": report.status,
        "feed_since": plan.since,
        "feed_until": plan.until,
        "feed_query": plan.query,
        "next_token": next_token,
        "pages": plan.pages_done + report.pages,
        "studies": done.studies + report.studies,
        "written": done.written + report.written,
        "unchanged": done.unchanged + report.unchanged,
        "superseded": done.superseded + report.superseded,
        "rejected": done.rejected + report.rejected,
        "page_runs": [*done.page_runs, *report.page_runs],
        "software_version": __version__,
        "updated": RunClock.of_server(driver, database).now(),  # the spelling and clock of every run's times
    }
    if not plan.resumed and report.pages == 0:
        props["started"] = props["updated"]
    with driver.session(database=database) as session:
        session.execute_write(
            lambda tx: tx.run(cypher.load("write/merge_load_run"), run_id=plan.run_id, props=props).consume()
        )


def run_update(
    driver: neo4j.Driver,
    client: CtgovApiClient,
    plan: FeedPlan,
    load_page: PageLoader,
    *,
    work_dir: Path,
    page_size: int = 1000,
    database: str = "neo4j",
    on_page: Callable[[FeedReport], None] | None = None,
) -> FeedReport:
    """Fetch the plan's pages and write each through ``load_page``, committing the cursor after each page."""
    report = FeedReport(plan=plan)
    _record(driver, report, plan.start_token, database)
    work_dir.mkdir(parents=True, exist_ok=True)
    for page in client.iter_pages(plan.api_params(), page_size=page_size, start_token=plan.start_token):
        # Named by window and page, not by run: a record's source_file is then the same whether the run
        # was resumed or not (the file is gone once loaded; the name says where the record came from).
        path = work_dir / f"ctgov-api-updated-since-{plan.since}-page{plan.pages_done + report.pages + 1:05d}.jsonl"
        path.write_bytes(b"".join(orjson.dumps(study) + b"\n" for study in page.studies))
        try:
            loaded = load_page(path)
        finally:
            path.unlink(missing_ok=True)
        report.pages += 1
        report.studies += len(page.studies)
        report.written += loaded.written
        report.unchanged += loaded.unchanged
        report.superseded += loaded.superseded
        report.rejected += loaded.rejected
        report.page_runs.append(loaded.run_id)
        if page.next_token is None:
            report.status = "completed"
        _record(driver, report, page.next_token, database)
        if on_page is not None:
            on_page(report)
    return report
