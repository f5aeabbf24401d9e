"""The CLI through typer's runner, against the real server: load, stats, query, demo, one-line errors."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import neo4j
import pytest
from typer.testing import CliRunner

from tests.data import shared
from trialgraph.cli import app
from trialgraph.demo import sample_path
from trialgraph.settings import get_settings

runner = CliRunner()


def _invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_load_stats_and_query(graph: neo4j.Driver) -> None:
    code, out = _invoke("load", "ctgov", str(shared("ctgov/v2/studies")), "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["read"] == 8 and report["accepted"] == 8 and report["rejected"] == 0

    code, out = _invoke("stats", "--json")
    assert code == 0, out
    stats = json.loads(out)
    assert stats["count_trials"] == [{"trials": 8, "records": 8}]
    assert sum(row["trials"] for row in stats["trials_by_phase"]) == 8
    assert {"label": "Trial", "count": 8} in stats["count_nodes_by_label"]
    assert stats["trials_by_registry"] == [
        {"source": "ctgov", "registry": "ClinicalTrials.gov", "trials": 8, "records": 8}
    ]

    code, out = _invoke("query", "trial_overview", "-p", "nct_id=NCT00901056", "--json")
    assert code == 0, out
    [row] = json.loads(out)
    assert row["nct_id"] == "NCT00901056" and row["phase"] == "PHASE1|PHASE2"

    code, out = _invoke("query", "MATCH (t:Trial) RETURN count(t) AS n", "--json")
    assert json.loads(out) == [{"n": 8}]

    code, out = _invoke("stats")
    assert code == 0 and "trials by phase" in out


def test_query_refuses_writes_in_one_line(graph: neo4j.Driver) -> None:
    code, out = _invoke("query", "CREATE (n:Intruder) RETURN n")
    assert code == 1
    assert out.startswith("error:") and "read" in out.lower() and "Traceback" not in out
    assert graph.execute_query("MATCH (n:Intruder) RETURN count(n) AS n").records[0]["n"] == 0


def test_bad_input_errors_are_one_line(graph: neo4j.Driver) -> None:
    code, out = _invoke("load", "ctgov", "/no/such/file.json")
    assert code == 1 and "no such file" in out and "Traceback" not in out
    code, out = _invoke("load", "nosuchsource", "x.json")
    assert code == 1 and "ctgov" in out and "Traceback" not in out
    code, out = _invoke("query", "no_such_named_query")
    assert code == 1 and "no_such_named_query" in out


def test_load_broken_files_reports_quarantine(graph: neo4j.Driver) -> None:
    code, out = _invoke("load", "ctgov", str(shared("ctgov/v2/broken")), "--json")
    # one of the broken files is a download cut short (SYNTHETIC-BROKEN_truncated_NCT00000410.json): partial, exit 2
    assert code == 2, out
    report, end = json.JSONDecoder().raw_decode(out)  # the report, then the one red line on stderr
    assert report["files_truncated"] == 1
    assert out[end:].strip().startswith("partial load:") and len(out[end:].strip().splitlines()) == 1
    assert report["read"] == report["accepted"] + report["rejected"]
    lines = Path(report["quarantine_file"]).read_text().splitlines()
    # PROVENANCE: 4 broken single files + 4 bad lines of the mixed JSONL (3 truncated, 4 empty, 5 [], 7 NCT123)
    assert len(lines) == report["rejected"] == 8
    assert report["read"] == 12 and report["accepted"] == 4


def test_server_errors_reach_the_user_as_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRIALGRAPH_HOME", str(tmp_path))
    monkeypatch.setenv("TRIALGRAPH_JAVA", "no-such-java-binary")
    monkeypatch.delenv("NEO4J_URI", raising=False)
    get_settings.cache_clear()
    try:
        code, out = _invoke("server", "start")
    finally:
        get_settings.cache_clear()
    assert code == 1
    assert out.strip().count("\n") == 0 and "Java not found" in out


def test_demo_end_to_end(graph: neo4j.Driver) -> None:
    code, out = _invoke("demo")
    assert code == 0, out
    assert "Browser" in out and "MATCH" in out
    with gzip.open(sample_path(), "rt", encoding="utf-8") as fh:
        studies = {json.loads(line)["protocolSection"]["identificationModule"]["nctId"] for line in fh}
    with sample_path("ictrp-demo.csv").open(encoding="utf-8", newline="") as fh:
        ictrp = [row["TrialID"] for row in csv.DictReader(fh)]
    ictrp_trial = next(i for i in ictrp if i.startswith("NCT"))  # the EU records name it: one trial, 3 records
    assert graph.execute_query("MATCH (t:Trial) RETURN count(t) AS n").records[0]["n"] == len(studies | {ictrp_trial})
    records = graph.execute_query(
        "MATCH (:Trial {trial_id: $id})<-[:RECORD_OF]-(r) RETURN count(r) AS n", id=ictrp_trial
    ).records[0]["n"]
    assert records == len(ictrp)
    # every example question got an answer table with rows, not "(no rows)"
    assert out.count("(no rows)") == 0


def test_bulk_refuses_a_graph_that_holds_data(graph: neo4j.Driver) -> None:
    code, out = _invoke("load", "ctgov", str(shared("ctgov/v2/studies")))
    assert code == 0, out
    code, out = _invoke("load", "ctgov", str(shared("ctgov/v2/studies")), "--bulk")
    assert code == 1 and "first loads" in out and "Traceback" not in out
    assert graph.execute_query("MATCH (t:Trial) RETURN count(t) AS n").records[0]["n"] == 8

    # --replace: the importer rebuilds the graph from these files alone (parsed by worker processes)
    legacy = shared("ctgov/legacy/aact/NCT00001177.xml")
    code, out = _invoke("load", "ctgov", str(legacy), "--bulk", "--replace")
    assert code == 0, out
    assert "bulk import" in out and "batch 0" not in out
    with graph.session() as session:  # a new database: execute_query's bookmarks belong to the old one
        trials = session.run("MATCH (t:Trial) RETURN collect(t.trial_id) AS ids").single()["ids"]
    assert trials == ["NCT00001177"]


def test_browse_prints_the_browser_address_and_login(neo4j_server) -> None:  # type: ignore[no-untyped-def]
    from trialgraph.kg import server

    code, out = _invoke("browse")
    assert code == 0, out
    flat = " ".join(out.split())
    assert (
        f"http://127.0.0.1:{neo4j_server.http_port}/browser/?connectURL=neo4j://127.0.0.1:{neo4j_server.bolt_port}"
        in flat
    )
    assert f"password in {neo4j_server.password_file}" in flat
    assert server.local_password(neo4j_server) not in flat  # only on request
    assert "/browser/trialgraph/guide.html" in flat

    code, out = _invoke("browse", "--show-password")
    assert code == 0 and server.local_password(neo4j_server) in out


def test_eval_publinks_prints_both_evaluations() -> None:
    code, out = _invoke("eval", "publinks", "--pubmed", str(shared("pubmed")), "--json")
    assert code == 0, out
    figures = json.loads(out)
    databank, labelled = figures["databank"], figures["labelled"]
    assert databank["records"] > 20 and labelled["rows"] > 80
    for part in (databank, labelled):
        assert part["tp"] + part["fn"] > 0
        assert part["precision"] == round(part["tp"] / (part["tp"] + part["fp"]), 4)
        assert part["recall"] == round(part["tp"] / (part["tp"] + part["fn"]), 4)
    assert databank["precision"] >= 0.95 and databank["recall_mentioned"] >= 0.95  # floors as in test_publinks
    assert labelled["precision"] >= 0.97 and labelled["recall"] >= 0.93


def test_eval_publinks_without_data_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRIALGRAPH_SHARED_DATA", raising=False)
    get_settings.cache_clear()
    try:
        code, out = _invoke("eval", "publinks")
    finally:
        get_settings.cache_clear()
    assert code == 1 and out.strip().startswith("error:") and len(out.strip().splitlines()) == 1


def test_load_detects_each_files_source_and_eval_identity(graph: neo4j.Driver) -> None:
    files = [
        shared("registries/ictrp/ictrp_full_export_sample.csv"),
        shared("registries/euctr/euctr_ctrdata_json.jsonl"),
        shared("registries/ctis/ctis_trials.jsonl"),
        shared("registries/isrctn/isrctn_trials_ctrdata_json.jsonl"),
    ]
    code, out = _invoke("load", *map(str, files), "--json")
    assert code == 0, out
    reports = json.loads(out)
    assert [r["source"] for r in reports] == ["ictrp", "euctr", "ctis", "isrctn"]
    assert all(r["read"] == r["accepted"] + r["rejected"] and r["written"] > 0 for r in reports)

    code, out = _invoke("eval", "identity", "--gold", str(shared("links/registry_record_crossref_pairs.csv")), "--json")
    assert code == 0, out
    figures = json.loads(out)
    assert figures["gold_pairs"] == 91 and figures["judged_pairs"] > 60
    assert figures["precision"] >= 0.95 and figures["recall"] >= 0.9
    assert list(figures)[:6] == ["split", "gold_pairs", "judged_pairs", "uncovered_pairs", "coverage", "both_loaded"]
    assert figures["recall_n"] == figures["judged_pairs"] and figures["precision_ci"][0] <= figures["precision"]

    code, text = _invoke("eval", "identity", "--gold", str(shared("links/registry_record_crossref_pairs.csv")))
    assert code == 0, text
    flat = " ".join(text.split())
    heads = ("coverage (all pairs)", "precision ", "recall ", "false joins (", "misses (", "stated pairs set aside")
    order = [flat.find(head) for head in heads]
    assert flat.startswith("coverage") and -1 not in order and order == sorted(order), text
    assert f"{figures['judged_pairs']} of 91 gold pairs judgeable" in flat

    code, out = _invoke("eval", "identity", "--split", "half")
    assert code == 1 and len(out.strip().splitlines()) == 1 and "--split" in out, out


def test_load_of_an_unknown_source_or_format_is_one_line(tmp_path: Path) -> None:
    code, out = _invoke("load", "no-such-source")
    assert code == 1 and "unknown source or path" in out and len(out.strip().splitlines()) == 1
    strange = tmp_path / "notes.txt"
    strange.write_text("nothing a registry would write\n")
    code, out = _invoke("load", str(strange))
    assert code == 1 and "cannot tell which source reads" in out and len(out.strip().splitlines()) == 1


def test_eval_linking_prints_figures_per_field_and_format_and_refuses_bad_input() -> None:
    mesh, studies = str(sample_path("mesh-demo.nt.gz")), str(sample_path())
    code, out = _invoke("eval", "linking", "--mesh", mesh, "--studies", studies, "--no-benchmarks", "--json")
    assert code == 0, out
    figures = json.loads(out)
    assert figures["normalisation"] == []
    assert {(f["linker"], f["field"], f["format"]) for f in figures["nlm"]} == {
        (linker, field, "ctgov-v2")
        for linker in ("exact", "tfidf", "tfidf+abbrev")  # every linker by default
        for field in ("conditions", "interventions")
    }
    for f in figures["nlm"]:
        assert f["items"] > 0 and f["tp"] + f["fn"] > 0 and f["resamples"] == 1000
        assert f["f1_ci"][0] <= f["f1"] <= f["f1_ci"][1]
    code, out = _invoke("eval", "linking", "--mesh", mesh, "--studies", studies, "--no-benchmarks", "--field", "x")
    assert code == 1 and "unknown field 'x'; known: conditions, interventions" in out
    code, out = _invoke("eval", "linking", "--mesh", "/nonexistent.nt", "--studies", studies, "--no-benchmarks")
    assert code == 1 and "no such file or folder: /nonexistent.nt" in out and "Traceback" not in out


def test_a_load_that_reads_nothing_says_so_and_exits_1_unless_allowed(graph: neo4j.Driver, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "README.md").write_text("not a study\n", encoding="utf-8")
    code, out = _invoke("load", "ctgov", str(notes))
    assert code == 1, out
    assert "ctgov: nothing to load in" in out and "pass --allow-empty if that is expected" in out
    assert "Traceback" not in out
    code, out = _invoke("load", "ctgov", str(notes), "--allow-empty", "--json")
    assert code == 0, out
    assert json.loads(out)["read"] == 0


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["trial_overview", "-p", "nct_id=9999999999999999999999999"], "nct_id must be of type string"),
        (["RETURN $n AS n", "-p", "n=9999999999999999999999999"], "n: 9999999999999999999999999 does not fit"),
    ],
)
def test_a_parameter_neo4j_cannot_take_is_one_line_not_a_traceback(
    graph: neo4j.Driver, args: list[str], said: str
) -> None:
    """``-p nct_id=9999...`` parses as an int beyond 64 bits, which the driver cannot send (it printed an
    OverflowError traceback): the CLI says why in one line and exits 1, for a named query and for Cypher."""
    result = runner.invoke(app, ["query", *args])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # an uncaught error is no SystemExit
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and said in lines[0], result.output
    assert "Traceback" not in result.output
