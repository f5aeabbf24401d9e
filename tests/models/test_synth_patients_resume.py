"""Resumable synthetic-patient batches: each checked note is journalled as it is made, a run stopped part way
resumes, and the finished batch equals an uninterrupted one byte for byte; other settings are refused.

The four real CT.gov records of tests/fixtures/synth/ with the offline linker of test_synth_patients.py. The
notes are the real template's, spoiled for some patients (a refusal, a note without its labs) by a rule on the
patient alone, so the journal carries dropped notes as well as kept ones and a chunk rendered twice reads the same.
The last test runs ``trialgraph synth patients`` itself on a real graph, resuming from a journal cut by a kill.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import neo4j
import pytest
import typer
from typer.testing import CliRunner

from tests.conftest import wipe
from tests.models.test_synth_patients import CONCEPTS, FIXTURE, _trials
from trialgraph.api import TrialGraph
from trialgraph.cli_synth import synth_app
from trialgraph.errors import ConfigError
from trialgraph.link import Linker
from trialgraph.models.linking.tfidf import build_index
from trialgraph.models.synth.io import journal_path_for, report_path_for
from trialgraph.models.synth.patient_batch import synthesize_patients_resumable, write_batch
from trialgraph.models.synth.patients import SyntheticPatient
from trialgraph.models.synth.render import Rendered, template_note
from trialgraph.settings import Settings

CREATED = "2026-01-02T03:04:05+00:00"


class Stop(Exception):
    """Raised from the progress hook or the renderer: the run dies there, as a killed process would."""


class SpoilingRenderer:
    """The template, with every fourth patient (by a hash of its id) refused and every fourth note without labs.

    ``calls`` records the patients of each render call; ``stop_at_call`` makes that call raise, as a model call
    cut by a kill would."""

    name = "spoiling-template"
    version = "1"

    def __init__(self, stop_at_call: int | None = None) -> None:
        self.calls: list[list[str]] = []
        self.stop_at_call = stop_at_call

    def render(self, patients: Sequence[SyntheticPatient]) -> list[Rendered]:
        self.calls.append([p.id for p in patients])
        if len(self.calls) == self.stop_at_call:
            raise Stop
        out = []
        for patient in patients:
            note = template_note(patient.facts)
            spoil = int(hashlib.sha256(patient.id.encode()).hexdigest(), 16) % 4
            if spoil == 0:
                out.append(Rendered("", "refusal"))
            elif spoil == 1:
                out.append(Rendered("\n".join(line for line in note.splitlines() if not line.startswith("Labs"))))
            else:
                out.append(Rendered(note))
        return out


@pytest.fixture(scope="module")
def linker(tmp_path_factory: pytest.TempPathFactory) -> Linker:
    folder = tmp_path_factory.mktemp("synth-resume-index")
    build_index(CONCEPTS, folder)
    return Linker(folder)


def _run(
    out: Path,
    linker: Linker,
    renderer: SpoilingRenderer | None = None,
    *,
    stop_after: int | None = None,
    seed: int = 0,
    created: str = CREATED,
) -> Path:
    done: list[int] = []

    def on_item(index: int) -> None:
        done.append(index)
        if stop_after is not None and len(done) >= stop_after:
            raise Stop

    batch = synthesize_patients_resumable(
        list(_trials().values()), linker, renderer or SpoilingRenderer(), out=out, per_kind=2, seed=seed,
        chunk=4, created=created, on_item=on_item,
    )  # fmt: skip
    write_batch(batch, out)
    return out


def _lines(out: Path) -> list[dict]:
    return [json.loads(line) for line in journal_path_for(out).read_text().splitlines()]


def test_a_run_stopped_part_way_resumes_to_the_batch_an_uninterrupted_run_writes(
    tmp_path: Path, linker: Linker
) -> None:
    whole = _run(tmp_path / "whole" / "notes.jsonl", linker)
    report = json.loads(report_path_for(whole).read_text())
    planned = report["generated"]
    assert planned > 8 and report["dropped"] and report["passed"]  # kept and dropped notes, over several chunks
    cut = tmp_path / "cut" / "notes.jsonl"
    with pytest.raises(Stop):
        _run(cut, linker, stop_after=5)  # the fifth note is the first of the second chunk: a chunk left half done
    assert not cut.exists() and [e.get("index") for e in _lines(cut)] == [None, 0, 1, 2, 3, 4]
    renderer = SpoilingRenderer()
    _run(cut, linker, renderer, created="2030-12-31T00:00:00+00:00")  # the journal's own time stamps the batch
    assert cut.read_bytes() == whole.read_bytes()
    assert report_path_for(cut).read_text() == report_path_for(whole).read_text()
    # the first chunk (0..3) was not rendered again; the half-done chunk (4..7) was rendered whole
    assert sum(len(call) for call in renderer.calls) == planned - 4 and len(renderer.calls[0]) == 4
    assert [e.get("index") for e in _lines(cut)] == [None, *range(planned)]


def test_a_render_call_cut_by_a_kill_loses_only_its_own_chunk(tmp_path: Path, linker: Linker) -> None:
    whole = _run(tmp_path / "whole" / "notes.jsonl", linker)
    cut = tmp_path / "cut" / "notes.jsonl"
    with pytest.raises(Stop):
        _run(cut, linker, SpoilingRenderer(stop_at_call=3))
    assert [e.get("index") for e in _lines(cut)] == [None, *range(8)]
    _run(cut, linker)
    assert cut.read_bytes() == whole.read_bytes()
    assert report_path_for(cut).read_text() == report_path_for(whole).read_text()


def test_a_line_cut_by_a_kill_is_written_again(tmp_path: Path, linker: Linker) -> None:
    whole = _run(tmp_path / "whole" / "notes.jsonl", linker)
    cut = tmp_path / "cut" / "notes.jsonl"
    with pytest.raises(Stop):
        _run(cut, linker, stop_after=3)
    journal = journal_path_for(cut)
    journal.write_bytes(journal.read_bytes()[:-25])  # the last line torn mid-write
    _run(cut, linker)
    assert cut.read_bytes() == whole.read_bytes()
    assert [e.get("index") for e in _lines(cut)] == [None, *range(len(_lines(whole)) - 1)]


def test_other_settings_against_the_same_output_are_refused_in_one_line(tmp_path: Path, linker: Linker) -> None:
    out = tmp_path / "notes.jsonl"
    with pytest.raises(Stop):
        _run(out, linker, stop_after=1)
    before = journal_path_for(out).read_bytes()
    with pytest.raises(ConfigError) as error:
        _run(out, linker, seed=1)
    message = str(error.value)
    assert "\n" not in message and str(journal_path_for(out)) in message
    assert "(patients, settings differ)" in message
    other = SpoilingRenderer()
    other.version = "2"
    with pytest.raises(ConfigError, match=r"\(generator differ\)") as error:
        _run(out, linker, other)
    assert other.calls == [] and journal_path_for(out).read_bytes() == before  # nothing of the other runs added
    assert not out.exists()


@pytest.mark.neo4j
def test_the_cli_resumes_a_killed_batch_and_refuses_other_settings(
    neo4j_server: Settings, neo4j_driver: neo4j.Driver, tmp_path: Path
) -> None:
    wipe(neo4j_driver)
    with TrialGraph.connect(neo4j_server) as client:
        assert client.load("ctgov", [FIXTURE]).written == 4
    app = typer.Typer()
    app.add_typer(synth_app, name="synth")
    out = tmp_path / "notes.jsonl"
    trials = ["--trial", "NCT05302050", "--trial", "NCT03751735"]
    args = ["synth", "patients", *trials, "--per-kind", "2", "--chunk", "3", "--out", str(out)]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    whole, report = out.read_bytes(), report_path_for(out).read_text()
    journal = journal_path_for(out)
    lines = journal.read_bytes().splitlines(keepends=True)
    assert len(lines) == 1 + json.loads(report)["generated"] > 6
    journal.write_bytes(b"".join(lines[:5]) + lines[5][:30])  # killed while writing the fifth note's line
    out.unlink()
    report_path_for(out).unlink()
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert out.read_bytes() == whole and report_path_for(out).read_text() == report
    assert journal.read_bytes() == b"".join(lines)
    other = CliRunner().invoke(app, [*args, "--seed", "1"])
    assert other.exit_code == 1 and "Traceback" not in other.output and other.output.strip().count("\n") == 0
    assert "other settings" in other.output and "settings" in other.output.split("(")[1]
    assert out.read_bytes() == whole and journal.read_bytes() == b"".join(lines)
