"""Normalisers shared by the v2 and legacy parsers, so both formats give identical values."""

from __future__ import annotations

import re
from datetime import datetime

_MONTH_FORMATS = ("%B %Y", "%b %Y")
_DAY_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%Y-%m-%d")
_MESH_ID = re.compile(r"^([DC])0*(\d+)$")
# NLM moved to 9-digit unique ids when the 6-digit space ran out. In MeSH 2022 the 6-digit descriptors
# end at D066331 and the 9-digit ones start at D000066388 (C588027 / C000588473 for supplementary
# concepts); the cut-offs below sit in those gaps.
_NINE_DIGITS_FROM = {"D": 66350, "C": 588200}


def iso_date(text: str | None) -> str | None:
    """Turn "March 2000", "June 10, 2022", "2000-03" or "2000-03-15" into ISO ("2000-03", "2022-06-10")."""
    if not text:
        return None
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", text):
        return text
    for fmt in _DAY_FORMATS:
        try:
            return datetime.strptime(text, fmt).strftime("%Y-%m-%d")
        except ValueError:
            pass
    for fmt in _MONTH_FORMATS:
        try:
            return datetime.strptime(text, fmt).strftime("%Y-%m")
        except ValueError:
            pass
    return text  # keep what the registry wrote rather than lose it


def mesh_id(raw: str | None) -> str | None:
    """NLM's MeSH unique id as MeSH writes it: v2 pads every id to 9 digits ("D000011471" is "D011471")."""
    if not raw:
        return None
    m = _MESH_ID.match(raw.strip())
    if not m:
        return raw.strip()
    letter, number = m.group(1), int(m.group(2))
    return letter + str(number).zfill(9 if number >= _NINE_DIGITS_FROM[letter] else 6)
