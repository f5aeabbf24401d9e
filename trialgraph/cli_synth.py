"""``trialgraph synth …``: synthetic data grounded in the graph (patients from eligibility criteria)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from trialgraph.api import TrialGraph
from trialgraph.errors import ConfigError, TrialGraphError
from trialgraph.kg.synth_patients import make_renderer, run_synth_patients, sample_trial_ids, write_batch
from trialgraph.settings import get_settings

synth_app = typer.Typer(
    help="Synthetic data grounded in the graph, never loaded as registry records.", no_args_is_help=True
)
console = Console()
err_console = Console(stderr=True)


@synth_app.command("patients")
def patients(
    trial: Annotated[list[str] | None, typer.Option("--trial", help="A trial or NCT id (repeatable).")] = None,
    sample: Annotated[
        int | None, typer.Option("--sample", min=1, help="A seeded sample of N trials with criteria.")
    ] = None,
    per_kind: Annotated[
        int, typer.Option("--per-kind", min=1, help="Notes per kind (eligible, near-miss, ineligible).")
    ] = 3,
    generator: Annotated[
        str, typer.Option("--generator", help="template, smollm2-135m, hf:DIR or openai:URL#MODEL.")
    ] = "template",
    seed: Annotated[int, typer.Option("--seed")] = 0,
    out: Annotated[
        Path | None, typer.Option("--out", help="Notes JSONL (default: <home>/synth/patients.jsonl).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the batch report as JSON.")] = False,
) -> None:
    """Patient notes labelled by construction against trials' criteria, each checked before it is kept."""
    settings = get_settings()
    try:
        if bool(trial) == (sample is not None):
            raise ConfigError("give --trial NCT… or --sample N (one of them)")
        renderer = make_renderer(generator, settings.home)
        with TrialGraph.connect(settings) as tg:
            database = settings.neo4j_database
            ids = list(trial or []) or sample_trial_ids(tg.driver, sample or 0, seed, database=database)
            batch = run_synth_patients(tg.driver, ids, renderer, per_kind=per_kind, seed=seed, database=database)
    except TrialGraphError as e:
        err_console.print(f"[red]error:[/] {e}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    path = out or settings.home / "synth" / "patients.jsonl"
    report_path = write_batch(batch, path)
    if as_json:
        console.print_json(json.dumps(batch.report))
        return
    r = batch.report
    console.print(
        f"{r['passed']} of {r['generated']} notes passed the check (pass rate {r['pass_rate']}); "
        f"{r['trials_used']} of {r['trials_read']} trials used; dropped: {r['dropped'] or 'none'}"
    )
    console.print(f"written: {path} and {report_path}")
