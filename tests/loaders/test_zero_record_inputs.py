"""Issue 18: a file that parses but holds no record is refused as a whole file, by every source that can meet one.

An empty file is refused before it is parsed (``tests/loaders/test_empty_inputs_all_sources.py``). A file that
parses cleanly and holds zero records (a CT.gov ``[]`` export or ``{"studies": []}`` page, an XML root with no
record element, an OBO header with no ``[Term]``, an OWL ontology with no class, N-Triples with no MeSH record)
used to load as "0 records" and exit 0. Now each is one ``whole_file`` entry ``no records: <what is missing>``
(``loaders/files.py``, ``no_records_entry``), so the load is ``partial`` and exits 2, and a good file read in the
same load yields exactly what it yields alone. A file whose reader yields anything (a record, a rejection, a
PubMed ``DeleteCitation``) gets no such entry.

JSON lines (CT.gov, EU CTR, CTIS, ISRCTN) cannot hold zero records once the empty-file check passed: a line with
content is a record or a rejected line. A CT.gov ``.xml`` file is one study, whatever its root (the parser
rejects what is not one). CSV/TSV sources have the header-only entry.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import neo4j
import pytest
from typer.testing import CliRunner

from tests.data import shared
from tests.graphcheck import value
from tests.loaders.test_empty_inputs_all_sources import GOOD
from trialgraph.cli import PARTIAL_LOAD, app
from trialgraph.loaders.base import discover
from trialgraph.loaders.files import NO_RECORDS, no_records_entry
from trialgraph.model.staged import Quarantined

XML = b'<?xml version="1.0" encoding="UTF-8"?>\n'
OBO_HEADER = b"format-version: 1.2\nontology: doid\n\n"
OWL_NO_CLASS = XML + (
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:owl="http://www.w3.org/2002/07/owl#">\n'
    b'  <owl:Ontology rdf:about="http://purl.obolibrary.org/obo/mondo.owl"/>\n'
    b"</rdf:RDF>\n"
)
NOT_MESH_TRIPLE = b'<http://example.org/thing> <http://www.w3.org/2000/01/rdf-schema#label> "not MeSH" .\n'
EUCTR_PREAMBLE = b"EU Clinical Trials Register\nThis file contains the trials found by the search.\n\n"

PUBMED_UNITS = "no <PubmedArticle>, <MedlineCitation> or <DeleteCitation> element"
MESH_XML_UNITS = "no <DescriptorRecord>, <QualifierRecord> or <SupplementalRecord> element"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


# (source, file name, content, what the reason says is missing, the origin's suffix when it is not the file)
CASES: list[tuple[str, str, bytes, str, str]] = [
    ("ctgov", "export.json", b"[]", "empty JSON array (no study)", ""),
    ("ctgov", "export.json.gz", _gz(b"[ ]\n"), "empty JSON array (no study)", ""),
    ("ctgov", "page.json", b'{"studies": [], "totalCount": 0}', 'empty "studies" list (no study)', ""),
    ("ctgov", "AllPublicXML.zip", _zip({"README.md": b"notes"}), "no .json or .xml member in the zip archive", ""),
    ("ctgov", "export.zip", _zip({"export.json": b"[]"}), "empty JSON array (no study)", "!export.json"),
    ("ictrp", "ICTRP-Results.xml", XML + b"<Trials_downloaded_from_ICTRP>\n</Trials_downloaded_from_ICTRP>\n",
     "no <Trial> element", ""),
    ("ictrp", "ICTRP-Results.xml.gz", _gz(XML + b"<Trials_downloaded_from_ICTRP/>\n"), "no <Trial> element", ""),
    ("anzctr", "anzctr.xml", XML + b"<ANZCTR_Trials>\n</ANZCTR_Trials>\n", "no <ANZCTR_Trial> element", ""),
    ("isrctn", "isrctn.xml", XML + b'<allTrials xmlns="http://www.67bricks.com/isrctn"/>\n',
     "no <fullTrial> element", ""),
    ("isrctn", "isrctn.json", b"[]\n", "empty JSON array (no trial)", ""),
    ("euctr", "euctr.txt", EUCTR_PREAMBLE, "no 'Summary' line starting a record", ""),
    ("pubmed", "medline.xml", XML + b"<PubmedArticleSet/>\n", PUBMED_UNITS, ""),
    ("pubmed", "medline.xml.gz", _gz(XML + b"<PubmedArticleSet>\n</PubmedArticleSet>\n"), PUBMED_UNITS, ""),
    ("pubmed", "citations.xml", XML + b"<MedlineCitationSet></MedlineCitationSet>\n", PUBMED_UNITS, ""),
    ("mesh", "desc2022.xml", XML + b'<DescriptorRecordSet LanguageCode="eng"/>\n', MESH_XML_UNITS, ""),
    ("mesh", "supp2022.xml.gz", _gz(XML + b"<SupplementalRecordSet>\n</SupplementalRecordSet>\n"), MESH_XML_UNITS, ""),
    ("mesh", "mesh2022.nt", NOT_MESH_TRIPLE, "no MeSH descriptor, qualifier or supplementary record subject", ""),
    ("obo", "doid.obo", OBO_HEADER, "no [Term] stanza", ""),
    ("obo", "ro.obo.gz", _gz(OBO_HEADER + b"[Typedef]\nid: part_of\nname: part of\n\n"), "no [Term] stanza", ""),
    ("owl", "mondo.owl", OWL_NO_CLASS, "no owl:Class", ""),
    ("owl", "mondo.owl.gz", _gz(OWL_NO_CLASS), "no owl:Class", ""),
]  # fmt: skip


def _read(source: str, paths: list[Path]) -> list[Any]:
    return list(discover().create(source).read(paths, load_run="zero-records"))


def _ctgov_good(path: Path) -> None:
    path.write_bytes(shared("ctgov/v2/studies/NCT00000410.json").read_bytes())


GOOD_FILES: dict[str, tuple[str, Callable[[Path], None]]] = {**GOOD, "ctgov": ("NCT00000410.json", _ctgov_good)}


@pytest.mark.parametrize(
    ("source", "name", "data", "missing", "member"), [pytest.param(*case, id=f"{case[0]}-{case[1]}") for case in CASES]
)
def test_a_file_with_zero_records_is_one_whole_file_entry(
    tmp_path: Path, source: str, name: str, data: bytes, missing: str, member: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert _read(source, [path]) == [Quarantined(f"{path}{member}", f"{NO_RECORDS}: {missing}", whole_file=True)]


@pytest.mark.parametrize(
    ("source", "name", "data", "missing", "member"), [pytest.param(*case, id=f"{case[0]}-{case[1]}") for case in CASES]
)
def test_a_good_file_beside_a_zero_record_one_yields_what_it_yields_alone(
    tmp_path: Path, source: str, name: str, data: bytes, missing: str, member: str
) -> None:
    good_name, write_good = GOOD_FILES[source]
    good = tmp_path / "good" / good_name
    good.parent.mkdir()
    write_good(good)
    alone = _read(source, [good])
    assert [item for item in alone if not isinstance(item, Quarantined)], "the good file yields records"
    assert not [item for item in alone if isinstance(item, Quarantined) and item.whole_file]
    empty = tmp_path / "empty" / name
    empty.parent.mkdir()
    empty.write_bytes(data)
    together = _read(source, [empty, good])
    assert together == [no_records_entry(f"{empty}{member}", missing), *alone]


def test_a_pubmed_file_of_deletions_only_is_not_empty(tmp_path: Path) -> None:
    """It carries deletions: they are its records, and the load applies them."""
    path = tmp_path / "medline_updates.xml"
    path.write_bytes(XML + b'<PubmedArticleSet><DeleteCitation><PMID Version="1">30000001</PMID>'
                     b"</DeleteCitation></PubmedArticleSet>\n")  # fmt: skip
    items = _read("pubmed", [path])
    assert [type(item).__name__ for item in items] == ["DeletedCitation"], items


def test_a_file_whose_only_record_is_rejected_gets_no_extra_entry(tmp_path: Path) -> None:
    """The rejection already says why nothing of the file loads: the file is not also called empty."""
    path = tmp_path / "doid.obo"
    path.write_bytes(OBO_HEADER + b"[Term]\nname: a term without an id\n\n")
    items = _read("obo", [path])
    assert items and all(isinstance(item, Quarantined) and not item.reason.startswith(NO_RECORDS) for item in items)


runner = CliRunner()


@pytest.mark.parametrize(
    ("source", "name", "data", "missing"),
    [
        pytest.param("ctgov", "export.json", b"[]", "empty JSON array (no study)", id="ctgov-json-array"),
        pytest.param("obo", "doid.obo", OBO_HEADER, "no [Term] stanza", id="obo-header-only"),
    ],
)
def test_a_zero_record_file_makes_the_cli_load_partial(
    graph: neo4j.Driver, tmp_path: Path, source: str, name: str, data: bytes, missing: str
) -> None:
    """Through the real CLI into the test graph: the good file loads, the empty one is quarantined, exit 2."""
    good_name, write_good = GOOD_FILES[source]
    good = tmp_path / "good" / good_name
    good.parent.mkdir()
    write_good(good)
    empty = tmp_path / name
    empty.write_bytes(data)

    result = runner.invoke(app, ["load", source, str(empty), str(good), "--json"])

    assert result.exit_code == PARTIAL_LOAD, result.output
    assert "partial load:" in result.output and "1 input file(s) could not be read" in result.output
    report = json.loads(result.stdout[result.stdout.find("{") :])
    assert report["files_quarantined"] == 1 and report["written"] > 0, report
    entries = [json.loads(line) for line in Path(report["quarantine_file"]).read_text("utf-8").splitlines()]
    assert [(e["file"], e["kind"], e["reason"]) for e in entries] == [(str(empty), "file", f"no records: {missing}")]
    assert value(graph, "MATCH (l:LoadRun {run_id: $id}) RETURN l.status", id=report["run_id"]) == "partial"
