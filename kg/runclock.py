"""Load-run times on the Neo4j server's clock, so that runs of different hosts compare in the order they happened.

Why: a vocabulary load removes a set's mapping only when the run that wrote it last is known to have ended before
this load started (``cypher/write/delete_stale_mappings.cypher``). Those times come from different processes, and
processes on different hosts have clocks that disagree: a host whose clock runs a minute behind would record a
load that overlapped this one as finished before it began, and this load would remove the edges that load had just
restated. So a run reads the server's clock once, as it starts, and every later time is that reading plus the time
elapsed on this process's monotonic clock: this host's wall clock is never read, so neither its offset nor a
correction NTP makes to it mid-run enters a run time (the reading is good to half the round trip of one query).
The spelling stays UTC ISO 8601 to the millisecond, so run times written before compare with new ones as strings.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import neo4j
from neo4j.exceptions import DriverError, Neo4jError

from trialgraph.errors import GraphError
from trialgraph.kg import cypher

__all__ = ["RunClock"]


@dataclass(frozen=True, slots=True)
class RunClock:
    """The server's time ``anchor``, read when ``monotonic`` said ``anchored_at``; ``now`` moves on from there."""

    anchor: datetime
    anchored_at: float
    monotonic: Callable[[], float] = field(default=time.monotonic, repr=False)

    @classmethod
    def of_server(
        cls, driver: neo4j.Driver, database: str = "neo4j", monotonic: Callable[[], float] = time.monotonic
    ) -> RunClock:
        """The server's clock now, read in a session of its own: ``driver.execute_query`` would leave a bookmark
        in the driver that a database replaced later (a bulk import) never reaches, and later queries would wait
        for it in vain."""
        sent = monotonic()
        try:
            with driver.session(database=database) as session:
                millis = session.run(cypher.load("read/server_time")).single(strict=True)["epoch_millis"]
        except (Neo4jError, DriverError) as e:
            raise GraphError(f"could not read the server's clock: {getattr(e, 'message', None) or e}") from e
        received = monotonic()
        return cls(datetime.fromtimestamp(millis / 1000, UTC), (sent + received) / 2, monotonic)

    @classmethod
    def of_host(cls) -> RunClock:
        """This host's clock: for a bulk import, which runs against the local server only (same host, same clock)."""
        return cls(datetime.now(UTC), time.monotonic())

    def now(self) -> str:
        """Now on the server's clock: UTC ISO 8601 to the millisecond (two short loads often share a second)."""
        elapsed = timedelta(seconds=self.monotonic() - self.anchored_at)
        return (self.anchor + elapsed).isoformat(timespec="milliseconds")
