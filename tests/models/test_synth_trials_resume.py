"""Resumable synthetic-trial batches: each finished seed is journalled as it is made, a killed run resumes, and
the finished batch equals an uninterrupted one; other settings against the same output are refused.

Generation is driven by a generator whose reply is a pure function of the prompt (so a chunk generated twice
answers the same), stopped through the loop's progress hook after N durable items.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.models.test_synth_trials import DESIGN, POOL
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
        created="2026-01-01T00:00:00+00:00",  # two batches compared byte for byte: one stamp, whatever the clock
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
