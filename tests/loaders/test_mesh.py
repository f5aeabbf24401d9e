"""Tests for the MeSH parsers (``trialgraph.loaders.mesh``): RDF and XML → concept records, no database.

Expected values are read from the raw files here (plain regular expressions over the N-Triples text,
``xml.etree`` over the XML, the NLM tree file) or taken from PROVENANCE.md, never from the parser.
"""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest

from tests.data import shared
from trialgraph.errors import SourceError
from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.mesh.common import MeshStats
from trialgraph.loaders.mesh.loader import MeshSource
from trialgraph.loaders.mesh.rdf import parse_ntriples
from trialgraph.loaders.mesh.xml import parse_xml
from trialgraph.model.concept import ConceptRecord, Rejected, Relation

MESH = "ontologies/mesh"
V22 = "http://id.nlm.nih.gov/mesh/2022/"
VOCAB = "http://id.nlm.nih.gov/mesh/vocab#"
DESCRIPTOR_KINDS = {"TopicalDescriptor", "GeographicalDescriptor", "PublicationType", "CheckTag"}
MAPPINGS = {"mappedTo", "preferredMappedTo"}
TRIPLE = re.compile(r'^<([^>]+)> <([^>]+)> (?:<([^>]+)>|"(.*)"(?:@[a-z-]+|\^\^<[^>]+>)?) \.$')


def _records(items: Iterable[object]) -> dict[str, ConceptRecord]:
    found: dict[str, ConceptRecord] = {}
    for item in items:
        if isinstance(item, ConceptRecord):
            assert item.curie not in found, f"{item.curie} emitted twice"
            found[item.curie] = item
    return found


def _rejected(items: Iterable[object]) -> list[Rejected]:
    return [item for item in items if isinstance(item, Rejected)]


def _kinds(records: dict[str, ConceptRecord]) -> Counter[str]:
    return Counter(record.kind or "untyped" for record in records.values())


def _family_counts(records: dict[str, ConceptRecord]) -> tuple[int, int, int]:
    letters = Counter(curie[5] for curie in records)
    return letters["D"], letters["C"], letters["Q"]


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def _ancestors(records: dict[str, ConceptRecord], curie: str) -> set[str]:
    seen: set[str] = set()
    stack = list(records[curie].broader)
    while stack:
        parent = stack.pop()
        if parent not in seen:
            seen.add(parent)
            stack.extend(records[parent].broader)
    return seen


# --- MeSH 2022 core (1.46 M triples), parsed once -----------------------------------------------------


@pytest.fixture(scope="module")
def core_path() -> Path:
    return shared(f"{MESH}/mesh2022-core.nt.gz")


@pytest.fixture(scope="module")
def core(core_path: Path) -> tuple[dict[str, ConceptRecord], list[Rejected], MeshStats]:
    stats = MeshStats()
    items = list(parse_ntriples(core_path, stats))
    return _records(items), _rejected(items), stats


@pytest.fixture(scope="module")
def raw_core(core_path: Path) -> dict[str, object]:
    """Independent facts about the 2022 file: type counts, tree number lines, and the D003924 neighbourhood."""
    types: Counter[str] = Counter()
    tree_lines = 0
    edges: dict[str, defaultdict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    with gzip.open(core_path, "rt", encoding="utf-8") as lines:
        for line in lines:
            found = TRIPLE.match(line.rstrip("\n"))
            assert found, line
            s, p, o_iri, literal = found.groups()
            if p.endswith("#type"):
                types[_local(o_iri).split("#")[-1]] += 1
            elif p == VOCAB + "treeNumber":
                tree_lines += 1
            if p in {VOCAB + "concept", VOCAB + "preferredConcept", VOCAB + "term", VOCAB + "preferredTerm"}:
                edges["down"][_local(s)].add(_local(o_iri))
            elif p in {VOCAB + "prefLabel", VOCAB + "altLabel"}:
                edges["strings"][_local(s)].add(literal)
            elif _local(s) == "D003924":
                edges[p.split("#")[-1]][_local(s)].add(_local(o_iri) if o_iri else literal)
    return {"types": types, "tree_lines": tree_lines, "edges": edges}


def test_2022_core_parses_without_rejects_and_counts_every_triple(core: tuple, raw_core: dict) -> None:
    _, rejected, stats = core
    assert rejected == []
    assert stats.triples == stats.lines == 1_457_424  # PROVENANCE
    assert stats.unknown_predicates == Counter()
    assert sum(raw_core["types"].values()) == 288_258  # rdf:type lines (PROVENANCE)


def test_2022_core_descriptor_and_scr_counts_match_the_type_lines(core: tuple, raw_core: dict) -> None:
    records, _, stats = core
    raw_types = raw_core["types"]
    kinds = _kinds(records)
    assert sum(kinds[k] for k in DESCRIPTOR_KINDS) == sum(raw_types[k] for k in DESCRIPTOR_KINDS) == 30_194
    assert kinds["SCR_Chemical"] == raw_types["SCR_Chemical"] == 7_527
    assert {k: kinds[k] for k in DESCRIPTOR_KINDS} == {k: raw_types[k] for k in DESCRIPTOR_KINDS}
    assert len(records) == 30_194 + 7_527
    assert stats.records == kinds
    assert {r.version for r in records.values()} == {"2022"}


def test_2022_core_tree_numbers_sum_to_the_tree_number_lines(core: tuple, raw_core: dict) -> None:
    records, _, _ = core
    total = sum(len(r.tree_numbers) for r in records.values() if r.kind in DESCRIPTOR_KINDS)
    assert total == raw_core["tree_lines"] == raw_core["types"]["TreeNumber"] == 62_317


def test_2022_core_spot_check_type_2_diabetes(core: tuple, raw_core: dict) -> None:
    records, _, _ = core
    edges = raw_core["edges"]
    record = records["MESH:D003924"]
    assert record.name == next(iter(edges["label"]["D003924"])) == "Diabetes Mellitus, Type 2"
    assert record.kind == "TopicalDescriptor"
    assert set(record.tree_numbers) == edges["treeNumber"]["D003924"] == {"C18.452.394.750.149", "C19.246.300"}
    assert {b.removeprefix("MESH:") for b in record.broader} == edges["broaderDescriptor"]["D003924"]
    # synonyms: every prefLabel/altLabel of every term of every concept, without the name
    down = edges["down"]
    terms = set(down["D003924"])
    for concept in list(terms):
        terms |= down.get(concept, set())
    strings = set().union(*(edges["strings"].get(term, set()) for term in terms)) - {record.name}
    assert set(record.synonyms) == strings
    assert "NIDDM" in record.synonyms and list(record.synonyms) == sorted(record.synonyms)
    assert record.origin.startswith(str(shared(f"{MESH}/mesh2022-core.nt.gz")) + ":")


def test_2022_core_pharmacological_actions_of_a_scr(core: tuple, core_path: Path) -> None:
    records, _, _ = core
    expected = set()
    with gzip.open(core_path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith(f"<{V22}C588027> <{VOCAB}pharmacologicalAction>"):
                expected.add("MESH:" + _local(TRIPLE.match(line.rstrip("\n")).group(3)))
    record = records["MESH:C588027"]
    assert record.kind == "SCR_Chemical"
    assert {r.target for r in record.relations if r.predicate == "pharmacologicalAction"} == expected
    assert len(expected) == 2


@pytest.mark.parametrize("ui", ["D003924", "D000001", "D001249", "D006262"])
def test_2022_ancestors_equal_the_tree_prefixes_of_the_nlm_tree_file(core: tuple, ui: str) -> None:
    """The closure of ``broader`` names exactly the descriptors at the prefixes of the record's tree numbers."""
    records, _, _ = core
    name_of: dict[str, str] = {}
    with gzip.open(shared(f"{MESH}/mtrees2022.bin.gz"), "rt", encoding="utf-8") as lines:
        for line in lines:
            name, _, tree = line.rstrip("\n").rpartition(";")
            name_of[tree] = name
    own_trees = {tree for tree, name in name_of.items() if name == records[f"MESH:{ui}"].name}
    assert own_trees == set(records[f"MESH:{ui}"].tree_numbers)
    prefixes = {".".join(tree.split(".")[:i]) for tree in own_trees for i in range(1, tree.count(".") + 1)}
    expected_names = {name_of[prefix] for prefix in prefixes}
    assert {records[a].name for a in _ancestors(records, f"MESH:{ui}")} == expected_names


# --- MeSH 2020 subset (current vocabulary, duplicated lines, SCR mappings) ----------------------------


def test_2020_subset_scr_preferred_mappings(tmp_path: Path) -> None:
    path = shared(f"{MESH}/samples-2020/mesh2020-subset.nt")
    lines = path.read_text(encoding="utf-8").splitlines()
    expected: defaultdict[str, set[str]] = defaultdict(set)
    for line in lines:
        found = TRIPLE.match(line)
        if found and found.group(2) == VOCAB + "preferredMappedTo":
            expected["MESH:" + _local(found.group(1))].add("MESH:" + _local(found.group(3)))
    assert len(expected) == 28  # PROVENANCE: 28 SCR subjects
    records = _records(parse_ntriples(path))
    got = {
        curie: {r.target for r in record.relations if r.predicate == "preferredMappedTo"}
        for curie, record in records.items()
        if curie.startswith("MESH:C")
    }
    assert got == expected
    assert records["MESH:C000598941"].kind == "SCR_Disease"
    assert records["MESH:C000598941"].name == "Keratoactinomycosis"
    assert _kinds(records)["TopicalDescriptor"] == 8
    assert {r.version for r in records.values()} == {"2020"}


def test_2020_subset_duplicated_lines_do_not_duplicate_anything(tmp_path: Path) -> None:
    path = shared(f"{MESH}/samples-2020/mesh2020-subset.nt")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) - len(set(lines)) == 10  # PROVENANCE: 10 duplicated lines
    doubled = tmp_path / "mesh2020-doubled.nt"
    doubled.write_text("".join(lines + lines), encoding="utf-8")
    once = {c: _content(r) for c, r in _records(parse_ntriples(path)).items()}
    twice = {c: _content(r) for c, r in _records(parse_ntriples(doubled)).items()}
    assert once == twice
    for record in once.values():
        for values in (record.relations, record.tree_numbers, record.synonyms, record.broader):
            assert len(values) == len(set(values)), record.curie


def _content(record: ConceptRecord) -> ConceptRecord:
    """What a record states: where it came from and whether its file's end proves it whole set aside."""
    return replace(record, origin="", end_unproven=False)


def test_a_plain_file_marks_the_records_a_cut_at_a_line_end_could_shorten(tmp_path: Path) -> None:
    """Plain N-Triples cannot prove their end (see ``UnprovenEnd``). In the 2020 subset, whose triples are grouped
    by subject, the record holding the last subject and those naming a concept or term the subset leaves out are
    marked; the same file gzipped proves its end and marks none; the file twice over repeats every subject's run
    of triples (not grouped), so every record is marked."""
    path = shared(f"{MESH}/samples-2020/mesh2020-subset.nt")
    text = path.read_text(encoding="utf-8")
    plain = _records(parse_ntriples(path))
    marked = {c for c, r in plain.items() if r.end_unproven}
    assert 0 < len(marked) < len(plain)
    terms = set(re.findall(r"/(T\d+)> <[^>]+#(?:prefLabel|altLabel)>", text))
    named_terms = set(re.findall(r"#(?:term|preferredTerm)> <[^>]+/(T\d+)>", text))
    assert named_terms - terms, "the subset names terms it leaves out"
    # An unmarked record's run of triples moved to the end (still grouped): it alone joins the marked.
    moved = min(set(plain) - marked)
    subject = f"/{moved.removeprefix('MESH:')}>"
    lines = text.splitlines(keepends=True)
    runs = [[x for x in lines if x.split(" ", 1)[0].endswith(subject) == last] for last in (False, True)]
    reordered = tmp_path / "mesh2020-reordered.nt"
    reordered.write_text("".join(runs[0] + runs[1]), "utf-8")
    again = _records(parse_ntriples(reordered))
    assert {c for c, r in again.items() if r.end_unproven} == marked | {moved}
    gzipped = tmp_path / "mesh2020-subset.nt.gz"
    gzipped.write_bytes(gzip.compress(path.read_bytes(), mtime=0))
    assert not [c for c, r in _records(parse_ntriples(gzipped)).items() if r.end_unproven]
    doubled = tmp_path / "mesh2020-doubled.nt"
    doubled.write_text(text + text, encoding="utf-8")
    assert all(r.end_unproven for r in _records(parse_ntriples(doubled)).values())


# --- 2014 vocabulary and XML --------------------------------------------------------------------------


def test_2014_rdf_samples_parse_to_descriptors_scrs_and_qualifiers() -> None:
    source = MeshSource()
    items = list(source.read([shared(f"{MESH}/samples-2014")]))
    records = _records(items)
    # cns-disease-2014AB.nt holds only labels of an untyped subject: no record, so the file is refused whole
    no_record = shared(f"{MESH}/samples-2014/cns-disease-2014AB.nt")
    reason = "no records: no MeSH descriptor, qualifier or supplementary record subject"
    assert _rejected(items) == [Rejected(str(no_record), reason, whole_file=True)]
    assert _family_counts(records) == (63, 109, 83)  # PROVENANCE
    assert source.stats.unknown_predicates == Counter()
    assert source.stats.files == 4


def test_2014_scr_mappings_follow_the_mapped_data_nodes() -> None:
    path = shared(f"{MESH}/samples-2014/supp2014-head.nt")
    text = path.read_text(encoding="utf-8")
    records = _records(parse_ntriples(path))
    mapped = Counter(r.predicate for record in records.values() for r in record.relations if r.predicate in MAPPINGS)
    assert sum(mapped.values()) == text.count("/mesh/MappedData>") == 136  # PROVENANCE: 136 MappedData
    assert mapped["preferredMappedTo"] == text.count('/mesh/isDescriptorStarred> "Y"')


@pytest.mark.parametrize("stem", ["desc2014-head", "supp2014-head", "qual2014"])
def test_2014_xml_and_rdf_give_equal_records(stem: str) -> None:
    """The same NLM records in two formats must become the same records (origin aside)."""
    from_rdf = {c: _content(r) for c, r in _records(parse_ntriples(shared(f"{MESH}/samples-2014/{stem}.nt"))).items()}
    from_xml = {c: _content(r) for c, r in _records(parse_xml(shared(f"{MESH}/xml/{stem}.xml"))).items()}
    assert from_rdf.keys() == from_xml.keys()
    differing = sorted(c for c in from_rdf if from_rdf[c] != from_xml[c])
    assert differing == []


def test_xml_samples_counts() -> None:
    folder = shared(f"{MESH}/xml")
    counts = {}
    for path in sorted(folder.glob("*.xml")):
        items = list(parse_xml(path))
        assert _rejected(items) == [], path
        counts[path.name] = _family_counts(_records(items))
    assert counts == {
        "desc-samples.xml": (43, 0, 0),
        "desc2014-head.xml": (63, 0, 0),
        "qual-samples.xml": (0, 0, 6),
        "qual2014.xml": (0, 0, 83),
        "supp-samples.xml": (0, 19, 0),
        "supp2014-head.xml": (0, 109, 0),
    }


def test_xml_scr_spot_check_against_elementtree() -> None:
    path = shared(f"{MESH}/xml/supp-samples.xml")
    element = next(e for e in ET.parse(path).getroot() if e.findtext("SupplementalRecordUI") == "C025735")
    mapped = [
        ui.text.strip()
        for ui in element.iterfind("HeadingMappedToList/HeadingMappedTo/DescriptorReferredTo/DescriptorUI")
    ]
    expected = {
        Relation("preferredMappedTo" if ui.startswith("*") else "mappedTo", "MESH:" + ui.lstrip("*")) for ui in mapped
    }
    record = _records(parse_xml(path))["MESH:C025735"]
    assert record.name == element.findtext("SupplementalRecordName/String").strip()
    assert record.kind == "SCR_Chemical" and element.get("SCRClass") == "1"
    assert {r for r in record.relations if r.predicate in MAPPINGS} == expected
    assert len(expected) == 4 and "MESH:D001286" in {r.target for r in expected}


def test_xml_descriptor_spot_check_against_elementtree() -> None:
    path = shared(f"{MESH}/xml/desc-samples.xml")
    root = ET.parse(path).getroot()
    element = next(e for e in root if e.get("DescriptorClass", "").strip() == "4")  # a geographical descriptor
    ui = element.findtext("DescriptorUI").strip()
    name = element.findtext("DescriptorName/String").strip()
    strings = {" ".join(s.text.split()) for s in element.iterfind("ConceptList/Concept/TermList/Term/String")}
    preferred = next(c for c in element.iterfind("ConceptList/Concept") if c.get("PreferredConceptYN") == "Y")
    note = preferred.findtext("ScopeNote")
    record = _records(parse_xml(path))[f"MESH:{ui}"]
    assert record.kind == "GeographicalDescriptor"
    assert record.name == name
    assert set(record.synonyms) == strings - {name}
    assert set(record.tree_numbers) == {t.text.strip() for t in element.iterfind("TreeNumberList/TreeNumber")}
    assert record.definition == (" ".join(note.split()) if note else None)
    qualifiers = {
        "MESH:" + q.text.strip()
        for q in element.iterfind("AllowableQualifiersList/AllowableQualifier/QualifierReferredTo/QualifierUI")
    }
    assert {r.target for r in record.relations if r.predicate == "allowableQualifier"} == qualifiers


# --- bad input ------------------------------------------------------------------------------------------

GOOD_AND_BAD_NT = f"""\
<{V22}D000001> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{VOCAB}TopicalDescriptor> .
<{V22}D000001> <http://www.w3.org/2000/01/rdf-schema#label> "Calcimycin"@en .
<{V22}D000002> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{VOCAB}TopicalDescriptor> .
<{V22}D000002> <http://www.w3.org/2000/01/rdf-schema#label> "Temefos .
<{V22}D000002> <http://example.org/new#property> "x" .
# a comment

<{V22}D000002> <http://www.w3.org/2000/01/rdf-schema#label> "Tem\\u00e9fos"@en .
<{V22}D000002> <{VOCAB}concept> _:c1 .
_:c1 <{VOCAB}preferredTerm> _:t1 .
_:t1 <{VOCAB}prefLabel> "Abate \\"brand\\""@en .
<{V22}C000003> <{VOCAB}preferredMappedTo> <{V22}D000002Q000008> .
<{V22}QX> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{VOCAB}Qualifier> .
"""


def test_broken_ntriples_line_is_rejected_with_file_and_line_and_the_rest_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "bad.nt"
    path.write_text(GOOD_AND_BAD_NT, encoding="utf-8")
    stats = MeshStats()
    items = list(parse_ntriples(path, stats))
    rejected = _rejected(items)
    assert [(r.origin, r.record_id) for r in rejected] == [(f"{path}:4", "D000002"), (f"{path}:13", "QX")]
    assert "Temefos" in rejected[0].reason and "\n" not in rejected[0].reason
    records = _records(items)
    assert set(records) == {"MESH:D000001", "MESH:D000002", "MESH:C000003"}
    assert records["MESH:D000002"].name == "Teméfos"  # escaped line read through rdflib
    assert records["MESH:D000002"].synonyms == ('Abate "brand"',)  # blank nodes followed
    assert records["MESH:C000003"].relations == (Relation("preferredMappedTo", "MESH:D000002"),)
    assert stats.unknown_predicates == Counter({"http://example.org/new#property": 1})
    assert stats.triples == 10 and stats.rejected == 2  # 13 lines: a comment, a blank line, a broken line


def test_unversioned_uris_and_gzip(tmp_path: Path) -> None:
    text = GOOD_AND_BAD_NT.replace("/mesh/2022/", "/mesh/")
    path = tmp_path / "current.nt.gz"
    path.write_bytes(gzip.compress(text.encode()))
    records = _records(parse_ntriples(path))
    assert records["MESH:D000001"].name == "Calcimycin"
    assert {r.version for r in records.values()} == {None}


def test_truncated_gzip_and_non_utf8_lines_are_rejected_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "cut.nt.gz"
    path.write_bytes(gzip.compress(("\n".join([GOOD_AND_BAD_NT] * 5000)).encode())[:-40])  # > 1 MB of text
    items = list(parse_ntriples(path))
    assert sum("unreadable" in r.reason for r in _rejected(items)) == 1
    assert _records(items) == {}  # a cut N-Triples file builds no records: a record's facts span the file
    latin = tmp_path / "latin.nt"
    latin.write_bytes(GOOD_AND_BAD_NT.encode().replace(b'"Calcimycin"', b'"Calcim\xefcin"'))
    rejected = _rejected(parse_ntriples(latin))
    assert rejected[0].origin == f"{latin}:2" and "UTF-8" in rejected[0].reason


GOOD_AND_BAD_XML = """\
<DescriptorRecordSet LanguageCode = "eng">
<DescriptorRecord DescriptorClass = "1">
  <DescriptorUI>D000001</DescriptorUI>
  <DescriptorName><String>Calcimycin</String></DescriptorName>
  <TreeNumberList><TreeNumber>D03.438</TreeNumber></TreeNumberList>
</DescriptorRecord>
<DescriptorRecord DescriptorClass = "1">
  <DescriptorUI>D000002</DescriptorUI>
  <DescriptorName><String>Broken tree</String></DescriptorName>
  <TreeNumberList><TreeNumber>not a tree</TreeNumber></TreeNumberList>
</DescriptorRecord>
<DescriptorRecord DescriptorClass = "1">
  <DescriptorUI>D000003</DescriptorUI>
</DescriptorRecord>
<DescriptorRecord DescriptorClass = "1">
  <DescriptorUI>D000004</DescriptorUI>
  <DescriptorName><String>Child</String></DescriptorName>
  <TreeNumberList><TreeNumber>D03.438.221</TreeNumber></TreeNumberList>
  <PharmacologicalActionList><PharmacologicalAction><DescriptorReferredTo>
    <DescriptorUI>Q000001</DescriptorUI></DescriptorReferredTo></PharmacologicalAction></PharmacologicalActionList>
</DescriptorRecord>
<DescriptorRecord DescriptorClass = "4">
  <DescriptorUI>D000005</DescriptorUI>
  <DescriptorName><String>Grandchild</String></DescriptorName>
  <TreeNumberList><TreeNumber>D03.438.221.001</TreeNumber></TreeNumberList>
</DescriptorRecord>
<DescriptorRecord DescriptorClass = "1">
  <DescriptorUI>D000006</DescriptorUI>
  <DescriptorName><String>Cut off</String>
</DescriptorRecordSet>
"""


def test_broken_xml_records_are_rejected_with_their_ui_and_the_rest_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "desc-bad.xml"
    path.write_text(GOOD_AND_BAD_XML, encoding="utf-8")
    items = list(parse_xml(path))
    rejected = _rejected(items)
    assert [r.record_id for r in rejected] == ["D000002", "D000003", "D000004", None, "D000001"]
    assert "not a tree" in rejected[0].reason and "DescriptorName" in rejected[1].reason
    assert "Q000001" in rejected[2].reason
    assert rejected[3].origin.startswith(f"{path}:") and "syntax" in rejected[3].reason
    records = _records(items)
    # D000001 is held back: its parent tree (D03) was not read, and may have been in the lost tail
    assert set(records) == {"MESH:D000005"}
    assert records["MESH:D000005"].kind == "GeographicalDescriptor"
    assert records["MESH:D000005"].broader == ()  # its parent D000004 was rejected


def test_xml_broader_comes_from_parent_tree_numbers_in_any_order(tmp_path: Path) -> None:
    text = GOOD_AND_BAD_XML.replace("Q000001", "D000001").split(
        '<DescriptorRecord DescriptorClass = "1">\n  <DescriptorUI>D000006'
    )[0]
    path = tmp_path / "desc2099.xml.gz"
    path.write_bytes(gzip.compress((text + "</DescriptorRecordSet>\n").encode()))
    records = _records(parse_xml(path))
    assert records["MESH:D000005"].broader == ("MESH:D000004",)
    assert records["MESH:D000004"].broader == ("MESH:D000001",)
    assert records["MESH:D000004"].relations == (Relation("pharmacologicalAction", "MESH:D000001"),)
    assert {r.version for r in records.values()} == {"2099"}  # the year in NLM's file name


# --- the registered source ------------------------------------------------------------------------------


def test_registered_source_dispatches_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "desc.xml").write_text(GOOD_AND_BAD_XML, encoding="utf-8")
    (tmp_path / "mesh.nt").write_text(GOOD_AND_BAD_NT, encoding="utf-8")
    (tmp_path / "README.md").write_text("notes", encoding="utf-8")
    source = SOURCES.create("mesh")
    assert isinstance(source, MeshSource) and source.name == "mesh"
    items = list(source.read([tmp_path]))
    assert [r.origin.rsplit("/", 1)[-1].split(":")[0] for r in _rejected(items)] == ["desc.xml"] * 5 + ["mesh.nt"] * 2
    assert source.stats.files == 2
    assert [r.curie for r in items if isinstance(r, ConceptRecord)] == [
        "MESH:D000005",  # desc.xml: records with tree numbers wait for the end; D000001 held back (file cut)
        "MESH:C000003",  # mesh.nt: sorted by UI
        "MESH:D000001",
        "MESH:D000002",
    ]


def test_missing_path_and_foreign_file_raise_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        list(MeshSource().read([tmp_path / "absent.nt"]))
    other = tmp_path / "mesh.csv"
    other.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(SourceError, match="not a MeSH file"):
        list(MeshSource().read([other]))
