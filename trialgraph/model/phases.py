"""Trial phases as one spelling: the registries write ``Phase 2``, ``II``, ``PHASE1|PHASE2``, ``Phase 1/Phase 2``.

Task builders compare phases and synthetic trials must state one the registry would; both read them here.
"""

from __future__ import annotations

import re

__all__ = ["PHASES", "normalize_phase"]

PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE1/PHASE2", "PHASE2", "PHASE2/PHASE3", "PHASE3", "PHASE4", "NA")
_PHASE_KEYS = {
    "PHASE1": ("1", "I"),
    "PHASE1/PHASE2": ("1/2", "I/II", "12"),
    "PHASE2": ("2", "II"),
    "PHASE2/PHASE3": ("2/3", "II/III", "23"),
    "PHASE3": ("3", "III"),
    "PHASE4": ("4", "IV"),
    "EARLY_PHASE1": ("0", "EARLY1"),
    "NA": ("NA", "N/A", "NOTAPPLICABLE"),
}
_PHASE_OF_KEY = {key: phase for phase, keys in _PHASE_KEYS.items() for key in keys}


def normalize_phase(value: str) -> str:
    """``Phase 2``, ``II``, ``PHASE1/PHASE2`` → the registry's spelling; anything else is refused (a validation
    error, so the record is rejected with the reason rather than stored with a phase no query can match)."""
    key = re.sub(r"[\s_]+", "", value.upper()).replace("PHASE", "").replace("|", "/")
    if key not in _PHASE_OF_KEY:
        raise ValueError(f"unknown phase {value!r}")
    return _PHASE_OF_KEY[key]
