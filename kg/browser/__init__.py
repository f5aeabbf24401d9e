"""Neo4j Browser for TrialGraph: a guide built from the query library and a graph style, served by Neo4j.

Why inside Neo4j's own web server: Browser only fetches guides and styles from allow-listed hosts and,
across origins, only with CORS. Serving them from the Browser's own origin
(``http://127.0.0.1:7474/browser/trialgraph/``) needs neither a second server nor a CORS setup. Neo4j
serves ``/browser/`` from the ``browser/`` folder of the neo4j-browser jar on its classpath, so the
server runs with a copy of that jar that also holds our two files.
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
import zipfile
from importlib import resources
from pathlib import Path
from string import Template

from trialgraph.kg import cypher

__all__ = ["GUIDE_PATH", "STYLE_PATH", "build_browser_jar", "guide_html", "post_connect_command", "style_grass"]

GUIDE_PATH = "trialgraph/guide.html"  # under /browser/
STYLE_PATH = "trialgraph/trialgraph.grass"

# The guide's order: from "what is here" to the questions researchers ask. Queries not listed come last.
GUIDE_ORDER = (
    "trials_by_phase",
    "trials_by_status",
    "top_sponsors",
    "trials_for_condition",
    "trial_overview",
    "top_endpoints_for_condition",
    "enrollment_distribution",
    "top_exclusion_criteria",
    "sites_for_condition",
    "termination_reasons",
    "sponsor_pipeline",
    "adverse_events_for_intervention",
    "trial_publications",
    "shared_concepts",
)


def _asset(name: str) -> str:
    return resources.files("trialgraph.kg.browser").joinpath(name).read_text(encoding="utf-8")


def _params_command(doc: cypher.QueryDoc) -> str | None:
    """The ``:params`` command that sets the example's parameters, so a click runs the query as shown.

    Browser refuses a query while any parameter it uses is unset, so the ones the example leaves out are
    set to their header default, exactly as ``TrialGraph.run_query`` would.
    """
    if not doc.params:
        return None
    example = {name: cypher.parse_value(value) for name, value in doc.example_parameters().items()}
    values = doc.bind(example)
    return ":params " + json.dumps(values, ensure_ascii=False)


def _query_slide(doc: cypher.QueryDoc) -> str:
    parts = [f'<slide class="row-fluid">\n  <h3>{html.escape(doc.title)}</h3>', f"  <p>{html.escape(doc.purpose)}</p>"]
    if doc.params:
        items = "".join(
            f"<li><code>${html.escape(p.name)}</code> ({html.escape(p.type)}): {html.escape(p.description)}</li>"
            for p in doc.params
        )
        parts.append(f"  <ul>{items}</ul>")
    if (params := _params_command(doc)) is not None:
        parts.append("  <p>First set the parameters:</p>")
        parts.append(f'  <pre class="runnable">{html.escape(params)}</pre>')
        parts.append("  <p>then run the query:</p>")
    parts.append(f'  <pre class="runnable">{html.escape(doc.body)}</pre>')
    parts.append(f"  <p>From a shell: <code>{html.escape(doc.example)}</code></p>\n</slide>")
    return "\n".join(parts)


def guide_html() -> str:
    """The Browser guide: an introduction, then one slide per library query with its example parameters."""
    names = list(cypher.named_queries())
    rest = [n for n in names if n not in GUIDE_ORDER and n != "count_trials"]  # count_trials opens the guide
    ordered = [n for n in GUIDE_ORDER if n in names] + rest
    slides = "\n".join(_query_slide(cypher.describe(name)) for name in ordered)
    return Template(_asset("guide.html")).substitute(
        query_slides=slides, count_trials=html.escape(cypher.describe("count_trials").body)
    )


def style_grass() -> str:
    """Node colours and captions by label, in Browser's GraSS format."""
    return _asset("trialgraph.grass")


def post_connect_command(http_port: int) -> str:
    """``browser.post_connect_cmd``: apply the style and open the guide as soon as a user connects."""
    base = f"http://127.0.0.1:{http_port}/browser"
    return f"style {base}/{STYLE_PATH}; guide {base}/{GUIDE_PATH}"


def build_browser_jar(original: Path, target_dir: Path) -> Path:
    """A copy of the neo4j-browser jar that also serves the guide and style; rebuilt only when they change.

    Returns:
        The jar to put on the server's classpath (in ``target_dir``, which holds nothing else).
    """
    extras = {f"browser/{GUIDE_PATH}": guide_html(), f"browser/{STYLE_PATH}": style_grass()}
    digest = hashlib.sha256(original.name.encode())
    for name, text in sorted(extras.items()):
        digest.update(name.encode() + b"\0" + text.encode())
    target = target_dir / f"{original.stem}-trialgraph-{digest.hexdigest()[:12]}.jar"
    if target.exists():
        return target
    shutil.rmtree(target_dir, ignore_errors=True)
    target_dir.mkdir(parents=True)
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as jar:
        for item in source.infolist():
            if item.filename not in extras:
                jar.writestr(item, source.read(item))
        for name, text in extras.items():
            jar.writestr(name, text)
    partial.rename(target)
    return target
