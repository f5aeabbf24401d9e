"""The eligibility splitter on real records: items are bullets or paragraphs with wrapped lines joined,
headings are found with or without a bullet, text before any heading is the preamble, both formats agree."""

from __future__ import annotations

import re
import zipfile
from functools import cache

import pytest
from lxml import etree

from tests.data import shared
from tests.loaders.test_ctgov_overlap import OVERLAP, legacy_raw, v2_raw
from trialgraph.loaders.ctgov import v2
from trialgraph.loaders.ctgov.legacy import parse_study as parse_legacy
from trialgraph.model.criteria import LEGACY_WRAP_WIDTH, split_criteria

LEGACY_BULLET = re.compile(r"^[ \t]*-[ \t]+\S")  # how the legacy dump writes a bullet: "  -  text"
HEADING = re.compile(r"^[ \t]*(?:-[ \t]+)?(?:key[ \t]+)?(?:inclusion|exclusion)[ \t]+criteria[ \t]*:?[ \t]*$", re.I)


@cache
def _legacy_blocks() -> list[tuple[str, str]]:
    with zipfile.ZipFile(shared("ctgov/legacy/AllPublicXML-subset.zip")) as zf:
        blocks = []
        for member in zf.namelist():
            if member.endswith(".xml"):
                text = etree.fromstring(zf.read(member)).findtext("eligibility/criteria/textblock")
                if text:
                    blocks.append((member, text.replace("\r\n", "\n")))
    return blocks


@pytest.mark.parametrize("nct_id", sorted(OVERLAP))
def test_both_formats_give_the_same_items(nct_id: str) -> None:
    new = v2.parse_study(v2_raw()[nct_id], expected_id=nct_id).eligibility
    old = parse_legacy(legacy_raw()[nct_id], expected_id=nct_id).eligibility
    assert new is not None and old is not None
    assert (new.preamble, new.inclusion, new.exclusion) == (old.preamble, old.inclusion, old.exclusion)
    assert new.inclusion or new.exclusion


def test_a_hard_wrapped_paragraph_and_bullet_are_one_item_each() -> None:
    record = parse_legacy(legacy_raw()["NCT00492635"], expected_id="NCT00492635")
    assert record.eligibility is not None
    assert (
        "Before being randomized subjects must still be meeting all Screening Inclusion Criteria, as well as the "
        "following criteria:"
    ) in record.eligibility.inclusion
    assert (
        "Scheduled to undergo bilateral nerve-sparing radical retropubic BNSRRP, as selected according to the "
        "investigator's usual clinical practice"
    ) in record.eligibility.inclusion


def test_in_bullet_only_legacy_blocks_every_bullet_is_exactly_one_item() -> None:
    """Where every paragraph under the headings is a bullet, items = bullets, however many lines each wraps to."""
    checked = 0
    for member, text in _legacy_blocks():
        paragraphs = [p for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
        body = [p for p in paragraphs if not HEADING.match(p.strip("\n"))]
        if not body or not all(LEGACY_BULLET.match(p.lstrip("\n")) for p in body):
            continue
        if not any(HEADING.match(p.strip("\n")) for p in paragraphs):
            continue
        bullets = sum(1 for line in text.split("\n") if LEGACY_BULLET.match(line) and not HEADING.match(line))
        split = split_criteria(text, wrap_width=LEGACY_WRAP_WIDTH)
        assert len(split.preamble) + len(split.inclusion) + len(split.exclusion) == bullets, member
        assert all("\n" not in item for item in split.inclusion + split.exclusion)
        checked += 1
    assert checked > 300


def test_bulleted_headings_are_headings_not_items() -> None:
    seen = 0
    for member, text in _legacy_blocks():
        if not any(HEADING.match(line) and LEGACY_BULLET.match(line) for line in text.split("\n")):
            continue
        split = split_criteria(text, wrap_width=LEGACY_WRAP_WIDTH)
        for item in split.preamble + split.inclusion + split.exclusion:
            assert not re.fullmatch(r"(?i)(key\s+)?(inclusion|exclusion)\s+criteria\s*:?", item), member
        seen += 1
    assert seen >= 100


def test_text_before_any_heading_is_the_preamble_and_markdown_escapes_are_undone() -> None:
    text = (
        "Patients must meet all of:\n\nInclusion Criteria:\n\n* ALT \\> 2x ULN\n* age 18\n\n"
        "Exclusion Criteria:\n\n* none"
    )
    split = split_criteria(text)
    assert split.preamble == ("Patients must meet all of:",)
    assert split.inclusion == ("ALT > 2x ULN", "age 18")
    assert split.exclusion == ("none",)
    # v2 text is never wrapped: two lines without bullets are two items
    assert split_criteria("Inclusion Criteria:\nAdults\nWith asthma").inclusion == ("Adults", "With asthma")
    # a lone bullet marker is no item
    assert split_criteria("Inclusion Criteria:\n\n-\n\n- a").inclusion == ("a",)


def test_legacy_wrap_is_judged_by_whether_the_next_word_fitted() -> None:
    long_line = "        " + "x" * 85 + " fits"  # 99 columns
    wrapped = f"Inclusion Criteria:\n\n{long_line}\n        continued\n\n        Short line\n        separate"
    split = split_criteria(wrapped, wrap_width=LEGACY_WRAP_WIDTH)
    assert split.inclusion == ("x" * 85 + " fits continued", "Short line", "separate")
