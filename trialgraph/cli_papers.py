"""``trialgraph search-papers``: PubMed papers found by their text, each with the trials it is linked to.

A module of its own, registered in :mod:`trialgraph.cli` with ``app.command("search-papers")(search_papers)``,
so the paper → trial direction sits beside ``search`` without growing the main CLI file.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from trialgraph.api import TrialGraph
from trialgraph.errors import TrialGraphError
from trialgraph.kg.retrieval.publications import MAX_LIMIT, PublicationHit

__all__ = ["search_papers"]

console = Console()
err_console = Console(stderr=True)
_TITLE_CHARS = 80  # a table row per paper stays one line on a normal terminal


def _fail(error: Exception) -> None:
    err_console.print(f"[red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _cut(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= _TITLE_CHARS else text[: _TITLE_CHARS - 1].rstrip() + "…"


def _print_table(hits: list[PublicationHit]) -> None:
    if not hits:
        console.print("no publication matches")
        return
    table = Table(title="papers and their trials")
    for column in ("rank", "score", "pmid", "year", "title", "trials", "not loaded"):
        table.add_column(column)
    for rank, hit in enumerate(hits, start=1):
        table.add_row(
            str(rank),
            f"{hit.score:.4f}",
            hit.pmid or hit.key,
            str(hit.year or ""),
            _cut(hit.title),
            ", ".join(hit.trial_ids),
            ", ".join(hit.unloaded_trial_ids),
        )
    console.print(table)


def search_papers(
    text: Annotated[str, typer.Argument(help="Words of a paper's title or abstract.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=MAX_LIMIT, help="Papers to return.")] = 10,
    retriever: Annotated[
        str,
        typer.Option(
            help="fulltext (BM25, no embeddings needed), vector (after `trialgraph embed --target publications`) "
            "or hybrid (both, rank-fused)."
        ),
    ] = "fulltext",
    encoder: Annotated[str, typer.Option(help="The encoder whose paper index vector and hybrid use.")] = "minilm",
    as_json: Annotated[bool, typer.Option("--json", help="Papers with their trials, Cypher and parameters.")] = False,
) -> None:
    """PubMed papers that best match TEXT (BM25, vectors or both), each with the trials it is linked to and who
    states the link."""
    try:
        with TrialGraph.connect() as tg:
            hits = tg.search_publications(text, limit=limit, retriever=retriever, encoder=encoder)
    except TrialGraphError as e:
        _fail(e)
    if as_json:
        console.print_json(data=[h.as_dict() for h in hits])
    else:
        _print_table(hits)
