"""API v2 JSON → the record's people and disclosures (:mod:`trialgraph.model.people`), through field tables.

Pure, like :mod:`.v2`, and with its typed getters: a value of the wrong JSON type raises ``ParseError`` naming
the field, so the record is quarantined with a one-line reason instead of being stored half-read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from trialgraph.loaders.ctgov import v2 as _v2
from trialgraph.loaders.ctgov.normalize import iso_date
from trialgraph.model.people import (
    AvailableIpd,
    Contact,
    CountryListing,
    Disclosure,
    LargeDocument,
    Official,
    PendingResultsEvent,
    SeeAlsoLink,
)
from trialgraph.model.study import Site

__all__ = ["contacts", "people_fields"]

# Disclosure field → (path of objects from the study root, key, kind)
_RP = ("protocolSection", "sponsorCollaboratorsModule", "responsibleParty")
_EA = ("protocolSection", "statusModule", "expandedAccessInfo")
_EA_TYPES = ("protocolSection", "designModule", "expandedAccessTypes")
_AGREEMENT = ("resultsSection", "moreInfoModule", "certainAgreement")
_LIMITS = ("resultsSection", "moreInfoModule", "limitationsAndCaveats")
_UNPOSTED = ("annotationSection", "annotationModule", "unpostedAnnotation")
_DISCLOSURE: dict[str, tuple[tuple[str, ...], str, str]] = {
    "responsible_party_type": (_RP, "type", "enum"),
    "responsible_party_investigator_full_name": (_RP, "investigatorFullName", "text"),
    "responsible_party_investigator_title": (_RP, "investigatorTitle", "text"),
    "responsible_party_investigator_affiliation": (_RP, "investigatorAffiliation", "text"),
    "responsible_party_old_name_title": (_RP, "oldNameTitle", "text"),
    "responsible_party_old_organization": (_RP, "oldOrganization", "text"),
    "has_expanded_access": (_EA, "hasExpandedAccess", "bool"),
    "expanded_access_nct_id": (_EA, "nctId", "enum"),
    "expanded_access_status": (_EA, "statusForNctId", "enum"),
    "expanded_access_individual": (_EA_TYPES, "individual", "bool"),
    "expanded_access_intermediate": (_EA_TYPES, "intermediate", "bool"),
    "expanded_access_treatment": (_EA_TYPES, "treatment", "bool"),
    "pi_sponsor_employee": (_AGREEMENT, "piSponsorEmployee", "bool"),
    "restrictive_agreement": (_AGREEMENT, "restrictiveAgreement", "bool"),
    "restriction_type": (_AGREEMENT, "restrictionType", "enum"),
    "restriction_other_details": (_AGREEMENT, "otherDetails", "text"),
    "limitations_and_caveats": (_LIMITS, "description", "text"),
    "unposted_responsible_party": (_UNPOSTED, "unpostedResponsibleParty", "text"),
}
# v2's typed getters, looked up per call: v2 imports this module before it has defined them
_READERS: dict[str, Callable[[dict, str, str, str], Any]] = {
    "text": lambda parent, key, rid, field: _v2._text(parent, key, rid, field),
    "enum": lambda parent, key, rid, field: _v2._raw_str(parent, key, rid, field),
    "bool": lambda parent, key, rid, field: _v2._bool(parent, key, rid, field),
    "int": lambda parent, key, rid, field: _v2._int(parent, key, rid, field),
    "date": lambda parent, key, rid, field: iso_date(_v2._raw_str(parent, key, rid, field)),
}

# List items: record type → {field: (key, kind)}
_OFFICIAL = {"name": ("name", "text"), "role": ("role", "enum"), "affiliation": ("affiliation", "text")}
_CONTACT = {
    "name": ("name", "text"),
    "role": ("role", "enum"),
    "phone": ("phone", "text"),
    "phone_ext": ("phoneExt", "text"),
    "email": ("email", "text"),
}
_LINK = {"url": ("url", "text"), "label": ("label", "text")}
_IPD = {"id": ("id", "text"), "type": ("type", "text"), "url": ("url", "text"), "comment": ("comment", "text")}
_DOCUMENT = {
    "label": ("label", "text"),
    "type_abbrev": ("typeAbbrev", "enum"),
    "has_protocol": ("hasProtocol", "bool"),
    "has_sap": ("hasSap", "bool"),
    "has_icf": ("hasIcf", "bool"),
    "document_date": ("date", "date"),
    "uploaded_at": ("uploadDate", "enum"),
    "filename": ("filename", "text"),
    "size": ("size", "int"),
}
_EVENT = {"type": ("type", "enum"), "event_date": ("date", "date")}


def _module(raw: Mapping[str, Any], path: tuple[str, ...], rid: str) -> dict:
    """The object at ``path``, or an empty one; the dotted path for the error is built only on failure (this
    runs ~20 times per record)."""
    node: Any = raw
    for depth, key in enumerate(path):
        value = node.get(key)
        if value is None:
            return _v2._EMPTY
        if type(value) is not dict:
            _v2._obj(node, key, rid, ".".join(path[:depth]) or "study")  # raises: not an object
        node = value
    return node


def _items(parent: dict, key: str, table: dict[str, tuple[str, str]], rid: str, field: str) -> list[dict[str, Any]]:
    """Each list item read through its table; an item with no value at all (``{}``) is nothing to store."""
    f = f"{field}.{key}[]"
    read = (
        {name: _READERS[kind](item, source, rid, f) for name, (source, kind) in table.items()}
        for item in (_v2._item(value, rid, f) for value in _v2._list(parent, key, rid, field))
    )
    return [values for values in read if any(value is not None for value in values.values())]


def contacts(location: dict, rid: str) -> tuple[Contact, ...]:
    """The people a ``locations[]`` entry names (its contacts and investigators), in the order given."""
    return tuple(Contact(**c) for c in _items(location, "contacts", _CONTACT, rid, "locations[]"))


def _country_list(raw: Mapping[str, Any], sites: tuple[Site, ...], rid: str) -> tuple[CountryListing, ...]:
    """The countries of the record's sites, then the removed ones v2 derives; each in name order, as legacy's
    ``location_countries`` and ``removed_countries`` list them."""
    misc = _module(raw, ("derivedSection", "miscInfoModule"), rid)
    current = {site.country for site in sites if site.country}
    removed = set(_v2._strings(misc, "removedCountries", rid, "derivedSection.miscInfoModule")) - current
    return (
        *(CountryListing(name) for name in sorted(current)),
        *(CountryListing(name, removed=True) for name in sorted(removed)),
    )


def people_fields(raw: Mapping[str, Any], rid: str, sites: tuple[Site, ...]) -> dict[str, Any]:
    """StudyRecord keyword arguments for the people and disclosures of one decoded v2 study."""
    disclosure = Disclosure(
        **{
            name: _READERS[kind](_module(raw, path, rid), key, rid, ".".join(path))
            for name, (path, key, kind) in _DISCLOSURE.items()
        }
    )
    cl = _module(raw, ("protocolSection", "contactsLocationsModule"), rid)
    refs = _module(raw, ("protocolSection", "referencesModule"), rid)
    large = _module(raw, ("documentSection", "largeDocumentModule"), rid)
    unposted = _module(raw, _UNPOSTED, rid)
    return {
        "disclosure": None if disclosure == Disclosure() else disclosure,
        "officials": tuple(
            Official(**o) for o in _items(cl, "overallOfficials", _OFFICIAL, rid, "contactsLocationsModule")
        ),
        "central_contacts": tuple(
            Contact(**c) for c in _items(cl, "centralContacts", _CONTACT, rid, "contactsLocationsModule")
        ),
        "see_also_links": tuple(
            SeeAlsoLink(**link) for link in _items(refs, "seeAlsoLinks", _LINK, rid, "referencesModule")
        ),
        "available_ipds": tuple(AvailableIpd(**d) for d in _items(refs, "availIpds", _IPD, rid, "referencesModule")),
        "large_documents": tuple(
            LargeDocument(**d)
            for d in _items(large, "largeDocs", _DOCUMENT, rid, "documentSection.largeDocumentModule")
        ),
        "country_list": _country_list(raw, sites, rid),
        "pending_results": tuple(
            PendingResultsEvent(**e)
            for e in _items(unposted, "unpostedEvents", _EVENT, rid, "annotationSection.unpostedAnnotation")
        ),
    }
