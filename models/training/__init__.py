"""Fine-tuning on the clinical-trial tasks: LoRA adapters by supervised fine-tuning (SFT) and by GRPO.

Both read built task folders, train over a registered local model (converted from GGUF once), and leave in their
output folder an adapter that :class:`~trialgraph.models.language_models.TransformersModel` loads, a model card,
and the newest checkpoint, from which an interrupted run resumes. torch, transformers, peft and trl are imported
only when training starts, so importing this package is cheap.
"""

from trialgraph.models.training.common import (
    CONTEXT_MODES,
    ContextMode,
    TrainingData,
    TrainingItem,
    TrainingReport,
    answer_json,
    load_training_data,
)
from trialgraph.models.training.grpo import answer_reward, answer_reward_for, format_reward, train_grpo
from trialgraph.models.training.sft import train_sft

__all__ = [
    "CONTEXT_MODES",
    "ContextMode",
    "TrainingData",
    "TrainingItem",
    "TrainingReport",
    "answer_json",
    "answer_reward",
    "answer_reward_for",
    "format_reward",
    "load_training_data",
    "train_grpo",
    "train_sft",
]
