"""Condition strings that carry a registry form's labels (the demo ICTRP rows' EU CTR "Therapeutic area: …" lines)
are linked by the name the label introduces, and the stored string stays as the registry wrote it."""

from __future__ import annotations

import neo4j
import pytest
from typer.testing import CliRunner

from tests.graphcheck import rows
from trialgraph.cli import app
from trialgraph.demo import sample_path
from trialgraph.models.linking.registry_labels import RULES, condition_text
from trialgraph.settings import Settings

runner = CliRunner()
NEOPLASMS = "MESH:D009369"


@pytest.fixture(scope="module")
def linked(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> list[dict[str, object]]:
    from tests.conftest import wipe

    wipe(neo4j_driver)
    for source, name in (("mesh", "mesh-demo.nt.gz"), ("ictrp", "ictrp-demo.csv")):
        assert runner.invoke(app, ["load", source, str(sample_path(name))]).exit_code == 0
    result = runner.invoke(app, ["link", "--linker", "exact"])
    assert result.exit_code == 0, result.output
    return rows(
        neo4j_driver,
        "MATCH (c:Condition) WHERE c.name STARTS WITH 'Therapeutic area:' OR c.name STARTS WITH 'Term:' "
        "OPTIONAL MATCH (c)-[l:IS_CONCEPT {source: 'trialgraph-exact'}]->(k:Concept) "
        "RETURN c.name AS name, collect(k.curie) AS curies, collect(l.method_version) AS versions",
    )


def test_labelled_condition_strings_link_by_the_name_the_label_introduces(linked: list[dict[str, object]]) -> None:
    by_name = {str(r["name"]).strip(): r for r in linked}
    area = by_name["Therapeutic area: Diseases [C] - Cancer [C04]"]
    assert area["curies"] == [NEOPLASMS]  # "Cancer", an entry term of Neoplasms (the whole string names nothing)
    assert all(str(v).endswith(f"+{RULES}") for r in linked for v in r["versions"])  # type: ignore[attr-defined]
    # the stored strings are the registry's, labels and codes included
    assert all(condition_text(str(r["name"])) != str(r["name"]).strip() for r in linked)
