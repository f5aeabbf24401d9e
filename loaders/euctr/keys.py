"""Field names for EU CTR protocol fields: the printed label ("E.1.1 Medical condition(s) being investigated")
turned into the key ctrdata gives it ("e11_medical_conditions_being_investigated").

Both EUCTR formats are read into one dict shape so one mapping serves both: the full-text download prints
labels, ctrdata's JSON has already turned them into keys. Writing the text labels the way ctrdata writes its
keys (section code without dots, label lower-cased, punctuation dropped, spaces to ``_``, a translation's
language appended as ``_es``) makes the text reader produce ctrdata's key for every field both formats share.
"""

from __future__ import annotations

import re

__all__ = ["GROUPS", "SUMMARY_KEYS", "field_key", "group_of"]

_DROP = re.compile(r"[^a-z0-9 _]")
_SPACE = re.compile(r"[ \t]")

# The download's "Summary" block: labels without section codes; ctrdata numbers them x1..x7.
SUMMARY_KEYS: dict[str, str] = {
    "EudraCT Number": "x1_eudract_number",
    "Sponsor's Protocol Code Number": "x2_sponsors_protocol_code_number",
    "National Competent Authority": "x3_national_competent_authority",
    "Clinical Trial Type": "x4_clinical_trial_type",
    "Trial Status": "x5_trial_status",
    "Date on which this record was first entered in the EudraCT database": (
        "x6_date_on_which_this_record_was_first_entered_in_the_eudract_database"
    ),
    "Link": "x7_link",
}

# Repeating blocks, as ctrdata names them: group key -> the section-code prefix of the lines it holds.
GROUPS: dict[str, str] = {
    "b1_sponsor": "B.",
    "dimp": "D.",
    "d8_placebo": "D.8",
    "e12_meddra_classification": "E.1.2",
}


def field_key(code: str, label: str = "", language: str | None = None) -> str:
    """``("A.3.1", "Title of the trial for lay people, ...", "es")`` -> ``"a31_title_of_..._es"``.

    ``code`` may be a compound ("B.3.1 and B.3.2"); a bare section ("N.") has no digits.
    """
    head = _SPACE.sub("_", _DROP.sub("", code.lower().replace(".", "")).strip())
    tail = _SPACE.sub("_", _DROP.sub("", label.lower()).strip())
    key = f"{head}_{tail}" if tail else head
    return f"{key}_{language}" if language else key


def group_of(code: str, current: str | None) -> str | None:
    """The group a line with this section code belongs to, given the open one (None: top level).

    The placebo block (D.8) sits inside section D but is not an IMP; the longest matching prefix wins.
    """
    if current is None:
        return None
    prefix = GROUPS[current]
    if not code.startswith(prefix):
        return None
    longer = [name for name, p in GROUPS.items() if p != prefix and p.startswith(prefix) and code.startswith(p)]
    return None if longer else current
