"""A shared node's name does not depend on load order: the least spelling stated wins (issue 18, concurrency).

Conditions, keywords and sponsors are shared by case- and punctuation-insensitive text, so two records may state
one node in two spellings. The node used to take the first writer's, so two loads of the same files in another
order (or at once) built different graphs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest

from tests.conftest import wipe
from tests.data import shared
from trialgraph.api import TrialGraph
from trialgraph.settings import Settings

STUDY = "ctgov/v2/studies/NCT00000410.json"


@pytest.fixture()
def tg(graph: neo4j.Driver, neo4j_server: Settings) -> Iterator[TrialGraph]:
    client = TrialGraph.connect(neo4j_server)
    yield client
    client.close()


def _twin(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """The real study, and a second record that states its first condition, keyword and lead sponsor in capitals
    (the smaller spelling by code point); returns both files and the spellings expected on the shared nodes."""
    study = json.loads(shared(STUDY).read_text(encoding="utf-8"))
    original = tmp_path / "a" / "NCT00000410.json"
    original.parent.mkdir()
    original.write_text(json.dumps(study), encoding="utf-8")
    protocol = study["protocolSection"]
    protocol["identificationModule"]["nctId"] = "NCT09999410"
    conditions, keywords = protocol["conditionsModule"]["conditions"], protocol["conditionsModule"]["keywords"]
    sponsor = protocol["sponsorCollaboratorsModule"]["leadSponsor"]
    conditions[0], keywords[0], sponsor["name"] = conditions[0].upper(), keywords[0].upper(), sponsor["name"].upper()
    twin = tmp_path / "b" / "NCT09999410.json"
    twin.parent.mkdir()
    twin.write_text(json.dumps(study), encoding="utf-8")
    return original, twin, {"Condition": conditions[0], "Keyword": keywords[0], "Organization": sponsor["name"]}


def _names(tg: TrialGraph, expected: dict[str, str]) -> dict[str, list[str]]:
    """Per label, the names of the nodes whose name is, case aside, the expected spelling."""
    return {
        label: sorted(
            row["name"]
            for row in tg.run_cypher(
                f"MATCH (n:{label}) WHERE toUpper(n.name) = $name RETURN n.name AS name", name=spelling
            )
        )
        for label, spelling in expected.items()
    }


def test_the_least_spelling_names_the_shared_node_in_either_load_order(tg: TrialGraph, tmp_path: Path) -> None:
    original, twin, expected = _twin(tmp_path)
    seen = []
    for order in ((original, twin), (twin, original)):
        wipe(tg.driver)
        for path in order:
            report = tg.load("ctgov", [path])
            assert report.written == 1 and report.rejected == 0
        seen.append(_names(tg, expected))
    want = {label: [spelling] for label, spelling in expected.items()}  # one node each, in capitals
    assert seen == [want, want]
