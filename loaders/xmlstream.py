"""Safe, flat-memory XML streaming shared by the XML loaders (MeSH, PubMed, CT.gov legacy, ISRCTN, ANZCTR).

Every XML input comes from outside (registry exports, NLM files naming a remote DTD) and can be hundreds of
megabytes, so every reader needs the same two things: parser options that never resolve entities, load a
DTD or touch the network (XXE and entity-expansion safety), and a way to drop each record element once it
has been read so a big file costs one record's tree at a time. Keeping both here means a reader cannot
quietly end up with weaker options than the others.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from types import MappingProxyType
from typing import IO, Final

from lxml import etree

__all__ = ["SAFE_PARSER_OPTIONS", "EndElements", "iter_end_elements", "release"]

SAFE_PARSER_OPTIONS: Final = MappingProxyType(
    {
        "resolve_entities": False,
        "no_network": True,
        "huge_tree": True,
        "remove_comments": True,
        "remove_pis": True,
        "load_dtd": False,
    }
)
"""lxml parser options: no entity resolution, no network, no DTD; comments and processing instructions dropped."""


_CHUNK_SIZE: Final = 1 << 16


class EndElements:
    """Iterates ("end", element) for each finished ``tag`` element of a binary stream or a path.

    Why a pull parser fed by hand rather than ``etree.iterparse``: when a file is broken (cut off, bad
    markup), exactly the record elements that were *closed* before the damage must reach the reader, and
    then the ``XMLSyntaxError``. ``iterparse`` promises neither half: how many finished elements it hands
    over before raising depends on its read size, which changed between lxml 5 and 6. Here each chunk's
    finished elements are drained from the parser's queue as soon as they exist, so the outcome depends
    only on where the damage is in the document, under any lxml.

    ``root`` is the document's root element once iteration has ended without an error.
    """

    def __init__(self, source: IO[bytes] | str, tag: str | Collection[str], *, remove_comments: bool) -> None:
        options = dict(SAFE_PARSER_OPTIONS)
        if not remove_comments:
            del options["remove_comments"], options["remove_pis"]
        self._source = source
        self._parser = etree.XMLPullParser(events=("end",), tag=tag, **options)
        self.root: etree._Element | None = None

    def __iter__(self) -> Iterator[tuple[str, etree._Element]]:
        if isinstance(self._source, str):
            with open(self._source, "rb") as stream:
                yield from self._drain(stream)
        else:
            yield from self._drain(self._source)

    def _drain(self, stream: IO[bytes]) -> Iterator[tuple[str, etree._Element]]:
        parser = self._parser
        try:
            while chunk := stream.read(_CHUNK_SIZE):
                parser.feed(chunk)
                yield from parser.read_events()
        except etree.XMLSyntaxError:
            # A fatal error inside a chunk stops the parser where it is: the queue holds what closed before it.
            yield from parser.read_events()
            raise
        # Every element finished by the end of the input has been drained above. A file that ends inside an
        # element fails in close(), and since libxml2 2.14 (lxml 6) that call first closes the open elements
        # and queues them as finished: they are incomplete, so they are never handed over.
        self.root = parser.close()
        yield from parser.read_events()


def iter_end_elements(
    source: IO[bytes] | str, tag: str | Collection[str], *, remove_comments: bool = True
) -> EndElements:
    """("end", element) for each finished ``tag`` element of ``source``, parsed with :data:`SAFE_PARSER_OPTIONS`.

    ``remove_comments=False`` keeps comments and processing instructions in the tree (lxml's default) for
    readers whose output has always included them. See :class:`EndElements` for what a broken file gives.
    """
    return EndElements(source, tag, remove_comments=remove_comments)


def release(element: etree._Element) -> None:
    """Free a finished element and every earlier sibling still referenced by its parent, keeping memory flat.

    An element that is the document root (one record per file) has no siblings to drop.
    """
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
