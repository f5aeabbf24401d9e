"""``trialgraph synth trials``: Retrieval-Reasoning synthetic trials grounded in the graph's labelled trials."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from trialgraph.errors import ConfigError, TrialGraphError
from trialgraph.models.synth.trials.batch import Batch
from trialgraph.models.synth.trials.pools import POOLS
from trialgraph.settings import get_settings

console = Console()
err_console = Console(stderr=True)

LABEL_CHOICES = ("balanced", "success", "failure")


def _fail(error: Exception) -> None:
    err_console.print(f"[red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _from_graph(labels: list[Path], target: Path, trial: str | None, pool: str, **options: Any) -> Batch:
    """Seeds and exemplars read from the graph, then the batch generated resumably into ``target``."""
    from trialgraph.api import TrialGraph
    from trialgraph.kg.synth import graph_seeds_and_pool

    with TrialGraph.connect() as tg:
        seeds, exemplars = graph_seeds_and_pool(
            tg.driver,
            labels,
            trial=trial,
            pool=pool,
            count=options["count"],
            label=options["label"],
            seed=options["seed"],
            condition=options["condition"],
            intervention=options["intervention"],
            phase=options["phase"],
            database=tg.settings.neo4j_database,
        )
    return _synthesize(seeds, exemplars, target, options)


def _synthesize(seeds: Any, pool: Any, out: Path | None, options: dict[str, Any]) -> Batch:
    """Both pools generate the same way: the named model, journalled into ``out`` when one is given."""
    from trialgraph import __version__
    from trialgraph.models.synth.trials.run import synthesize

    return synthesize(
        seeds,
        pool,
        model_spec=options["model"],
        home=get_settings().home,
        k=options["k"],
        seed=options["seed"],
        embed=options["embed"],
        judge=options["judge"],
        software_version=__version__,
        out=out,
        chunk=options["chunk"],
    )


def _offline(labels: list[Path], **options: Any) -> Batch:
    """The label-file pool needs no graph: seeds and exemplars come from the files."""
    from trialgraph.models.synth.trials.pools import build_pool, label_source_of, read_labels
    from trialgraph.models.synth.trials.run import make_seeds, seeds_from_examples

    examples, _rejected = read_labels(labels)
    pool = build_pool("labels", examples, label_source_of(labels))
    if options["seed_file"] is not None:
        seed_rows, _rejected = read_labels([options["seed_file"]])
        seeds = seeds_from_examples(seed_rows, options["count"], options["label"], seed=options["seed"])
    else:
        seeds = make_seeds(
            options["count"],
            options["label"],
            seed=options["seed"],
            condition=options["condition"],
            intervention=options["intervention"],
            phase=options["phase"],
        )
    return _synthesize(seeds, pool, options["out"], options)


def synth_trials(
    labels: Annotated[
        list[Path],
        typer.Option(help="Outcome label file(s) in HINT's layout (nctid,…,label,…); repeatable. Training files only."),
    ],
    condition: Annotated[str | None, typer.Option(help="Seed condition, e.g. 'type 2 diabetes'.")] = None,
    seed_file: Annotated[
        Path | None,
        typer.Option(help="Seeds drawn from a trials file in HINT's layout (--count rows: diseases, drugs, phase)."),
    ] = None,
    intervention: Annotated[str | None, typer.Option(help="Seed intervention or class, e.g. metformin.")] = None,
    phase: Annotated[str | None, typer.Option(help="Seed phase, e.g. PHASE2 (a tie-breaker among neighbours).")] = None,
    trial: Annotated[str | None, typer.Option(help="Seed on a real trial (NCT id): its conditions and drugs.")] = None,
    count: Annotated[int, typer.Option(min=1, help="Synthetic trials to generate.")] = 2,
    label: Annotated[str, typer.Option(help="Outcome to write: balanced, success or failure.")] = "balanced",
    pool: Annotated[str, typer.Option(help="graph: labelled trials of the graph; labels: the label files' rows.")] = (
        "graph"
    ),
    model: Annotated[str, typer.Option(help="smollm2-135m (local), hf:DIR or openai:URL#MODEL.")] = "smollm2-135m",
    k: Annotated[int, typer.Option(min=1, help="Real trials shown per synthetic trial.")] = 3,
    chunk: Annotated[
        int, typer.Option(min=1, help="Seeds per model call; finished items are saved after each call.")
    ] = 4,
    seed: Annotated[int, typer.Option(help="Seed for labels and exemplar draws.")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Output, JSON lines (default: ~/.trialgraph/synthetic/trials.jsonl).")
    ] = (None),
    embed: Annotated[bool, typer.Option(help="Also check copying by MiniLM embedding ([rag] extra).")] = False,
    judge: Annotated[
        Path | None,
        typer.Option(help="An outcome model folder (trialgraph outcome train): reports label consistency."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the batch report as JSON on stdout.")] = False,
) -> None:
    """Generate synthetic trials with outcome labels: retrieve labelled real trials near the seed, write a design,
    then a rationale that must cite them; report schema validity, copying, realism and every rejection.

    Each finished trial (kept or rejected, with its reason) is journalled next to --out as it is made: a rerun
    with the same settings and --out resumes an interrupted batch; other settings against it are refused."""
    try:
        if pool not in POOLS:
            raise ConfigError(f"--pool must be one of {', '.join(POOLS)}")
        if label not in LABEL_CHOICES:
            raise ConfigError(f"--label must be one of {', '.join(LABEL_CHOICES)}")
        if not (condition or intervention or phase or trial or seed_file):
            raise ConfigError("give a seed: --condition, --intervention, --phase, --trial or --seed-file")
        if seed_file and (condition or intervention or phase):
            raise ConfigError("--seed-file gives each seed its own condition, drugs and phase: drop the others")
        if seed_file and (trial or pool == "graph"):
            raise ConfigError("--seed-file draws seeds from a file: use it with --pool labels, without --trial")
        target = out or get_settings().home / "synthetic" / "trials.jsonl"
        options = {"condition": condition, "intervention": intervention, "phase": phase, "count": count}
        options |= {"label": label, "model": model, "k": k, "seed": seed, "embed": embed, "judge": judge}
        options["chunk"] = chunk
        if pool == "graph" or trial:
            batch = _from_graph(labels, target, trial, pool, **options)
        else:
            batch = _offline(labels, seed_file=seed_file, out=target, **options)
        from trialgraph.models.synth.trials.batch import write_batch

        report_path = write_batch(batch, target)
    except (TrialGraphError, OSError) as e:
        _fail(e)
    if as_json:
        typer.echo(json.dumps(batch.report | {"out": str(target), "report": str(report_path)}, ensure_ascii=False))
        return
    generation = batch.report["generation"]
    console.print(
        f"{len(batch.trials)} of {generation['attempted']} synthetic trials kept → {target}\n"
        f"rejected: {generation['rejected'] or 'none'}; copies of real trials: {batch.report['copying']['copies']}\n"
        f"report: {report_path}",
        highlight=False,
    )
