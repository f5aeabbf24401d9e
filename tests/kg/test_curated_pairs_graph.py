"""A cross-registration pair a table states on several rows is written once, from its first row (issue 18): the
edge then does not depend on how much of the table was read, and the report accounts for every row."""

from __future__ import annotations

from pathlib import Path

import neo4j

from tests.data import shared
from tests.graphcheck import rows
from trialgraph.api import TrialGraph
from trialgraph.settings import Settings

TABLE = "links/intovalue/cross-registrations.csv"


def test_a_pair_stated_on_two_rows_keeps_its_first_row_and_counts_the_other_unchanged(
    graph: neo4j.Driver, neo4j_server: Settings, tmp_path: Path
) -> None:
    lines = shared(TABLE).read_text("utf-8").splitlines(keepends=True)
    path = tmp_path / "cross-registrations.csv"
    path.write_text("".join([*lines[:6], lines[3]]), "utf-8")  # data row 3 (line 4) again as line 7
    with TrialGraph.connect(neo4j_server) as tg:
        report = tg.load("crossreg", [path])
    assert (report.read, report.written, report.unchanged, report.rejected) == (6, 5, 1, 0)
    lines_stated = rows(graph, "MATCH ()-[s:SAME_TRIAL_AS]->() RETURN s.source_file AS f ORDER BY f")
    assert [row["f"] for row in lines_stated] == [f"{path}:{line}" for line in (2, 3, 4, 5, 6)]
