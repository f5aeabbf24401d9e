"""The ``mesh`` vocabulary source: MeSH files and folders → concept records, whichever format NLM shipped.

NLM publishes MeSH as RDF (``mesh2022.nt``) and as XML (``desc2022.xml``, ``supp2022.xml``, ``qual2022.xml``);
a user holds either, often both. The format is told by the file name, and one table maps each name
ending to its parser, so a new format is one line here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from trialgraph.errors import SourceError
from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.concepts.source import VocabularyItem
from trialgraph.loaders.detect import Detection, has
from trialgraph.loaders.files import check_input, empty_file_entry, or_no_records, walk_files
from trialgraph.loaders.mesh.common import MeshStats
from trialgraph.loaders.mesh.rdf import parse_ntriples
from trialgraph.loaders.mesh.xml import parse_xml
from trialgraph.model.concept import ConceptRecord, Rejected

__all__ = ["PARSERS", "MeshSource", "parser_for"]

_Parser = Callable[[Path, MeshStats], Iterator[ConceptRecord | Rejected]]

# Longest endings first: the first one a file name ends with decides its parser.
PARSERS: dict[str, _Parser] = {
    ".nt.gz": parse_ntriples,
    ".xml.gz": parse_xml,
    ".nt": parse_ntriples,
    ".xml": parse_xml,
}

_EXPECTED: dict[_Parser, str] = {
    parse_ntriples: "no MeSH descriptor, qualifier or supplementary record subject",
    parse_xml: "no <DescriptorRecord>, <QualifierRecord> or <SupplementalRecord> element",
}
"""Per parser, what a file that parses but holds no record lacks (the ``no records`` reason)."""


def parser_for(path: Path) -> _Parser | None:
    name = path.name.lower()
    return next((parser for ending, parser in PARSERS.items() if name.endswith(ending)), None)


@SOURCES.register("mesh")
class MeshSource:
    """Parses MeSH files; ``stats`` accumulates over every ``parse`` call for the caller's report."""

    name = "mesh"
    graph_writer = "concepts"
    detection = Detection(
        rank=60,
        rules=(
            has("<DescriptorRecordSet"),
            has("<SupplementalRecordSet"),
            has("<QualifierRecordSet"),
            has("id.nlm.nih.gov/mesh"),
        ),
    )

    def __init__(self) -> None:
        self.stats = MeshStats()

    def read(self, paths: Iterable[Path], *, load_run: str = "") -> Iterator[VocabularyItem]:
        """Files are parsed as named; a folder contributes its MeSH files (not recursively), sorted by name.

        Raises:
            SourceError: a path does not exist, or a named file is not a MeSH format (a typo must stop the run).
        """
        for path in _files(paths):
            parser = parser_for(path)
            if parser is None:
                raise SourceError(f"not a MeSH file (expected {', '.join(PARSERS)}): {path}")
            if (empty := empty_file_entry(path)) is not None:  # blank: refused whole, never 0 records in silence
                yield empty
                continue
            yield from or_no_records(path, parser(path, self.stats), _EXPECTED[parser])  # refused whole


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        check_input(path)
        if path.is_dir():
            yield from walk_files(path, lambda child: parser_for(child) is not None)
        else:
            yield path
