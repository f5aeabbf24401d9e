"""``synth match`` end to end on a real graph: the four real CT.gov records of the ``synth patients`` test, template
notes for them, BM25 ranking the graph for each note; the figures must be ``eval retrieval``'s on the same notes."""

from __future__ import annotations

import json
from pathlib import Path

import neo4j
import pytest
import typer
from typer.testing import CliRunner

from tests.conftest import wipe
from tests.kg.test_synth_patients_graph import FIXTURE
from trialgraph.api import TrialGraph
from trialgraph.cli_synth import synth_app
from trialgraph.kg.retrieval.retrievers import FullTextRetriever
from trialgraph.kg.synth_patients import run_synth_patients
from trialgraph.models.retrieval.evaluate import DEPTH
from trialgraph.models.retrieval.ranking import ndcg_at
from trialgraph.models.synth.matching import GRADES
from trialgraph.models.synth.render import TemplateRenderer
from trialgraph.settings import Settings

pytestmark = pytest.mark.neo4j
app = typer.Typer()
app.add_typer(synth_app, name="synth")


@pytest.fixture(scope="module")
def notes_file(neo4j_server: Settings, neo4j_driver: neo4j.Driver, tmp_path_factory: pytest.TempPathFactory) -> Path:
    wipe(neo4j_driver)
    with TrialGraph.connect(neo4j_server) as client:
        assert client.load("ctgov", [FIXTURE]).written == 4
    ids = [
        json.loads(line)["protocolSection"]["identificationModule"]["nctId"]
        for line in FIXTURE.read_text().splitlines()
    ]
    batch = run_synth_patients(neo4j_driver, ids, TemplateRenderer(), per_kind=1)
    path = tmp_path_factory.mktemp("match") / "notes.jsonl"
    path.write_text("".join(json.dumps(n) + "\n" for n in batch.notes), encoding="utf-8")
    return path


def test_match_scores_notes_as_eval_retrieval_does(
    notes_file: Path, neo4j_server: Settings, neo4j_driver: neo4j.Driver, tmp_path: Path
) -> None:
    notes = [json.loads(line) for line in notes_file.read_text().splitlines()]
    reference = tmp_path / "real.json"
    reference.write_text('{"fulltext": 0.3, "hybrid": 0.4}', encoding="utf-8")
    args = ["synth", "match", "--notes", str(notes_file), "--retriever", "fulltext", "--reference", str(reference)]
    result = CliRunner().invoke(app, [*args, "--cohort-out", str(tmp_path / "cohort"), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    relevant = [n for n in notes if GRADES[n["kind"]] >= 1]
    assert report["notes"] == len(notes) and report["queries"] == len(relevant) > 0
    assert report["queries_left_out"] == len(notes) - len(relevant)
    # the same figure computed here from BM25's own ranking of each note, graded by kind
    bm25 = FullTextRetriever(neo4j_driver)
    expected = [
        ndcg_at([h.trial_id for h in bm25.hits(n["note"], top_k=DEPTH)], {n["trial_id"]: GRADES[n["kind"]]}, 10)
        for n in relevant
    ]
    (row,) = report["figures"]
    assert row["retriever"] == "fulltext" and row["all"]["ndcg@10"]["mean"] == pytest.approx(
        sum(expected) / len(expected),
        abs=5e-5,  # means are printed to 4 places
    )
    assert {kind: rows[0]["queries"] for kind, rows in report["own_trial_by_kind"].items()} == {
        kind: sum(n["kind"] == kind for n in notes) for kind in GRADES if any(n["kind"] == kind for n in notes)
    }
    assert report["order"]["compared"] == ["fulltext"] and report["order"]["kendall_tau"] is None  # one shared name
    # the cohort it wrote reruns under `eval retrieval` with the same figures
    with TrialGraph.connect(neo4j_server) as tg:
        (again,) = tg.evaluate_retrieval([tmp_path / "cohort"], retrievers=["fulltext"])
    assert again.as_dict()["all"] == row["all"] and again.queries == report["queries"]


def test_bad_input_is_one_line(notes_file: Path) -> None:
    unknown = CliRunner().invoke(app, ["synth", "match", "--notes", str(notes_file), "--retriever", "nonesuch"])
    assert unknown.exit_code == 1 and "unknown retriever 'nonesuch'" in unknown.output
    missing = CliRunner().invoke(app, ["synth", "match", "--notes", "/nonexistent/notes.jsonl"])
    assert missing.exit_code == 1 and "not found" in missing.output and "Traceback" not in missing.output
