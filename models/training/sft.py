"""Supervised fine-tuning: a LoRA adapter taught to answer each task item with its canonical JSON reply.

The examples are trl's *conversational prompt-completion* format: the prompt is the exact chat the evaluation
harness sends (system + user, from :func:`~trialgraph.models.tasks.prompting.prompt_messages`) and the completion
is one assistant turn holding the gold answer as the JSON object the parser expects. trl renders both with the
model's own chat template and, for this format, computes the loss on the completion tokens only, so the adapter
learns to answer, not to reproduce trial descriptions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trialgraph.models.language_models import converted_model_path
from trialgraph.models.training.common import (
    ContextMode,
    TrainingReport,
    _base_spec,
    _batch_size,
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

__all__ = ["train_sft"]

logger = logging.getLogger(__name__)


def train_sft(
    task_folders: Sequence[Path],
    *,
    model: str = "smollm2-135m",
    home: Path,
    out: Path,
    context: ContextMode = "graph",
    max_steps: int,
    batch_size: int | None = None,
    learning_rate: float = 2e-4,
    lora_r: int = 8,
    seed: int = 0,
    max_items_per_task: int | None = None,
    resume: bool = True,
    save_steps: int | None = None,
    logging_steps: int = 1,
) -> TrainingReport:
    """Train a LoRA adapter with trl's SFTTrainer on the train splits of ``task_folders``; save it into ``out``.

    Args:
        task_folders: built task folders; several tasks train one adapter together.
        model: the base, a registered local model key (converted from GGUF into ``home`` on first use).
        home: the state folder holding converted models.
        out: the output folder: the adapter, ``README.md`` (model card), ``trialgraph-training.json`` and the
            newest ``checkpoint-<step>``.
        context: ``graph`` (each prompt carries its graph-RAG context) or ``none``.
        max_steps: optimizer steps in total, counting those a resumed checkpoint already made.
        batch_size: sequences per step; default 16 on a GPU, 4 on a CPU.
        learning_rate: AdamW's rate (constant; LoRA trains well at 1e-4 to 1e-3).
        lora_r: LoRA rank (alpha is 2r) on the attention projections.
        seed: seeds LoRA's init, the data order and the ``max_items_per_task`` sample.
        max_items_per_task: train on a seeded sample of at most this many items per task.
        resume: continue from the newest checkpoint in ``out`` when it belongs to the same run; False starts over.
        save_steps: steps between checkpoints; default a tenth of ``max_steps`` (the final step is always saved).
        logging_steps: steps between logged losses.

    Returns:
        The report: steps, first and last logged loss, seconds, device, the data's rows hashes.

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
    )
    data = load_training_data(task_folders, context=context, max_items_per_task=max_items_per_task, seed=seed)
    _ml_modules()
    _offline()
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    version = spec.version()
    base_folder = converted_model_path(spec, home)
    device = _device()
    batch = _batch_size(batch_size, device)
    hyper: dict[str, Any] = {
        "context": context,
        "max_steps": max_steps,
        "batch_size": batch,
        "learning_rate": learning_rate,
        "lr_scheduler": "constant",
        "lora_r": lora_r,
        "lora_alpha": 2 * lora_r,
        "lora_targets": "q_proj, k_proj, v_proj, o_proj",
        "seed": seed,
        "max_items_per_task": max_items_per_task,
        "loss": "completion tokens only (conversational prompt-completion)",
        "precision": "bf16 base, fp32 LoRA" if device == "cuda" else "fp32",
    }
    identity = {
        "method": "sft",
        "model": spec.key,
        "model_version": version,
        "data": data.hashes,
        **{k: v for k, v in hyper.items() if k not in ("max_steps",)},
    }
    checkpoint = _prepare_out(out, identity, resume=resume)

    examples = [
        {"prompt": item.prompt, "completion": [{"role": "assistant", "content": item.target}]} for item in data.items
    ]
    base, tokenizer = _load_base(base_folder, device)
    args = SFTConfig(
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
        completion_only_loss=True,
        max_length=None,  # truncation keeps the start: a long prompt would lose its answer, not its context
    )
    with _quiet_progress():  # trl tokenizes the data set with datasets' progress bars
        trainer = SFTTrainer(
            model=base,
            args=args,
            train_dataset=Dataset.from_list(examples),
            processing_class=tokenizer,
            peft_config=_lora_config(lora_r),
        )
    logger.info(
        "SFT of %s on %d items (%s), %d steps at batch %d on %s%s",
        spec.key,
        len(examples),
        ", ".join(data.hashes),
        max_steps,
        batch,
        device,
        f", resuming from {checkpoint.name}" if checkpoint else "",
    )
    resumed_from = _checkpoint_step(checkpoint) if checkpoint is not None else None
    _run(trainer, checkpoint)
    _save_adapter(trainer, out, spec.key)

    losses = _curve(trainer.state.log_history, "loss")
    report = TrainingReport(
        method="sft",
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
        losses=losses,
    )
    _write_card(out, report, spec=spec, data=data, hyper=hyper, identity=identity)
    logger.info("SFT done: %d steps, loss %s -> %s", report.steps, report.first_loss, report.last_loss)
    return report
