"""The ICTRP search-portal XML export (root ``Trials_downloaded_from_ICTRP``, one ``<Trial>`` per record).

Streamed with ``lxml.etree.iterparse``: each ``<Trial>`` is read into a dict of canonical field names
(through the crosswalk) and cleared, so memory stays flat on full-size exports. An absent element and an
empty one mean the same (empty). A file that stops being well-formed part-way quarantines one entry
with the parser's message; the trials before it are kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from trialgraph.loaders.files import or_no_records
from trialgraph.loaders.ictrp.crosswalk import XML_TO_CANONICAL
from trialgraph.loaders.ictrp.fields import record_or_quarantine
from trialgraph.loaders.ictrp.source import open_bytes
from trialgraph.loaders.ictrp.tabular import Item
from trialgraph.loaders.xmlstream import iter_end_elements, release
from trialgraph.model.staged import Quarantined

__all__ = ["ROOT", "SOURCE_FORMAT", "TRIAL", "parse"]

SOURCE_FORMAT = "ictrp-xml"
ROOT = "Trials_downloaded_from_ICTRP"
TRIAL = "Trial"


def _values(trial: etree._Element) -> dict[str, str]:
    values: dict[str, str] = {}
    for child in trial:
        if isinstance(child.tag, str):
            values[XML_TO_CANONICAL.get(child.tag, child.tag)] = "".join(child.itertext())
    return values


def parse(path: Path) -> Iterator[Item]:
    """(record or quarantine entry, origin) for every ``<Trial>`` in an ICTRP XML export.

    A well-formed export with no ``<Trial>`` is one whole-file entry (:func:`~trialgraph.loaders.files.or_no_records`).
    """
    return or_no_records(path, _parse(path), f"no <{TRIAL}> element", lambda entry: (entry, entry.origin))


def _parse(path: Path) -> Iterator[Item]:
    number = 0
    with open_bytes(path) as handle:
        events = iter_end_elements(handle, TRIAL, remove_comments=False)
        try:
            for _, trial in events:
                number += 1
                origin = f"{path}:Trial[{number}]"
                yield record_or_quarantine(_values(trial), source_format=SOURCE_FORMAT, origin=origin)
                release(trial)
        except (etree.XMLSyntaxError, OSError, EOFError) as e:
            origin = f"{path}:Trial[{number + 1}]"
            yield Quarantined(origin=origin, reason=f"XML is not well-formed: {e}", truncated=True), origin
