"""Issue 18, point 1: a record is loaded only when it is known to be complete, for every source and input format.

Each case is a real shared file (or a slice of one: its first records, byte for byte, closed the way the format
closes a file) that the test cuts at 20 seeded random offsets, plus cuts inside the last record. The cut file and
the complete one are read by the source's own ``read``, as the load loop (``kg/load.py``) reads them, from the same
path so that origins match. Then, for every cut:

* every loadable item the cut file yields equals the complete file's item with the same key. Items carry
  everything their graph writer writes (a registry record's content hash and rows, a concept's fields, a link's
  evidence), so equal items mean that loading the cut file over the graph of the complete one changes nothing: this
  pure check stands in for "the graph is unchanged except for records wholly inside the cut file", and needs no
  database. A record the cut went through is therefore never loadable, since its partial values would differ,
  unless it is a concept marked ``end_unproven``, which the writer never puts over a stored copy (an ATC code
  whose next row was cut inside its code cell: that row may have continued it; the graph test is
  ``tests/kg/test_truncated_vocabulary_graph.py``);
* the cut is reported: exactly one ``Quarantined`` entry has ``truncated=True`` (or, for formats read whole, the
  file is quarantined whole and yields nothing loadable), which makes the load ``partial``.

A cut that leaves a well-formed file is not a cut any reader can see: nothing but whitespace lost, or (for line
formats) a cut right after a line end. Random offsets skip those; for formats with one record per line (or CSV row),
a cut at a row end checks that the rows before it all load, unchanged, and nothing else.

Formats already swept elsewhere are not repeated: EU CTR full text (``test_euctr.py``) and OBO
(``test_obo.py``); the graph end to end is in ``tests/kg/test_truncated_vocabulary_graph.py`` and
``tests/kg/test_partial_load.py``.
"""

from __future__ import annotations

import gzip
import io
import random
import zipfile
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from tests.data import shared
from trialgraph.loaders.base import discover
from trialgraph.model.concept import ConceptRecord, MappingRecord
from trialgraph.model.curated_pair import CuratedPair
from trialgraph.model.publication import DeletedCitation, PublicationRecord
from trialgraph.model.publication_link import TrialPublicationLink
from trialgraph.model.staged import Quarantined, Staged

OFFSETS = 20
SEED = 18


def _key(item: Any) -> Hashable:
    """The identity an item is written under: the graph writer merges on it, so a cut item replaces this one."""
    if isinstance(item, Staged):
        return ("record", item.record_id)
    if isinstance(item, ConceptRecord):
        return ("concept", item.curie)
    if isinstance(item, MappingRecord):
        return ("mapping", item.subject, item.predicate, item.object, item.mapping_set)
    if isinstance(item, PublicationRecord):
        return ("publication", item.pmid)
    if isinstance(item, TrialPublicationLink):
        return ("link", item.trial_id, item.pmid, item.doi, item.source)
    if isinstance(item, CuratedPair):
        return ("pair", item.id_a, item.id_b, item.source)
    if isinstance(item, DeletedCitation):
        return ("deletion", item.pmids)  # a cut block would name fewer PMIDs: a key the complete file lacks
    raise AssertionError(f"the sweep does not know the item kind {type(item).__name__}: add its key")


# --- building the complete inputs from shared files -------------------------------------------------------------


def _file(relative: str) -> Callable[[], bytes]:
    """A shared file's bytes, as they are."""
    return lambda: shared(relative).read_bytes()


def _gunzip(relative: str) -> Callable[[], bytes]:
    """A shared ``.gz`` file's content, to cut the plain text of a format that also comes compressed."""
    return lambda: gzip.decompress(shared(relative).read_bytes())


def _gzipped(build: Callable[[], bytes]) -> Callable[[], bytes]:
    """The same bytes gzip-compressed (fixed mtime), to cut the compressed stream."""
    return lambda: gzip.compress(build(), mtime=0)


def _lines(build: Callable[[], bytes], count: int) -> Callable[[], bytes]:
    """The first ``count`` lines: a small file of a line format whose shared copy is large."""
    return lambda: b"".join(build().splitlines(keepends=True)[:count])


def _csv_rows(build: Callable[[], bytes], count: int, skip: int = 0) -> Callable[[], bytes]:
    """The header and ``count`` rows after the first ``skip`` of a CSV file whose quoted fields may hold line
    breaks (``skip`` picks a stretch of the file with such fields)."""

    def rows() -> bytes:
        kept: list[bytes] = []
        row: list[bytes] = []
        open_quote = False
        number = -1  # the header is row -1 of the data
        for line in build().split(b"\n"):
            row.append(line + b"\n")
            open_quote ^= line.count(b'"') % 2 == 1
            if open_quote:
                continue
            if number == -1 or skip <= number < skip + count:
                kept += row
            row = []
            number += 1
            if number == skip + count:
                break
        return b"".join(kept)

    return rows


def _xml_records(build: Callable[[], bytes], end_tag: bytes, count: int, close: bytes) -> Callable[[], bytes]:
    """The first ``count`` records (up to their end tag) of an XML file, then the root's end tag."""

    def records() -> bytes:
        data = build()
        at = 0
        for _ in range(count):
            at = data.index(end_tag, at) + len(end_tag)
        return data[:at] + b"\n" + close + b"\n"

    return records


def _zip_members(relative: str, count: int) -> Callable[[], bytes]:
    """A zip archive of the first ``count`` studies of a shared dump, each member's bytes as they are."""

    def archive() -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(shared(relative)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            members = [m for m in source.namelist() if m.endswith(".xml")][:count]
            for member in members:
                target.writestr(member, source.read(member))
        return out.getvalue()

    return archive


def _zip_member(relative: str, index: int) -> Callable[[], bytes]:
    """One study XML file of a shared zip dump, as CT.gov's single-study download gives it."""

    def member() -> bytes:
        with zipfile.ZipFile(shared(relative)) as source:
            return source.read([m for m in source.namelist() if m.endswith(".xml")][index])

    return member


@dataclass(frozen=True)
class Case:
    """One source and input format: how to build its complete file and what cuts it can tell."""

    id: str
    source: str
    name: str  # the file name the reader sees (its suffix picks the reader)
    build: Callable[[], bytes]
    lines: bool = False  # a line format: a cut right after a line end leaves a well-formed file
    quoted: bool = False  # CSV: a line end inside a quoted field is not a row end
    one_per_line: bool = True  # with ``lines``: a record is one line (or CSV row), so a row-end cut loses none
    min_items: int = 3  # a file of one study holds one record; the others hold several to lose


LEGACY_ZIP = "ctgov/legacy/AllPublicXML-subset.zip"
STUDIES = "ctgov/v2/studies.jsonl.gz"
ICTRP_CSV = "registries/ictrp/ictrp_full_export_sample.csv"
COVID_CSV = "registries/ictrp/ictrp_covid19_web_2020-04-15.csv.gz"
INTOVALUE = "links/intovalue/trials.csv.gz"
MESH_NT = "ontologies/mesh/samples-2020/mesh2020-subset.nt"
PUBMED = "pubmed/KerstenDoering_PubMedPortable/medline_00000000.xml.gz"
SSSOM = "ontologies/mondo/sssom/mondo_exactmatch_doid.sssom.tsv"
ATC = "ontologies/atc/WHO_ATC-DDD_2026-04-25.csv"

CASES = [
    Case("ctgov-jsonl", "ctgov", "studies.jsonl", _lines(_gunzip(STUDIES), 12), lines=True),
    Case("ctgov-jsonl-gz", "ctgov", "studies.jsonl.gz", _gzipped(_lines(_gunzip(STUDIES), 12))),
    Case("ctgov-json", "ctgov", "NCT00000410.json", _file("ctgov/v2/studies/NCT00000410.json"), min_items=1),
    Case("ctgov-json-array", "ctgov", "ctg-studies.json", _file("ctgov/v2/ctg-studies_NSCLC-export.json")),
    Case("ctgov-api-page", "ctgov", "studies_page1.json", _file("ctgov/api/studies_page1.json")),
    Case("ctgov-legacy-xml", "ctgov", "NCT00000102.xml", _zip_member(LEGACY_ZIP, 0), min_items=1),
    Case("ctgov-legacy-zip", "ctgov", "AllPublicXML.zip", _zip_members(LEGACY_ZIP, 8)),
    Case("ictrp-csv", "ictrp", "ictrp_export.csv", _csv_rows(_file(ICTRP_CSV), 25), lines=True, quoted=True),
    Case(
        "ictrp-covid-csv",  # its quoted fields hold line breaks
        "ictrp",
        "ictrp_covid19.csv",
        _csv_rows(_gunzip(COVID_CSV), 30, skip=370),
        lines=True,
        quoted=True,
    ),
    Case("ictrp-csv-gz", "ictrp", "ictrp_covid19.csv.gz", _gzipped(_csv_rows(_gunzip(COVID_CSV), 40))),
    Case(
        "ictrp-xml",
        "ictrp",
        "ICTRP-Results.xml",
        _xml_records(
            _gunzip("registries/ictrp/ICTRP-Results_2020-03-18.xml.gz"),
            b"</Trial>",
            30,
            b"</Trials_downloaded_from_ICTRP>",
        ),
    ),
    Case("euctr-ctrdata-jsonl", "euctr", "euctr.jsonl", _file("registries/euctr/euctr_ctrdata_json.jsonl"), lines=True),
    Case("ctis-jsonl", "ctis", "ctis_trials.jsonl", _file("registries/ctis/ctis_trials.jsonl"), lines=True),
    Case(
        "isrctn-jsonl",
        "isrctn",
        "isrctn.jsonl",
        _file("registries/isrctn/isrctn_trials_ctrdata_json.jsonl"),
        lines=True,
    ),
    Case("isrctn-xml", "isrctn", "isrctn.xml", _file("registries/isrctn/SYNTHETIC_isrctn_api_allTrials.xml")),
    Case("anzctr-xml", "anzctr", "anzctr.xml", _file("registries/anzctr/SYNTHETIC_anzctr_trials.xml")),
    Case("intovalue-csv", "intovalue", "trials.csv", _csv_rows(_gunzip(INTOVALUE), 60), lines=True, quoted=True),
    Case("intovalue-csv-gz", "intovalue", "trials.csv.gz", _gzipped(_csv_rows(_gunzip(INTOVALUE), 400))),
    Case(
        "crossreg-csv",
        "crossreg",
        "pairs.csv",
        _csv_rows(_file("links/crossreg/crossreg_pipeline_output.csv"), 300),
        lines=True,
        quoted=True,
    ),
    Case(
        "crossreg-publication-csv",
        "crossreg",
        "cross-registrations.csv",
        _file("links/intovalue/cross-registrations.csv"),
        lines=True,
        quoted=True,
    ),
    Case(
        "pubmed-xml",
        "pubmed",
        "medline.xml",
        _xml_records(_gunzip(PUBMED), b"</PubmedArticle>", 12, b"</PubmedArticleSet>"),
    ),
    Case(
        "pubmed-xml-gz",
        "pubmed",
        "medline.xml.gz",
        _gzipped(_xml_records(_gunzip(PUBMED), b"</PubmedArticle>", 12, b"</PubmedArticleSet>")),
    ),
    # A MeSH record's triples span many subjects: no row-end cut can keep whole records (see ``parse_ntriples``).
    Case(  # an update file: citations, then a DeleteCitation block
        "pubmed-update-xml-gz",
        "pubmed",
        "pubmed20n1016.xml.gz",
        _file("pubmed/hugheylab_pmparser/updatefiles/pubmed20n1016.xml.gz"),
    ),
    Case("mesh-nt", "mesh", "mesh2020.nt", _file(MESH_NT), lines=True, one_per_line=False),
    Case("mesh-nt-gz", "mesh", "mesh2020.nt.gz", _gzipped(_file(MESH_NT))),
    Case("mesh-xml-desc", "mesh", "desc2022.xml", _file("ontologies/mesh/xml/desc-samples.xml")),
    Case("mesh-xml-supp", "mesh", "supp2022.xml", _file("ontologies/mesh/xml/supp-samples.xml")),
    Case("mesh-xml-qual", "mesh", "qual2022.xml", _file("ontologies/mesh/xml/qual-samples.xml")),
    Case("owl", "owl", "mondo_import.owl", _file("ontologies/mondo/mondo_import.covoc-2022-10-26.owl")),
    Case("sssom-tsv", "sssom", "mondo_exactmatch_doid.sssom.tsv", _lines(_file(SSSOM), 300), lines=True),
    Case(
        "sssom-tsv-gz",
        "sssom",
        "mondo_exactmatch_umls.sssom.tsv.gz",
        _gzipped(_lines(_gunzip("ontologies/mondo/sssom/mondo_exactmatch_umls.sssom.tsv.gz"), 300)),
    ),
    # A code with several DDDs spans rows: a cut at a row end between them cannot be seen, so no boundary test.
    Case("atc-csv", "atc", "WHO_ATC-DDD_2026-04-25.csv", _lines(_file(ATC), 1500), lines=True, one_per_line=False),
]


# --- reading and checking ----------------------------------------------------------------------------------------


def _read(source: str, path: Path) -> tuple[dict[Hashable, list[Any]], list[Quarantined]]:
    """The items a load of ``path`` would write, by key, and its quarantine entries."""
    loadable: dict[Hashable, list[Any]] = defaultdict(list)
    quarantined: list[Quarantined] = []
    for item in discover().create(source).read([path], load_run="sweep"):
        if isinstance(item, Quarantined):
            quarantined.append(item)
        else:
            loadable[_key(item)].append(item)
    return dict(loadable), quarantined


def _well_formed_prefix(case: Case, data: bytes, offset: int) -> bool:
    """Whether cutting at ``offset`` leaves a file no reader can tell from a complete one."""
    if offset >= len(data.rstrip()):
        return True  # only trailing whitespace is lost
    if case.lines and data[offset - 1 : offset] == b"\n":
        return not case.quoted or data.count(b'"', 0, offset) % 2 == 0
    return False


def _offsets(case: Case, data: bytes) -> list[int]:
    """20 seeded random cuts that a reader can see, and cuts inside the last record's last bytes."""
    last = len(data.rstrip())  # the end of the last record: past it only whitespace is lost
    rng = random.Random(f"{SEED}-{case.id}")
    chosen: set[int] = set()
    while len(chosen) < OFFSETS:
        offset = rng.randrange(1, last)
        if not _well_formed_prefix(case, data, offset):
            chosen.add(offset)
    # Inside the last record: just before its last byte (a closing tag's '>', a closing quote or brace), and
    # in its last field.
    chosen.update(o for o in (last - 1, last - 3) if o > 0 and not _well_formed_prefix(case, data, o))
    if case.quoted:  # right after a line break inside a quoted field: the prefix ends with a line end
        inside = [o for o in range(1, last) if data[o - 1 : o] == b"\n" and not _well_formed_prefix(case, data, o)]
        chosen.update(inside[-1:])
    return sorted(chosen)


def _as_complete(item: Any, complete: list[Any]) -> bool:
    """Whether writing ``item`` changes nothing the complete file wrote: it is the complete file's item; or a concept
    the complete file states too, marked ``end_unproven`` (never written over a stored copy); or a mapping equal but
    for that mark (its subject's other edges are then kept by a reload)."""
    if item in complete or (isinstance(item, ConceptRecord) and item.end_unproven and complete):
        return True
    return isinstance(item, MappingRecord) and item.end_unproven and replace(item, end_unproven=False) in complete


def _check_cut(case: Case, path: Path, complete: dict[Hashable, list[Any]], offset: int) -> list[str]:
    """What is wrong with the cut at ``offset`` (an empty list when the reader is right)."""
    loadable, quarantined = _read(case.source, path)
    problems = []
    for key, items in loadable.items():
        for item in items:
            if not _as_complete(item, complete.get(key, [])):
                problems.append(f"cut at {offset}: {key} is loadable but differs from the complete file's")
    truncated = [q for q in quarantined if q.truncated]
    whole = [q for q in quarantined if q.whole_file]
    if whole and not truncated:
        if loadable:
            problems.append(f"cut at {offset}: the file is quarantined whole yet yields {len(loadable)} items")
    elif len(truncated) != 1:
        problems.append(f"cut at {offset}: {len(truncated)} entries marked truncated, expected 1: {truncated[:2]}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_cut_file_loads_only_complete_records_and_says_it_was_cut(case: Case, tmp_path: Path) -> None:
    data = case.build()
    path = tmp_path / case.name
    path.write_bytes(data)
    complete, quarantined = _read(case.source, path)
    assert len(complete) >= case.min_items, f"{case.id}: the complete file should give several items to lose"
    assert not [q for q in quarantined if q.truncated or q.whole_file], "the complete file is not cut"
    problems = []
    for offset in _offsets(case, data):
        path.write_bytes(data[:offset])
        problems += _check_cut(case, path, complete, offset)
    assert not problems, "\n".join(problems)


LINE_CASES = [c for c in CASES if c.lines and c.one_per_line]


def _line(item: Any) -> int:
    """The line an item's origin (``file:LINE``) names: its row's first or last line, the reader's choice."""
    _, _, number = item.origin.rpartition(":")
    assert number.isdigit(), f"{item.origin}: a line format's items name their line"
    return int(number)


@pytest.mark.parametrize("case", LINE_CASES, ids=[c.id for c in LINE_CASES])
def test_a_cut_at_a_row_end_keeps_every_row_before_it(case: Case, tmp_path: Path) -> None:
    """A cut right after a row's line end leaves a well-formed file: the rows before it all load, unchanged.

    Its items are exactly the complete file's whose row lies before the cut (each names its row's line).
    """
    data = case.build()
    path = tmp_path / case.name
    path.write_bytes(data)
    complete, _ = _read(case.source, path)
    ends = [o for o in range(1, len(data)) if data[o - 1 : o] == b"\n" and _well_formed_prefix(case, data, o)]
    offset = ends[len(ends) // 2]
    lines_kept = data.count(b"\n", 0, offset)
    path.write_bytes(data[:offset])
    loadable, quarantined = _read(case.source, path)
    assert not [q for q in quarantined if q.truncated], "a cut at a row end cannot be seen"
    before = {key for key, items in complete.items() if min(_line(item) for item in items) <= lines_kept}
    assert 0 < len(before) < len(complete), "the cut falls between rows that give items"
    assert set(loadable) == before
    for key, items in loadable.items():
        assert all(_as_complete(item, complete[key]) for item in items), key


SPREAD_CASES = [c for c in CASES if c.lines and not c.one_per_line]


@pytest.mark.parametrize("case", SPREAD_CASES, ids=[c.id for c in SPREAD_CASES])
def test_a_cut_at_a_line_end_marks_every_record_it_could_have_shortened(case: Case, tmp_path: Path) -> None:
    """A record spread over lines (a MeSH record's subjects, an ATC code's DDD rows) can lose lines to a cut right
    after a line end, which leaves a well-formed file: no reader can see it. At 20 seeded such cuts, every item the
    cut file yields equals the complete file's, or is a concept marked ``end_unproven`` (which the writer never puts
    over a stored copy, ``tests/kg/test_truncated_vocabulary_graph.py``). Some cuts must shorten a record: else
    the sweep proves nothing.
    """
    data = case.build()
    path = tmp_path / case.name
    path.write_bytes(data)
    complete, _ = _read(case.source, path)
    ends = [o for o in range(1, len(data)) if data[o - 1 : o] == b"\n" and _well_formed_prefix(case, data, o)]
    offsets = sorted(random.Random(f"{SEED}-{case.id}-line-ends").sample(ends[1:-1], OFFSETS))
    problems, shortened = [], 0
    for offset in offsets:
        path.write_bytes(data[:offset])
        loadable, quarantined = _read(case.source, path)
        if [q for q in quarantined if q.truncated]:
            problems.append(f"cut at {offset}: a cut at a line end cannot be seen, yet an entry says truncated")
        for key, items in loadable.items():
            for item in items:
                if item in complete.get(key, []):
                    continue
                if isinstance(item, ConceptRecord) and item.end_unproven:
                    whole = [c for c in complete.get(key, []) if isinstance(c, ConceptRecord)]
                    shortened += all(replace(item, end_unproven=c.end_unproven) != c for c in whole)
                    continue
                problems.append(f"cut at {offset}: {key} differs from the complete file's and is not marked")
    assert not problems, "\n".join(problems)
    assert shortened, "no cut shortened a record: the sweep checks nothing"
