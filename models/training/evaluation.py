"""The evaluation a model card reports: the adapter and its base model on the same validation items, after training.

Validation, not test: a card is read while choosing settings (steps, learning rate, context mode), and a test
figure read then is a test figure tuned on; ``trialgraph tasks eval --model hf:ADAPTER`` gives the test figures
once the settings are chosen. The base model answers the same seeded items in the same context mode, so the card
shows what training changed rather than a figure without its reference. Both runs are written beside the adapter
(``evaluation/``) in the harness's own format, so ``trialgraph tasks report --runs ADAPTER/evaluation`` reads them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trialgraph.models.tasks.dataset import read_task
from trialgraph.models.tasks.harness import EvalRun, evaluate, headline, resolve_answerer, write_run
from trialgraph.models.training.common import RUN_FILE

__all__ = ["CARD_SECTION", "evaluate_after_training"]

CARD_SECTION = "## Evaluation after training"
SPLIT = "validation"


def evaluate_after_training(
    adapter: Path,
    task_folders: Sequence[Path],
    *,
    base_model: str,
    home: Path,
    context: str,
    limit: int,
    seed: int = 0,
) -> tuple[EvalRun, EvalRun]:
    """Evaluate ``base_model`` and the adapter in ``adapter`` on ``limit`` seeded validation items per task; add
    the figures to its card (``README.md``) and run record; return (base run, adapter run)."""
    datasets = [dataset for dataset in map(read_task, task_folders) if dataset.rows[SPLIT]]
    folder = adapter / "evaluation"
    for stale in folder.glob("*") if folder.is_dir() else ():  # a resumed run's earlier figures: replaced, not mixed
        if stale.is_file():
            stale.unlink()
    runs: list[EvalRun] = []
    for spec in (base_model, f"hf:{adapter}"):
        run = evaluate(datasets, resolve_answerer(spec, home), context=context, split=SPLIT, limit=limit, seed=seed)
        write_run(run, folder)
        runs.append(run)
    base, tuned = runs
    _add_to_card(
        adapter, base.as_dict(), tuned.as_dict(), left_out=[f.name for f in task_folders if f.name not in tuned.tasks]
    )
    return base, tuned


def _add_to_card(adapter: Path, base: dict[str, Any], tuned: dict[str, Any], left_out: list[str]) -> None:
    rows = "\n".join(
        f"| {task} | {result['metrics']['items']} | {headline(base['tasks'][task]['metrics'], result.get('kind'))} "
        f"({base['tasks'][task]['metrics']['malformed']}) | {headline(result['metrics'], result.get('kind'))} "
        f"({result['metrics']['malformed']}) |"
        for task, result in tuned["tasks"].items()
    )
    empty = f"\nLeft out (no validation items): {', '.join(left_out)}.\n" if left_out else ""
    section = f"""
{CARD_SECTION}

The base model and this adapter on the same validation items: up to {tuned["limit"]} per task, a seeded sample
(seed {tuned["seed"]}), context `{tuned["context"]}`; headline figure with its 95% bootstrap interval, malformed replies
in brackets. Test figures: `trialgraph tasks eval --model hf:{adapter}` (validation is where settings are chosen).

| task | items | base `{base["model"]}` | this adapter |
|---|---|---|---|
{rows}
{empty}"""
    card = adapter / "README.md"
    text = card.read_text(encoding="utf-8")
    if CARD_SECTION in text:  # a resumed run evaluates again: the newest figures replace the old
        text = text[: text.index(CARD_SECTION)].rstrip("\n") + "\n"
    card.write_text(text + section, encoding="utf-8")
    record_path = adapter / RUN_FILE
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record["evaluation"] = {"split": SPLIT, "base": base, "adapter": tuned}
    record_path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
