"""Every registered registry source has real inputs and bad-input fixtures that its tests read.

A new registry is a parser and a ``@SOURCES.register`` line; this test fails until it also brings data
to stage from and a fixture of broken input, so no source lands untested.
"""

from __future__ import annotations

import pytest

from tests.data import REPO_ROOT, shared
from trialgraph.loaders.base import SOURCES, names_written_by
from trialgraph.model.staged import Quarantined, Staged

# source → (a real shared input, the folder of its bad-input fixtures)
REGISTRY_INPUTS = {
    "ctgov": ("ctgov/v2/studies", "ctgov/v2/broken"),
    "ictrp": ("registries/ictrp/ictrp_full_export_sample.csv", "tests/fixtures/ictrp"),
    "euctr": ("registries/euctr", "tests/fixtures/euctr"),
    "ctis": ("registries/ctis/ctis_trials.jsonl", "tests/fixtures/ctis"),
    "isrctn": ("registries/isrctn", "tests/fixtures/isrctn"),
    "anzctr": ("registries/anzctr/SYNTHETIC_anzctr_trials.xml", "tests/fixtures/anzctr"),
}


def test_every_registered_registry_source_is_listed_here() -> None:
    registries = set(names_written_by("records"))
    assert registries == set(REGISTRY_INPUTS), "add the new source, its shared input and its fixtures"


@pytest.mark.parametrize("name", sorted(REGISTRY_INPUTS))
def test_source_stages_its_real_input_and_quarantines_its_bad_fixtures(name: str) -> None:
    real, bad = REGISTRY_INPUTS[name]
    loader = SOURCES.create(name)
    items = list(loader.read([shared(real)], load_run="test"))
    assert any(isinstance(i, Staged) for i in items), f"{name}: nothing staged from {real}"
    bad_path = REPO_ROOT / bad if bad.startswith("tests/") else shared(bad)
    assert bad_path.is_dir() and any(bad_path.iterdir()), f"{name}: no bad-input fixtures in {bad_path}"
    staged_bad = list(loader.read([bad_path], load_run="test"))
    assert any(isinstance(i, Quarantined) for i in staged_bad), f"{name}: its bad fixtures quarantine nothing"
