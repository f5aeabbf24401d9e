"""Issue 18: a file with no record content is refused as a whole file, by every source, for every file kind.

A download that wrote nothing (zero bytes, only blank lines, a gzip stream of nothing or of blank lines) or a
CSV/TSV export with its header and no row used to meet each reader its own way: a JSONL, N-Triples, OBO or EU CTR
text reader yielded nothing (a load that "worked"), an XML parser rejected one record ("Start tag expected"), a
CSV reader said "not a known table: []". Now each is one ``whole_file`` quarantine entry whose reason starts
``empty file`` (so the load is ``partial`` and exits 2), and a good file read in the same load yields exactly what
it yields alone. Each source is read through its own ``read``, as the load loop reads it: no database needed.
CT.gov has its own, more detailed, empty-file reasons (``tests/loaders/test_ctgov_read.py``).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.data import REPO_ROOT, ictrp_export_with_target_sizes, shared
from trialgraph.loaders.base import discover
from trialgraph.model.staged import Quarantined

ZERO = "empty file"
BLANK = "empty file (whitespace only)"
GZIP_OF_NOTHING = "empty file (gzip stream of nothing)"
HEADER_ONLY = "empty file (header only, no rows)"

BLANK_TEXT = b"\n\n  \n"

ICTRP_HEADER = b"TrialID,Last_Refreshed_on,public_title\r\n"
COVID_HEADER = b"TrialID,Last Refreshed on,Public title,Source Register,Date registration3\r\n"
INTOVALUE_HEADER = b"id,registry,pmid,doi,has_iv_trn_abstract,has_iv_trn_secondary_id,has_iv_trn_ft,has_reg_pub_link\n"
ATC_HEADER = b"atc_code,atc_name,ddd,uom,adm_r,note\n"
ATC_COMBINATIONS_HEADER = b"atc_code,brand_name,dosage_form,ingredients,ddd_comb\n"
SSSOM_METADATA = b"# mapping_set_id: https://example.org/empty.sssom.tsv\n# license: https://example.org/cc0\n"
SSSOM_HEADER = SSSOM_METADATA + b"subject_id\tpredicate_id\tobject_id\tmapping_justification\n"

OBO = b"""format-version: 1.2
ontology: doid

[Term]
id: DOID:4
name: disease

[Term]
id: DOID:162
name: cancer
is_a: DOID:4 ! disease

"""


# --- good files: a few real records of each source ------------------------------------------------------------


def _copy(relative: str) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(shared(relative).read_bytes())


def _first_lines(relative: str, count: int) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(b"".join(shared(relative).read_bytes().splitlines(keepends=True)[:count]))


def _csv_head(relative: str, count: int) -> Callable[[Path], None]:
    """The header and the first ``count`` rows of a gzipped shared CSV (rows may span lines), written plain."""

    def write(path: Path) -> None:
        text = gzip.decompress(shared(relative).read_bytes()).decode("utf-8-sig")
        rows = list(zip(range(count + 1), csv.reader(io.StringIO(text, newline="")), strict=False))
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\n").writerows(row for _, row in rows)

    return write


def _xml_head(relative: str, end_tag: bytes, count: int, close: bytes) -> Callable[[Path], None]:
    """The first ``count`` records (up to their end tag) of a gzipped shared XML file, then the root's end tag."""

    def write(path: Path) -> None:
        data = gzip.decompress(shared(relative).read_bytes())
        at = 0
        for _ in range(count):
            at = data.index(end_tag, at) + len(end_tag)
        path.write_bytes(data[:at] + b"\n" + close + b"\n")

    return write


def _ictrp_csv(path: Path) -> None:
    ictrp_export_with_target_sizes(path, ["10", "20"])


GOOD: dict[str, tuple[str, Callable[[Path], None]]] = {
    "ictrp": ("good_export.csv", _ictrp_csv),
    "euctr": ("good.jsonl", _first_lines("registries/euctr/euctr_ctrdata_json.jsonl", 2)),
    "ctis": ("good.jsonl", _first_lines("registries/ctis/ctis_trials.jsonl", 2)),
    "isrctn": ("good.jsonl", _first_lines("registries/isrctn/isrctn_trials_ctrdata_json.jsonl", 2)),
    "anzctr": ("good.xml", _copy("registries/anzctr/SYNTHETIC_anzctr_trials.xml")),
    "pubmed": (
        "good.xml",
        _xml_head(
            "pubmed/KerstenDoering_PubMedPortable/medline_00000000.xml.gz",
            b"</PubmedArticle>",
            3,
            b"</PubmedArticleSet>",
        ),
    ),
    "intovalue": ("good_trials.csv", _csv_head("links/intovalue/trials.csv.gz", 40)),
    "crossreg": ("good_pairs.csv", _copy("links/intovalue/registry-crossreg.csv")),
    "mesh": ("qual2022.xml", _copy("ontologies/mesh/xml/qual-samples.xml")),
    "obo": ("good.obo", lambda path: path.write_bytes(OBO)),
    "owl": ("good.owl", _copy("ontologies/mondo/mondo_import.covoc-2022-10-26.owl")),
    "atc": (
        "WHO_ATC-DDD_2020-01-01.csv",
        lambda path: path.write_bytes((REPO_ROOT / "tests/fixtures/ontology/WHO_ATC-DDD_2020-01-01.csv").read_bytes()),
    ),
    "sssom": ("good.sssom.tsv", _copy("ontologies/mondo/sssom/mondo_narrowmatch_mesh.sssom.tsv")),
}
"""Per source: a good file's name and how to write it (a file the source reads without a quarantine entry)."""


# --- the empty files: every file kind each source accepts -----------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One file kind a source reads: the name it goes by, and its header when it is CSV/TSV."""

    source: str
    name: str
    header: bytes | None = None


KINDS = [
    Kind("ictrp", "ictrp_export.csv", ICTRP_HEADER),
    Kind("ictrp", "ictrp_export.csv.gz"),
    Kind("ictrp", "covid19.csv", COVID_HEADER),
    Kind("ictrp", "ICTRP-Results.xml"),
    Kind("euctr", "euctr.txt"),
    Kind("euctr", "euctr.jsonl"),
    Kind("euctr", "euctr.ndjson"),
    Kind("ctis", "ctis.jsonl"),
    Kind("ctis", "ctis.ndjson"),
    Kind("isrctn", "isrctn.jsonl"),
    Kind("isrctn", "isrctn.ndjson"),
    Kind("isrctn", "isrctn.json"),
    Kind("isrctn", "isrctn.xml"),
    Kind("anzctr", "anzctr.xml"),
    Kind("pubmed", "medline.xml"),
    Kind("pubmed", "medline.xml.gz"),
    Kind("intovalue", "trials.csv", INTOVALUE_HEADER),
    Kind("intovalue", "trials.csv.gz"),
    Kind("crossreg", "registry-crossreg.csv", b"id,crossreg_registry,crossreg_trn\n"),
    Kind("crossreg", "cross-registrations.csv", b"id,pmid,doi,crossreg_trn,is_crossreg_secondary_id\n"),
    Kind("crossreg", "pipeline.csv", b"trn1,trn2,trn1inreg2,trn2inreg1,priority\n"),
    Kind("crossreg", "pairs.csv.gz"),
    Kind("mesh", "mesh2022.nt"),
    Kind("mesh", "mesh2022.nt.gz"),
    Kind("mesh", "desc2022.xml"),
    Kind("mesh", "supp2022.xml.gz"),
    Kind("obo", "doid.obo"),
    Kind("obo", "hp.obo.gz"),
    Kind("owl", "mondo.owl"),
    Kind("owl", "mondo.owl.gz"),
    Kind("owl", "mondo.rdf"),
    Kind("owl", "mondo.owx"),
    Kind("atc", "WHO_ATC-DDD_2021-01-01.csv", ATC_HEADER),
    Kind("atc", "WHO_ATC-DDD-combinations_2020-01-01.csv", ATC_COMBINATIONS_HEADER),
    Kind("sssom", "empty.sssom.tsv", SSSOM_HEADER),
    Kind("sssom", "empty.sssom.tsv.gz", SSSOM_HEADER),
]

CONTENTS: dict[str, tuple[Callable[[Kind], bytes], str]] = {
    "zero-bytes": (lambda kind: b"", ZERO),
    "whitespace": (lambda kind: BLANK_TEXT, BLANK),
    "bom-and-whitespace": (lambda kind: b"\xef\xbb\xbf \t\r\n", BLANK),
    "gzip-of-nothing": (lambda kind: gzip.compress(b"", mtime=0), GZIP_OF_NOTHING),
    "gzip-of-whitespace": (lambda kind: gzip.compress(BLANK_TEXT, mtime=0), BLANK),
    "header-only": (lambda kind: _maybe_gzip(kind, kind.header or b""), HEADER_ONLY),
    "header-and-blank-lines": (lambda kind: _maybe_gzip(kind, (kind.header or b"") + b"\n\n"), HEADER_ONLY),
}
"""Content name → (the file's bytes for a kind, the exact reason expected)."""


def _maybe_gzip(kind: Kind, data: bytes) -> bytes:
    return gzip.compress(data, mtime=0) if kind.name.endswith(".gz") else data


CASES = [
    pytest.param(kind, content, id=f"{kind.source}-{kind.name}-{content}")
    for kind in KINDS
    for content in CONTENTS
    if kind.header is not None or not content.startswith("header")
]


def _read(source: str, paths: list[Path]) -> list[Any]:
    return list(discover().create(source).read(paths, load_run="empty-inputs"))


@pytest.mark.parametrize(("kind", "content"), CASES)
def test_a_file_without_record_content_is_one_whole_file_entry(tmp_path: Path, kind: Kind, content: str) -> None:
    """Exactly one entry, for the file, whole, with the one-line reason: not a record rejection, not silence."""
    make, reason = CONTENTS[content]
    path = tmp_path / kind.name
    path.write_bytes(make(kind))
    assert _read(kind.source, [path]) == [Quarantined(str(path), reason, whole_file=True)]


@pytest.mark.parametrize(("kind", "content"), CASES)
def test_a_good_file_beside_an_empty_one_yields_what_it_yields_alone(tmp_path: Path, kind: Kind, content: str) -> None:
    make, reason = CONTENTS[content]
    good_name, write_good = GOOD[kind.source]
    good = tmp_path / "good" / good_name
    good.parent.mkdir()
    write_good(good)
    alone = _read(kind.source, [good])
    assert [item for item in alone if not isinstance(item, Quarantined)], "the good file yields records"
    assert not [item for item in alone if isinstance(item, Quarantined) and item.whole_file]
    empty = tmp_path / "empty" / kind.name
    empty.parent.mkdir()
    empty.write_bytes(make(kind))
    together = _read(kind.source, [empty, good])
    assert together == [Quarantined(str(empty), reason, whole_file=True), *alone]


def test_a_sssom_file_of_metadata_only_is_an_empty_file(tmp_path: Path) -> None:
    """No header row, no mapping: the file is refused whole (it used to be one record-level line)."""
    path = tmp_path / "meta.sssom.tsv"
    path.write_bytes(SSSOM_METADATA)
    assert _read("sssom", [path]) == [
        Quarantined(str(path), "empty file (no header row: metadata only)", whole_file=True)
    ]


ONE_ROW = {
    "crossreg": ("pairs.csv", b"id,crossreg_registry,crossreg_trn\nNCT00056056,EudraCT,2004-003701-24\n"),
    "sssom": ("one.sssom.tsv", SSSOM_HEADER + b"MONDO:0000001\tskos:exactMatch\tDOID:4\tsemapv:ManualMapping\n"),
    "atc": ("WHO_ATC-DDD_2020-01-01.csv", ATC_HEADER + b"A,ALIMENTARY TRACT AND METABOLISM,,,,\n"),
}


@pytest.mark.parametrize("source", sorted(ONE_ROW))
def test_a_header_with_one_row_is_not_an_empty_file(tmp_path: Path, source: str) -> None:
    """The header-only check counts rows, not lines: one data row after the header is a table with content."""
    name, data = ONE_ROW[source]
    path = tmp_path / name
    path.write_bytes(data)
    items = _read(source, [path])
    assert len(items) == 1 and not isinstance(items[0], Quarantined), items
