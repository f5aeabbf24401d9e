"""``trialgraph tasks …``: build the clinical-research task datasets, evaluate answerers on them, report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from trialgraph.api import TrialGraph
from trialgraph.errors import ConfigError, TrialGraphError
from trialgraph.models.tasks.builders import task_names
from trialgraph.models.tasks.harness import (
    CONTEXT_MODES,
    evaluate,
    markdown_table,
    read_runs,
    read_tasks,
    report_table,
    resolve_answerer,
    write_run,
)
from trialgraph.settings import get_settings

tasks_app = typer.Typer(
    help="Clinical-research tasks built from the graph: build, evaluate, report.", no_args_is_help=True
)
console = Console()
err_console = Console(stderr=True)


def _fail(error: Exception) -> None:
    err_console.print(f"[red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _tasks_folder(folder: Path | None) -> Path:
    return folder or get_settings().home / "tasks"


TasksOption = Annotated[
    list[str] | None, typer.Option("--tasks", help=f"Only these tasks (repeatable): {', '.join(task_names())}.")
]


@tasks_app.command("build")
def build_command(
    out: Annotated[Path | None, typer.Option(help="Output folder (default: ~/.trialgraph/tasks).")] = None,
    tasks: TasksOption = None,
    seed: Annotated[int, typer.Option(help="Seed for option order and distractor tie-breaks.")] = 0,
    patients: Annotated[
        Path | None,
        typer.Option(
            help="Synthetic patient notes (`trialgraph synth patients`) for diagnosis_from_note, patient_eligibility "
            "and criterion_violated."
        ),
    ] = None,
) -> None:
    """Build the task datasets from the graph: Parquet per split, a dataset card and a manifest per task."""
    try:
        with TrialGraph.connect() as tg, console.status("building tasks from the graph…"):
            built = tg.build_tasks(out, tasks=tasks, seed=seed, patients=patients)
    except TrialGraphError as e:
        _fail(e)
    for name, dataset in built.items():
        counts = dataset.manifest["counts"]
        console.print(f"{name}: {counts['train']} train, {counts['test']} test → {dataset.folder}")


@tasks_app.command("eval")
def eval_command(
    model: Annotated[
        str, typer.Option(help="majority, nearest, overlap, a local model (smollm2-135m), hf:DIR or openai:URL#MODEL.")
    ],
    context: Annotated[str, typer.Option(help="none or graph (similar training trials from the graph).")] = "none",
    tasks: TasksOption = None,
    data: Annotated[Path | None, typer.Option(help="Built tasks folder (default: ~/.trialgraph/tasks).")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="A seeded sample of this many test items per task.")] = None,
    split: Annotated[str, typer.Option(help="test, or validation (for choosing settings without looking at test).")] = (
        "test"
    ),
    seed: Annotated[int, typer.Option(help="Sampling and bootstrap seed.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Runs folder (default: <data>/runs).")] = None,
) -> None:
    """Evaluate one answerer on the test splits; writes one JSON and one markdown table per run."""
    if context not in CONTEXT_MODES:
        _fail(ValueError(f"--context must be one of {', '.join(CONTEXT_MODES)}"))
    folder = _tasks_folder(data)
    try:
        datasets = read_tasks(folder, tasks)
        answerer = resolve_answerer(model, get_settings().home)
        if split not in ("test", "validation"):
            raise ConfigError(f"--split must be test or validation, got {split!r}")
        run = evaluate(datasets, answerer, context=context, split=split, limit=limit, seed=seed)
    except TrialGraphError as e:
        _fail(e)
    path = write_run(run, out or folder / "runs")
    console.print(markdown_table(run.as_dict()))
    console.print(f"written: {path}")


@tasks_app.command("report")
def report_command(
    runs: Annotated[Path | None, typer.Option(help="Runs folder (default: ~/.trialgraph/tasks/runs).")] = None,
) -> None:
    """Every evaluation run in one table per task."""
    folder = runs or _tasks_folder(None) / "runs"
    found, skipped = read_runs(folder) if folder.is_dir() else ([], [])
    if not found:
        _fail(FileNotFoundError(f"no runs in {folder}: run `trialgraph tasks eval` first"))
    console.print(report_table(found))
    if skipped:
        err_console.print(f"not runs, left out: {', '.join(skipped)}")


train_app = typer.Typer(
    help="Fine-tune a language model on the built tasks (LoRA; SFT, then GRPO).", no_args_is_help=True
)


EvalLimitOption = Annotated[
    int,
    typer.Option(
        min=0,
        help="Validation items per task that the base model and the adapter answer after training, for the card "
        "(0: no evaluation).",
    ),
]


def _task_folders(data: Path | None, tasks: list[str] | None) -> list[Path]:
    """The built tasks to train on: those named, or every built one with training items (an empty one, such as
    `knowledge_atc_class` on a graph without ATC, is left out and named, not a failed run)."""
    datasets = read_tasks(_tasks_folder(data), tasks)
    if tasks:
        return [dataset.folder for dataset in datasets]
    empty = [d.task for d in datasets if not d.manifest.get("counts", {}).get("train")]
    if empty:
        err_console.print(f"left out (no training items): {', '.join(empty)}", highlight=False)
    return [d.folder for d in datasets if d.task not in empty]


def _print_training(report: Any) -> None:
    console.print_json(data=report.as_dict())


def _evaluate_after_training(
    report: Any, folders: list[Path], *, model: str, home: Path, context: str, limit: int, seed: int
) -> None:
    """The card's evaluation (``models.training.evaluation``), printed as the harness prints a run."""
    if limit == 0:
        return
    from trialgraph.models.training.evaluation import evaluate_after_training

    with console.status(f"evaluating {model} and the adapter on {limit} validation items per task…"):
        base, tuned = evaluate_after_training(
            report.out, folders, base_model=model, home=home, context=context, limit=limit, seed=seed
        )
    for run in (base, tuned):
        err_console.print(escape(markdown_table(run.as_dict())), highlight=False)


@train_app.command("sft")
def sft_command(
    model: Annotated[str, typer.Option(help="Base model: a local model key.")] = "smollm2-135m",
    tasks: TasksOption = None,
    data: Annotated[Path | None, typer.Option(help="Built tasks folder (default: ~/.trialgraph/tasks).")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Adapter folder (default: ~/.trialgraph/adapters/sft-<model>).")
    ] = None,
    context: Annotated[str, typer.Option(help="none or graph: the prompts' context, as in `tasks eval`.")] = "graph",
    max_steps: Annotated[
        int, typer.Option(help="Optimizer steps in all (a resumed run counts the earlier ones).")
    ] = 200,
    batch_size: Annotated[int | None, typer.Option(help="Items per step (default: 4 on CPU, 16 on GPU).")] = None,
    learning_rate: Annotated[float, typer.Option(help="Constant learning rate.")] = 2e-4,
    max_items_per_task: Annotated[int | None, typer.Option(help="Cap each task's training items.")] = None,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    eval_limit: EvalLimitOption = 20,
) -> None:
    """LoRA supervised fine-tuning on the train splits; resumes from the last checkpoint in --out."""
    from trialgraph.models.training import train_sft

    home = get_settings().home
    try:
        folders = _task_folders(data, tasks)
        report = train_sft(
            folders,
            model=model,
            home=home,
            out=out or home / "adapters" / f"sft-{model}",
            context=context,  # type: ignore[arg-type]
            max_steps=max_steps,
            batch_size=batch_size,
            learning_rate=learning_rate,
            max_items_per_task=max_items_per_task,
            seed=seed,
        )
        _evaluate_after_training(report, folders, model=model, home=home, context=context, limit=eval_limit, seed=seed)
    except TrialGraphError as e:
        _fail(e)
    _print_training(report)


@train_app.command("grpo")
def grpo_command(
    model: Annotated[str, typer.Option(help="Base model: a local model key.")] = "smollm2-135m",
    tasks: TasksOption = None,
    data: Annotated[Path | None, typer.Option(help="Built tasks folder (default: ~/.trialgraph/tasks).")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Adapter folder (default: ~/.trialgraph/adapters/grpo-<model>).")
    ] = None,
    init_adapter: Annotated[Path | None, typer.Option(help="Start from this SFT adapter.")] = None,
    context: Annotated[str, typer.Option(help="none or graph.")] = "graph",
    max_steps: Annotated[int, typer.Option(help="Optimizer steps in all.")] = 100,
    num_generations: Annotated[int, typer.Option(help="Replies sampled per prompt.")] = 4,
    batch_size: Annotated[int | None, typer.Option(help="Replies per step (a multiple of --num-generations).")] = None,
    learning_rate: Annotated[float, typer.Option(help="Constant learning rate.")] = 1e-5,
    max_items_per_task: Annotated[int | None, typer.Option(help="Cap each task's training items.")] = None,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    eval_limit: EvalLimitOption = 20,
) -> None:
    """GRPO with the task graders as verifiable rewards (answer + format); resumes from the last checkpoint."""
    from trialgraph.models.training import train_grpo

    home = get_settings().home
    try:
        folders = _task_folders(data, tasks)
        report = train_grpo(
            folders,
            model=model,
            home=home,
            out=out or home / "adapters" / f"grpo-{model}",
            init_adapter=init_adapter,
            context=context,  # type: ignore[arg-type]
            max_steps=max_steps,
            num_generations=num_generations,
            batch_size=batch_size,
            learning_rate=learning_rate,
            max_items_per_task=max_items_per_task,
            seed=seed,
        )
        _evaluate_after_training(report, folders, model=model, home=home, context=context, limit=eval_limit, seed=seed)
    except TrialGraphError as e:
        _fail(e)
    _print_training(report)
