"""Who answers for a study and what else its record discloses (AACT parity): responsible party, officials,
contacts, see-also links, documents, expanded access, country list, certain agreements, pending results.

Values are in CT.gov API v2's spelling (``PRINCIPAL_INVESTIGATOR``, ``SPONSOR_INVESTIGATOR``, ``LTE60``,
``RELEASE``...); the legacy XML parser maps its labels to it, so both formats give equal records. People stay
facts of the record that names them: a name is not an identity (two "J. Smith"s, or "Medical Director"), so
they are never merged across records. A contact's e-mail and phone are parsed like every other value (the
parser is pure), but the row builder writes them only when ``Settings.store_contact_details`` is on.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CONTACT_DETAILS",
    "AvailableIpd",
    "Contact",
    "CountryListing",
    "Disclosure",
    "LargeDocument",
    "Official",
    "PendingResultsEvent",
    "SeeAlsoLink",
]


@dataclass(frozen=True, slots=True)
class Official:
    """An overall official (v2 ``overallOfficials[]``; legacy ``overall_official``)."""

    name: str | None
    role: str | None = None  # PRINCIPAL_INVESTIGATOR, STUDY_CHAIR, STUDY_DIRECTOR
    affiliation: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """A central contact, or a person named at a site (a contact or an investigator), with the role v2 gives.

    Legacy's backup contact is a second ``CONTACT``, as v2 lists it; its investigators carry their role.
    """

    name: str | None
    role: str | None = None  # CONTACT, PRINCIPAL_INVESTIGATOR, SUB_INVESTIGATOR, STUDY_CHAIR, STUDY_DIRECTOR
    phone: str | None = None
    phone_ext: str | None = None
    email: str | None = None


CONTACT_DETAILS = ("phone", "phone_ext", "email")
"""Contact fields written to the graph only when ``store_contact_details`` is set (personal data)."""


@dataclass(frozen=True, slots=True)
class SeeAlsoLink:
    """v2 ``referencesModule.seeAlsoLinks[]``; legacy ``link`` (its ``description`` is the label)."""

    url: str | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class LargeDocument:
    """A protocol / SAP / consent form posted with the record (v2 ``largeDocs[]``; legacy ``provided_document``).

    v2 names the file (``filename``, ``size``, ``type_abbrev``, ``uploaded_at``); legacy gives its ``url``.
    """

    label: str | None = None  # "Study Protocol and Statistical Analysis Plan" (legacy document_type)
    type_abbrev: str | None = None  # Prot, SAP, ICF, Prot_SAP, Prot_ICF, Prot_SAP_ICF
    has_protocol: bool | None = None
    has_sap: bool | None = None
    has_icf: bool | None = None
    document_date: str | None = None
    uploaded_at: str | None = None  # v2 "2019-02-08T11:41", as written
    filename: str | None = None
    size: int | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class AvailableIpd:
    """Data or documents shared elsewhere (v2 ``referencesModule.availIpds[]``; legacy ``study_docs/study_doc``)."""

    id: str | None = None
    type: str | None = None  # as written: "Individual Participant Data Set", "Study Protocol"...
    url: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class CountryListing:
    """One country of the record's country list; ``removed`` when the registry lists it as removed."""

    name: str
    removed: bool = False


@dataclass(frozen=True, slots=True)
class PendingResultsEvent:
    """Results submitted but not posted: RELEASE (legacy ``submitted``), RESET (``returned``), UNRELEASE
    (``submission_canceled``); v2 ``annotationSection.annotationModule.unpostedAnnotation.unpostedEvents[]``."""

    type: str | None = None
    event_date: str | None = None


@dataclass(frozen=True, slots=True)
class Disclosure:
    """One-per-record facts, stored as ``RegistryRecord`` properties under these names.

    Responsible party (v2 ``sponsorCollaboratorsModule.responsibleParty``), expanded access (v2
    ``statusModule.expandedAccessInfo`` and ``designModule.expandedAccessTypes``), certain agreements and
    limitations (v2 ``resultsSection.moreInfoModule``), and who is responsible for unposted results.
    """

    responsible_party_type: str | None = None  # SPONSOR, PRINCIPAL_INVESTIGATOR, SPONSOR_INVESTIGATOR
    responsible_party_investigator_full_name: str | None = None
    responsible_party_investigator_title: str | None = None
    responsible_party_investigator_affiliation: str | None = None
    responsible_party_old_name_title: str | None = None  # pre-2017 records: "Name - Title"
    responsible_party_old_organization: str | None = None
    has_expanded_access: bool | None = None
    expanded_access_nct_id: str | None = None  # the expanded-access record of this study (v2 only)
    expanded_access_status: str | None = None  # its status (v2 statusForNctId)
    expanded_access_individual: bool | None = None  # expanded-access records: the types offered
    expanded_access_intermediate: bool | None = None
    expanded_access_treatment: bool | None = None
    pi_sponsor_employee: bool | None = None
    restrictive_agreement: bool | None = None
    restriction_type: str | None = None  # LTE60, GT60, OTHER
    restriction_other_details: str | None = None
    limitations_and_caveats: str | None = None
    unposted_responsible_party: str | None = None
