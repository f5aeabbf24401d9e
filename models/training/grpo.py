"""GRPO: a LoRA adapter trained by trl's GRPOTrainer on the evaluation's own grader.

Each prompt is the chat the evaluation harness sends; the model samples ``num_generations`` replies and each is
rewarded by :func:`~trialgraph.models.tasks.scoring.reward`, split into two reward functions so the log shows both
curves: :func:`format_reward` (a parseable JSON answer earns ``FORMAT_REWARD``) and :func:`answer_reward` (1 for a
correct answer, 0.5 more for the right termination type; for a search query, its ranking's nDCG@10 over the train
corpus). Their sum is exactly ``scoring.reward``, so the model is rewarded for what the evaluation counts, nothing
else. Starting from an SFT adapter (``init_adapter``) is the usual recipe: a small model rarely produces the JSON
format by sampling alone, and GRPO learns nothing from a group of replies that all score 0.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from trialgraph.errors import ConfigError
from trialgraph.models.language_models import converted_model_path
from trialgraph.models.tasks.harness import MAX_NEW_TOKENS
from trialgraph.models.tasks.prompting import parse_answer
from trialgraph.models.tasks.scoring import FORMAT_REWARD, reward
from trialgraph.models.tasks.search import Bm25Index, ranking_of
from trialgraph.models.training.common import (
    ContextMode,
    TrainingReport,
    _base_spec,
    _check_positive,
    _checkpoint_step,
    _curve,
    _device,
    _elapsed,
    _load_base,
    _lora_config,
    _ml_modules,
    _offline,
    _prepare_out,
    _quiet_progress,
    _run,
    _save_adapter,
    _trainer_args,
    _write_card,
    load_training_data,
)

__all__ = ["answer_reward", "answer_reward_for", "completion_budget", "format_reward", "train_grpo"]

logger = logging.getLogger(__name__)

PREFILL_TOKENS = 16  # the longest answer start a prompt file prefills, with room to spare
_PROMPTS_PER_STEP = {"cuda": 4, "cpu": 1}
"""Prompts per step when no batch size is given: a step holds ``num_generations`` replies to each."""


def _reply(completion: Any) -> str:
    """The text of one completion: trl passes conversational completions as ``[{"role", "content"}]``."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion:
        content = completion[-1].get("content", "") if isinstance(completion[-1], dict) else ""
        return content if isinstance(content, str) else ""
    return ""


def format_reward(completions: Sequence[Any], kind: Sequence[str], record: Sequence[str], **_: Any) -> list[float]:
    """``FORMAT_REWARD`` for a reply the task's parser accepts, else 0 (trl passes dataset columns as lists)."""
    return [
        0.0 if parse_answer(k, _reply(c), json.loads(r)).malformed else FORMAT_REWARD
        for c, k, r in zip(completions, kind, record, strict=True)
    ]


def answer_reward_for(corpora: Mapping[str, Sequence[Mapping[str, str]]]) -> Callable[..., list[float]]:
    """The correctness part of ``scoring.reward`` (its value less the format part, so the two add up to it), with
    each search task's queries run by BM25 over its train ``corpora`` (indexed once, here)."""
    rankers = {task: Bm25Index(documents) for task, documents in corpora.items()}

    def answer_reward(
        completions: Sequence[Any],
        kind: Sequence[str],
        answer: Sequence[str],
        record: Sequence[str],
        task: Sequence[str] | None = None,
        **_: Any,
    ) -> list[float]:
        values = []
        for n, (c, k, a, r) in enumerate(zip(completions, kind, answer, record, strict=True)):
            text, parsed_record = _reply(c), json.loads(r)
            index = rankers.get(task[n]) if task is not None else None
            ranking = (lambda query, index=index: ranking_of(index, query)) if index is not None else None
            total = reward(k, text, a, parsed_record, ranking=ranking)
            values.append(total - (0.0 if parse_answer(k, text, parsed_record).malformed else FORMAT_REWARD))
        return values

    return answer_reward


answer_reward = answer_reward_for({})  # the tasks without a corpus; trl logs it by this name


def completion_budget(kinds: Iterable[str]) -> int:
    """Tokens a sampled reply may take: the harness's reply budget for the longest kind, plus what its prefill
    writes for the model (training prompts leave the prefill out), and never under 64."""
    return max([64, *(MAX_NEW_TOKENS[kind] + PREFILL_TOKENS for kind in kinds)])


def _digest(folder: Path) -> str:
    """A short content digest of an adapter's weights, so the card names the exact adapter GRPO started from."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("adapter_model.*")):
        digest.update(path.read_bytes())
    return f"sha256:{digest.hexdigest()[:16]}"


def _load_init_adapter(base: Any, folder: Path, model_key: str, base_folder: Path) -> tuple[Any, int]:
    """The base with a trainable copy of the adapter in ``folder``, and the adapter's rank.

    Raises:
        ConfigError: ``folder`` is not an adapter, or was trained over another base.
    """
    config_path = folder / "adapter_config.json"
    if not config_path.is_file():
        raise ConfigError(f"init_adapter {folder} is not a LoRA adapter folder (no adapter_config.json)")
    config = json.loads(config_path.read_text(encoding="utf-8"))
    named = str(config.get("base_model_name_or_path") or "")
    if named not in (model_key, str(base_folder)):
        raise ConfigError(f"init_adapter {folder} was trained over {named!r}, not {model_key!r}")
    from peft import PeftModel

    model = PeftModel.from_pretrained(base, str(folder), is_trainable=True)
    # the adapter names its base by key; checkpoints saved meanwhile must see the local folder, or peft looks the
    # key up on the hub to learn whether the vocabulary changed (and warns, offline)
    model.peft_config["default"].base_model_name_or_path = str(base_folder)
    return model, int(config.get("r", 0))


def train_grpo(
    task_folders: Sequence[Path],
    *,
    model: str = "smollm2-135m",
    home: Path,
    out: Path,
    context: ContextMode = "graph",
    max_steps: int,
    num_generations: int = 4,
    batch_size: int | None = None,
    learning_rate: float = 1e-5,
    lora_r: int = 8,
    seed: int = 0,
    max_items_per_task: int | None = None,
    max_completion_length: int | None = None,
    temperature: float = 1.0,
    beta: float = 0.0,
    init_adapter: Path | None = None,
    resume: bool = True,
    save_steps: int | None = None,
    logging_steps: int = 1,
) -> TrainingReport:
    """Train a LoRA adapter with trl's GRPOTrainer, rewarded by the task graders; save it into ``out``.

    Args:
        task_folders: built task folders; several tasks train one adapter together.
        model: the base, a registered local model key (converted from GGUF into ``home`` on first use).
        home: the state folder holding converted models.
        out: the output folder (adapter, ``README.md``, ``trialgraph-training.json``, newest checkpoint).
        context: ``graph`` (each prompt carries its graph-RAG context) or ``none``.
        max_steps: optimizer steps in total, counting those a resumed checkpoint already made.
        num_generations: sampled replies per prompt (the group whose rewards are compared); at least 2.
        batch_size: replies per step, a multiple of ``num_generations``; default ``num_generations`` times 4
            prompts on a GPU, 1 on a CPU.
        learning_rate: AdamW's rate (constant).
        lora_r: LoRA rank (alpha is 2r) for a new adapter; ignored with ``init_adapter``.
        seed: seeds LoRA's init, sampling, the data order and the ``max_items_per_task`` sample.
        max_items_per_task: train on a seeded sample of at most this many items per task.
        max_completion_length: tokens sampled per reply; default the longest reply budget the evaluation gives
            the tasks' kinds plus the answer start it prefills (at least 64): a six-candidate screening reply
            needs about 170, a letter far fewer.
        temperature: sampling temperature of the replies.
        beta: KL coefficient against the starting policy (0: no reference model, trl's default).
        init_adapter: an adapter folder (e.g. from :func:`~trialgraph.models.training.sft.train_sft`) to start
            from instead of a new LoRA; it must have been trained over ``model``.
        resume: continue from the newest checkpoint in ``out`` when it belongs to the same run; False starts over.
        save_steps: steps between checkpoints; default a tenth of ``max_steps`` (the final step is always saved).
        logging_steps: steps between logged values.

    Returns:
        The report: steps, first/last logged loss and mean reward, seconds, device, the data's rows hashes.

    Raises:
        UnknownNameError: ``model`` or a folder's task is not registered.
        ConfigError: bad arguments, an empty train split, a missing package, or ``out`` holding another run.
    """
    started = time.monotonic()
    out, home = Path(out), Path(home)
    spec = _base_spec(model)
    _check_positive(
        max_steps=max_steps,
        batch_size=batch_size,
        learning_rate=learning_rate,
        lora_r=lora_r,
        save_steps=save_steps,
        logging_steps=logging_steps,
        max_completion_length=max_completion_length,
        temperature=temperature,
    )
    if num_generations < 2:
        raise ConfigError(
            f"num_generations must be at least 2 (GRPO compares replies to one prompt), got {num_generations}"
        )
    if batch_size is not None and batch_size % num_generations:
        raise ConfigError(f"batch_size ({batch_size}) must be a multiple of num_generations ({num_generations})")
    if beta < 0:
        raise ConfigError(f"beta must be 0 or more, got {beta}")
    if init_adapter is not None and not Path(init_adapter).is_dir():
        raise ConfigError(f"init_adapter folder not found: {init_adapter}")
    data = load_training_data(task_folders, context=context, max_items_per_task=max_items_per_task, seed=seed)
    if max_completion_length is None:
        max_completion_length = completion_budget({item.kind for item in data.items})
    _ml_modules()
    _offline()
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    version = spec.version()
    base_folder = converted_model_path(spec, home)
    device = _device()
    batch = batch_size or num_generations * _PROMPTS_PER_STEP["cuda" if device == "cuda" else "cpu"]
    base, tokenizer = _load_base(base_folder, device)
    start: dict[str, Any] = {"init_adapter": None}
    if init_adapter is not None:
        folder = Path(init_adapter).resolve()
        base, lora_r = _load_init_adapter(base, folder, spec.key, base_folder)
        start = {"init_adapter": str(folder), "init_adapter_digest": _digest(folder)}
    hyper: dict[str, Any] = {
        "context": context,
        "max_steps": max_steps,
        "num_generations": num_generations,
        "batch_size (replies per step)": batch,
        "learning_rate": learning_rate,
        "lr_scheduler": "constant",
        "lora_r": lora_r,
        "lora_alpha": 2 * lora_r if init_adapter is None else "from init_adapter",
        "seed": seed,
        "max_items_per_task": max_items_per_task,
        "max_completion_length": max_completion_length,
        "temperature": temperature,
        "beta": beta,
        "rewards": "format_reward + answer_reward = scoring.reward",
        "precision": "bf16 base, fp32 LoRA" if device == "cuda" else "fp32",
        **start,
    }
    identity = {
        "method": "grpo",
        "model": spec.key,
        "model_version": version,
        "data": data.hashes,
        **{k: v for k, v in hyper.items() if k != "max_steps"},
    }
    checkpoint = _prepare_out(out, identity, resume=resume)

    rows = [
        {"prompt": i.prompt, "kind": i.kind, "answer": i.answer, "record": i.record, "task": i.task} for i in data.items
    ]
    args = GRPOConfig(
        **_trainer_args(
            out,
            device=device,
            max_steps=max_steps,
            batch_size=batch,
            learning_rate=learning_rate,
            seed=seed,
            save_steps=save_steps or max(1, max_steps // 10),
            logging_steps=logging_steps,
        ),
        num_generations=num_generations,
        max_completion_length=max_completion_length,
        temperature=temperature,
        beta=beta,
    )
    with _quiet_progress():  # trl tokenizes the data set with datasets' progress bars
        trainer = GRPOTrainer(
            model=base,
            reward_funcs=[format_reward, answer_reward_for(data.corpora)],
            args=args,
            train_dataset=Dataset.from_list(rows),
            processing_class=tokenizer,
            peft_config=_lora_config(lora_r) if init_adapter is None else None,
        )
    logger.info(
        "GRPO of %s on %d prompts (%s), %d steps, %d replies per step (%d per prompt) on %s%s",
        spec.key,
        len(rows),
        ", ".join(data.hashes),
        max_steps,
        batch,
        num_generations,
        device,
        f", resuming from {checkpoint.name}" if checkpoint else "",
    )
    resumed_from = _checkpoint_step(checkpoint) if checkpoint is not None else None
    _run(trainer, checkpoint)
    _save_adapter(trainer, out, spec.key)

    history = trainer.state.log_history
    losses, rewards = _curve(history, "loss"), _curve(history, "reward")
    report = TrainingReport(
        method="grpo",
        out=out,
        model=spec.key,
        model_version=version,
        steps=int(trainer.state.global_step),
        first_loss=losses[0][1] if losses else None,
        last_loss=losses[-1][1] if losses else None,
        seconds=_elapsed(started),
        device=device,
        data=dict(data.hashes),
        resumed_from=resumed_from,
        first_reward=rewards[0][1] if rewards else None,
        last_reward=rewards[-1][1] if rewards else None,
        losses=losses,
        rewards=rewards,
    )
    _write_card(out, report, spec=spec, data=data, hyper=hyper, identity=identity)
    logger.info("GRPO done: %d steps, mean reward %s -> %s", report.steps, report.first_reward, report.last_reward)
    return report
