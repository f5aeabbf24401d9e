"""The record's people and disclosures (:mod:`trialgraph.model.people`) as writer rows.

Graph shape, chosen so the facts stay queryable and owned by the record that stated them:

* ``Disclosure`` fields are ``RegistryRecord`` properties under their own names (one value per record);
* ``(:RegistryRecord)-[:HAS_OFFICIAL]->(:RecordFact:Official {name, role, affiliation, position})``;
* ``(:RegistryRecord)-[:HAS_CONTACT]->(:RecordFact:Contact)`` for central contacts and
  ``(:Site)-[:HAS_CONTACT]->(:RecordFact:Contact)`` for a site's contacts and investigators
  (``name, role, position``; ``phone, phone_ext, email`` only with ``store_contact_details``);
* ``HAS_SEE_ALSO_LINK`` → ``SeeAlsoLink``, ``HAS_LARGE_DOCUMENT`` → ``LargeDocument``, ``HAS_AVAILABLE_IPD`` →
  ``AvailableIpd``, ``HAS_PENDING_RESULTS_EVENT`` → ``PendingResultsEvent`` (record facts, with ``position``);
* ``(:RegistryRecord)-[:HAS_COUNTRY {removed, position}]->(:Country)``: the shared country nodes sites use.

People are never merged across records by name (a name is no identity); keys are record id + kind + position.
"""

from __future__ import annotations

from dataclasses import fields
from functools import cache
from typing import Any

from trialgraph.model.people import CONTACT_DETAILS, Contact, Disclosure
from trialgraph.model.staged import RowSet
from trialgraph.model.study import StudyRecord

__all__ = ["DISCLOSURE_FIELDS", "PEOPLE_WRITE_ORDER", "people_rows"]

DISCLOSURE_FIELDS = tuple(f.name for f in fields(Disclosure))
"""Disclosure fields are ``RegistryRecord`` properties under their own names."""

# Statement (cypher/write/<name>.cypher) → (record field, key kind) for the record-owned facts written alike.
_FACTS: dict[str, tuple[str, str]] = {
    "merge_officials": ("officials", "official"),
    "merge_central_contacts": ("central_contacts", "contact"),
    "merge_see_also_links": ("see_also_links", "see_also_link"),
    "merge_large_documents": ("large_documents", "large_document"),
    "merge_available_ipds": ("available_ipds", "available_ipd"),
    "merge_pending_results": ("pending_results", "pending_results_event"),
}
PEOPLE_WRITE_ORDER: tuple[str, ...] = (*_FACTS, "merge_site_contacts", "merge_record_countries")
"""Written after the core statements (site contacts need their ``Site``)."""


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


def _props(item: Any, pos: int, contact_details: bool) -> dict[str, Any]:
    # the people facts are flat dataclasses of scalars: their fields as they are equal asdict(), without its
    # recursive copy (which cost a bulk load ~5% of its parsing time)
    props = {name: getattr(item, name) for name in _field_names(type(item))}
    if isinstance(item, Contact) and not contact_details:
        props |= dict.fromkeys(CONTACT_DETAILS)  # keys stay (the bulk CSV's columns are fixed), values go
    return {"position": pos, **props}


def people_rows(rec: StudyRecord, rid: str, rows: RowSet, *, contact_details: bool) -> None:
    """Add the rows of ``PEOPLE_WRITE_ORDER`` for one record (``rid``) to ``rows``."""
    for statement, (field, kind) in _FACTS.items():
        rows[statement] = [
            {"record_id": rid, "key": f"{rid}:{kind}:{pos}", "props": _props(item, pos, contact_details)}
            for pos, item in enumerate(getattr(rec, field))
        ]
    rows["merge_site_contacts"] = [
        {
            "record_id": rid,
            "site_key": f"{rid}:site:{site_pos}",  # the key model.rows gives the site
            "key": f"{rid}:site:{site_pos}:contact:{pos}",
            "props": _props(contact, pos, contact_details),
        }
        for site_pos, site in enumerate(rec.sites)
        for pos, contact in enumerate(site.contacts)
    ]
    seen: set[str] = set()
    rows["merge_record_countries"] = [
        {"record_id": rid, "country": entry.name, "removed": entry.removed, "position": pos}
        for pos, entry in enumerate(rec.country_list)
        if not (entry.name in seen or seen.add(entry.name))
    ]
