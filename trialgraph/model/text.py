"""Text cleaning, one copy per policy: what each source's free text needs before it is stored.

Three policies, because the sources differ in what their whitespace means:

* :func:`strip_text` keeps the layout (CT.gov text blocks: line breaks separate list items);
  :func:`undo_markdown_escapes` goes with it for API v2, which writes the same text as CommonMark (``50mg \\& 10 mg``
  where the legacy XML has ``50mg & 10 mg``);
* :func:`collapse_whitespace` makes one line (MeSH notes are wrapped over indented lines, and the wrapping
  is not data);
* :func:`clean_registry_text` also removes markup, entities, ``NULL`` and mis-decoded UTF-8 (WHO ICTRP and
  the registries that export through it).
"""

from __future__ import annotations

import html
import re
from typing import overload

__all__ = ["clean_registry_text", "collapse_whitespace", "strip_text", "undo_markdown_escapes"]

_WHITESPACE = re.compile(r"\s+")

_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
"""A CommonMark backslash escape: a backslash before one of the 32 ASCII punctuation characters (spec 2.4). A
backslash before anything else (a letter, a digit, a space, non-ASCII) is a literal backslash and is not matched."""

_BR = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
# Only real tags: "<= 79age old" or "< 80" (ICTRP age limits) must survive.
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_SPACES = re.compile(r"[^\S\n]+")  # whitespace other than newline, incl. NBSP and tabs
_SPACE_AROUND_NEWLINE = re.compile(r" ?\n ?")
_BLANK_LINES = re.compile(r"\n{3,}")
_NULLS = frozenset({"null"})
# Mojibake is only attempted when one of these lead characters of a mis-decoded UTF-8 sequence is present.
_MOJIBAKE_HINT = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u2018-\u203a\u0152-\u0178\u02c6\u02dc\u0160\u0161]")


def _repair_mojibake(text: str) -> str:
    """UTF-8 bytes that were decoded as Latin-1/cp1252 ("PÃ©diatrie"), undone when the round trip is clean.

    A genuine Latin-1 string almost never re-encodes into valid UTF-8, so a clean round trip is the proof.
    """
    if not _MOJIBAKE_HINT.search(text):
        return text
    for encoding in ("latin-1", "cp1252"):
        try:
            repaired = text.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if repaired != text:
            return repaired
    return text


def clean_registry_text(value: str | None) -> str | None:
    """A registry text field made fit for display and comparison, or None when it holds nothing.

    Registries right-pad fields with hundreds of spaces, write ``NULL`` for missing values, embed
    ``<br>`` and other markup and HTML entities, and some exports were mis-decoded once (UTF-8 read as
    Latin-1). Newlines are kept (they separate list items in several registries); other whitespace runs
    become one space.
    """
    if value is None:
        return None
    text = str(value)
    if not text.strip() or text.strip().casefold() in _NULLS:
        return None
    text = _BR.sub("\n", text)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = _repair_mojibake(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    text = _BLANK_LINES.sub("\n\n", text).strip()
    if not text or text.casefold() in _NULLS:
        return None
    return text


def strip_text(text: str | None) -> str | None:
    """Strip, turn CRLF/CR into LF; empty becomes None."""
    if text is None:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def collapse_whitespace(text: str | None) -> str | None:
    """Whitespace runs → one space: both formats wrap notes over indented lines, and the wrapping is not data."""
    if text is None:
        return None
    cleaned = _WHITESPACE.sub(" ", text).strip()
    return cleaned or None


@overload
def undo_markdown_escapes(text: str) -> str: ...
@overload
def undo_markdown_escapes(text: None) -> None: ...
def undo_markdown_escapes(text: str | None) -> str | None:
    """The text with CommonMark backslash escapes undone (``\\&`` → ``&``, ``\\\\`` → ``\\``); None stays None.

    CT.gov API v2 serves its free text as CommonMark and escapes the punctuation that Markdown would read as
    markup; the legacy XML of the same record has the characters as the registrant typed them. One left-to-right
    pass, so an escaped backslash is one literal backslash and never escapes what follows it (``mg\\\\dl`` →
    ``mg\\dl``). Backslashes that are no escape (``NYI\\NHL``) are kept. Code spans are not special-cased: CT.gov
    text has none.
    """
    if text is None or "\\" not in text:
        return text
    return _MARKDOWN_ESCAPE.sub(r"\1", text)
