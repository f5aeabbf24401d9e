"""Which registry issued a trial id, and what each registry is called: one place for every id table.

Two package tables, each derived from a shared source file and kept side by side here:

* ``registry_id_regexes.csv``: the anchored ICTRP TrialID regexes (``shared/data/registries/ictrp/
  registry_prefixes_date_formats.csv``, checked there against every TrialID of the three ICTRP files),
  plus rows for ids as the registries themselves write them (bare EudraCT number, CTIS number,
  UMIN/jRCT/JapicCTI without ICTRP's ``JPRN-``). Its ``registry`` column is ICTRP's registry name.
* ``registry_id_patterns.csv``: the unanchored text-mining patterns that find ids in free text
  (:mod:`trialgraph.model.trial_ids`), keyed by MEDLINE DataBank name; its ``registry`` column names
  the ICTRP registry each DataBank belongs to, so the two tables meet without a hand-written bridge.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from trialgraph.model.text import clean_registry_text
from trialgraph.model.trial_ids import DEFAULT_PATTERNS_CSV, canonical_trial_id

__all__ = ["REGISTRY_ID_REGEXES_CSV", "registry_name", "registry_of"]

REGISTRY_ID_REGEXES_CSV = Path(__file__).with_name("registry_id_regexes.csv")


@lru_cache(maxsize=1)
def _id_table() -> tuple[tuple[tuple[str, re.Pattern[str]], ...], dict[str, str]]:
    """(registry, anchored regex) rows in file order, and registry aliases (Source Register labels)."""
    rows: list[tuple[str, re.Pattern[str]]] = []
    aliases: dict[str, str] = {}
    with REGISTRY_ID_REGEXES_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.append((row["registry"], re.compile(row["regex"], re.ASCII)))
            aliases[row["registry"].casefold()] = row["registry"]
            aliases.setdefault(row["ictrp_source_register"].casefold(), row["registry"])
    return tuple(rows), aliases


@lru_cache(maxsize=1)
def _databank_registry() -> dict[str, str]:
    """Case-folded MEDLINE DataBank name → ICTRP registry name, from the pattern table's ``registry`` column."""
    with DEFAULT_PATTERNS_CSV.open(newline="", encoding="utf-8-sig") as handle:
        return {row["databank"].casefold(): row["registry"] for row in csv.DictReader(handle)}


def registry_name(registry: str) -> str | None:
    """ICTRP's name for a registry given by that name, an ICTRP "Source Register" label or a DataBank name."""
    key = " ".join(registry.split()).casefold()
    return _id_table()[1].get(key) or _databank_registry().get(key)


def registry_of(trial_id: str) -> str | None:
    """The registry (ICTRP's name: "ClinicalTrials.gov", "JPRN", "EUCTR", "CTIS"...) that issued an id.

    ICTRP's anchored TrialID regexes decide first (exact ids, as ICTRP and the registries print them);
    otherwise the id is recognised by :func:`~trialgraph.model.trial_ids.canonical_trial_id` (which
    tolerates spacing and case, "nct 01234567") provided the match is the whole value. None for an unknown
    prefix or free text.
    """
    text = clean_registry_text(trial_id)
    if text is None:
        return None
    text = text.strip()
    for registry, regex in _id_table()[0]:
        if regex.match(text):
            return registry
    match = canonical_trial_id(text)
    if match is None or match.start != 0 or text[match.end :].strip(" -"):
        return None
    return _databank_registry().get(match.registry.casefold())
