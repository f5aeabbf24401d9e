"""ISRCTN API XML (``allTrials/fullTrial/trial`` in namespace ``http://www.67bricks.com/isrctn``).

Each ``fullTrial`` is streamed with lxml, turned into the ctrdata-style dict (the JSONL's shape) and
mapped by the shared :mod:`trialgraph.loaders.isrctn.mapping`; its ``sponsor``/``funder`` blocks, which
only the real API XML carries, become the record's sponsors.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from trialgraph.errors import ParseError
from trialgraph.loaders.isrctn.mapping import trial_to_record
from trialgraph.loaders.registries.files import Parsed
from trialgraph.loaders.registries.tree import element_to_dict
from trialgraph.loaders.registries.xmlrecords import iter_xml_records
from trialgraph.model.study import StudyRecord

__all__ = ["NAMESPACE", "SOURCE_FORMAT", "iter_api_xml_file", "parse_full_trial"]

NAMESPACE = "http://www.67bricks.com/isrctn"
SOURCE_FORMAT = "isrctn-xml"
_FULL_TRIAL = f"{{{NAMESPACE}}}fullTrial"


def iter_api_xml_file(path: Path) -> Iterator[Parsed]:
    """One item per ``fullTrial`` (origin ``path[index]``); a damaged file still yields what precedes it."""
    return iter_xml_records(path, _FULL_TRIAL, parse_full_trial, label="ISRCTN fullTrial")


def parse_full_trial(element: etree._Element) -> StudyRecord:
    """The record of one ``fullTrial`` element. Raises ParseError."""
    full = element_to_dict(element)
    trial = full.get("trial") if isinstance(full, dict) else None
    if not isinstance(trial, dict):
        raise ParseError("fullTrial without a <trial> element")
    parties = {key: value for key, value in full.items() if key != "trial"}
    return trial_to_record(trial, source_format=SOURCE_FORMAT, parties=parties)
