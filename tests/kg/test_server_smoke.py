"""The real server answers, with auth on, bound to 127.0.0.1, with APOC."""

from __future__ import annotations

import neo4j


def test_server_answers_with_apoc(neo4j_driver: neo4j.Driver) -> None:
    with neo4j_driver.session() as session:
        version = session.run("RETURN apoc.version() AS v").single(strict=True)["v"]
    assert version.startswith("5.26")
