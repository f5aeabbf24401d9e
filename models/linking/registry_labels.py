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

_ICD10_CODE = r"[A-Z]\d{2,3}(?:\.\d+)?(?:-[A-Z]\d{2,3}(?:\.\d+)?)?"
_LABELS: Final = (
    # CTRI: "Health Condition 1: C509- Malignant neoplasm …" up to the next condition, if any
    re.compile(rf"^\s*Health Condition \d+:\s*(?:{_ICD10_CODE}-\s*)?(?P<name>.+?)\s*(?=Health Condition \d+:|$)"),
    # EU CTR: "Therapeutic area: Diseases [C] - Cancer [C04]": the last level's name
    re.compile(r"^\s*Therapeutic area:.*?-\s*(?P<name>[^\[\]-]+?)\s*\[[A-Z]\d*\]\s*$"),
    # EU CTR: "Term: Chemoprophylaxis NOS", up to the MedDRA codes that may follow on the same line
    re.compile(r"^\s*Term:\s*(?P<name>.+?)(?:\s+NOS)?\s*(?=System Organ Class|Classification code|Level:|$)"),
)


def condition_text(text: str) -> str:
    """The condition name a registry label in ``text`` introduces, or ``text`` itself when it has none."""
    for label in _LABELS:
        match = label.match(text)
        if match and match["name"].strip():
            return match["name"].strip()
    return text
