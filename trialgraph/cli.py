"""The ``trialgraph`` command: parses input, calls the library API, formats output. Nothing else."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from trialgraph import demo as demo_module
from trialgraph.api import (
    TrialGraph,
    bulk_load,
    compare_dumps,
    evaluate_linking,
    source_names,
    train_linker_encoder,
)
from trialgraph.cli_outcome import outcome_app
from trialgraph.cli_papers import search_papers
from trialgraph.cli_synth import synth_app
from trialgraph.cli_synth_trials import synth_trials
from trialgraph.cli_tasks import tasks_app, train_app
from trialgraph.errors import TrialGraphError, UnknownNameError
from trialgraph.kg import browser, cypher, server
from trialgraph.kg.embeddings import embedding_target
from trialgraph.kg.link_scope import checked_scope
from trialgraph.kg.mentions import TEXT_FIELDS
from trialgraph.kg.writer import LoadReport
from trialgraph.settings import Settings, get_settings

app = typer.Typer(help="TrialGraph: clinical trials in a Neo4j knowledge graph.", no_args_is_help=True)
server_app = typer.Typer(help="The local Neo4j server that TrialGraph provisions and runs.", no_args_is_help=True)
app.add_typer(server_app, name="server")
eval_app = typer.Typer(help="Measure TrialGraph's extractors against gold standards.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
link_app = typer.Typer(help="Link text in the graph to vocabulary concepts.")
app.add_typer(link_app, name="link")
app.add_typer(tasks_app, name="tasks")
app.add_typer(train_app, name="train")
synth_app.command("trials")(synth_trials)
app.add_typer(synth_app, name="synth")
app.add_typer(outcome_app, name="outcome")
app.command("search-papers")(search_papers)

console = Console()
PARTIAL_LOAD = 2
"""Exit status of a load that quarantined whole input files but loaded the rest (1 is a load that failed)."""
err_console = Console(stderr=True)
_state = {"debug": False}


def _settings() -> Settings:
    try:
        return get_settings()
    except TrialGraphError as e:
        _fail(e)
        raise  # unreachable: _fail exits


def _fail(error: Exception) -> None:
    if _state["debug"]:
        raise error
    # escaped: a message quoting the user's text ("[/x]") is no markup, and must not crash the printing of itself
    err_console.print(f"[red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
) -> None:
    _state["debug"] = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False)],
        force=True,
    )


def _print_rows(rows: list[dict[str, Any]], title: str | None = None) -> None:
    table = Table(title=title, title_justify="left")
    columns = list(rows[0]) if rows else []
    for column in columns:  # names and values are the graph's text, never markup: "[/x]" once ended in a traceback
        table.add_column(escape(column), overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    if not rows:
        table.add_column("(no rows)")
    console.print(table)


def _cell(value: Any) -> str:
    """A value as the table shows it: lists and maps as JSON, the text escaped so Rich prints it as it is."""
    if isinstance(value, list | dict):
        return escape(json.dumps(value, ensure_ascii=False, default=str))
    return "" if value is None else escape(str(value))


# ---------------------------------------------------------------- server
@server_app.command("start")
def server_start() -> None:
    """Provision Neo4j Community from Maven Central (first time) and start it on 127.0.0.1."""
    settings = _settings()
    try:
        with console.status("starting Neo4j (the first start fetches it with Maven)…"):
            status = server.start_server(settings)
    except TrialGraphError as e:
        _fail(e)
    console.print(
        f"Neo4j {status.version} running (pid {status.pid}) at {status.bolt_uri}; Browser {status.browser_url}"
    )
    if settings.neo4j_password is None:
        console.print(f"user neo4j, password in {settings.password_file}")


@server_app.command("stop")
def server_stop() -> None:
    """Stop the server this project started (by its recorded pid)."""
    try:
        stopped = server.stop_server(_settings())
    except TrialGraphError as e:
        _fail(e)
    console.print("Neo4j stopped" if stopped else "no TrialGraph Neo4j server was running")


@server_app.command("status")
def server_status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Say whether the local server runs, where, and which version."""
    status = server.server_status(_settings())
    data = {
        "running": status.running,
        "pid": status.pid,
        "bolt_uri": status.bolt_uri,
        "browser_url": status.browser_url,
        "version": status.version,
        "home": str(status.home),
    }
    if as_json:
        console.print_json(data=data)
        return
    _print_rows([data], "Neo4j server")
    if not status.running:
        raise typer.Exit(3)


@server_app.command("logs")
def server_logs(lines: Annotated[int, typer.Option("-n", help="How many lines.")] = 50) -> None:
    """Print the end of the server's log."""
    for line in server.server_logs(_settings(), lines):
        console.print(line, markup=False, highlight=False)


@app.command("browse")
def browse_command(
    open_page: Annotated[bool, typer.Option("--open", help="Also open the page in the default web browser.")] = False,
    show_password: Annotated[bool, typer.Option("--show-password", help="Print the password itself.")] = False,
) -> None:
    """Start the local server if needed and print Neo4j Browser's address and login; the guide opens on connect."""
    settings = _settings()
    if not settings.uses_local_server:
        console.print(f"TrialGraph uses {settings.neo4j_uri} (NEO4J_URI): open that server's Browser and log in as ")
        console.print(f"{settings.neo4j_user}; the guide is served by servers `trialgraph server start` runs.")
        return
    try:
        with console.status("starting Neo4j…"):
            status = server.start_server(settings)
        password = server.local_password(settings) if show_password else None
    except TrialGraphError as e:
        _fail(e)
    url = f"{status.browser_url}?connectURL={status.bolt_uri.replace('bolt://', 'neo4j://')}"
    console.print(f"Neo4j Browser: {url}", soft_wrap=True)
    where = "NEO4J_PASSWORD" if settings.neo4j_password is not None else str(settings.password_file)
    console.print(f"login: user {settings.neo4j_user}, password {password or f'in {where}'}", soft_wrap=True)
    guide = f"{status.browser_url}{browser.GUIDE_PATH}"
    console.print(f"TrialGraph's guide opens when you connect; to reopen it: :guide {guide}", soft_wrap=True)
    if open_page:
        import webbrowser

        webbrowser.open(url)


# ---------------------------------------------------------------- load / stats / query
def _report_table(report: LoadReport) -> Table:
    how = f"batch {report.batch_size}" if report.batch_size else "bulk import"  # the importer has no batches
    table = Table(title=f"load {report.source} ({report.seconds:.1f} s, {how})")
    columns = ["read", "accepted", "written", "unchanged", "superseded", "rejected"]
    if report.dangling:
        columns.append("dangling")
    for column in columns:
        table.add_column(column, justify="right")
    table.add_row(*(str(getattr(report, column)) for column in columns))
    return table


@app.command("load")
def load_command(
    source: Annotated[
        str, typer.Argument(help=f"Source name ({', '.join(source_names())}), or a first path to detect it.")
    ],
    paths: Annotated[list[Path] | None, typer.Argument(help="Files, folders or archives.", exists=False)] = None,
    batch_size: Annotated[int | None, typer.Option(help="Records per write transaction.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the load report as JSON.")] = False,
    bulk: Annotated[
        bool, typer.Option("--bulk", help="First load into an empty local graph with neo4j-admin import (fast).")
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="With --bulk: replace a graph that already holds data.")
    ] = False,
    allow_empty: Annotated[
        bool, typer.Option("--allow-empty", help="Exit 0 even when the paths hold nothing this source reads.")
    ] = False,
) -> None:
    """Load registry, vocabulary or publication files (idempotent; rejected input goes to a quarantine JSONL).

    ``trialgraph load PATH...`` without a source name detects each path's source from its content.
    """
    groups = _source_groups(source, paths or [])
    if bulk:
        if len(groups) != 1:
            _fail(TrialGraphError("--bulk loads one registry source at a time"))
        name, group = groups[0]
        try:
            with console.status(f"bulk-importing {name} (the server restarts)…"):
                report = bulk_load(name, group, replace=replace, settings=_settings())
        except TrialGraphError as e:
            _fail(e)
        if as_json:
            console.print_json(data=report.as_dict())
        else:
            console.print(_report_table(report))
        _refuse_empty([report], allow_empty)
        return
    reports: list[LoadReport] = []
    try:
        with (
            TrialGraph.connect() as tg,
            Progress(
                SpinnerColumn(),
                TextColumn("[bold]{task.description}"),
                BarColumn(bar_width=None),
                TextColumn("{task.fields[read]} read, {task.fields[rejected]} rejected"),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
                disable=as_json,
            ) as progress,
        ):
            for name, group in groups:
                task = progress.add_task(f"loading {name}", total=None, read=0, rejected=0)

                def tick(report: LoadReport, task: Any = task) -> None:
                    if report.read % 50 == 0:
                        progress.update(task, read=report.read, rejected=report.rejected)

                reports.append(tg.load(name, group, batch_size=batch_size, on_item=tick))
    except TrialGraphError as e:
        _fail(e)
    if as_json:
        data = [r.as_dict() for r in reports]
        console.print_json(data=data[0] if len(data) == 1 else data)
        _refuse_empty(reports, allow_empty)
        return
    for report in reports:
        console.print(_report_table(report))
        if report.quarantine_file:
            console.print(
                f"{report.rejected} rejected, {report.dangling} dangling references; "
                f"reasons in {report.quarantine_file}"
            )
    for identity in (r.identity for r in reports if r.identity is not None):
        if not (identity.moved or identity.ambiguous or identity.conflicts or identity.joined):
            continue
        console.print(
            f"identity: {identity.records} records (those the load wrote, with their groups) in "
            f"{identity.trials} trials; {identity.moved} regrouped, "
            f"{len(identity.ambiguous)} ambiguous claims not applied (see CLAIMS edges with ambiguous = true), "
            f"{len(identity.conflicts)} stated pairs contradicted by their records and not applied, "
            f"{identity.joined} pipeline candidates joined (trialgraph query identity_evidence)"
        )
    _refuse_empty(reports, allow_empty)


def _refuse_empty(reports: list[LoadReport], allow_empty: bool) -> None:
    """A load that read nothing is usually a wrong path or source name: say so and exit 1 (unless allowed).

    A load that quarantined whole files, or read a file that ends early (a cut download: its tail never read),
    exits 2 (``PARTIAL_LOAD``): what was read is in the graph, but a script must be able to tell that some
    input was not loaded.
    """
    empty = [r for r in reports if r.read == 0]
    if empty and not allow_empty:
        where = ", ".join(empty[0].files) or "the given paths"
        _fail(
            TrialGraphError(
                f"{empty[0].source}: nothing to load in {where} (no input this source reads); "
                "pass --allow-empty if that is expected"
            )
        )
    partial = [r for r in reports if r.partial]
    if partial:
        files = sum(r.files_quarantined for r in partial)
        cut = sum(r.files_truncated for r in partial)
        where = ", ".join(r.quarantine_file or "" for r in partial)
        err_console.print(
            f"[red]partial load:[/] {files} input file(s) could not be read and were quarantined, "
            f"{cut} ended early (nothing after the cut was read) ({where}); "
            f"the rest loaded (exit status {PARTIAL_LOAD})",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(PARTIAL_LOAD)


def _source_groups(source: str, paths: list[Path]) -> list[tuple[str, list[Path]]]:
    """(source, paths) in input order: a named source takes every path; otherwise each path is detected."""
    from trialgraph.loaders.detect import detect_source

    if source in source_names():
        if not paths:
            _fail(TrialGraphError(f"give the files to load: trialgraph load {source} PATH..."))
        return [(source, paths)]
    groups: dict[str, list[Path]] = {}
    try:
        for path in [Path(source), *paths]:
            groups.setdefault(detect_source(path), []).append(path)
    except TrialGraphError as e:
        if not Path(source).exists():
            _fail(TrialGraphError(f"unknown source or path {source!r}; sources: {', '.join(source_names())}"))
        _fail(e)
    return list(groups.items())


@app.command("update")
def update_command(
    source: Annotated[str, typer.Argument(help="The feed to follow: ctgov.")],
    since: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD; default: where the last completed update ended.")
    ] = None,
    query: Annotated[str | None, typer.Option(help="Only studies matching this search (API v2 query.term).")] = None,
    page_size: Annotated[int, typer.Option(help="Studies per API page (at most 1000).", min=1, max=1000)] = 1000,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be fetched; fetch nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Fetch the studies changed since the last update from ClinicalTrials.gov API v2 and load them.

    Resumable: a killed update continues from its last committed page when run again.
    """
    try:
        with TrialGraph.connect() as tg:
            plan = tg.plan_update(source, since=since, query=query)
            if dry_run:
                start = f"resuming run {plan.run_id} after {plan.pages_done} page(s)" if plan.resumed else "a new run"
                console.print(
                    f"would fetch CT.gov studies last updated {plan.since} .. {plan.until}"
                    f"{f' matching {plan.query!r}' if plan.query else ''} ({start}); first request:",
                )
                console.print(plan.first_request(page_size), markup=False, highlight=False, soft_wrap=True)
                return
            with console.status("fetching updated studies…") as status:
                report = tg.update(
                    plan,
                    page_size=page_size,
                    on_page=lambda r: status.update(f"{r.pages} page(s), {r.studies} studies fetched…"),
                )
    except TrialGraphError as e:
        _fail(e)
    if as_json:
        console.print_json(data=report.as_dict())
        return
    _print_rows([report.as_dict()], "update")


@app.command("stats")
def stats_command(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Nodes and relationships by label and type; trials by phase, status and registry."""
    try:
        with TrialGraph.connect() as tg:
            stats = tg.stats()
    except TrialGraphError as e:
        _fail(e)
    if as_json:
        console.print_json(data=stats)
        return
    for name, rows in stats.items():
        _print_rows(rows, name.replace("_", " "))


@link_app.callback(invoke_without_command=True)
def link_command(
    ctx: typer.Context,
    linker: Annotated[
        str,
        typer.Option(
            help="exact (names, synonyms), tfidf, tfidf+abbrev (mined short forms), tfidf+nested or "
            "tfidf+abbrev+nested (also the headings that shorter runs of the string's words name exactly, as NLM "
            "indexes); all but exact need build-index."
        ),
    ] = "exact",
    fields: Annotated[
        list[str] | None,
        typer.Option(
            "--fields",
            help="conditions (each distinct condition string), criteria (eligibility items), outcomes, summaries "
            "(records' brief summaries), abstracts (PubMed titles and abstracts), interventions (names and "
            "descriptions; a placebo or sham is read without text), adverse_events (reported terms), keywords "
            "(each distinct keyword, linked once and shared by every record listing it); free text is linked by the "
            "gazetteer + TF-IDF with negation and history cues (needs build-index; --linker does not apply).",
        ),
    ] = None,
    reranker: Annotated[
        str,
        typer.Option(
            help="none, minilm (the installed MiniLM, untuned) or an encoder folder (`link train-encoder`'s, or "
            "SapBERT): chooses among the TF-IDF candidates above the threshold (exact names first); it is part of "
            "the links' method version, so another choice re-links.",
        ),
    ] = "none",
    sources: Annotated[
        list[str] | None,
        typer.Option(
            "--sources",
            help="Only these registries' records (ctgov, ictrp, euctr, ctis, isrctn, anzctr; pubmed for abstracts), "
            "repeatable; others are left for a later run. A shared condition string or keyword is read when any "
            "record of a chosen registry holds it.",
        ),
    ] = None,
    candidates: Annotated[
        str | None,
        typer.Option(
            help="Mention candidates for prose fields beyond the gazetteer, comma-separated: noun-chunks[:PIPELINE] "
            "(a parser's noun chunks), ner:PIPELINE[#LABEL|LABEL] (a trained spaCy NER model's entities); each is "
            "kept only where the TF-IDF linker accepts it. Default: TRIALGRAPH_LINK_CANDIDATES, else none.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Link text in the graph to vocabulary concepts: condition strings (IS_CONCEPT edges keyed by linker) and
    eligibility items (MENTIONS edges with span, score and cues)."""
    if ctx.invoked_subcommand is not None:
        return
    chosen = fields or ["conditions"]
    unknown = sorted(set(chosen) - set(_LINK_FIELDS))
    if unknown:
        _fail(UnknownNameError(f"unknown field {unknown[0]!r}; known: {', '.join(_LINK_FIELDS)}"))
    reports: dict[str, Any] = {}
    try:
        scope = checked_scope(sources or None)  # the option not given: every registry
        with TrialGraph.connect() as tg:
            for name in _LINK_FIELDS:
                if name in chosen:
                    reports[name] = _LINK_FIELDS[name](tg, LinkRun(linker, reranker, scope, as_json, candidates))
    except TrialGraphError as e:
        _fail(e)
    if as_json:
        if list(reports) == ["conditions"]:
            console.print_json(data=reports["conditions"])
            return
        with TrialGraph.connect() as tg:
            reports["mentions_by_vocabulary"] = tg.mentions_by_vocabulary()
        console.print_json(data=reports)
    elif set(chosen) - {"conditions"}:
        with TrialGraph.connect() as tg:
            _print_rows(tg.mentions_by_vocabulary(), "free-text mentions in the graph, by field and vocabulary")


@dataclass(frozen=True, slots=True)
class LinkRun:
    """The options of one `trialgraph link` run that every field's linking takes."""

    linker: str
    reranker: str
    sources: list[str] | None
    quiet: bool
    candidates: str | None = None  # None: the settings' link_candidates


def _link_conditions(tg: TrialGraph, run: LinkRun) -> dict[str, Any]:
    with console.status(f"linking condition strings ({run.linker})…"):
        report = tg.link(run.linker, reranker=run.reranker, sources=run.sources)
    by_vocabulary = tg.condition_links_by_vocabulary()
    if not run.quiet:
        unlinked = 100 * report.unchanged / (report.read or 1)
        console.print(
            f"{report.written:,} of {report.read:,} condition strings linked to a concept; "
            f"{report.unchanged:,} without a decision ({unlinked:.1f}% unlinked; {report.seconds:.1f} s)"
        )
        _print_rows(by_vocabulary, "condition strings linked, per linker and vocabulary")
    return report.as_dict() | {
        "unlinked_rate": round(report.unchanged / (report.read or 1), 4),
        "by_vocabulary": by_vocabulary,
    }


def _link_text(field: str) -> Callable[[TrialGraph, LinkRun], dict[str, Any]]:
    """How `trialgraph link --fields FIELD` links one kind of free text (eligibility items, outcomes...)."""

    def link(tg: TrialGraph, run: LinkRun) -> dict[str, Any]:
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True, disable=run.quiet) as progress:
            task = progress.add_task(f"linking {field}…")

            def on_item(report: LoadReport) -> None:
                if report.read % 500 == 0:
                    progress.update(task, description=f"linking {field}… {report.read:,} read")

            report = tg.link_mentions(
                field, on_item=on_item, reranker=run.reranker, sources=run.sources, candidates=run.candidates
            )
        if not run.quiet:
            read = report.read or 1
            console.print(
                f"{field}: {report.written:,} of {report.read:,} read name a concept "
                f"({100 * report.unchanged / read:.1f}% unlinked); {report.rejected} skipped with a reason "
                f"({report.seconds:.1f} s)"
            )
        return report.as_dict()

    return link


# field name → how `trialgraph link --fields NAME` links it (in this order)
_LINK_FIELDS: dict[str, Callable[[TrialGraph, LinkRun], dict[str, Any]]] = {
    "conditions": _link_conditions,
    **{field: _link_text(field) for field in TEXT_FIELDS},
}


@link_app.command("build-index")
def link_build_index_command() -> None:
    """Build the TF-IDF linker's index from the concepts now in the graph, and mine the abbreviation dictionary
    from the records' titles, summaries and conditions (both under the state folder)."""
    try:
        with TrialGraph.connect() as tg:
            with console.status("building the linker index…"):
                manifest = tg.build_linker_index()
            folder = tg.linker_index_folder
    except TrialGraphError as e:
        _fail(e)
    versions = ", ".join(f"{k} {v}" for k, v in sorted(manifest.vocabulary_versions.items()))
    console.print(f"{manifest.concepts} concepts, {manifest.aliases} names in {folder} ({versions})")


@link_app.command("train-encoder")
def link_train_encoder_command(
    base: Annotated[str, typer.Option(help="Encoder to start from: minilm, or a sentence-transformers folder.")] = (
        "minilm"
    ),
    max_pairs: Annotated[int, typer.Option(help="Synonym pairs to train on (one per concept first).")] = 20_000,
    max_steps: Annotated[int, typer.Option(help="Stop after this many steps (-1: one epoch).")] = -1,
    batch_size: Annotated[int, typer.Option(help="Pairs per step (the other pairs are the negatives).")] = 32,
    seed: Annotated[int, typer.Option(help="Seed for the pair sample and training.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: <state>/models/linker-encoder).")] = None,
) -> None:
    """Fine-tune an encoder on the linker index's synonym pairs (self-alignment, as SapBERT) for the dense
    re-ranker: `trialgraph eval linking --reranker FOLDER` scores it. A GPU is used when present."""
    settings = _settings()
    target = out or settings.home / "models" / "linker-encoder"
    try:
        with console.status(f"training the linker encoder from {base}…"):
            card = train_linker_encoder(
                settings.home / "linker" / "tfidf", target, base=base, max_pairs=max_pairs, max_steps=max_steps,
                batch_size=batch_size, seed=seed,
            )  # fmt: skip
    except TrialGraphError as e:
        _fail(e)
    console.print(
        f"{card.pairs:,} pairs, {card.steps} steps on {card.device} in {card.seconds:.0f} s; loss "
        f"{card.first_loss} → {card.last_loss}; written to {target}"
    )


# ---------------------------------------------------------------- graph-RAG
@app.command("embed")
def embed_command(
    encoder: Annotated[str, typer.Option(help="A registered encoder (see trialgraph.models.encoders).")] = "minilm",
    target: Annotated[
        str,
        typer.Option(
            help="What to encode: records (registry records), publications (PubMed papers) or criteria "
            "(eligibility items)."
        ),
    ] = "records",
    batch_size: Annotated[int, typer.Option(min=1, max=10_000, help="Items read and written per batch.")] = 256,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Encode registry records (or, with --target publications, PubMed papers; with --target criteria, eligibility
    items) into a Neo4j vector index; only those whose text changed since the last run."""
    try:
        embedding_target(target)  # an unknown target is one line, before any connection or progress display
        with (
            TrialGraph.connect() as tg,
            Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TimeElapsedColumn(),
                console=err_console,
                disable=as_json,
            ) as progress,
        ):
            task = progress.add_task(f"embedding {target}", total=None)
            report = tg.embed(
                encoder,
                target=target,
                batch_size=batch_size,
                on_batch=lambda r: progress.update(
                    task, description=f"embedding: {r.read} read, {r.written} encoded", completed=r.read
                ),
            )
    except TrialGraphError as e:
        _fail(e)
    if as_json:
        console.print_json(data=report.as_dict())
        return
    console.print(
        f"{report.written} of {report.read} {target} encoded, {report.unchanged} unchanged ({report.seconds:.1f} s)"
    )


def _print_hits(hits: list[Any], as_json: bool, title: str) -> None:
    if as_json:
        console.print_json(data=[h.as_dict() for h in hits])
        return
    rows = [
        {
            "rank": i,
            "trial": h.trial_id,
            "record": h.record_id,
            "score": round(h.score, 4),
            "components": {k: round(v, 4) for k, v in h.components.items()},
        }
        for i, h in enumerate(hits, start=1)
    ]
    _print_rows(rows, title)


@app.command("search")
def search_command(
    text: Annotated[str, typer.Argument(help="What to look for: a question, a condition, a patient description.")],
    retriever: Annotated[
        str,
        typer.Option(
            help="fulltext (BM25), vector, hybrid (both, rank-fused), match (hybrid + age/sex), or criteria (best "
            "inclusion item; after `trialgraph embed --target criteria`)."
        ),
    ] = "hybrid",
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, max=1000)] = 10,
    encoder: Annotated[str, typer.Option(help="The encoder whose index to search.")] = "minilm",
    as_json: Annotated[bool, typer.Option("--json", help="Hits with their scores, Cypher and parameters.")] = False,
) -> None:
    """The trials that best match TEXT; --json adds the Cypher and parameters that found each one."""
    try:
        with TrialGraph.connect() as tg:
            hits = tg.search(text, retriever=retriever, top_k=top_k, encoder=encoder)
    except TrialGraphError as e:
        _fail(e)
    _print_hits(hits, as_json, f"{retriever} search")


@app.command("match")
def match_command(
    description: Annotated[str, typer.Argument(help="The patient, in words: age, sex, conditions, history.")],
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, max=1000)] = 10,
    encoder: Annotated[str, typer.Option(help="The encoder whose index to search.")] = "minilm",
    concepts: Annotated[
        bool,
        typer.Option(
            help="Also rank by the patient's linked condition concepts (needs `link build-index`; the linker's "
            "first load takes seconds and, on five vocabularies, about 3 GB)."
        ),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Hits, the patient facts read, and the exclusions.")] = False,
) -> None:
    """Trials a patient might enter: hybrid search fused with the trials whose conditions are the patient's linked
    condition concepts (after `link build-index`), then trials whose age or sex limits exclude the patient removed."""
    try:
        with TrialGraph.connect() as tg:
            found = tg.match_patient(description, top_k=top_k, encoder=encoder, concepts=concepts)
    except TrialGraphError as e:
        _fail(e)
    if as_json:
        console.print_json(data=found.as_dict())
        return
    patient = found.patient
    console.print(f"patient: age {patient.age_years or 'not stated'}, sex {patient.sex or 'not stated'}")
    if found.concepts is None:
        console.print(f"conditions as concepts: not used ({found.concepts_skipped})", markup=False, highlight=False)
    else:
        named = "; ".join(f"{text} ({curie})" for curie, text in found.concepts.items()) or "none found"
        console.print(f"conditions as concepts: {named}", markup=False, highlight=False)
    _print_hits(found.hits, False, "trials the patient might enter")
    if found.excluded:
        first_id, first_reason = found.excluded[0]
        console.print(f"{len(found.excluded)} retrieved trials left out by age or sex, e.g. {first_id}: {first_reason}")


@app.command("cypher-ask")
def cypher_ask_command(
    question: Annotated[str, typer.Argument(help="A question about trials, in plain words.")],
    model: Annotated[str, typer.Option(help="smollm2-135m, hf:DIR or openai:URL#MODEL.")] = "smollm2-135m",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Let a language model write one read-only Cypher query for a question; show the query and its rows."""
    try:
        with TrialGraph.connect() as tg:
            answer = tg.text2cypher(question, model=model)
    except TrialGraphError as e:
        _fail(e)
    if as_json:
        console.print_json(data=answer.as_dict())
        return
    console.print(answer.cypher, markup=False, highlight=False)
    _print_rows(answer.rows, f"rows{' (truncated)' if answer.truncated else ''}")


@app.command("ask")
def ask_command(
    question: Annotated[str, typer.Argument(help="A question about trials, in plain words.")],
    model: Annotated[str, typer.Option(help="A local model key (smollm2-135m), hf:DIR or openai:URL#MODEL.")] = (
        "smollm2-135m"
    ),
    retriever: Annotated[str, typer.Option(help="fulltext (no embeddings needed), vector or hybrid.")] = "fulltext",
    top_k: Annotated[int, typer.Option("--top-k", "-k", help="Trials retrieved as context.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Answer a question from the graph's trials with a language model, citing the trials it was shown."""
    try:
        with TrialGraph.connect() as tg:
            answer = tg.ask(question, model=model, retriever=retriever, top_k=top_k)
    except TrialGraphError as e:
        _fail(e)
    if as_json:
        console.print_json(data=answer.as_dict())
    else:
        console.print(answer.text or "(no answer)", highlight=False)
        shown = ", ".join(answer.context_trials) or "no trial found"
        made_by = f"model {answer.model} {answer.model_version}, prompt {answer.prompt_version}"
        console.print(f"\ncontext: {shown}; {made_by}", style="dim", highlight=False)
        if answer.unsupported:
            console.print(f"cited but not in the context: {', '.join(answer.unsupported)}", style="yellow")
    if answer.error:
        _fail(RuntimeError(f"the model failed: {answer.error}"))


@app.command("similar")
def similar_command(
    trial_id: Annotated[str, typer.Argument(help="A trial id in the graph, e.g. NCT00000102.")],
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, max=1000)] = 10,
    encoder: Annotated[str, typer.Option(help="The encoder whose index to search.")] = "minilm",
    as_json: Annotated[bool, typer.Option("--json", help="Hits with their scores, Cypher and parameters.")] = False,
) -> None:
    """The trials most like TRIAL_ID by their embeddings."""
    try:
        with TrialGraph.connect() as tg:
            hits = tg.similar(trial_id, top_k=top_k, encoder=encoder)
    except TrialGraphError as e:
        _fail(e)
    _print_hits(hits, as_json, f"trials like {trial_id}")


@app.command("serve")
def serve_command(
    port: Annotated[int | None, typer.Option(help="Port on 127.0.0.1 (default TRIALGRAPH_API_PORT, 8765).")] = None,
) -> None:
    """The read-only HTTP API on 127.0.0.1 (OpenAPI docs at /docs); TRIALGRAPH_API_TOKEN makes it ask for a token."""
    from trialgraph.http import HOST, create_app

    settings = _settings()
    try:
        import uvicorn

        with TrialGraph.connect(settings) as tg:
            app_ = create_app(tg)
            chosen = port or settings.api_port
            console.print(f"TrialGraph API on http://{HOST}:{chosen} (docs: /docs)")
            uvicorn.run(app_, host=HOST, port=chosen, log_level="warning")
    except ImportError:
        _fail(TrialGraphError("the HTTP API needs the [serve] extra: pip install 'trialgraph[serve]'"))
    except TrialGraphError as e:
        _fail(e)


@app.command("mcp")
def mcp_command() -> None:
    """An MCP server over stdio with the read-only operations as tools, for LLM agents."""
    from trialgraph.mcp_server import create_server

    try:
        with TrialGraph.connect(_settings()) as tg:
            create_server(tg).run("stdio")
    except TrialGraphError as e:
        _fail(e)


@app.command("dump")
def dump_command(
    path: Annotated[Path, typer.Argument(help="Where to write the dump (.jsonl.gz).")],
    ignore: Annotated[list[str] | None, typer.Option("--ignore", help="Another property to leave out.")] = None,
) -> None:
    """Write the whole graph as sorted lines without element ids, to compare two loads with `compare-dumps`."""
    try:
        with TrialGraph.connect() as tg:
            lines = tg.dump(path, ignored=ignore or ())
    except TrialGraphError as e:
        _fail(e)
    console.print(f"{lines} nodes and relationships written to {path}")


@app.command("compare-dumps")
def compare_dumps_command(
    first: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A dump written by `trialgraph dump`.")],
    second: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The dump to compare it with.")],
) -> None:
    """Compare two dumps; exits 1 and prints the differences by label or type when the graphs differ."""
    try:
        difference = compare_dumps(first, second)
    except (OSError, ValueError) as e:
        _fail(TrialGraphError(f"cannot compare the dumps: {e}"))
    if difference.identical:
        console.print("identical graphs")
        return
    first_only, second_only = difference.only_in_first, difference.only_in_second
    rows = [
        {"kind": kind, "only in first": first_only[kind], "only in second": second_only[kind]}
        for kind in sorted(set(first_only) | set(second_only))
    ]
    _print_rows(rows, "the graphs differ")
    for line in difference.examples:
        console.print(line, markup=False, highlight=False)
    raise typer.Exit(1)


@app.command("runs")
def runs_command(
    limit: Annotated[int, typer.Option(help="How many runs, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Load, link and update runs with status and counts (unfinished ones whose process died: interrupted)."""
    try:
        with TrialGraph.connect() as tg:
            rows = tg.runs(limit)
    except TrialGraphError as e:
        _fail(e)
    if as_json:
        console.print_json(data=rows)
    else:
        _print_rows(rows, "load runs")


@app.command("query")
def query_command(
    statement: Annotated[str | None, typer.Argument(help="A named query (see --list) or a Cypher statement.")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE (JSON values allowed).")] = None,
    list_queries: Annotated[bool, typer.Option("--list", help="List the named queries.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print rows as JSON.")] = False,
) -> None:
    """Run a read-only Cypher statement or a named query from the library, printed as a table."""
    if list_queries or statement is None:
        _print_rows([{"name": k, "description": v} for k, v in cypher.named_queries().items()], "named queries")
        return
    parameters: dict[str, Any] = {}
    for item in param or []:
        name, sep, raw = item.partition("=")
        if not sep:
            _fail(TrialGraphError(f"--param expects NAME=VALUE, got {item!r}"))
        parameters[name] = cypher.parse_value(raw)
    try:
        with TrialGraph.connect() as tg:
            named = statement in cypher.query_names()
            rows = tg.run_query(statement, **parameters) if named else tg.run_cypher(statement, **parameters)
    except TrialGraphError as e:
        _fail(e)
    if as_json:
        console.print_json(data=rows, default=str)
    else:
        _print_rows(rows)


# ---------------------------------------------------------------- eval
@eval_app.command("publinks")
def eval_publinks(
    pubmed: Annotated[
        list[Path] | None,
        typer.Option(help="PubMed XML files or folders (default: the shared data's pubmed/ folder)."),
    ] = None,
    labelled: Annotated[Path | None, typer.Option(help="Labelled id snippets CSV (default: the shipped set).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Precision and recall of the registry-id extractor: against MEDLINE DataBank entries and a labelled set."""
    from trialgraph.models.linking.publication_trial_ids import evaluate_publinks, labelled_set

    settings = _settings()
    if not pubmed:
        if settings.shared_data is None:
            _fail(TrialGraphError("give --pubmed PATH, or set TRIALGRAPH_SHARED_DATA to the shared data folder"))
        pubmed = [settings.shared_data / "pubmed"]  # type: ignore[operator]
    try:
        result = evaluate_publinks(pubmed, labelled or labelled_set())
    except TrialGraphError as e:
        _fail(e)
    figures = result.as_dict()
    if as_json:
        console.print_json(data=figures)
        return
    rows = []
    for name in ("databank", "labelled"):
        part = figures[name]
        rows.append({"evaluation": name, **{k: v for k, v in part.items() if k != "misses"}})
    _print_rows(rows, "registry-id extractor")
    for note in figures.get("notes", ()):
        console.print(f"- {note}", highlight=False)


@eval_app.command("identity")
def eval_identity(
    gold: Annotated[
        list[Path] | None,
        typer.Option(help="Gold pair tables (default: the shared data's stated cross-registrations)."),
    ] = None,
    split: Annotated[
        str, typer.Option(help="Gold pairs to judge: all, or the fixed-hash dev or test half (report on test).")
    ] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Coverage, then precision and recall (95% bootstrap intervals, n) of identity resolution in the current graph
    against registry-stated pairs, then examples of each error and the stated pairs identity evidence set aside."""
    from trialgraph.kg.identity import canonical_id, id_lookup, record_lookup
    from trialgraph.models.identity.evaluate import SPLITS, evaluate_identity, read_gold_pairs, split_of

    settings = _settings()
    if split not in SPLITS:
        _fail(TrialGraphError(f"--split must be one of {', '.join(SPLITS)}, got {split!r}"))
    if not gold:
        if settings.shared_data is None:
            _fail(TrialGraphError("give --gold PATH, or set TRIALGRAPH_SHARED_DATA to the shared data folder"))
        links = settings.shared_data / "links"  # type: ignore[operator]
        gold = [links / "registry_record_crossref_pairs.csv", links / "intovalue" / "registry-crossreg.csv"]
    try:
        pairs = [p for p in read_gold_pairs(gold) if split == "all" or split_of(p, canonical_id) == split]
        with TrialGraph.connect(settings) as tg:
            database = settings.neo4j_database
            lookups = id_lookup(tg.driver, database=database), record_lookup(tg.driver, database=database)
            result = evaluate_identity(pairs, lookups[0], canonical_id, lookups[1])
            conflicts = tg.run_query("identity_evidence", decision="conflict", limit=100_000)
    except (TrialGraphError, OSError) as e:
        _fail(e if isinstance(e, TrialGraphError) else TrialGraphError(f"cannot read the gold pairs: {e}"))
    flagged = [{k: row[k] for k in ("id_a", "id_b", "stated_by", "score", "reason")} for row in conflicts]
    figures = {"split": split, **result.as_dict(), "set_aside": len(flagged), "set_aside_examples": flagged[:10]}
    if as_json:
        console.print_json(data=figures)
        return
    _print_identity(figures)


def _print_identity(f: dict[str, Any]) -> None:
    """Coverage first (how much the figures rest on), then precision and recall, then the errors."""
    console.print(
        f"coverage ({f['split']} pairs): {f['judged_pairs']} of {f['gold_pairs']} gold pairs judgeable "
        f"({f['coverage']:.1%}), {f['both_loaded']} of them cross-registrations with both records loaded "
        f"(the pairs identity evidence can weigh); {f['uncovered_pairs']} uncovered (the graph does not know an id)",
        highlight=False,
    )
    for name, noun in (("precision", "pairs of gold ids put in one trial"), ("recall", "judged gold pairs")):
        low, high = f[f"{name}_ci"]
        console.print(f"{name} {f[name]:.3f} (95% CI {low:.3f}-{high:.3f}), n = {f[f'{name}_n']} {noun}",
                      highlight=False)  # fmt: skip
    console.print(f"false joins ({f['precision_fp']}):", highlight=False)
    for a, b, trial in f["false_joins"]:
        console.print(f"  {a} + {b} in trial {trial}", highlight=False)
    console.print(f"misses ({f['recall_fn']}):", highlight=False)
    for a, trial_a, b, trial_b in f["misses"]:
        console.print(f"  {a} (trial {trial_a}) apart from {b} (trial {trial_b})", highlight=False)
    console.print(f"stated pairs set aside by identity evidence ({f['set_aside']}):", highlight=False)
    for row in f["set_aside_examples"]:
        console.print(f"  {row['id_a']} + {row['id_b']} ({row['stated_by']}, score {row['score']}): {row['reason']}",
                      highlight=False)  # fmt: skip


@eval_app.command("retrieval")
def eval_retrieval(
    cohort: Annotated[
        list[Path] | None,
        typer.Option(help="Cohort folders (queries.jsonl, qrels.tsv); default: the shared SIGIR and TREC CT sets."),
    ] = None,
    trialsim: Annotated[
        Path | None, typer.Option(help="Trial2Vec TrialSim labels (default: the shared trialsim_shared.tsv).")
    ] = None,
    retriever: Annotated[list[str] | None, typer.Option(help="Retrievers to compare (default: all).")] = None,
    encoder: Annotated[str, typer.Option(help="The encoder whose index the vector retrievers use.")] = "minilm",
    papers: Annotated[
        bool,
        typer.Option(
            "--papers/--no-papers",
            help="Also paper → registered trial: the graph's linked papers, registry ids cut out, as queries.",
        ),
    ] = True,
    twins: Annotated[
        bool,
        typer.Option(
            "--twins/--no-twins",
            help="Also registry record → its twin in another registry: each record that states a loaded record's "
            "id registered elsewhere, ids cut out, its own registration's records left out of the search.",
        ),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Every retriever side by side, BM25 as the baseline: patient → trial (nDCG@10, P@10, R@100), trial →
    similar trials (precision@1, @5), paper → trial and record → its twin in another registry (MRR, recall@1,
    @10), with 95% bootstrap intervals."""
    settings = _settings()
    root = settings.shared_data / "benchmarks" / "trials" if settings.shared_data else None
    if not cohort:
        if root is None:
            _fail(TrialGraphError("give --cohort DIR, or set TRIALGRAPH_SHARED_DATA to the shared data folder"))
        from trialgraph.models.retrieval.evaluate import shared_cohort_folders

        cohort = shared_cohort_folders(settings.shared_data)  # type: ignore[arg-type]
    if trialsim is None and root is not None:  # the similarity task is optional without shared data
        trialsim = root / "trial2vec-trialsim" / "trialsim_shared.tsv"
    try:
        with TrialGraph.connect(settings) as tg, console.status("ranking every task's queries…"):
            figures = tg.evaluate_retrieval(
                cohort, trialsim=trialsim, retrievers=retriever, encoder=encoder, papers=papers, twins=twins
            )
    except TrialGraphError as e:
        _fail(e)
    data = [f.as_dict() for f in figures]
    if as_json:
        console.print_json(data=data)
        return

    def interval(mean: dict[str, Any]) -> str:
        return f"{mean['mean']:.3f} [{mean['ci'][0]:.2f}, {mean['ci'][1]:.2f}]"

    patient, similar = [], []
    known: dict[str, list[dict[str, Any]]] = {"paper_to_trial": [], "record_to_twin": []}
    for d in data:
        if d.get("task") in known:
            row = {"queries": d["queries"], "retriever": d["retriever"]}
            row["usable"] = f"{d['usable_queries']} of {d['candidate_queries']}"
            known[d["task"]].append(row | {m: interval(d[m]) if m in d else "-" for m in ("mrr", "r@1", "r@10")})
            continue
        if d.get("task") == "trial_similarity":
            row = {"retriever": d["retriever"], "usable lists": f"{d['usable_lists']} of {d['lists']}"}
            similar.append(row | {m: interval(d[m]) if m in d else "-" for m in ("p@1", "p@5")})
            continue
        row = {"cohort": d["cohort"], "retriever": d["retriever"], "queries": d["queries"]}
        row["judged in graph"] = d["judged_trials_in_graph"]
        for variant in ("all", "judged"):
            row |= {f"{metric} ({variant})": interval(mean) for metric, mean in d[variant].items()}
        patient.append(row)
    _print_rows(patient, "patient → trial (95% bootstrap intervals over queries)")
    if similar:
        _print_rows(similar, "trial → similar trials, Trial2Vec labels (95% bootstrap intervals over lists)")
    if known["paper_to_trial"]:
        title = "paper → registered trial, registry ids cut out (95% bootstrap intervals over queries)"
        _print_rows(known["paper_to_trial"], title)
    if known["record_to_twin"]:
        title = "registry record → its twin in another registry, ids cut out (95% bootstrap intervals over queries)"
        _print_rows(known["record_to_twin"], title)


@eval_app.command("linking")
def eval_linking(
    mesh: Annotated[
        list[Path] | None, typer.Option(help="MeSH files (default: the shared data's MeSH 2022 core).")
    ] = None,
    studies: Annotated[
        list[Path] | None,
        typer.Option(help="CT.gov files or folders (default: the shared v2 JSONL and the legacy XML subset)."),
    ] = None,
    field: Annotated[list[str] | None, typer.Option(help="conditions and/or interventions (default: both).")] = None,
    linker: Annotated[
        list[str] | None,
        typer.Option(help="exact, tfidf, tfidf+abbrev, tfidf+nested, tfidf+abbrev+nested (default: the first three)."),
    ] = None,
    bc5cdr: Annotated[
        list[Path] | None, typer.Option(help="BC5CDR PubTator files (default: the shared train and dev sets).")
    ] = None,
    ncbi: Annotated[
        list[Path] | None, typer.Option(help="NCBI Disease corpus files (default: the shared train and dev sets).")
    ] = None,
    benchmarks: Annotated[
        bool, typer.Option("--benchmarks/--no-benchmarks", help="Also score the linking corpora.")
    ] = True,
    reranker: Annotated[
        list[str] | None,
        typer.Option(
            help="Score the corpora once per re-ranker: none (TF-IDF alone), minilm (untuned) or an encoder "
            "folder (`trialgraph link train-encoder`'s, or SapBERT); each one but none is also compared with NLM as "
            "the linker tfidf+rerank:NAME (its choice among TF-IDF's candidates, as `link --reranker`). "
            "Default: none."
        ),
    ] = None,
    candidates: Annotated[
        list[str] | None,
        typer.Option(
            help="Score end to end once per mention-candidate spec: gazetteer (alone), or the gazetteer plus "
            "noun-chunks[:PIPELINE] and/or ner:PIPELINE[#LABELS], comma-separated (as `link --candidates`). "
            "Default: gazetteer.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Linkers against NLM's MeSH indexing of CT.gov conditions and interventions, and on BC5CDR and NCBI Disease
    normalisation accuracy (gold spans given) and end-to-end concepts per document (mentions found by the linker)."""
    settings = _settings()
    root = settings.shared_data
    if (not mesh or not studies or (benchmarks and not (bc5cdr or ncbi))) and root is None:
        _fail(TrialGraphError("give --mesh, --studies and corpora, or set TRIALGRAPH_SHARED_DATA to the shared data"))
    corpora = root / "benchmarks/linking" if root else Path()
    mesh = mesh or [root / "ontologies/mesh/mesh2022-core.nt.gz"]  # type: ignore[operator]
    studies = studies or [root / "ctgov/v2/studies.jsonl.gz", root / "ctgov/legacy/AllPublicXML-subset.zip"]  # type: ignore[operator]
    if benchmarks and not (bc5cdr or ncbi):
        bc5cdr = [corpora / f"bc5cdr/CDR_{split}Set.PubTator.txt" for split in ("Training", "Development")]
        ncbi = [corpora / f"ncbi-disease/NCBI{split}_corpus.txt" for split in ("trainset", "developset")]
    try:
        result = evaluate_linking(
            mesh,
            studies,
            fields=field or ("conditions", "interventions"),
            linkers=linker or ("exact", "tfidf", "tfidf+abbrev"),
            bc5cdr=(bc5cdr or []) if benchmarks else [],
            ncbi=(ncbi or []) if benchmarks else [],
            rerankers=reranker or ("none",),
            candidates=candidates or ("gazetteer",),
        )
    except TrialGraphError as e:
        _fail(e)
    figures = result.as_dict()
    if as_json:
        console.print_json(data=figures)
        return
    keep = ("linker", "field", "format", "items", "tp", "fp", "fn", "precision", "recall", "f1", "f1_ci")
    _print_rows([{k: f[k] for k in keep} for f in figures["nlm"]], "linkers vs NLM's direct browse terms")
    rows = [
        {
            "corpus": f["corpus"],
            "type": f["type"],
            "reranker": f["reranker"],
            "short forms": f["short_forms"],
            "rewritten": f["rewritten"],
            "mentions": f["accuracy@1"]["mentions"],
            "acc@1": f["accuracy@1"]["accuracy"],
            "acc@1 95% CI": f["accuracy@1"]["ci"],
            "acc@5": f["accuracy@5"]["accuracy"],
            "composite left out": f["composite_left_out"],
            "unreachable (OMIM)": f["unreachable"],
        }
        for f in figures["normalisation"]
    ]
    if rows:
        _print_rows(
            rows,
            "TF-IDF linker normalisation, gold spans (short forms as written, or by the long form "
            "their document defines: BioSyn/SapBERT's abbreviation step)",
        )
    keep = ("corpus", "type", "candidates", "items", "tp", "fp", "fn", "precision", "recall", "f1", "f1_ci")
    if figures["end_to_end"]:
        _print_rows(
            [{k: f[k] for k in (*keep, "unreachable")} for f in figures["end_to_end"]],
            "end to end (mention candidates + TF-IDF, no gold spans): concepts per document",
        )


@app.command("demo")
def demo_command(
    live: Annotated[bool, typer.Option("--live", help="Fetch studies from the live ClinicalTrials.gov API.")] = False,
    query: Annotated[str, typer.Option(help="Condition to search with --live.")] = "erectile dysfunction",
    max_studies: Annotated[int, typer.Option(help="Studies to fetch with --live.")] = 50,
) -> None:
    """Start the local server if none is configured, load a small real sample, and answer a few questions."""
    settings = _settings()
    try:
        if settings.uses_local_server:
            with console.status("starting Neo4j (the first start fetches it with Maven)…"):
                server.start_server(settings)
        with TrialGraph.connect(settings) as tg:
            with console.status("loading the demo studies…"):
                report = demo_module.load_demo(tg, live=live, query=query, max_studies=max_studies)
            console.print(_report_table(report))
            for name, rows in tg.stats().items():
                if name in ("count_trials", "trials_by_phase", "trials_by_status"):
                    _print_rows(rows, name.replace("_", " "))
            for question in demo_module.QUESTIONS:
                console.rule(question.text)
                console.print(cypher.describe(question.query).body, markup=False, highlight=False)
                _print_rows(tg.run_query(question.query, **question.parameters))
    except TrialGraphError as e:
        _fail(e)
    login = "password: NEO4J_PASSWORD" if settings.neo4j_password else f"password in {settings.password_file}"
    console.print(f"\nExplore the graph in Neo4j Browser: {settings.browser_url} (user {settings.neo4j_user}, {login})")
    console.print("TrialGraph's guide opens when you connect; `trialgraph browse` prints this again.")
