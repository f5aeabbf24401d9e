"""Id claims from free text: the registry ids a record names in fields such as secondary ids.

Registries write other registries' ids into free-text fields ("EudraCT 2004-000123-45", "NCT01234567;
ISRCTN12345678"), next to sponsor protocol numbers that are not trial ids. Only what the trial-id
patterns recognise becomes a claim; the text itself stays on the record as written.
"""

from __future__ import annotations

from collections.abc import Iterable

from trialgraph.model.study import IdClaim
from trialgraph.model.trial_ids import find_trial_ids

__all__ = ["claims_from_text"]


def claims_from_text(
    values: Iterable[str | None], *, evidence: str, own_id: str, relation: str = "same_trial"
) -> tuple[IdClaim, ...]:
    """One claim per distinct registry id found in ``values``, never the record's own id."""
    claims: dict[str, IdClaim] = {}
    for value in values:
        for match in find_trial_ids(value):
            if match.trial_id != own_id and match.trial_id not in claims:
                claims[match.trial_id] = IdClaim(match.trial_id, match.registry, evidence, relation)
    return tuple(claims.values())
