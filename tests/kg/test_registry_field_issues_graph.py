"""A registry count that is negative or no number is a field issue in the graph load, not a lost record.

ICTRP read a target size of "-5" as 5 and "abc" silently as nothing. Loaded through the real writer, both
records must now be in the graph without a size, and the quarantine must name each value on one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import neo4j

from tests.data import ictrp_export_with_target_sizes
from trialgraph.kg.load import load
from trialgraph.loaders.base import discover


def test_a_negative_and_a_non_numeric_target_size_load_without_the_size_and_are_filed(
    graph: neo4j.Driver, tmp_path: Path
) -> None:
    path = tmp_path / "sizes.csv"
    negative, text = ictrp_export_with_target_sizes(path, ["-5", "abc"])

    report = load(graph, discover().create("ictrp"), [path], quarantine_dir=tmp_path / "q")

    assert (report.written, report.rejected, report.field_issues) == (2, 0, 2)
    stored = graph.execute_query(
        "MATCH (r:RegistryRecord)-[:RECORD_OF]->(t:Trial) "
        "RETURN r.raw_id AS id, [k IN keys(r) + keys(t) WHERE k =~ '(?i)enrollment|.*(target|size).*'] AS sizes"
    ).records
    assert {r["id"]: r["sizes"] for r in stored} == {negative: [], text: []}
    entries = [json.loads(line) for line in Path(report.quarantine_file or "").read_text().splitlines()]
    assert all(entry.pop("file").startswith(str(path)) for entry in entries)
    field = {"kind": "field", "load_run": report.run_id}
    assert entries == [
        {"record": f"ictrp:{negative}", "reason": "Target_size '-5' is negative; stored without it", **field},
        {"record": f"ictrp:{text}", "reason": "Target_size 'abc' is not a number; stored without it", **field},
    ]
