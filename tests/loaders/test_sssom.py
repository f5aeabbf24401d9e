"""SSSOM parser: row counts, predicates and justifications checked against the files read with csv."""

from __future__ import annotations

import csv
import gzip
import io
import re
from functools import cache
from pathlib import Path

import pytest

from tests.data import REPO_ROOT, shared
from trialgraph.errors import SourceError
from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.concepts.source import VocabularyItem
from trialgraph.loaders.sssom.loader import SssomSource
from trialgraph.loaders.sssom.parse import parse_sssom, read_metadata
from trialgraph.model.concept import MAPPING_ROWS_UNGROUPED, MAPPING_SET_WARNING, MappingRecord, Rejected, curie

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "ontology"
SSSOM = "ontologies/mondo/sssom"
# Row counts stated in ontologies/PROVENANCE.md.
PROVENANCE_COUNTS = {
    "mondo_exactmatch_mesh.sssom.tsv": 8_181,
    "mondo_exactmatch_doid.sssom.tsv": 11_966,
    "mondo_exactmatch_ncit.sssom.tsv": 7_304,
    "mondo_exactmatch_icd10cm.sssom.tsv": 2_038,
    "mondo_exactmatch_icd11.foundation.sssom.tsv": 4_633,
    "mondo_exactmatch_omim.sssom.tsv": 10_045,
    "mondo_exactmatch_orphanet.sssom.tsv": 9_785,
    "mondo_exactmatch_efo.sssom.tsv": 2_399,
    "mondo_exactmatch_umls.sssom.tsv.gz": 21_660,
    "mondo_hasdbxref_mesh.sssom.tsv": 8_211,
    "mondo_broadmatch_mesh.sssom.tsv": 2,
    "mondo_narrowmatch_mesh.sssom.tsv": 1,
    "mondo_relatedmatch_mesh.sssom.tsv": 11,
}


@cache
def _parsed(name: str) -> tuple[VocabularyItem, ...]:
    return tuple(parse_sssom(shared(f"{SSSOM}/{name}")))


def _csv_rows(name: str) -> list[dict[str, str]]:
    path = shared(f"{SSSOM}/{name}")
    with gzip.open(path, "rt", encoding="utf-8") if name.endswith(".gz") else path.open(encoding="utf-8") as handle:
        return list(csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"))


def _normal(value: str) -> str:
    return curie(*value.split(":", 1))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PROVENANCE_COUNTS))
def test_one_mapping_per_row(name: str) -> None:
    mappings = [item for item in _parsed(name) if isinstance(item, MappingRecord)]
    assert len(mappings) == len(_csv_rows(name)) == PROVENANCE_COUNTS[name]
    assert not [item for item in _parsed(name) if isinstance(item, Rejected)]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["mondo_exactmatch_doid.sssom.tsv", "mondo_hasdbxref_mesh.sssom.tsv", "mondo_exactmatch_umls.sssom.tsv.gz"]
)
def test_rows_keep_predicate_justification_and_labels(name: str) -> None:
    mappings = [item for item in _parsed(name) if isinstance(item, MappingRecord)]
    for row, mapping in list(zip(_csv_rows(name), mappings, strict=True))[:: max(1, len(mappings) // 50)]:
        assert (mapping.subject, mapping.predicate, mapping.object) == (
            _normal(row["subject_id"]),
            row["predicate_id"],
            _normal(row["object_id"]),
        )
        assert mapping.justification == row["mapping_justification"]
        assert mapping.subject_label == (row["subject_label"] or None)
        assert mapping.object_label == (row.get("object_label") or None)


def test_metadata_header_is_read() -> None:
    name = "mondo_exactmatch_doid.sssom.tsv"
    header = shared(f"{SSSOM}/{name}").read_text("utf-8").split("\nsubject_id", 1)[0]
    set_id = re.search(r"^# mapping_set_id: (\S+)", header, re.M)
    assert set_id
    metadata = read_metadata(shared(f"{SSSOM}/{name}"))
    assert metadata.mapping_set_id == set_id.group(1)
    assert metadata.license == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert metadata.curie_map["DOID"] == "http://purl.obolibrary.org/obo/DOID_"
    assert metadata.raw["object_source"] == "infores:disease-ontology"
    mapping = next(item for item in _parsed(name) if isinstance(item, MappingRecord))
    assert mapping.mapping_set == set_id.group(1)
    assert mapping.extra["mapping_set_version"] == metadata.mapping_set_version


def test_mesh_prefix_spelling_is_unified() -> None:
    mappings = [item for item in _parsed("mondo_broadmatch_mesh.sssom.tsv") if isinstance(item, MappingRecord)]
    assert {m.object.split(":")[0] for m in mappings} == {"MESH"}  # the file writes "mesh:"
    assert {m.predicate for m in mappings} == {"skos:broadMatch"}


def test_fixture_bad_rows_are_rejected_with_their_line_and_the_rest_loads() -> None:
    items = list(parse_sssom(FIXTURES / "bad.sssom.tsv"))
    mappings = [item for item in items if isinstance(item, MappingRecord)]
    rejected = {item.origin: item.reason for item in items if isinstance(item, Rejected)}
    assert [(m.subject, m.object, m.confidence) for m in mappings] == [
        ("MONDO:0000001", "DOID:4", 0.9),
        ("MONDO:0000005", "MESH:D000001", None),
    ]
    assert mappings[0].extra["comment"] == "good row"
    assert mappings[0].mapping_set == "https://example.org/bad.sssom.tsv"
    assert rejected == {
        "bad.sssom.tsv:9": "expected 8 columns, got 4",
        "bad.sssom.tsv:10": "empty predicate_id",
        "bad.sssom.tsv:11": "confidence 'high' is not a number",
        "bad.sssom.tsv:14": "malformed identifier 'https://example.org/x': not a CURIE",
    }


def test_broken_metadata_and_missing_columns(tmp_path: Path) -> None:
    bad_yaml = tmp_path / "a.sssom.tsv"
    bad_yaml.write_text("# curie_map: [unclosed\nsubject_id\tpredicate_id\tobject_id\nA:1\tskos:exactMatch\tB:2\n")
    items = list(parse_sssom(bad_yaml))
    assert isinstance(items[0], Rejected) and "not YAML" in items[0].reason
    assert isinstance(items[1], MappingRecord) and items[1].mapping_set == "a.sssom.tsv"
    no_object = tmp_path / "b.sssom.tsv"
    no_object.write_text("subject_id\tpredicate_id\nA:1\tskos:exactMatch\n")
    [item] = parse_sssom(no_object)
    assert isinstance(item, Rejected) and "object_id" in item.reason


def test_source_is_registered_and_a_missing_path_is_a_source_error(tmp_path: Path) -> None:
    assert isinstance(SOURCES.create("sssom"), SssomSource)
    assert sum(isinstance(i, MappingRecord) for i in SssomSource().read([FIXTURES])) == 2
    with pytest.raises(SourceError):
        SssomSource().read([tmp_path / "nope.sssom.tsv"])


# ------------------------------------------------------------------ a file cut short (issue 18: whole rows only)

CUT_SOURCE = "mondo_relatedmatch_mesh.sssom.tsv"


def _row_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of each record after the metadata block, header first, found with plain csv;
    ``end`` is just past the record's line end."""
    lines = list(io.StringIO(text, newline=""))
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    first = next(number for number, line in enumerate(lines) if not line.startswith("#"))
    reader = csv.reader(lines[first:], delimiter="\t")
    spans, done = [], first
    for _ in reader:
        spans.append((starts[done], starts[first + reader.line_num]))
        done = first + reader.line_num
    return spans


def _expected(text: str) -> list[tuple[str, str, str, str]]:
    rows = csv.DictReader((line for line in io.StringIO(text, newline="") if not line.startswith("#")), delimiter="\t")
    return [
        (_normal(r["subject_id"]), r["predicate_id"], _normal(r["object_id"]), r["mapping_justification"]) for r in rows
    ]


def _write(tmp_path: Path, text: str, packed: bool) -> Path:
    path = tmp_path / (CUT_SOURCE + (".gz" if packed else ""))
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if packed else data)
    return path


def _got(path: Path) -> tuple[list[tuple[str, str, str, str | None]], dict[str, str]]:
    items = list(parse_sssom(path))
    mappings = [(m.subject, m.predicate, m.object, m.justification) for m in items if isinstance(m, MappingRecord)]
    return mappings, {item.origin: item.reason for item in items if isinstance(item, Rejected)}


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_a_row_cut_inside_its_last_field_at_end_of_file_is_rejected_and_earlier_rows_load(
    tmp_path: Path, packed: bool
) -> None:
    text = shared(f"{SSSOM}/{CUT_SOURCE}").read_text("utf-8")
    start, end = _row_spans(text)[-1]
    last_field = text[start:end].rstrip("\r\n").rsplit("\t", 1)[1]
    assert last_field == "semapv:ManualMappingCuration"
    cut = text[: end - 1 - len(last_field) + len("semapv:Man")]  # the audit's cut: no line end after it
    path = _write(tmp_path, cut, packed)
    mappings, rejected = _got(path)
    whole = _expected(text)
    assert _expected(cut)[-1][3] == "semapv:Man"  # what csv alone takes for a whole row
    assert mappings == whole[:-1]
    assert rejected == {f"{path.name}:{cut.count(chr(10)) + 1}": "row cut at end of file (no line end)"}


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_a_file_cut_exactly_at_a_line_end_loads_every_whole_row(tmp_path: Path, packed: bool) -> None:
    text = shared(f"{SSSOM}/{CUT_SOURCE}").read_text("utf-8")
    spans = _row_spans(text)
    cut = text[: spans[len(spans) // 2][1]]
    mappings, rejected = _got(_write(tmp_path, cut, packed))
    assert mappings == _expected(cut) == _expected(text)[: len(spans) // 2]
    assert rejected == {}


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_the_complete_file_loads_every_row(tmp_path: Path, packed: bool) -> None:
    text = shared(f"{SSSOM}/{CUT_SOURCE}").read_text("utf-8")
    mappings, rejected = _got(_write(tmp_path, text, packed))
    assert mappings == _expected(text) and len(mappings) == PROVENANCE_COUNTS[CUT_SOURCE]
    assert rejected == {}


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_only_a_plain_file_marks_its_last_row_as_one_whose_subject_may_go_on(tmp_path: Path, packed: bool) -> None:
    """A plain file cut exactly at a line end reads as whole, so its last row's subject may have had more rows; a
    gzip stream's end is checked. The mark keeps that subject's other edges on a reload (graph test:
    ``tests/kg/test_mapping_sets_graph.py``)."""
    source = "mondo_exactmatch_efo.sssom.tsv"
    mappings = [m for m in parse_sssom(_named(tmp_path, source, packed)) if isinstance(m, MappingRecord)]
    marked = [m for m in mappings if m.end_unproven]
    assert len(mappings) == PROVENANCE_COUNTS[source]
    assert marked == ([] if packed else [mappings[-1]])
    assert not any(MAPPING_ROWS_UNGROUPED in m.extra for m in mappings)


def test_a_plain_file_that_states_a_subject_apart_marks_every_row_from_there(tmp_path: Path) -> None:
    """When a subject's rows come in two runs, any subject's rows may go on past a cut: from the row that shows it
    on, every mapping is marked and says so, and the set's reload removes nothing."""
    source = "mondo_exactmatch_icd10cm.sssom.tsv"  # 19 subjects with two rows or more
    lines = shared(f"{SSSOM}/{source}").read_text("utf-8").splitlines(keepends=True)
    body = [number for number, line in enumerate(lines) if not line.startswith("#")][1:]
    subject = [lines[number].split("\t", 1)[0] for number in body]
    first = next(body[i] for i in range(len(body) - 1) if subject[i] == subject[i + 1])  # a subject of 2+ rows
    moved = [line for number, line in enumerate(lines) if number != first]
    moved.insert(body[len(body) // 2], lines[first])  # its first row stated again mid-file, after other runs
    path = tmp_path / source
    path.write_text("".join(moved), encoding="utf-8")
    mappings = [m for m in parse_sssom(path) if isinstance(m, MappingRecord)]
    apart = [n for n, m in enumerate(mappings) if MAPPING_ROWS_UNGROUPED in m.extra]
    assert apart and all(m.end_unproven for m in mappings[apart[0] :])
    assert apart == list(range(apart[0], len(mappings)))
    assert not any(m.end_unproven for m in mappings[: apart[0]])


def _named(tmp_path: Path, source: str, packed: bool) -> Path:
    data = shared(f"{SSSOM}/{source}").read_bytes()
    path = tmp_path / (source + (".gz" if packed else ""))
    path.write_bytes(gzip.compress(data, mtime=0) if packed else data)
    return path


# ------------------------------------------------------------------ the set is named by the file's content (issue 18)


def _sets(path: Path) -> tuple[set[str | None], set[str | None]]:
    """The mapping sets of a file's rows, and the fallback warnings they carry."""
    mappings = [item for item in parse_sssom(path) if isinstance(item, MappingRecord)]
    assert mappings
    return {m.mapping_set for m in mappings}, {m.extra.get(MAPPING_SET_WARNING) for m in mappings}


def test_a_renamed_copy_states_the_same_mapping_set_as_the_original(tmp_path: Path) -> None:
    text = shared(f"{SSSOM}/{CUT_SOURCE}").read_text("utf-8")
    declared = re.search(r"^# mapping_set_id: (\S+)$", text, re.M)
    assert declared is not None
    copy = tmp_path / "downloaded-yesterday.sssom.tsv"
    copy.write_text(text, encoding="utf-8")
    assert _sets(shared(f"{SSSOM}/{CUT_SOURCE}")) == _sets(copy) == ({declared.group(1)}, {None})


def test_a_file_without_mapping_set_id_is_named_by_its_file_name_and_says_so(tmp_path: Path) -> None:
    text = shared(f"{SSSOM}/{CUT_SOURCE}").read_text("utf-8")
    anonymous = re.sub(r"^# mapping_set_id: \S+\n", "", text, count=1, flags=re.M)
    assert "mapping_set_id" not in anonymous  # premise
    path = tmp_path / "related.sssom.tsv"
    path.write_text(anonymous, encoding="utf-8")
    sets, warnings = _sets(path)
    assert sets == {"related.sssom.tsv"}
    [warning] = warnings
    assert warning is not None and "\n" not in warning
    assert "named by its file name 'related.sssom.tsv'" in warning and "mapping_set_id" in warning
    assert not any(isinstance(item, Rejected) for item in parse_sssom(path))  # a warning, not a rejection


def test_a_row_cut_at_end_of_file_marks_the_file_as_ended_early(tmp_path: Path) -> None:
    text = shared(f"{SSSOM}/{CUT_SOURCE}").read_text("utf-8")
    path = _write(tmp_path, text[:-5], packed=False)
    rejected = [item for item in parse_sssom(path) if isinstance(item, Rejected)]
    assert [(r.reason, r.truncated) for r in rejected] == [("row cut at end of file (no line end)", True)]
