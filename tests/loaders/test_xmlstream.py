"""The shared XML stream hands over exactly the record elements closed before any damage, under any lxml.

lxml 6 (libxml2 2.14) changed what ``iterparse`` yields before a syntax error and, at a premature end of
input, closes open elements as if they were complete; these cases pin the behaviour the loaders rely on.
"""

from __future__ import annotations

import io

import pytest
from lxml import etree

from trialgraph.loaders.xmlstream import iter_end_elements

CASES = {
    "cut after a closed record": (b"<root><rec>1</rec><rec>2</rec>", ["1", "2"]),
    "cut inside a record": (b"<root><rec>1</rec><rec>2</re", ["1"]),
    "mismatched tags inside the third record": (
        b"<root><rec>1</rec><rec>2</rec><rec><a>3</rec><rec>4</rec></root>",
        ["1", "2"],
    ),
    "junk after the root": (b"<root><rec>1</rec><rec>2</rec></root>junk<", ["1", "2"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("padding", [0, 70_000])  # damage in the first read, or chunks after it
def test_damaged_input_yields_the_closed_records_then_the_error(name: str, padding: int) -> None:
    data, expected = CASES[name]
    data = data.replace(b"<root>", b"<root>" + b" " * padding, 1)
    seen = []
    with pytest.raises(etree.XMLSyntaxError):
        for _event, element in iter_end_elements(io.BytesIO(data), "rec"):
            seen.append(element.text)
    assert seen == expected


def test_a_whole_document_yields_every_record_and_its_root(tmp_path) -> None:
    path = tmp_path / "ok.xml"
    path.write_bytes(b"<?xml version='1.0'?><root>" + b"<rec>x</rec>" * 10_000 + b"</root>")
    elements = iter_end_elements(str(path), "rec")
    assert sum(1 for _ in elements) == 10_000
    assert elements.root is not None and elements.root.tag == "root"


def test_entities_are_never_expanded() -> None:
    data = b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><root><rec>&x;</rec></root>'
    ((_, element),) = list(iter_end_elements(io.BytesIO(data), "rec"))
    assert "root:" not in etree.tostring(element, encoding="unicode")
