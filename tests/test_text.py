"""``trialgraph.model.text.undo_markdown_escapes``: CommonMark backslash escapes out, every other backslash kept."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialgraph.model.criteria import split_criteria
from trialgraph.model.text import undo_markdown_escapes


def _escape_all_punctuation(text: str) -> str:
    """What a CommonMark writer may do to plain text: a backslash before every ASCII punctuation character."""
    return "".join("\\" + ch if ch in string.punctuation else ch for ch in text)


@pytest.mark.parametrize("char", list(string.punctuation))
def test_each_of_the_32_ascii_punctuation_escapes_is_undone(char: str) -> None:
    assert len(string.punctuation) == 32
    assert undo_markdown_escapes(f"a \\{char} b") == f"a {char} b"


@pytest.mark.parametrize(
    "text",
    [
        "NYI\\NHL",  # legacy NCT00002590: a backslash before a letter is the registrant's
        "Inclusion\\Exclusion criteria:",  # legacy NCT00493740
        "C:\\data\\file 2",
        "\\1 and \\d+",  # regex-like text: digits and letters are no escapes
        "a \\ b",  # before a space
        "caf\\é",  # before non-ASCII punctuation-like characters too
        "ends with \\",
        "line\\\nbreak",  # a hard line break in CommonMark, not an escape
    ],
)
def test_a_backslash_that_is_no_escape_is_kept(text: str) -> None:
    assert undo_markdown_escapes(text) == text


def test_an_escaped_backslash_is_one_backslash_and_escapes_nothing() -> None:
    # v2 NCT05439486 writes "mg\\dl" for the registrant's "mg\dl"; one pass, left to right
    assert undo_markdown_escapes("creatinine\\>1.3 mg\\\\dl") == "creatinine>1.3 mg\\dl"
    assert undo_markdown_escapes("\\\\>") == "\\>"
    assert undo_markdown_escapes("\\\\\\&") == "\\&"


def test_the_overlap_example_and_none() -> None:
    assert undo_markdown_escapes("Viagra®50mg \\& Levitra®10mg") == "Viagra®50mg & Levitra®10mg"
    assert undo_markdown_escapes(None) is None
    assert undo_markdown_escapes("") == ""


@given(st.text())
def test_escaping_every_punctuation_character_and_undoing_gives_the_text_back(text: str) -> None:
    plain = text.replace("\\", "")
    assert undo_markdown_escapes(_escape_all_punctuation(plain)) == plain
    assert undo_markdown_escapes(plain) == plain


def test_criteria_share_the_helper_so_an_escaped_number_is_a_numbered_point() -> None:
    """v2 NCT01701245 writes ``1\\. Signed …`` where legacy writes ``1. Signed …``: both are point 1."""
    v2_text = (
        "Inclusion Criteria:\n\n1\\. Signed consent\n2\\. Age \\& sex \\> 18\n\n\\-\n\nExclusion Criteria:\n\n\\- None"
    )
    split = split_criteria(v2_text)
    assert split.inclusion == ("Signed consent", "Age & sex > 18")
    assert split.exclusion == ("None",)
    assert split == split_criteria(
        "Inclusion Criteria:\n\n1. Signed consent\n2. Age & sex > 18\n\nExclusion Criteria:\n\n- None"
    )
