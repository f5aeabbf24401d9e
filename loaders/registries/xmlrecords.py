"""Stream the record elements of an XML export, one at a time, surviving a damaged file.

Exports can be large and downloads get cut off: lxml's ``iterparse`` hands over each record element when
it is complete, so memory stays flat and every record before the damage still loads. The damage itself
becomes one quarantine entry for the file, with lxml's one-line message, instead of a stack trace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from lxml import etree

from trialgraph.loaders.files import no_records_entry
from trialgraph.loaders.registries.files import Parsed, guarded, one_line
from trialgraph.loaders.xmlstream import iter_end_elements, release
from trialgraph.model.staged import Quarantined
from trialgraph.model.study import StudyRecord

__all__ = ["ElementParser", "iter_xml_records"]

ElementParser = Callable[[etree._Element], StudyRecord]
"""Turns one complete record element into a record; raises ParseError for an unusable one."""


def iter_xml_records(path: Path, tag: str, parse: ElementParser, *, label: str) -> Iterator[Parsed]:
    """One (record or rejection, origin) per ``tag`` element in ``path``; ``label`` names it in reasons."""
    count = 0
    try:
        # safe options (an export never needs external entities: XXE risk); comments stay as they always have
        for _, element in iter_end_elements(str(path), tag, remove_comments=False):
            origin = f"{path}[{count}]"
            count += 1
            yield guarded(partial(parse, element), origin), origin
            release(element)
    except etree.XMLSyntaxError as exc:
        reason = f"malformed or truncated XML after {count} {label} record(s): {one_line(exc)}"
        yield Quarantined(origin=str(path), reason=reason, truncated=True), str(path)
        return
    if count == 0:  # well-formed, but no record: refused whole, never 0 records in silence
        yield no_records_entry(path, f"no <{_shown(tag)}> element"), str(path)


def _shown(tag: str) -> str:
    return etree.QName(tag).localname
