"""Issue 18, point 1, in the graph: a vocabulary file cut at 20 seeded offsets, each loaded over the graph of the
complete file, leaves that graph exactly as it was.

The parser-level sweep (``tests/loaders/test_truncation_sweep.py``) checks that a cut file yields nothing but the
complete file's records; it cannot see what the writer does with a whole load, and vocabulary loads do more than
write records: a load that is not ``partial`` replaces its mapping sets (removing the edges a set no longer
states), and a concept is rewritten with its edges. Those are where a file cut exactly at a line end (which reads as
whole) did damage. So these formats are loaded for real: OBO (DOID), SSSOM, ATC and MeSH N-Triples, plain,
each cut at 20 seeded offsets: 5 line ends, 5 line ends between two lines of one record, 10 inside lines. Every
record a cut file holds whole is rewritten unchanged, so the graph must be identical after every cut load
(``kg.dump`` leaves out only which run wrote what). (MeSH cuts inside a record's run mostly cut off its type or
label, so that no record is built: ``tests/kg/test_truncated_vocabulary_graph.py`` cuts one that reads whole.)

Every other source and input format of the parser-level sweep (registries, links, PubMed, MeSH XML, OWL, the
compressed variants) and EU CTR's full text are loaded for real too, each at the parser sweep's 20 seeded cuts
that a reader can see plus its cuts inside the last record: there the parser sweep's argument (a cut file yields
only the complete file's items) is checked where it matters, in the graph, writer and all. These cuts are written
over the complete file's path, as the parser sweep reads them: a link restated unchanged from another file takes
that file as its ``source_file`` (the one property a restatement moves).
"""

from __future__ import annotations

import gzip
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import neo4j
import pytest

from tests.data import shared
from tests.loaders import test_truncation_sweep as parser_sweep
from trialgraph.api import TrialGraph
from trialgraph.kg.dump import compare_dumps, write_dump
from trialgraph.settings import Settings

CUTS_PER_KIND = 10  # line ends, and offsets inside lines: 20 in all
SEED = 18


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    source: str
    name: str
    build: Callable[[], bytes]
    # Whether two consecutive lines belong to one record: a cut at the line end between them shortens it (the
    # hard case, which random line ends seldom hit).
    continues: Callable[[bytes, bytes], bool]


def _same_first_field(separator: bytes) -> Callable[[bytes, bytes], bool]:
    """Rows (or triples) of one record start with the same field: an ATC code, an SSSOM or N-Triples subject."""
    return lambda line, after: line.split(separator, 1)[0] == after.split(separator, 1)[0]


def _inside_stanza(line: bytes, after: bytes) -> bool:
    return bool(line.strip()) and bool(after.strip()) and not after.startswith(b"[")


def _first_lines(relative: str, count: int) -> Callable[[], bytes]:
    return lambda: b"".join(shared(relative).read_bytes().splitlines(keepends=True)[:count])


def _doid_terms(count: int) -> Callable[[], bytes]:
    """The DOID release's header and first ``count`` term stanzas, each ending in its blank line."""

    def build() -> bytes:
        text = gzip.decompress(shared("ontologies/doid/doid.obo.gz").read_bytes())
        starts, at = [], 0
        while len(starts) <= count and (at := text.find(b"\n[Term]\n", at) + 1):
            starts.append(at)
        return text[: starts[count]]

    return build


CASES = [
    Case("obo", "obo", "doid.obo", _doid_terms(60), _inside_stanza),
    Case(
        "sssom",
        "sssom",
        "mondo_exactmatch_icd10cm.sssom.tsv",
        lambda: shared("ontologies/mondo/sssom/mondo_exactmatch_icd10cm.sssom.tsv").read_bytes(),  # 19 subjects of 2+
        _same_first_field(b"\t"),
    ),
    Case(
        "atc",
        "atc",
        "WHO_ATC-DDD_2026-04-25.csv",
        _first_lines("ontologies/atc/WHO_ATC-DDD_2026-04-25.csv", 400),
        _same_first_field(b","),
    ),
    Case(
        "mesh-nt",
        "mesh",
        "mesh2020-subset.nt",
        lambda: shared("ontologies/mesh/samples-2020/mesh2020-subset.nt").read_bytes(),
        _same_first_field(b" "),
    ),
]


# The parser sweep's plain SSSOM, ATC and MeSH N-Triples cases are the formats swept above, with line-end cuts.
FORMATS = [case for case in parser_sweep.CASES if case.id not in {"sssom-tsv", "atc-csv", "mesh-nt"}] + [
    parser_sweep.Case(
        "euctr-text",
        "euctr",
        "euctr_fulltext.txt",
        lambda: shared("registries/euctr/euctr_fulltext_2021-002179-21_2022-002568-62.txt").read_bytes(),
    ),
]


@pytest.fixture()
def tg(graph: neo4j.Driver, neo4j_server: Settings) -> Iterator[TrialGraph]:
    client = TrialGraph.connect(neo4j_server)
    yield client
    client.close()


def _offsets(case: Case, data: bytes) -> list[int]:
    """20 seeded cuts before the last line's end: 5 line ends anywhere, 5 line ends inside a record (between two of
    its lines), and 10 offsets inside lines."""
    rng = random.Random(f"{SEED}-{case.id}")
    lines = data.splitlines(keepends=True)
    ends = list(itertools.accumulate(len(line) for line in lines))[:-1]
    within = [end for end, line, after in zip(ends, lines, lines[1:], strict=False) if case.continues(line, after)]
    inside = [at for at in range(1, len(data.rstrip())) if data[at - 1 : at] != b"\n"]
    chosen = rng.sample(ends, CUTS_PER_KIND // 2) + rng.sample(within, CUTS_PER_KIND // 2)
    return sorted(set(chosen + rng.sample(inside, CUTS_PER_KIND)))


def _changes(
    tg: TrialGraph, source: str, name: str, data: bytes, offsets: list[int], folder: Path, *, same_path: bool = False
) -> list[str]:
    """Load the complete file, then each cut over its graph: what each cut changed (nothing, when loads are right).

    ``same_path``: the cut is written where the complete file was, as a download repeated into the same folder;
    otherwise it lies in another folder, so a record the cut rewrites would show the other path in its origin."""
    (folder / "complete").mkdir()
    (folder / "cut").mkdir()
    complete = folder / "complete" / name
    cut = complete if same_path else folder / "cut" / name
    complete.write_bytes(data)
    first = tg.load(source, [complete])
    assert first.written > 0 and not first.partial
    before = folder / "before.jsonl.gz"
    write_dump(tg.driver, before)
    problems = []
    for offset in offsets:
        cut.write_bytes(data[:offset])
        tg.load(source, [cut])
        after = folder / "after.jsonl.gz"
        write_dump(tg.driver, after)
        difference = compare_dumps(before, after)
        if not difference.identical:
            at_line_end = data[offset - 1 : offset] == b"\n"
            problems.append(f"cut at {offset} (at a line end: {at_line_end}): {difference.examples}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_cut_file_loaded_over_the_complete_graph_leaves_it_unchanged(
    case: Case, tg: TrialGraph, tmp_path: Path
) -> None:
    data = case.build()
    problems = _changes(tg, case.source, case.name, data, _offsets(case, data), tmp_path)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", FORMATS, ids=[c.id for c in FORMATS])
def test_every_format_cut_and_loaded_over_the_complete_graph_leaves_it_unchanged(
    case: parser_sweep.Case, tg: TrialGraph, tmp_path: Path
) -> None:
    data = case.build()
    offsets = parser_sweep._offsets(case, data)
    assert len(offsets) >= 20
    problems = _changes(tg, case.source, case.name, data, offsets, tmp_path, same_path=True)
    assert not problems, "\n".join(problems)
