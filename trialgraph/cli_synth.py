"""``trialgraph synth …``: synthetic data grounded in the graph (patients from eligibility criteria, and matching
evaluated on them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from trialgraph.api import TrialGraph
from trialgraph.errors import ConfigError, TrialGraphError
from trialgraph.kg.synth_matching import run_synth_matching
from trialgraph.kg.synth_patients import run_synth_patients, sample_trial_ids
from trialgraph.models.synth.matching import matching_report, notes_cohort, read_notes, read_reference, write_cohort
from trialgraph.models.synth.patient_batch import write_batch
from trialgraph.models.synth.render import make_renderer
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
        Path | None, typer.Option("--out", help="Notes JSONL (default: ~/.trialgraph/synthetic/patients.jsonl).")
    ] = None,
    chunk: Annotated[
        int, typer.Option("--chunk", min=1, help="Notes per render call; finished notes are saved after each call.")
    ] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="Print the batch report as JSON.")] = False,
) -> None:
    """Patient notes labelled by construction against trials' criteria, each checked before it is kept.

    Each checked note (kept or dropped, with its reason) is journalled next to --out as it is made: a rerun with
    the same settings and --out resumes an interrupted batch; other settings against it are refused."""
    settings = get_settings()
    try:
        if bool(trial) == (sample is not None):
            raise ConfigError("give --trial NCT… or --sample N (one of them)")
        renderer = make_renderer(generator, settings.home)
        path = out or settings.home / "synthetic" / "patients.jsonl"
        with TrialGraph.connect(settings) as tg:
            database = settings.neo4j_database
            ids = list(trial or []) or sample_trial_ids(tg.driver, sample or 0, seed, database=database)
            batch = run_synth_patients(
                tg.driver, ids, renderer, per_kind=per_kind, seed=seed, database=database, out=path, chunk=chunk
            )
        report_path = write_batch(batch, path)
    except (TrialGraphError, OSError) as e:
        err_console.print(f"[red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if as_json:
        console.print_json(json.dumps(batch.report))
        return
    r = batch.report
    console.print(
        f"{r['passed']} of {r['generated']} notes passed the check (pass rate {r['pass_rate']}); "
        f"{r['trials_used']} of {r['trials_read']} trials used; dropped: {r['dropped'] or 'none'}"
    )
    console.print(f"written: {path} and {report_path}")


@synth_app.command("match")
def match(
    notes: Annotated[Path, typer.Option("--notes", help="Notes JSONL written by `synth patients`.")],
    retriever: Annotated[
        list[str] | None, typer.Option("--retriever", "--retrievers", help="Retrievers to compare (default: all).")
    ] = None,
    encoder: Annotated[str, typer.Option(help="The encoder whose index the vector retrievers use.")] = "minilm",
    reference: Annotated[
        Path | None,
        typer.Option(help="Real figures to compare the order with: `eval retrieval --json` output or {name: value}."),
    ] = None,
    reference_cohort: Annotated[
        list[str] | None, typer.Option(help="Cohorts of --reference to use, e.g. trec_2021 (default: all).")
    ] = None,
    metric: Annotated[str, typer.Option(help="The metric the retrievers are ordered by.")] = "ndcg@10",
    variant: Annotated[str, typer.Option(help="all (the whole graph) or judged (TrialGPT's list).")] = "all",
    cohort_out: Annotated[
        Path | None, typer.Option(help="Also write the notes as a cohort folder for `eval retrieval --cohort`.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Patient → trial matching on synthetic notes (own trial: eligible 2, near-miss 1, ineligible 0, as TREC CT),
    in `eval retrieval`'s metrics, and Kendall's tau between the retrievers' order here and on --reference."""
    settings = get_settings()
    try:
        cohort = notes_cohort(read_notes(notes), name=notes.name.removesuffix(".jsonl"))
        ref = (
            read_reference(reference, metric=metric, variant=variant, cohorts=reference_cohort or ())
            if reference
            else None
        )
        with TrialGraph.connect(settings) as tg, console.status("ranking the graph for every note…"):
            graded, by_kind = run_synth_matching(
                tg.driver, cohort, retrievers=retriever, encoder=encoder, database=settings.neo4j_database
            )
        report = matching_report(cohort, graded, by_kind, metric=metric, variant=variant, reference=ref)
        if cohort_out:
            write_cohort(cohort.cohort, cohort_out)
    except (TrialGraphError, OSError) as e:
        err_console.print(f"[red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if as_json:
        console.print_json(json.dumps(report))
        return
    _print_report(report)


def _interval(mean: dict[str, Any]) -> str:
    return f"{mean['mean']:.3f} [{mean['ci'][0]:.2f}, {mean['ci'][1]:.2f}]"


def _print_report(report: dict[str, Any]) -> None:
    console.print(
        f"{report['queries']} usable queries of {report['notes']} notes {report['notes_by_kind']} "
        f"(left out: {report['queries_left_out']} with no relevant trial in the graph; skipped: "
        f"{report['notes_skipped'] or 'none'})"
    )
    for row in report["figures"]:
        metrics = "  ".join(f"{m} {_interval(v)}" for m, v in row["all"].items())
        console.print(f"{row['retriever']:>9}  {metrics}")
    for kind, rows in report["own_trial_by_kind"].items():
        found = ", ".join(f"{r['retriever']} {r['all']['r@100']['mean']:.3f}" for r in rows)
        console.print(f"own trial in top 100, {kind} notes ({rows[0]['queries'] if rows else 0}): {found}")
    order = report["order"]
    console.print(f"order by {order['variant']} {order['metric']}: {' > '.join(order['synthetic'])}")
    if order["reference"] is not None:
        console.print(
            f"reference order: {' > '.join(order['reference'])}; Kendall tau {order['kendall_tau']} "
            f"over {len(order['compared'])} retrievers"
        )
