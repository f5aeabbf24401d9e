"""The malformed-input corpus of issue 18 through the real CLI, over one real base graph.

Each case (``tests/fixtures/malformed/make_corpus.py``) is a bad input made from real shared files. Loading it
over a small good graph (CT.gov v2 studies, ICTRP, EU CTR, DOID, MeSH, SSSOM) must give the case's exit status,
say why in one line (the error or ``partial load`` line, or the quarantine reason), never print a traceback,
and leave every node and relationship of the base as it was: a case that legitimately adds a record must add
it beside the base, never in place of any of it. The base is loaded once and reloaded only after such a case.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from typer.testing import CliRunner

from tests.data import shared_data_dir
from tests.fixtures.malformed.make_corpus import OUTPUT, Case, build_corpus, case_table
from tests.graphcheck import _NODE_HASHES, _REL_HASHES, _VOLATILE, shape, value
from trialgraph.api import TrialGraph
from trialgraph.cli import app
from trialgraph.settings import Settings

runner = CliRunner()
_HAS_NODE = "RETURN EXISTS { MATCH (n) WHERE $label IN labels(n) AND n[$key] = $value } AS found"


class BaseGraph:
    """The corpus folder, the base inputs and the base graph's hashes (kept to compare)."""

    def __init__(self, root: Path, base: list[tuple[str, list[Path]]], settings: Settings) -> None:
        self.root, self.base, self.settings = root, base, settings
        self.hashes: Counter[str] = Counter()
        self.shape: dict[str, int] = {}

    def reload(self, driver: neo4j.Driver) -> None:
        """Empty the graph and load the base again (after a case that legitimately added to it)."""
        with driver.session() as session:
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS").consume()
        with TrialGraph.connect(self.settings) as tg:
            for source, paths in self.base:
                report = tg.load(source, paths)
                assert report.read > 0 and not report.partial, (source, report.as_dict())
        self.hashes = _hashes(driver)
        self.shape = shape(driver)


def _hashes(driver: neo4j.Driver) -> Counter[str]:
    """Every node's and relationship's hash (labels or type, properties, ends), as a multiset."""
    with driver.session() as session:
        nodes = [f"n{r['h']}" for r in session.run(_NODE_HASHES, volatile=_VOLATILE)]
        rels = [f"r{r['h']}" for r in session.run(_REL_HASHES, volatile=_VOLATILE)]
    return Counter(nodes + rels)


@pytest.fixture(scope="module")
def base_graph(
    tmp_path_factory: pytest.TempPathFactory, neo4j_server: Settings, module_driver: neo4j.Driver
) -> Iterator[BaseGraph]:
    if not (shared_data_dir() / "ctgov").is_dir():
        pytest.skip(f"shared data not found: {shared_data_dir()} (set TRIALGRAPH_SHARED_DATA)")
    root = tmp_path_factory.mktemp("malformed")
    base, _ = build_corpus(root)
    graph = BaseGraph(root, base, neo4j_server)
    graph.reload(module_driver)
    yield graph


def _param(case: Case) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.name, marks=marks)


_LOG_RECORD = re.compile(r"^\[[^\]]*\]\s+(DEBUG|INFO|WARNING)\s")


def _message(stderr: str) -> list[str]:
    """The lines of stderr that are the CLI's own message: log records (a timestamped level, then lines indented
    under it, as the logging handler wraps them) are not the message, and are left out."""
    lines: list[str] = []
    in_record = False
    for line in stderr.splitlines():
        if _LOG_RECORD.match(line):
            in_record = True
        elif in_record and line.startswith(" " * 20):
            continue
        elif line.strip():
            in_record = False
            lines.append(line)
    return lines


def _has_node(driver: neo4j.Driver, node: str) -> bool:
    """Whether the graph holds the node ``Label:property=value``."""
    label, _, rest = node.partition(":")
    key, _, wanted = rest.partition("=")
    return bool(value(driver, _HAS_NODE, label=label, key=key, value=wanted))


def _reasons(stdout: str) -> list[str]:
    """The quarantine reasons of the load(s) the ``--json`` report on stdout names."""
    if not stdout.strip().startswith(("{", "[")):
        return []
    data = json.loads(stdout)
    reports = data if isinstance(data, list) else [data]
    reasons: list[str] = []
    for report in reports:
        if report.get("quarantine_file"):
            lines = Path(report["quarantine_file"]).read_text(encoding="utf-8").splitlines()
            reasons += [json.loads(line)["reason"] for line in lines]
    return reasons


def _graph_change(base_graph: BaseGraph, driver: neo4j.Driver, case: Case) -> tuple[int, int, list[str], str]:
    """(base items changed or removed, items added, the case's nodes found, label and type counts that moved);
    reloads the base when anything moved, so that one failing case does not fail the cases after it."""
    after = _hashes(driver)
    written = [node for node in case.writes if _has_node(driver, node)]
    removed, added = base_graph.hashes - after, after - base_graph.hashes
    if not (removed or added):
        return 0, 0, written, ""
    now = shape(driver)
    keys = sorted(set(now) | set(base_graph.shape))
    moved = [(k, base_graph.shape.get(k), now.get(k)) for k in keys if base_graph.shape.get(k) != now.get(k)]
    base_graph.reload(driver)
    return removed.total(), added.total(), written, f"; counts moved {moved}"


@pytest.mark.parametrize("case", [_param(case) for case in case_table()])
def test_a_malformed_input_says_why_in_one_line_and_leaves_the_base_graph_whole(
    case: Case, base_graph: BaseGraph, module_driver: neo4j.Driver
) -> None:
    result = runner.invoke(app, [*case.argv(base_graph.root), "--json"])
    removed, added, written, moved = _graph_change(base_graph, module_driver, case)

    message = _message(result.stderr)
    reasons = _reasons(result.stdout)
    observed = f"exit {result.exit_code}; stderr {message}; reasons {reasons[:3]}{moved}"
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert len(message) <= 1, observed
    assert all("\n" not in reason and reason for reason in reasons), observed
    if case.where == OUTPUT and case.expected:
        assert message and case.expected in message[0], observed
    elif case.where == OUTPUT:
        assert message == [], observed
    else:
        assert any(case.expected in reason for reason in reasons), observed
    assert result.exit_code == case.exit_status, observed
    assert not removed, f"{removed} base nodes or relationships changed or removed; {observed}"
    assert not added or case.writes, f"{added} nodes or relationships added or changed; {observed}"
    assert written == list(case.writes), f"{case.writes} not all written; {observed}"
