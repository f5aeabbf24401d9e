"""Trial ↔ publication links: registry ids in citations, MEDLINE DataBank accessions, IntoValue tables."""

from trialgraph.model.publication_link import Rejected, TrialPublicationLink
from trialgraph.model.trial_ids import (
    TrialIdMatch,
    canonical_trial_id,
    find_trial_ids,
    links_from_publication,
)

__all__ = [
    "Rejected",
    "TrialIdMatch",
    "TrialPublicationLink",
    "canonical_trial_id",
    "find_trial_ids",
    "links_from_publication",
]
