"""ANZCTR XML export: one ``ANZCTR_Trial`` per file (the real export), or several under a wrapper element.

``iterparse`` on the trial element handles both layouts with one code path, keeps memory flat, and still
yields the trials before a truncation. The element names carry no namespace in the real export; a
namespaced copy is read the same (the dict conversion uses local names).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from trialgraph.loaders.anzctr.mapping import trial_to_record
from trialgraph.loaders.registries.files import Parsed
from trialgraph.loaders.registries.tree import element_to_dict
from trialgraph.loaders.registries.xmlrecords import iter_xml_records
from trialgraph.model.study import StudyRecord

__all__ = ["TRIAL_TAG", "iter_anzctr_xml_file", "parse_trial_element"]

TRIAL_TAG = "{*}ANZCTR_Trial"  # any namespace or none


def iter_anzctr_xml_file(path: Path) -> Iterator[Parsed]:
    """One item per ``ANZCTR_Trial`` in ``path`` (origin ``path[index]``)."""
    return iter_xml_records(path, TRIAL_TAG, parse_trial_element, label="ANZCTR_Trial")


def parse_trial_element(element: etree._Element) -> StudyRecord:
    """The record of one ``ANZCTR_Trial`` element. Raises ParseError."""
    return trial_to_record(element_to_dict(element))
