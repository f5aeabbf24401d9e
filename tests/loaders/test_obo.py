"""OBO parser: counts and spot checks against the real HPO/DOID/MONDO files, expectations read with regexes."""

from __future__ import annotations

import gzip
import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.data import REPO_ROOT, shared, shared_data_dir
from trialgraph.errors import SourceError
from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.concepts.source import VocabularyItem
from trialgraph.loaders.obo.loader import OboSource
from trialgraph.loaders.obo.obo import parse_obo
from trialgraph.model.concept import MAPPING_SET_WARNING, ConceptRecord, MappingRecord, Rejected

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "ontology"
HPO, DOID = "ontologies/hpo/hp.obo.gz", "ontologies/doid/doid.obo.gz"
MONDO = "ontologies/mondo/mondo-rare-diabetes-cancer.assembled.obo"
FILES = (HPO, DOID, MONDO)


@cache
def _parsed(relative: str) -> tuple[VocabularyItem, ...]:
    return tuple(parse_obo(shared(relative)))


@cache
def _text(relative: str) -> str:
    path = shared(relative)
    return gzip.open(path, "rt", encoding="utf-8").read() if path.suffix == ".gz" else path.read_text("utf-8")


def _concepts(relative: str) -> dict[str, ConceptRecord]:
    return {item.curie: item for item in _parsed(relative) if isinstance(item, ConceptRecord)}


def _stanza(relative: str, term_id: str) -> str:
    match = re.search(rf"^\[Term\]\nid: {re.escape(term_id)}\n(.*?)(?:\n\n|\Z)", _text(relative), re.M | re.S)
    assert match, f"{term_id} not in {relative}"
    return match.group(1)


def _stanzas(relative: str) -> list[str]:
    return [block for block in re.split(r"\n(?=\[)", _text(relative)) if block.startswith("[Term]")]


@pytest.mark.slow
@pytest.mark.parametrize("relative", FILES)
def test_one_concept_per_term_stanza(relative: str) -> None:
    expected = len(re.findall(r"^\[Term\]\s*$", _text(relative), re.M))
    assert len(_concepts(relative)) == expected
    assert sum(isinstance(item, ConceptRecord) for item in _parsed(relative)) == expected  # no duplicates


@pytest.mark.slow
@pytest.mark.parametrize("relative", FILES)
def test_obsolete_counts(relative: str) -> None:
    expected = sum(bool(re.search(r"^is_obsolete: true\s*$", block, re.M)) for block in _stanzas(relative))
    assert sum(concept.obsolete for concept in _concepts(relative).values()) == expected


@pytest.mark.slow
def test_known_counts_match_provenance() -> None:
    counts = {rel: (len(_concepts(rel)), sum(c.obsolete for c in _concepts(rel).values())) for rel in FILES}
    assert counts == {HPO: (11_785, 112), DOID: (13_982, 2_481), MONDO: (2_774, 0)}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("relative", "term_id", "name"),
    [
        (HPO, "HP:0000822", "Hypertension"),
        (DOID, "DOID:9352", "type 2 diabetes mellitus"),
        (MONDO, "MONDO:0005015", None),
    ],
)
def test_spot_check_parents_and_synonyms(relative: str, term_id: str, name: str | None) -> None:
    stanza = _stanza(relative, term_id)
    concept = _concepts(relative)[term_id]
    assert set(concept.broader) == set(re.findall(r"^is_a: (\S+)", stanza, re.M))
    assert concept.broader
    assert set(concept.synonyms) == set(re.findall(r'^synonym: "((?:[^"\\]|\\.)*)"', stanza, re.M))
    expected_name = re.search(r"^name: (.*)$", stanza, re.M)
    assert concept.name == (expected_name.group(1).strip() if expected_name else None)
    if name:
        assert concept.name == name
    assert concept.vocabulary == term_id.split(":")[0]


@pytest.mark.slow
def test_versions_come_from_header() -> None:
    assert _concepts(HPO)["HP:0000822"].version == "releases/2016-04-01"
    assert _concepts(DOID)["DOID:9352"].version == "releases/2024-01-31/doid.obo"


@pytest.mark.slow
def test_malformed_xref_list_is_quarantined_and_term_still_loads() -> None:
    line = _text(HPO).splitlines()[5386]
    assert line.startswith("synonym:") and "; http" in line  # the known bad line, read independently
    rejected = [item for item in _parsed(HPO) if isinstance(item, Rejected) and item.origin == "hp.obo.gz:5387"]
    assert len(rejected) == 1
    assert "malformed xref" in rejected[0].reason
    term_id = rejected[0].record_id
    assert term_id is not None
    assert term_id in _concepts(HPO)
    assert "Enlarged eyeball" in _concepts(HPO)[term_id].synonyms


@pytest.mark.slow
def test_mondo_xrefs_and_exact_matches_become_mappings() -> None:
    text = _text(MONDO)
    mappings = [item for item in _parsed(MONDO) if isinstance(item, MappingRecord)]
    xrefs = [m for m in mappings if m.predicate == "oboInOwl:hasDbXref"]
    exact = [m for m in mappings if m.predicate == "skos:exactMatch"]
    assert len(xrefs) == len(re.findall(r"^xref: ", text, re.M))
    assert len(exact) == len(re.findall(r"^property_value: skos:exactMatch ", text, re.M))
    stanza = _stanza(MONDO, "MONDO:0000001")
    assert {m.object for m in exact if m.subject == "MONDO:0000001"} == {
        "MESH:" + target.split(":", 1)[1] if target.lower().startswith("mesh:") else target
        for target in re.findall(r"^property_value: skos:exactMatch (\S+)", stanza, re.M)
    }
    header_ontology = re.search(r"^ontology: (\S+)", text, re.M)
    assert header_ontology is not None
    assert {m.mapping_set for m in mappings} == {f"obo:{header_ontology.group(1)}"}
    assert all(not concept.xrefs for concept in _concepts(MONDO).values())  # one fact, one record


@pytest.mark.slow
def test_mondo_relationship_targets_written_as_iris_are_kept() -> None:
    lines = re.findall(r"^relationship: (\S+) (\S+)", _text(MONDO), re.M)
    relations = [r for concept in _concepts(MONDO).values() for r in concept.relations]
    assert len(relations) == len(lines)
    assert {r.target.split(":")[0] for r in relations} == {"HGNC"}


def test_fixture_duplicates_cycles_and_bad_lines_are_rejected_while_the_rest_loads() -> None:
    items = list(parse_obo(FIXTURES / "bad.obo"))
    concepts = {item.curie: item for item in items if isinstance(item, ConceptRecord)}
    rejected = [item for item in items if isinstance(item, Rejected)]
    reasons = " | ".join(f"{r.origin} {r.reason}" for r in rejected)
    assert set(concepts) == {f"TST:000000{n}" for n in range(1, 6)}
    assert concepts["TST:0000002"].name == "child"  # the first of a duplicated id wins
    assert "bad.obo:23 duplicated id TST:0000002" in reasons
    assert "is_a cycle: TST:0000003 → TST:0000004 → TST:0000003" in reasons
    assert "bad.obo:36 not a 'tag: value' line" in reasons
    assert "bad.obo:15 malformed xref" in reasons
    assert "bad.obo:17 malformed xref 'http://example.org/bare'" in reasons
    child = concepts["TST:0000002"]
    assert child.synonyms == ("kid", "offspring")
    assert child.definition == 'A child "term" of the root.'
    assert child.broader == ("TST:0000001",)
    assert [(r.predicate, r.target) for r in child.relations] == [("RO:0004003", "HGNC:7325")]
    retired = concepts["TST:0000005"]
    assert retired.obsolete and retired.replaced_by == ("TST:0000002",)
    assert ("consider", "TST:0000001") in retired.properties
    mappings = {(m.predicate, m.object) for m in items if isinstance(m, MappingRecord)}
    assert mappings == {
        ("oboInOwl:hasDbXref", "MESH:D000001"),
        ("skos:exactMatch", "DOID:4"),
        ("skos:exactMatch", "MESH:D000002"),
    }


# --- a file cut short ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    start: int  # byte offset of its "[...]" header line
    end: int  # byte offset of the next header, or the excerpt's end (its closing blank line is inside)
    line: int  # line number of its header
    kind: str
    term_id: str | None
    id_end: int  # byte offset just past its "id: ..." line


@cache
def _doid_excerpt() -> bytes:
    """The real DOID release's header, then its stanzas from about 1.15 MB to 1.45 MB, where its first
    non-ASCII text is: a file that ends where a stanza ends, small enough to cut many times."""
    text = _text(DOID)
    header = text[: text.index("[Term]\n")]
    start = text.index("\n[Term]\n", 1_150_000) + 1
    end = text.index("\n[", 1_450_000) + 1
    return (header + text[start:end]).encode()


@cache
def _excerpt_spans() -> tuple[_Span, ...]:
    """Each stanza of the excerpt, found with regexes on its bytes rather than by the parser."""
    data = _doid_excerpt()
    headers = list(re.finditer(rb"^\[(\w+)\]\n", data, re.MULTILINE))
    spans = []
    for match, end in zip(headers, [*(h.start() for h in headers[1:]), len(data)], strict=True):
        id_line = re.compile(rb"id: (\S+)\n").match(data, match.end())
        assert id_line
        line = data.count(b"\n", 0, match.start()) + 1
        spans.append(_Span(match.start(), end, line, match.group(1).decode(), id_line.group(1).decode(), id_line.end()))
    return tuple(spans)


def _excerpt_cuts() -> list[int]:
    """20 seeded random offsets (the issue's sweep) and hand-picked cuts, each commented."""
    data, spans = _doid_excerpt(), _excerpt_spans()
    middle = spans[len(spans) // 2]
    two_parents = next(s for s in spans if len(re.findall(rb"^is_a: ", data[s.start : s.end], re.M)) >= 2)
    first_is_a = data.index(b"\nis_a: ", two_parents.start) + 1
    second_is_a = data.index(b"\nis_a: ", first_is_a) + 1
    return [
        *random.Random(18).sample(range(spans[0].start, len(data)), 20),
        middle.start,  # exactly at a stanza's end: nothing is cut
        middle.start - 1,  # the stanza's closing blank line is missing
        middle.start + 3,  # inside the next "[Term]" header line
        middle.start + len(b"[Term]\n"),  # after the header, before the id
        middle.id_end - 2,  # inside the id line: a shorter id must not load
        second_is_a + len(b"is_a: DOI"),  # the issue's cut: inside the second of two parents
        data.index(b"\n", first_is_a) + 1,  # between the two parents, at a line end
        next(i for i, byte in enumerate(data) if byte >= 0xC0) + 1,  # inside a two-byte character
        len(data),  # the whole excerpt
    ]


def _origin_line(item: VocabularyItem) -> int:
    return int(item.origin.rsplit(":", 1)[1])


def _parse_bytes(folder: Path, data: bytes, name: str = "doid.obo") -> list[VocabularyItem]:
    folder.mkdir()
    (folder / name).write_bytes(data)
    return list(parse_obo(folder / name))


@pytest.mark.parametrize("cut", _excerpt_cuts() if shared_data_dir().joinpath(DOID).exists() else [])
def test_a_cut_file_loads_each_term_before_the_cut_unchanged_and_quarantines_the_cut_one(
    tmp_path: Path, cut: int
) -> None:
    data, spans = _doid_excerpt(), _excerpt_spans()
    assert data.endswith(b"\n\n") and all(data[s.start : s.end].endswith(b"\n\n") for s in spans)  # premise
    complete = _parse_bytes(tmp_path / "complete", data)
    items = _parse_bytes(tmp_path / "cut", data[:cut])

    before = {s.term_id for s in spans if s.end <= cut}
    cut_in = next((s for s in spans if s.start < cut < s.end), None)
    kept_lines = cut_in.line if cut_in else len(data)
    assert [i for i in items if isinstance(i, ConceptRecord)] == [
        c for c in complete if isinstance(c, ConceptRecord) and c.curie in before
    ]
    assert [i for i in items if isinstance(i, MappingRecord)] == [
        m for m in complete if isinstance(m, MappingRecord) and m.subject in before
    ]
    rejected = [i for i in items if isinstance(i, Rejected)]
    earlier = [r for r in complete if isinstance(r, Rejected) and _origin_line(r) < kept_lines]
    assert rejected[: len(earlier)] == earlier
    cut_rejections = rejected[len(earlier) :]
    if cut_in is None:
        assert cut_rejections == []
        return
    [quarantined] = cut_rejections
    assert quarantined.truncated and not any(r.truncated for r in earlier)  # the file's one "ended early" entry
    term_id = cut_in.term_id if cut >= cut_in.id_end else None  # its id line read whole, or no id
    assert (quarantined.origin, quarantined.record_id) == (f"doid.obo:{cut_in.line}", term_id)
    assert "\n" not in quarantined.reason and "file ends inside" in quarantined.reason
    if term_id:
        assert f"term {term_id} of doid.obo not loaded" in quarantined.reason


def test_a_cut_gzip_loads_a_prefix_of_the_terms_unchanged_and_names_the_one_it_stopped_in(tmp_path: Path) -> None:
    data, spans = _doid_excerpt(), _excerpt_spans()
    packed = gzip.compress(data)
    complete = {
        c.curie: c for c in _parse_bytes(tmp_path / "complete", packed, "doid.obo.gz") if isinstance(c, ConceptRecord)
    }
    items = _parse_bytes(tmp_path / "cut", packed[: len(packed) // 2], "doid.obo.gz")

    concepts = [i for i in items if isinstance(i, ConceptRecord)]
    ids = [s.term_id for s in spans]
    assert 0 < len(concepts) < len(ids)
    assert [c.curie for c in concepts] == ids[: len(concepts)]
    assert all(c == complete[c.curie] for c in concepts)
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert "unreadable file after this point" in rejected[-1].reason
    assert [r.truncated for r in rejected] == [False] * (len(rejected) - 1) + [True]  # one "ended early" entry
    assert [r.record_id for r in rejected[:-1]] in ([], [ids[len(concepts)]])  # the term it stopped inside


def test_the_issues_cut_keeps_both_parents_out_of_the_records(tmp_path: Path) -> None:
    """DOID's ``is_a: DOI`` cut: the term is one rejection, not a concept with one of its two parents."""
    data, spans = _doid_excerpt(), _excerpt_spans()
    span = next(s for s in spans if len(re.findall(rb"^is_a: ", data[s.start : s.end], re.M)) >= 2)
    cut = data.index(b"\nis_a: ", data.index(b"\nis_a: ", span.start) + 1) + len(b"\nis_a: DOI")
    items = _parse_bytes(tmp_path / "cut", data[:cut])
    assert span.term_id not in {i.curie for i in items if isinstance(i, ConceptRecord)}
    assert span.term_id not in {i.subject for i in items if isinstance(i, MappingRecord)}
    [rejected] = [i for i in items if isinstance(i, Rejected) and i.record_id == span.term_id]
    last_line = data[:cut].count(b"\n") + 1
    assert rejected.reason == (
        f"term {span.term_id} of doid.obo not loaded, it may be incomplete: the file ends inside its line {last_line}"
    )


def test_a_last_term_without_a_closing_blank_line_is_quarantined_with_a_reason(tmp_path: Path) -> None:
    text = (FIXTURES / "bad.obo").read_text(encoding="utf-8").split("[Typedef]")[0].rstrip("\n") + "\n"
    items = _parse_bytes(tmp_path / "unclosed", text.encode(), "bad.obo")
    assert {i.curie for i in items if isinstance(i, ConceptRecord)} == {f"TST:000000{n}" for n in range(1, 5)}
    [last] = [i for i in items if isinstance(i, Rejected) and i.record_id == "TST:0000005"]
    assert last.origin == "bad.obo:38" and last.reason.endswith("with no blank line or next stanza header after it")
    commented = _parse_bytes(tmp_path / "commented", (text + "! a comment closes nothing\n").encode(), "bad.obo")
    assert "TST:0000005" not in {i.curie for i in commented if isinstance(i, ConceptRecord)}
    closed = _parse_bytes(tmp_path / "closed", (text + "\n").encode(), "bad.obo")
    assert "TST:0000005" in {i.curie for i in closed if isinstance(i, ConceptRecord)}


def test_source_is_registered_walks_folders_and_rejects_foreign_files(tmp_path: Path) -> None:
    assert isinstance(SOURCES.create("obo"), OboSource)
    from_folder = list(OboSource().read([FIXTURES]))
    assert sum(isinstance(item, ConceptRecord) for item in from_folder) == 5
    stray = tmp_path / "notes.txt"
    stray.write_text("x")
    [item] = OboSource().read([stray])
    assert isinstance(item, Rejected) and "unsupported file type" in item.reason


def test_missing_path_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        OboSource().read([tmp_path / "absent.obo"])


def _mappings(items: list[VocabularyItem]) -> list[MappingRecord]:
    return [item for item in items if isinstance(item, MappingRecord)]


def test_the_mapping_set_is_the_headers_ontology_and_a_renamed_copy_states_the_same_set(tmp_path: Path) -> None:
    """Issue 18: a DOID copy under another name made a second set whose edges no reload of DOID removed."""
    data = _doid_excerpt()
    declared = re.search(rb"^ontology: (\S+)$", data, re.M)
    assert declared is not None and data.count(b"\nxref: ") > 10  # premise: DOID names itself and has xrefs
    original = _mappings(_parse_bytes(tmp_path / "release", data, "doid.obo"))
    copy = _mappings(_parse_bytes(tmp_path / "copy", data, "my-doid-copy (2).obo"))
    assert {m.mapping_set for m in original} == {f"obo:{declared.group(1).decode()}"} == {"obo:doid"}
    assert [(m.subject, m.predicate, m.object, m.mapping_set) for m in copy] == [
        (m.subject, m.predicate, m.object, m.mapping_set) for m in original
    ]
    assert not any(MAPPING_SET_WARNING in m.extra for m in original + copy)


def test_a_file_that_declares_no_ontology_is_named_by_its_file_name_and_says_so(tmp_path: Path) -> None:
    data = re.sub(rb"^ontology: \S+\n", b"", _doid_excerpt(), count=1, flags=re.M)
    assert b"\nontology:" not in data  # premise
    items = _parse_bytes(tmp_path / "anonymous", data, "diseases.obo")
    mappings = _mappings(items)
    assert mappings and {m.mapping_set for m in mappings} == {"diseases.obo"}
    warnings = {m.extra.get(MAPPING_SET_WARNING) for m in mappings}
    [warning] = warnings
    assert warning is not None and "\n" not in warning
    assert "named by its file name 'diseases.obo'" in warning and "'ontology:' header tag" in warning
    assert not any(isinstance(item, Rejected) for item in items)  # a warning, not a rejection
