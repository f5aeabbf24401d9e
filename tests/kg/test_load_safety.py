"""The loaders' safety contract against the real server: one bad record or one bad file never costs the rest.

Every input is built at test time from real shared files: a CT.gov v2 record with one value blown up beside a
good sibling in the same batch, an ICTRP folder holding a truncated ``.csv.gz``, an EU CTR download re-encoded
as UTF-16.
"""

from __future__ import annotations

import copy
import csv
import gzip
import json
from pathlib import Path
from typing import Any

import neo4j
from typer.testing import CliRunner

from tests.data import shared
from tests.graphcheck import count
from tests.kg.test_load_semantics import _load, _record_facts
from trialgraph.cli import PARTIAL_LOAD, app
from trialgraph.model.keys import MAX_KEY_BYTES, bounded_key, normalise_key

runner = CliRunner()


def _study(nct: str) -> dict[str, Any]:
    return json.loads(shared(f"ctgov/v2/studies/{nct}.json").read_text(encoding="utf-8"))


def _entries(quarantine_file: str | None) -> list[dict[str, Any]]:
    assert quarantine_file, "nothing was quarantined"
    return [json.loads(line) for line in Path(quarantine_file).read_text(encoding="utf-8").splitlines()]


def _cli_load(*args: str) -> tuple[int, dict[str, Any], str]:
    result = runner.invoke(app, ["load", *args, "--json"])
    stdout = result.stdout
    return result.exit_code, json.loads(stdout) if stdout.strip().startswith("{") else {}, result.output


def test_a_record_neo4j_refuses_is_quarantined_alone_and_its_sibling_loads(graph: neo4j.Driver, tmp_path: Path) -> None:
    """A 10 kB MeSH id (an indexed property) fails its batch; bisection quarantines that record only."""
    original = _study("NCT00000410")
    first = tmp_path / "first"
    first.mkdir()
    (first / "NCT00000410.json").write_text(json.dumps(original), encoding="utf-8")
    _load(graph, [first], tmp_path / "q")
    stored_before = _record_facts(graph, "NCT00000410")

    bad = copy.deepcopy(original)
    bad["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2030-01-01", "type": "ACTUAL"}
    bad["derivedSection"]["conditionBrowseModule"]["meshes"][0]["id"] = "X" * 10_000
    second = tmp_path / "second"
    second.mkdir()
    (second / "NCT00000410.json").write_text(json.dumps(bad), encoding="utf-8")
    (second / "NCT00042536.json").write_text(json.dumps(_study("NCT00042536")), encoding="utf-8")

    report = _load(graph, [second], tmp_path / "q")  # one batch of 200 holds both

    assert (report.read, report.written, report.rejected) == (2, 1, 1)
    entries = _entries(report.quarantine_file)
    assert len(entries) == 1
    assert entries[0]["record"] == "ctgov:NCT00000410"
    assert entries[0]["file"] == str(second / "NCT00000410.json")
    reason = entries[0]["reason"]
    assert reason.startswith("Neo4j refused the record: ") and "\n" not in reason
    assert "too large to index" in reason and "mesh_term_id" in reason and "(Neo." in reason
    assert count(graph, "MATCH (t:Trial {trial_id: 'NCT00042536'}) RETURN count(t)") == 1
    # the refused update was rolled back as a unit: the stored older version is untouched
    assert _record_facts(graph, "NCT00000410") == stored_before
    stored = graph.execute_query(
        "MATCH (l:LoadRun {run_id: $id}) RETURN l.status AS s, l.rejected AS r", id=report.run_id
    )
    assert (stored.records[0]["s"], stored.records[0]["r"]) == ("completed", 1)


def test_over_long_keyword_condition_and_mesh_term_load_with_bounded_keys(graph: neo4j.Driver, tmp_path: Path) -> None:
    """Keys of indexed properties are cut to MAX_KEY_BYTES plus a hash; the whole text stays beside them."""
    study = _study("NCT00000410")
    keyword = "keyword " + "k" * 10_000  # 10 kB
    condition = "condition " + "c" * 10_000_000  # 10 MB
    mesh_term = "Term " + "m" * 10_000
    module = study["protocolSection"]["conditionsModule"]
    module["keywords"].append(keyword)
    module["conditions"].append(condition)
    study["derivedSection"]["conditionBrowseModule"]["meshes"].append({"id": "D000001", "term": mesh_term})
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "NCT00000410.json").write_text(json.dumps(study), encoding="utf-8")
    (folder / "NCT00042536.json").write_text(json.dumps(_study("NCT00042536")), encoding="utf-8")

    report = _load(graph, [folder], tmp_path / "q")

    assert (report.written, report.rejected) == (2, 0)
    for label, text in (("Keyword", keyword), ("Condition", condition)):
        rows = graph.execute_query(f"MATCH (n:{label} {{name: $t}}) RETURN n.key AS key", t=text).records
        assert len(rows) == 1
        key = rows[0]["key"]
        assert len(key.encode()) <= MAX_KEY_BYTES and key == normalise_key(text)
        assert key.startswith(normalise_key(text[:100])) and key != normalise_key(text[: len(key)])
    mesh = graph.execute_query("MATCH (m:MeshTerm {full_name: $t}) RETURN m.name AS name", t=mesh_term).records
    assert len(mesh) == 1 and len(mesh[0]["name"].encode()) <= MAX_KEY_BYTES
    # texts of ordinary length keep their key exactly as before (no change to existing graphs)
    assert count(graph, "MATCH (k:Keyword {key: 'leg pain', name: 'Leg pain'}) RETURN count(k)") == 1
    assert count(graph, "MATCH (m:MeshTerm {name: 'Back Pain'}) WHERE m.full_name IS NULL RETURN count(m)") == 1
    again = _load(graph, [folder], tmp_path / "q")  # the bounded keys are stable: a reload changes nothing
    assert (again.written, again.unchanged, again.rejected) == (0, 2, 0)
    assert count(graph, "MATCH (k:Keyword) WHERE k.name = $t RETURN count(k)", t=keyword) == 1


def _good_ictrp_csv(path: Path, rows: int = 20) -> int:
    """The header and the first ``rows`` records of the shared full-export sample."""
    source = shared("registries/ictrp/ictrp_full_export_sample.csv")
    with source.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.reader(handle))[: rows + 1]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(records)
    return rows


def test_a_truncated_gzip_in_an_ictrp_folder_is_quarantined_as_a_file(graph: neo4j.Driver, tmp_path: Path) -> None:
    folder = tmp_path / "ictrp"
    folder.mkdir()
    good = folder / "a_good.csv"
    _good_ictrp_csv(good)
    whole = gzip.compress(shared("registries/ictrp/ictrp_full_export_sample.csv").read_bytes())
    bad = folder / "b_truncated.csv.gz"
    bad.write_bytes(whole[:2000])
    later = folder / "c_good.csv"  # read after the bad one: it must load too
    with later.open("w", encoding="utf-8", newline="") as handle:
        source = shared("registries/ictrp/ictrp_full_export_sample.csv").open(encoding="utf-8-sig", newline="")
        with source:
            records = list(csv.reader(source))
        csv.writer(handle).writerows([records[0], *records[30:40]])

    code, report, output = _cli_load("ictrp", str(folder))

    assert code == PARTIAL_LOAD, output
    assert "partial load" in output
    assert report["files_quarantined"] == 1
    file_entries = [e for e in _entries(report["quarantine_file"]) if e.get("kind") == "file"]
    assert len(file_entries) == 1 and file_entries[0]["file"] == str(bad)
    assert "\n" not in file_entries[0]["reason"] and file_entries[0]["reason"]
    origins = [r["f"] for r in graph.execute_query("MATCH (r:RegistryRecord) RETURN r.source_file AS f").records]
    assert any(o.startswith(str(good)) for o in origins) and any(o.startswith(str(later)) for o in origins)
    assert all(o.startswith((str(good), str(later))) for o in origins)


def test_euctr_loads_the_good_file_beside_a_utf16_one(graph: neo4j.Driver, tmp_path: Path) -> None:
    good = shared("registries/euctr/euctr_fulltext_2021-002179-21_2022-002568-62.txt")
    bad = tmp_path / "utf16.txt"
    bad.write_text(good.read_text(encoding="utf-8"), encoding="utf-16")
    alone = _cli_load("euctr", str(good))
    assert alone[0] == 0, alone[2]
    before = count(graph, "MATCH (r:RegistryRecord) RETURN count(r)")
    assert before > 0

    code, report, output = _cli_load("euctr", str(bad), str(good))  # the bad file first: the good one still loads

    assert code == PARTIAL_LOAD, output
    assert report["files_quarantined"] == 1 and report["unchanged"] == alone[1]["accepted"]
    entries = _entries(report["quarantine_file"])
    files = [e for e in entries if e.get("kind") == "file"]
    assert [e["file"] for e in files] == [str(bad)] and "record" not in files[0]
    assert "utf-8" in files[0]["reason"].lower() and "\n" not in files[0]["reason"]
    assert all(e["file"].startswith(str(good)) for e in entries if e not in files)  # its own duplicate notes
    assert count(graph, "MATCH (r:RegistryRecord) RETURN count(r)") == before


def test_a_curated_pair_neo4j_refuses_costs_that_pair_only(graph: neo4j.Driver) -> None:
    """The pairs writer bisects like the others: a 10 kB trial id (an indexed key) is refused with Neo4j's message,
    and the other pairs of its batch land. (The readers never make such an id; the writer must not rely on it.)"""
    from trialgraph.kg.crossreg import PairWriter
    from trialgraph.kg.writer import LoadReport, WriteContext
    from trialgraph.loaders.base import discover
    from trialgraph.model.curated_pair import CuratedPair

    context = WriteContext(graph, discover().create("crossreg"), "run-1", 200, "neo4j")
    writer = PairWriter(context)
    report = LoadReport(run_id="run-1", source="crossreg", files=[], batch_size=200)
    pairs = [
        CuratedPair("NCT00000410", "EUCTR2004-000001-11", "test-source", ("column",), origin="pairs.csv:2"),
        CuratedPair("NCT00000411", "X" * 10_000, "test-source", ("column",), origin="pairs.csv:3"),
        CuratedPair("NCT00000412", "EUCTR2004-000002-22", "test-source", ("column",), origin="pairs.csv:4"),
    ]
    works = [work for pair in pairs for work in writer.add(pair, report)] + writer.close()
    outcomes = [work() for work in works]
    assert sum(o.written for o in outcomes) == 2
    (refused,) = [r for o in outcomes for r in o.refused]
    assert refused.origin == "pairs.csv:3" and refused.record_id.startswith("NCT00000411 = XXXX")
    assert refused.reason.startswith("Neo4j refused the record: ") and "\n" not in refused.reason
    stored = count(graph, "MATCH (:TrialId)-[s:SAME_TRIAL_AS {source: 'test-source'}]->(:TrialId) RETURN count(s)")
    assert stored == 2


def test_a_vocabulary_term_with_a_10_mb_label_loads_beside_its_siblings(graph: neo4j.Driver, tmp_path: Path) -> None:
    """A vocabulary's label is indexed (Concept.name): a 10 MB one must neither fail the batch nor cost the terms
    around it (a 10 kB synonym rides along: synonyms are in the full-text index only)."""
    label = "huge " + "h" * 10_000_000  # 10 MB
    synonym = "syn " + "s" * 10_000  # 10 kB
    obo = tmp_path / "tiny.obo"
    obo.write_text(
        "format-version: 1.2\ndata-version: tiny/2024-01-01\nontology: doid\n\n"
        "[Term]\nid: DOID:0000001\nname: first good disease\n\n"
        f'[Term]\nid: DOID:0000002\nname: {label}\nsynonym: "{synonym}" EXACT []\nis_a: DOID:0000001\n\n'
        "[Term]\nid: DOID:0000003\nname: second good disease\nis_a: DOID:0000001\n\n",
        encoding="utf-8",
    )
    code, report, output = _cli_load("obo", str(obo))
    assert code == 0, output
    assert "Traceback" not in output and report["rejected"] == 0
    names = {
        r["curie"]: (r["name"], r["full_name"])
        for r in graph.execute_query("MATCH (c:Concept) WHERE c.curie STARTS WITH 'DOID:' RETURN c.curie AS curie, "
                                     "c.name AS name, c.full_name AS full_name").records
    }  # fmt: skip
    # the indexed name is the bounded key registries use; the whole label stays beside it; other names are as written
    assert names == {
        "DOID:0000001": ("first good disease", None),
        "DOID:0000002": (bounded_key(label), label),
        "DOID:0000003": ("second good disease", None),
    }
    assert len(bounded_key(label).encode()) <= MAX_KEY_BYTES
    broader = count(graph, "MATCH (:Concept {curie: 'DOID:0000002'})-[:BROADER]->(:Concept {curie: 'DOID:0000001'}) "
                    "RETURN count(*)")  # fmt: skip
    assert broader == 1
    again, second, _ = _cli_load("obo", str(obo))  # a reload changes nothing
    assert again == 0 and (second["written"], second["rejected"]) == (0, 0)
    obo.write_text(obo.read_text(encoding="utf-8").replace(label, "a shorter name"), encoding="utf-8")
    code, _, output = _cli_load("obo", str(obo))  # a later release shortens the label: the whole one goes
    assert code == 0, output
    shortened = graph.execute_query(
        "MATCH (c:Concept {curie: 'DOID:0000002'}) RETURN c.name AS name, c.full_name AS full_name"
    ).records
    assert [(r["name"], r["full_name"]) for r in shortened] == [("a shorter name", None)]
