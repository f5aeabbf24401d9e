"""MeSH XML (``DescriptorRecordSet``, ``SupplementalRecordSet``, ``QualifierRecordSet``; plain or gzipped) →
concept records, one record element at a time.

``lxml.etree.iterparse`` hands over each finished record element, which is turned into a record and then
cleared together with the siblings before it, so a 300 MB ``desc`` file costs one record's tree at a time.
Records come out as the RDF reader spells them (same kinds, same relation names, same text cleaning),
so a record read from ``desc2014.xml`` equals the one read from the RDF of the same year.

Records that have tree numbers wait for the end of the file: their parents are the records owning the
parent tree numbers, which may come later in the file. The rest (all SCRs) stream straight through. In a
file that ends early, a record one of whose parent tree numbers no record read owns is held back: its parent
may be in the lost tail, and a record written without that parent would drop its BROADER edge.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from lxml import etree

from trialgraph.loaders.files import GZIP_ERRORS, open_binary
from trialgraph.loaders.mesh.common import (
    DESCRIPTOR_CLASS,
    RECORD_UI,
    SCR_CLASS,
    MeshStats,
    mesh_curie,
    parent_tree_number,
    relations,
    sorted_unique,
    year_from_name,
)
from trialgraph.loaders.xmlstream import iter_end_elements, release
from trialgraph.model.concept import ConceptRecord, Rejected
from trialgraph.model.text import collapse_whitespace

__all__ = ["parse_xml"]

_TREE_NUMBER = re.compile(r"^[A-Z]\d{2}(?:\.\d{3})*$")
_STARRED_UI = re.compile(r"^(\*?)([DQ]\d+)$")


class _BadRecord(Exception):
    """One record element cannot become a record; ``reason`` is one line for the rejects."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Shape:
    """How one record element type is read: where its UI, name and class live."""

    letter: str  # the UI's first letter
    ui_path: str
    name_path: str
    kind: Callable[[etree._Element], str]


def _descriptor_kind(element: etree._Element) -> str:
    return DESCRIPTOR_CLASS.get((element.get("DescriptorClass") or "").strip(), "Descriptor")


def _scr_kind(element: etree._Element) -> str:
    return SCR_CLASS.get((element.get("SCRClass") or "").strip(), "SupplementaryConceptRecord")


_SHAPES: dict[str, _Shape] = {
    "DescriptorRecord": _Shape("D", "DescriptorUI", "DescriptorName/String", _descriptor_kind),
    "SupplementalRecord": _Shape("C", "SupplementalRecordUI", "SupplementalRecordName/String", _scr_kind),
    "QualifierRecord": _Shape("Q", "QualifierUI", "QualifierName/String", lambda _element: "Qualifier"),
}


def parse_xml(path: Path, stats: MeshStats | None = None) -> Iterator[ConceptRecord | Rejected]:
    """Yield one record (or ``Rejected`` naming the record UI) per record element of one MeSH XML file.

    A syntax error ends the file with a ``Rejected`` giving the line; the records before it stay yielded.
    """
    stats = stats if stats is not None else MeshStats()
    stats.files += 1
    origin = str(path)
    version = year_from_name(path)
    deferred: list[ConceptRecord] = []
    seen_trees: set[tuple[str, str]] = set()  # (family, tree number) of every record element read, even rejected
    cut = False
    try:
        with open_binary(path) as stream:
            events = iter_end_elements(stream, tuple(_SHAPES))
            for _event, element in events:
                stats.xml_elements += 1
                shape = _SHAPES[element.tag]
                item = _item(element, shape, version, f"{origin}:{element.sourceline}")
                seen_trees.update((shape.letter, tree) for tree in _texts(element, "TreeNumberList/TreeNumber"))
                release(element)
                if isinstance(item, Rejected):
                    stats.rejected += 1
                    yield item
                elif item.tree_numbers:
                    deferred.append(item)
                else:
                    yield stats.count(item)
    except etree.XMLSyntaxError as exc:
        cut = True
        stats.rejected += 1
        reason = f"XML syntax error, rest of file skipped: {_one_line(exc.msg)}"
        yield Rejected(f"{origin}:{exc.lineno}", reason, truncated=True)
    except (OSError, *GZIP_ERRORS) as exc:  # truncated or corrupt gzip, unreadable file
        cut = True
        stats.rejected += 1
        reason = f"file unreadable: {_one_line(str(exc))}; records after the error are missing"
        yield Rejected(origin, reason, truncated=True)
    for item in _with_broader(deferred, seen_trees if cut else None):
        if isinstance(item, Rejected):
            stats.rejected += 1
            yield item
        else:
            yield stats.count(item)


def _item(element: etree._Element, shape: _Shape, version: str | None, origin: str) -> ConceptRecord | Rejected:
    ui = _text(element, shape.ui_path)
    try:
        return _record(element, shape, ui, version, origin)
    except _BadRecord as bad:
        return Rejected(origin, bad.reason, ui or None)


def _record(element: etree._Element, shape: _Shape, ui: str | None, version: str | None, origin: str) -> ConceptRecord:
    if not ui:
        raise _BadRecord(f"no {shape.ui_path}")
    if not RECORD_UI.match(ui) or ui[0] != shape.letter:
        raise _BadRecord(f"{shape.ui_path} {ui!r} is not a {shape.letter}-number")
    name = _text(element, shape.name_path)
    if not name:
        raise _BadRecord(f"no {shape.name_path}")
    trees = [_tree_number(text) for text in _texts(element, "TreeNumberList/TreeNumber")]
    preferred = next(
        (c for c in element.iterfind("ConceptList/Concept") if (c.get("PreferredConceptYN") or "").strip() == "Y"),
        None,
    )
    synonyms = {text for text in _texts(element, "ConceptList/Concept/TermList/Term/String") if text}
    synonyms.discard(name)
    related = [
        ("pharmacologicalAction", _reference(text, "D", "PharmacologicalAction")[1])
        for text in _texts(element, "PharmacologicalActionList/PharmacologicalAction/DescriptorReferredTo/DescriptorUI")
    ]
    related += [
        ("allowableQualifier", _reference(text, "Q", "AllowableQualifier")[1])
        for text in _texts(element, "AllowableQualifiersList/AllowableQualifier/QualifierReferredTo/QualifierUI")
    ]
    for text in _texts(element, "HeadingMappedToList/HeadingMappedTo/DescriptorReferredTo/DescriptorUI"):
        starred, target = _reference(text, "D", "HeadingMappedTo")
        related.append(("preferredMappedTo" if starred else "mappedTo", target))
    return ConceptRecord(
        curie=mesh_curie(ui),
        vocabulary="MESH",
        version=version,
        version_from_file_name=version is not None,  # MeSH XML states no year
        name=name,
        kind=shape.kind(element),
        synonyms=tuple(sorted(synonyms)),
        definition=collapse_whitespace(preferred.findtext("ScopeNote")) if preferred is not None else None,
        tree_numbers=sorted_unique(trees),
        relations=relations(related),
        origin=origin,
    )


def _text(element: etree._Element, path: str) -> str | None:
    return collapse_whitespace(element.findtext(path))


def _texts(element: etree._Element, path: str) -> list[str]:
    return [text for text in (collapse_whitespace(node.text) for node in element.iterfind(path)) if text]


def _tree_number(text: str) -> str:
    if not _TREE_NUMBER.match(text):
        raise _BadRecord(f"TreeNumber {text!r} is not a MeSH tree number")
    return text


def _reference(text: str, letter: str, where: str) -> tuple[bool, str]:
    """``*D001286`` → (True, ``D001286``): the star marks the main heading an SCR is mapped to."""
    found = _STARRED_UI.match(text)
    if found is None or found.group(2)[0] != letter:
        raise _BadRecord(f"{where} names {text!r}, not a {letter}-number")
    return bool(found.group(1)), found.group(2)


def _with_broader(
    records: list[ConceptRecord], seen_trees: set[tuple[str, str]] | None
) -> Iterator[ConceptRecord | Rejected]:
    """Parents are the records of the same family owning the parent tree numbers (as the RDF's broaderDescriptor).

    ``seen_trees``: given when the file ended early, the tree numbers of every record element read (rejected
    ones too). A parent tree number not among them may belong to a record of the lost tail, so its child is
    rejected (held back) rather than yielded without that parent. One whose owner was read but rejected has no
    parent edge in the complete file either.
    """
    owners = {(record.curie[5], tree): record.curie for record in records for tree in record.tree_numbers}
    for record in records:
        family = record.curie[5]
        wanted = [p for p in (parent_tree_number(tree) for tree in record.tree_numbers) if p is not None]
        unowned = [] if seen_trees is None else [p for p in wanted if (family, p) not in seen_trees]
        if unowned:
            reason = f"held back: the owner of parent tree number {unowned[0]} may be in the file's lost tail"
            yield Rejected(record.origin, reason, record.curie.removeprefix("MESH:"))  # the UI, as other rejects
            continue
        parents = {owners[(family, parent)] for parent in wanted if (family, parent) in owners}
        parents.discard(record.curie)
        yield replace(record, broader=tuple(sorted(parents))) if parents else record


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())[:200] or "unknown error"
