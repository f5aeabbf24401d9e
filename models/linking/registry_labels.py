"""Registry field labels inside condition strings, read off before a condition is linked.

Some registries' exports put a form's labels and codes into the condition text that WHO ICTRP passes on, so the
string a linker sees is not a condition's name:

* CTRI (India): ``Health Condition 1: G470- Insomnia``, an ICD-10 code and its title; several conditions of one
  trial may come as one string, ``Health Condition 1: … Health Condition 2: …``;
* EU CTR: ``Therapeutic area: Diseases [C] - Cancer [C04]`` (the form's therapeutic area and its last level) and
  ``Term: Chemoprophylaxis NOS`` (a MedDRA term, sometimes run together with its codes: ``Term: Non-small cell
  lung cancerSystem Organ Class: 10029104 - Neoplasms…``).

:func:`condition_text` gives the linker the name the label introduces (the first one, for several): "Insomnia",
"Cancer", "Chemoprophylaxis". The stored string is never changed: only what is looked up. Text without such a
label is returned as it is. The rules join every condition link's method version (:data:`RULES`), so a change
re-links.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["RULES", "condition_text"]

RULES: Final = "registry-labels-1"

_ICD10_CODE = r"[A-Z]\d{0,4}(?:\.\d+)?(?:-[A-Z]?\d{0,4}(?:\.\d+)?)?"
_LABELS: Final = (
    # CTRI: "Health Condition 1: C509- Malignant neoplasm …" up to the next condition, if any
    re.compile(rf"Health Condition \d+: (?:{_ICD10_CODE}- )?(?P<name>.+?)(?= ?Health Condition \d+:|$)"),
    # EU CTR: "Therapeutic area: Diseases [C] - Chemically-Induced Disorders [C25]": the first area's last level
    re.compile(r"Therapeutic area: [^\[\]]*\[[A-Z]\] - (?P<name>[^\[\]]+?) \[[A-Z]\d*\]"),
    # EU CTR: "Term: Chemoprophylaxis NOS", up to the MedDRA codes that may follow on the same line
    re.compile(r"Term: (?P<name>.+?)(?: NOS)?(?= ?System Organ Class| ?Classification code| ?Level:|$)"),
)
# Labels are read from the start of a string only, and at most this far: a label introduces a name near the start,
# and the bound keeps the lazy patterns' cost small on a pathological 100 kB string.
_READ_CHARACTERS: Final = 2000


def condition_text(text: str) -> str:
    """The condition name a registry label in ``text`` introduces, or ``text`` itself when it has none."""
    head = " ".join(text[:_READ_CHARACTERS].split())  # whitespace runs and line breaks as one space
    for label in _LABELS:
        match = label.match(head)
        if match and match["name"].strip():
            return match["name"].strip()
    return text
