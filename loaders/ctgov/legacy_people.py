"""Legacy ``<clinical_study>`` XML → the record's people and disclosures, in API v2's spelling, through tables.

Pure, like :mod:`.legacy`. Legacy writes a few structured answers as the sentences the registry generated from
them (certain agreements); those sentences map back to v2's values by table, and any other wording is kept
as written (``restriction_type`` OTHER with the text as its details). A yes/no field holding anything but
Yes or No, or an unknown agreement sentence for the PI's employment, raises ``ParseError``: the record is
quarantined with a one-line reason rather than stored with the value silently lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from trialgraph.errors import ParseError
from trialgraph.loaders.ctgov import legacy as _legacy
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
from trialgraph.model.text import strip_text

__all__ = ["people_fields", "site_contacts"]

_YES_NO = {"Yes": True, "No": False}
_PI_EMPLOYEE = {
    "All Principal Investigators ARE employed by the organization sponsoring the study.": True,
    "Principal Investigators are NOT employed by the organization sponsoring the study.": False,
}
# The sentences legacy wrote for v2's restrictiveAgreement / restrictionType answers (whitespace collapsed).
_RESTRICTIONS: dict[str, tuple[bool, str | None]] = {
    "There is NOT an agreement between Principal Investigators and the Sponsor (or its agents) that restricts the "
    "PI's rights to discuss or publish trial results after the trial is completed.": (False, None),
    "The only disclosure restriction on the PI is that the sponsor can review results communications prior to "
    "public release and can embargo communications regarding trial results for a period that is less than or "
    "equal to 60 days. The sponsor cannot require changes to the communication and cannot extend the embargo.": (
        True,
        "LTE60",
    ),
    "The only disclosure restriction on the PI is that the sponsor can review results communications prior to "
    "public release and can embargo communications regarding trial results for a period that is more than 60 days "
    "but less than or equal to 180 days. The sponsor cannot require changes to the communication and cannot "
    "extend the embargo.": (True, "GT60"),
}
_PENDING = {"submitted": "RELEASE", "returned": "RESET", "submission_canceled": "UNRELEASE"}
_NAME_PARTS = ("first_name", "middle_name", "last_name")


def _yes_no(element: etree._Element | None, path: str) -> bool | None:
    text = None if element is None else _legacy._s(element.findtext(path))
    if text is None:
        return None
    if text in _YES_NO:
        return _YES_NO[text]
    raise ParseError(f"{path}: expected Yes or No, got {text[:40]!r}", field=path)


def _text(element: etree._Element | None, path: str) -> str | None:
    return None if element is None else strip_text(element.findtext(path))


def _label(element: etree._Element | None, path: str) -> str | None:
    return None if element is None else _legacy._enum(element.findtext(path))


_READERS: dict[str, Callable[[etree._Element | None, str], Any]] = {
    "text": _text,
    "enum": _label,
    "yes_no": _yes_no,
    "date": lambda element, path: None if element is None else _legacy._date(_legacy._s(element.findtext(path))),
}
_DISCLOSURE: dict[str, tuple[str, str]] = {  # Disclosure field → (path from <clinical_study>, reader)
    "responsible_party_type": ("responsible_party/responsible_party_type", "enum"),
    "responsible_party_investigator_full_name": ("responsible_party/investigator_full_name", "text"),
    "responsible_party_investigator_title": ("responsible_party/investigator_title", "text"),
    "responsible_party_investigator_affiliation": ("responsible_party/investigator_affiliation", "text"),
    "responsible_party_old_name_title": ("responsible_party/name_title", "text"),
    "responsible_party_old_organization": ("responsible_party/organization", "text"),
    "has_expanded_access": ("has_expanded_access", "yes_no"),
    "expanded_access_individual": ("expanded_access_info/expanded_access_type_individual", "yes_no"),
    "expanded_access_intermediate": ("expanded_access_info/expanded_access_type_intermediate", "yes_no"),
    "expanded_access_treatment": ("expanded_access_info/expanded_access_type_treatment", "yes_no"),
    "limitations_and_caveats": ("clinical_results/limitations_and_caveats", "text"),
}
# List items: field → (child path, reader)
_CONTACT = {"phone": ("phone", "text"), "phone_ext": ("phone_ext", "text"), "email": ("email", "text")}
_LINK = {"url": ("url", "text"), "label": ("description", "text")}
_IPD = {"id": ("doc_id", "text"), "type": ("doc_type", "text"), "url": ("doc_url", "text"),
        "comment": ("doc_comment", "text")}  # fmt: skip
_DOCUMENT = {
    "label": ("document_type", "text"),
    "has_protocol": ("document_has_protocol", "yes_no"),
    "has_sap": ("document_has_sap", "yes_no"),
    "has_icf": ("document_has_icf", "yes_no"),
    "document_date": ("document_date", "date"),
    "url": ("document_url", "text"),
}


def _read(element: etree._Element, table: dict[str, tuple[str, str]]) -> dict[str, Any]:
    return {name: _READERS[kind](element, path) for name, (path, kind) in table.items()}


def _name(person: etree._Element) -> str | None:
    """Legacy puts the whole name in ``last_name`` since 2017; older files split it and add ``degrees``."""
    name = " ".join(part for part in (_legacy._s(person.findtext(p)) for p in _NAME_PARTS) if part) or None
    degrees = _legacy._s(person.findtext("degrees"))
    return f"{name}, {degrees}" if name and degrees else name or degrees


def _contact(person: etree._Element, role: str | None) -> Contact:
    return Contact(name=_name(person), role=role, **_read(person, _CONTACT))


_SITE_PEOPLE: dict[str, Callable[[etree._Element], Contact]] = {  # tag under <location> → its Contact
    "contact": lambda el: _contact(el, "CONTACT"),
    "contact_backup": lambda el: _contact(el, "CONTACT"),
    "investigator": lambda el: _contact(el, _legacy._enum(el.findtext("role"))),
}


def site_contacts(location: etree._Element) -> tuple[Contact, ...]:
    """The contacts (the backup is a second CONTACT, as v2 lists it) and investigators of one ``<location>``."""
    return tuple(
        _SITE_PEOPLE[child.tag](child) for child in location if isinstance(child.tag, str) and child.tag in _SITE_PEOPLE
    )


def _agreement(root: etree._Element) -> dict[str, Any]:
    agreement = root.find("clinical_results/certain_agreements")
    if agreement is None:
        return {}
    out: dict[str, Any] = {}
    employee = " ".join((agreement.findtext("pi_employee") or "").split())
    if employee:
        if employee not in _PI_EMPLOYEE:
            raise ParseError(
                f"certain_agreements/pi_employee: unknown statement {employee[:60]!r}", field="pi_employee"
            )
        out["pi_sponsor_employee"] = _PI_EMPLOYEE[employee]
    text = strip_text(agreement.findtext("restrictive_agreement"))
    if text:
        restrictive, kind = _RESTRICTIONS.get(" ".join(text.split()), (True, "OTHER"))
        out |= {"restrictive_agreement": restrictive, "restriction_type": kind}
        out["restriction_other_details"] = text if kind == "OTHER" else None
    return out


def _countries(root: etree._Element) -> tuple[CountryListing, ...]:
    """``location_countries``, then ``removed_countries``, each in name order (as the dump lists them)."""
    current = set(_legacy._texts(root.iterfind("location_countries/country")))
    removed = set(_legacy._texts(root.iterfind("removed_countries/country"))) - current
    return (
        *(CountryListing(name) for name in sorted(current)),
        *(CountryListing(name, removed=True) for name in sorted(removed)),
    )


def people_fields(root: etree._Element) -> dict[str, Any]:
    """StudyRecord keyword arguments for the people and disclosures of one ``<clinical_study>``."""
    disclosure = Disclosure(**_read(root, _DISCLOSURE), **_agreement(root))
    officials = tuple(
        Official(name=_name(el), role=_label(el, "role"), affiliation=_text(el, "affiliation"))
        for el in root.iterfind("overall_official")
    )
    central = tuple(_contact(el, "CONTACT") for tag in ("overall_contact", "overall_contact_backup")
                    for el in root.iterfind(tag))  # fmt: skip
    pending = root.find("pending_results")
    return {
        "disclosure": None if disclosure == Disclosure() else disclosure,
        "officials": tuple(o for o in officials if o != Official(None)),
        "central_contacts": tuple(c for c in central if c != Contact(None)),
        "see_also_links": tuple(
            link for link in (SeeAlsoLink(**_read(el, _LINK)) for el in root.iterfind("link")) if link != SeeAlsoLink()
        ),
        "available_ipds": tuple(
            doc
            for doc in (AvailableIpd(**_read(el, _IPD)) for el in root.iterfind("study_docs/study_doc"))
            if doc != AvailableIpd()
        ),
        "large_documents": tuple(
            doc
            for doc in (
                LargeDocument(**_read(el, _DOCUMENT))
                for el in root.iterfind("provided_document_section/provided_document")
            )
            if doc != LargeDocument()
        ),
        "country_list": _countries(root),
        "pending_results": ()
        if pending is None
        else tuple(
            PendingResultsEvent(
                type=_PENDING.get(el.tag, _legacy._enum(el.tag)), event_date=_legacy._date(_legacy._s(el.text))
            )
            for el in pending
            if isinstance(el.tag, str)
        ),
    }
