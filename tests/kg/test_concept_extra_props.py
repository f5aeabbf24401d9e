"""A concept's vocabulary-specific properties (ATC's DDD facts, OBO's subsets...) follow the release that wrote it.

Those properties are named by their key, so a plain ``SET c += extra`` only ever adds: a key a later release no
longer states would stay on the node, stale. Small hand-written releases (an OBO file, a WHO ATC/DDD export) are
loaded, then a later release that drops one such property.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest

from trialgraph.api import TrialGraph
from trialgraph.settings import Settings

OBO = """format-version: 1.2
data-version: tst/{version}
ontology: tst

[Term]
id: TST:0000001
name: root

[Term]
id: TST:0000002
name: child
alt_id: TST:0000020
{subset}is_a: TST:0000001 ! root

"""

ATC_HEADER = "atc_code,atc_name,ddd,uom,adm_r,note\n"
ATC_ROWS = (
    "A,ALIMENTARY TRACT AND METABOLISM,NA,NA,NA,NA\n"
    "A02,DRUGS FOR ACID RELATED DISORDERS,NA,NA,NA,NA\n"
    "A02B,DRUGS FOR PEPTIC ULCER,NA,NA,NA,NA\n"
    "A02BA,H2-receptor antagonists,NA,NA,NA,NA\n"
    "A02BA02,ranitidine,0.3,g,O,{note}\n"
)


@pytest.fixture()
def tg(graph: neo4j.Driver, neo4j_server: Settings) -> Iterator[TrialGraph]:
    with TrialGraph.connect(neo4j_server) as client:
        yield client


def _node(tg: TrialGraph, curie: str) -> dict[str, Any]:
    [row] = tg.run_cypher("MATCH (c:Concept {curie: $curie}) RETURN properties(c) AS p", curie=curie)
    return dict(row["p"])


def test_an_obo_property_a_later_release_drops_is_removed_from_the_concept(tg: TrialGraph, tmp_path: Path) -> None:
    first = tmp_path / "tst-2024.obo"
    first.write_text(OBO.format(version="2024-01-01", subset="subset: rare_subset\n"), encoding="utf-8")
    loaded = tg.load("obo", [first])
    assert (loaded.written, loaded.rejected) == (2, 0)
    child = _node(tg, "TST:0000002")
    assert (child["subset"], child["alt_id"]) == (["rare_subset"], ["TST:0000020"])

    later = tmp_path / "tst-2025.obo"  # the later release no longer puts the term in the subset
    later.write_text(OBO.format(version="2025-01-01", subset=""), encoding="utf-8")
    report = tg.load("obo", [later])
    assert (report.written, report.rejected, report.superseded) == (2, 0, 0)
    child = _node(tg, "TST:0000002")
    assert "subset" not in child  # gone, not left over from 2024
    assert (child["name"], child["version"], child["alt_id"]) == ("child", "tst/2025-01-01", ["TST:0000020"])
    assert child["load_run"] == report.run_id
    parents = tg.run_cypher("MATCH (:Concept {curie: 'TST:0000002'})-[:BROADER]->(p) RETURN p.curie AS c")
    assert parents == [{"c": "TST:0000001"}]
    assert "subset" not in _node(tg, "TST:0000001") and _node(tg, "TST:0000001")["name"] == "root"

    again = tg.load("obo", [later])  # the same later release again: nothing to write
    assert (again.read, again.written, again.unchanged, again.superseded) == (2, 0, 2, 0)
    assert _node(tg, "TST:0000002") == child

    older = tg.load("obo", [first])  # the older release cannot bring the property back
    assert (older.written, older.superseded) == (0, 2)
    assert "subset" not in _node(tg, "TST:0000002")


def test_an_atc_ddd_note_a_later_export_drops_is_removed_from_the_code(tg: TrialGraph, tmp_path: Path) -> None:
    first = tmp_path / "WHO_ATC-DDD_2020-01-01.csv"
    first.write_text(ATC_HEADER + ATC_ROWS.format(note='"Refers to ranitidine base"'), encoding="utf-8")
    loaded = tg.load("atc", [first])
    assert (loaded.written, loaded.rejected) == (5, 0), loaded.quarantine_file
    code = _node(tg, "ATC:A02BA02")
    assert (code["ddd"], code["ddd_note"]) == (["0.3 g O"], ["Refers to ranitidine base"])

    # The later export states the DDD without its note. Gzipped: its last row is a substance (A02BA02), which a
    # plain file cut exactly at a line end could have shortened, so a plain copy's would not replace the stored one.
    later = tmp_path / "WHO_ATC-DDD_2021-01-01.csv.gz"
    later.write_bytes(gzip.compress((ATC_HEADER + ATC_ROWS.format(note="NA")).encode("utf-8"), mtime=0))
    report = tg.load("atc", [later])
    assert (report.written, report.rejected, report.superseded) == (5, 0, 0)
    code = _node(tg, "ATC:A02BA02")
    assert "ddd_note" not in code
    assert (code["name"], code["version"], code["ddd"]) == ("ranitidine", "2021-01-01", ["0.3 g O"])

    again = tg.load("atc", [later])
    assert (again.written, again.unchanged, again.superseded) == (0, 5, 0)
    assert _node(tg, "ATC:A02BA02") == code
