"""``trialgraph tasks …``: build the clinical-research task datasets, evaluate answerers on them, report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from trialgraph.api import TrialGraph
from trialgraph.errors import TrialGraphError
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
    err_console.print(f"[red]error:[/] {error}", highlight=False, soft_wrap=True)
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
) -> None:
    """Build the task datasets from the graph: Parquet per split, a dataset card and a manifest per task."""
    try:
        with TrialGraph.connect() as tg, console.status("building tasks from the graph…"):
            built = tg.build_tasks(out, tasks=tasks, seed=seed)
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
    limit: Annotated[int | None, typer.Option(help="A seeded sample of this many test items per task.")] = None,
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
        run = evaluate(datasets, answerer, context=context, limit=limit, seed=seed)
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
    found = read_runs(folder) if folder.is_dir() else []
    if not found:
        _fail(FileNotFoundError(f"no runs in {folder}: run `trialgraph tasks eval` first"))
    console.print(report_table(found))
