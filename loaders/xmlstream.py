"""Safe, flat-memory XML streaming shared by the XML loaders (MeSH, PubMed, CT.gov legacy, ISRCTN, ANZCTR).

Every XML input comes from outside (registry exports, NLM files naming a remote DTD) and can be hundreds of
megabytes, so every reader needs the same two things: parser options that never resolve entities, load a
DTD or touch the network (XXE and entity-expansion safety), and a way to drop each record element once it
has been read so a big file costs one record's tree at a time. Keeping both here means a reader cannot
quietly end up with weaker options than the others.
"""

from __future__ import annotations

from collections.abc import Collection
from types import MappingProxyType
from typing import IO, Final

from lxml import etree

__all__ = ["SAFE_PARSER_OPTIONS", "iter_end_elements", "release"]

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


def iter_end_elements(
    source: IO[bytes] | str, tag: str | Collection[str], *, remove_comments: bool = True
) -> etree.iterparse:
    """``etree.iterparse`` of ``source`` yielding ("end", element) for each finished ``tag`` element.

    Parsed with :data:`SAFE_PARSER_OPTIONS`; ``remove_comments=False`` keeps comments and processing
    instructions in the tree (lxml's default) for readers whose output has always included them.
    """
    options = dict(SAFE_PARSER_OPTIONS)
    if not remove_comments:
        del options["remove_comments"], options["remove_pis"]
    return etree.iterparse(source, events=("end",), tag=tag, **options)


def release(element: etree._Element) -> None:
    """Free a finished element and every earlier sibling still referenced by its parent, keeping memory flat.

    An element that is the document root (one record per file) has no siblings to drop.
    """
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
