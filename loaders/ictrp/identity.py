"""What an ICTRP record says about its own identity: its canonical id and its claims on other records.

ICTRP states identity four ways: ``SecondaryIDs`` (free text mixing registry ids with sponsor protocol
numbers), ``Bridging_flag`` (full export: the TrialID of the record this one is bridged to), ``Childs``
(the TrialIDs bridged under this one), and the TrialID itself, when it is a member-state record of a
EudraCT trial (``EUCTR2018-004320-11-HU``) or a JPRN sub-registry id. Every id is claimed in the
canonical form ``publinks.trial_ids`` gives, so claims from all registries meet on one key, and a
claim that names the record itself (its own EudraCT number through a sibling member-state record, say)
is dropped: it says nothing identity resolution does not already know from ``canonical_id``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from trialgraph.loaders.registries.claims import claims_from_text
from trialgraph.model.study import IdClaim
from trialgraph.model.trial_ids import canonical_trial_id

__all__ = ["CLAIM_FIELDS", "canonical_id", "id_claims"]

CLAIM_FIELDS: tuple[str, ...] = ("SecondaryIDs", "Bridging_flag", "Childs")
# JPRN sub-registries: a jRCT record naming a UMIN id (or the reverse) is the same trial moved between them.
_JPRN_SUBREGISTRIES = frozenset({"UMIN-CTR", "jRCT", "JapicCTI", "JMACCT"})
_TRANSFERRED_TO = "jRCT"


def canonical_id(trial_id: str) -> tuple[str, str | None]:
    """The record's own id in canonical form and the id-pattern registry it belongs to (``EudraCT``...)."""
    match = canonical_trial_id(trial_id)
    return (match.trial_id, match.registry) if match else (trial_id, None)


def _relation(own_registry: str | None, claim: IdClaim) -> str:
    registries = {own_registry, claim.registry}
    if registries <= _JPRN_SUBREGISTRIES and _TRANSFERRED_TO in registries and len(registries) == 2:
        return "subregistry_transfer"
    return claim.relation


def id_claims(values: Mapping[str, str | None], trial_id: str) -> tuple[IdClaim, ...]:
    """Claims from the identity fields, in field order; the record's own id (any spelling) is never claimed."""
    own, own_registry = canonical_id(trial_id)
    claims: list[IdClaim] = []
    if own_registry == "EudraCT":
        claims.append(IdClaim(own, "EudraCT", "TrialID", "member_state"))
    for field in CLAIM_FIELDS:
        for claim in claims_from_text([values.get(field)], evidence=field, own_id=own):
            claims.append(dataclasses.replace(claim, relation=_relation(own_registry, claim)))
    return tuple(claims)
