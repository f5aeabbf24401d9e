"""The bulk path (neo4j-admin import) builds exactly the graph the transactional writer builds."""

from __future__ import annotations

from pathlib import Path

import neo4j
import pytest

from tests.conftest import wipe
from tests.data import shared
from tests.graphcheck import count, description_mismatches, fingerprint
from trialgraph.errors import ConfigError
from trialgraph.kg.bulk import _EMITTERS, bulk_import
from trialgraph.kg.load import load
from trialgraph.loaders.base import discover
from trialgraph.model.rows import WRITE_ORDER
from trialgraph.settings import Settings


def test_every_write_statement_has_a_bulk_form() -> None:
    assert set(_EMITTERS) == set(WRITE_ORDER)


def test_bulk_import_equals_transactional_load(graph: neo4j.Driver, settings: Settings, tmp_path: Path) -> None:
    if not settings.uses_local_server:
        pytest.skip("bulk import needs the local server")
    # results, aliases, repeated studies (the same NCT id in several files), broken inputs
    paths = [
        shared("ctgov/v2/studies"),
        shared("ctgov/v2/aact"),
        shared("ctgov/v2/broken"),
        shared("ctgov/legacy/aact"),
    ]
    loader = discover().create("ctgov")
    merged = load(graph, loader, paths, quarantine_dir=tmp_path / "q1")
    expected = fingerprint(graph)
    wipe(graph)

    # one parser process, then several: the same graph either way
    serial = settings.model_copy(update={"load_workers": 1})
    report = bulk_import(serial, loader, paths)
    assert (report.read, report.rejected, report.accepted) == (merged.read, merged.rejected, merged.accepted)
    assert fingerprint(graph) == expected
    report = bulk_import(settings.model_copy(update={"load_workers": 3}), loader, paths, replace=True)
    assert (report.read, report.rejected, report.accepted) == (merged.read, merged.rejected, merged.accepted)
    assert fingerprint(graph) == expected
    assert description_mismatches(graph) == []  # the importer's column types are the description's
    assert count(graph, "MATCH (l:LoadRun {status: 'completed (bulk import)'}) RETURN count(l)") == 1  # replaced
    # constraints exist again after the import replaced the database
    names = {r["name"] for r in graph.execute_query("SHOW CONSTRAINTS YIELD name").records}
    assert {"trial_id", "registry_record_id", "record_fact_key"} <= names

    with pytest.raises(ConfigError, match="first loads"):
        bulk_import(settings, loader, paths)
