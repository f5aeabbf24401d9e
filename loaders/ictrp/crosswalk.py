"""ICTRP field names: the full-export field order and the XML / COVID-CSV spellings of the same fields.

The three ICTRP formats name one field three ways (``Scientific_title`` / ``Scientific_title`` /
``Scientific title``; ``Conditions`` / ``Condition`` / ``Condition``). Parsers rename every input to the
*canonical* name — the full CSV export's, or the XML's where the export lacks the field — before
mapping, so one mapping function serves all formats. The tables mirror
``shared/data/registries/ictrp/ictrp_field_crosswalk.csv`` (a test checks them against it); they are
code, not package data, so the WHO export, which has no header row, can be read without any data file.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["COVID_TO_CANONICAL", "FULL_EXPORT_FIELDS", "XML_TO_CANONICAL", "canonical_names"]

# WHO's ICTRP_export_datafields.txt, with the export's unnamed 2nd column (the refresh date) named.
FULL_EXPORT_FIELDS: tuple[str, ...] = (
    "TrialID",
    "Last_Refreshed_on",
    "SecondaryIDs",
    "public_title",
    "Scientific_title",
    "url",
    "Public_Contact_Firstname",
    "Public_Contact_Lastname",
    "Public_Contact_Address",
    "Public_Contact_Email",
    "Public_Contact_Tel",
    "Public_Contact_Affiliation",
    "Scientific_Contact_Firstname",
    "Scientific_Contact_Lastname",
    "Scientific_Contact_Address",
    "Scientific_Contact_Email",
    "Scientific_Contact_Tel",
    "Scientific_Contact_Affiliation",
    "study_type",
    "study_design",
    "phase",
    "Date_registration",
    "Date_enrollement",
    "Target_size",
    "Recruitment_status",
    "Primary_sponsor",
    "Secondary_sponsors",
    "Source_Support",
    "Countries",
    "Conditions",
    "Interventions",
    "Agemin",
    "Agemax",
    "Gender",
    "Inclusion_Criteria",
    "Exclusion_Criteria",
    "Primary_Outcome",
    "Secondary_Outcomes",
    "Bridging_flag",
    "Bridged_type",
    "Childs",
    "type_enrolment",
    "Retrospective_flag",
    "results_actual_enrollment",
    "results_url_link",
    "results_summary",
    "results_date_posted",
    "results_date_first_publication",
    "results_baseline_char",
    "results_participant_flow",
    "results_adverse_events",
    "results_outcome_measures",
    "results_url_protocol",
    "results_IPD_plan",
    "results_IPD_description",
    "results_date_completed",
    "results_yes_no",
    "Ethics_Status",
    "Ethics_Approval_Date",
    "Ethics_Contact_Name",
    "Ethics_Contact_Address",
    "Ethics_Contact_Phone",
    "Ethics_Contact_Email",
)

# XML element → canonical name, where they differ (elements not listed keep their own name).
XML_TO_CANONICAL: Mapping[str, str] = {
    "Secondary_ID": "SecondaryIDs",
    "Public_title": "public_title",
    "web_address": "url",
    "Contact_Firstname": "Public_Contact_Firstname",
    "Contact_Lastname": "Public_Contact_Lastname",
    "Contact_Address": "Public_Contact_Address",
    "Contact_Email": "Public_Contact_Email",
    "Contact_Tel": "Public_Contact_Tel",
    "Contact_Affiliation": "Public_Contact_Affiliation",
    "Study_type": "study_type",
    "Study_design": "study_design",
    "Phase": "phase",
    "Recruitment_Status": "Recruitment_status",
    "Secondary_Sponsor": "Secondary_sponsors",
    "Condition": "Conditions",
    "Intervention": "Interventions",
    "Inclusion_agemin": "Agemin",
    "Inclusion_agemax": "Agemax",
    "Inclusion_gender": "Gender",
    "Primary_outcome": "Primary_Outcome",
    "Secondary_outcome": "Secondary_Outcomes",
    "results_ipd_plan": "results_IPD_plan",
    "Ethics_review_status": "Ethics_Status",
    "Ethics_review_approval_date": "Ethics_Approval_Date",
}

# COVID-19 web CSV column → canonical name, where they differ.
COVID_TO_CANONICAL: Mapping[str, str] = {
    "Last Refreshed on": "Last_Refreshed_on",
    "Public title": "public_title",
    "Scientific title": "Scientific_title",
    "web address": "url",
    "Contact Firstname": "Public_Contact_Firstname",
    "Contact Lastname": "Public_Contact_Lastname",
    "Contact Address": "Public_Contact_Address",
    "Contact Email": "Public_Contact_Email",
    "Contact Tel": "Public_Contact_Tel",
    "Contact Affiliation": "Public_Contact_Affiliation",
    "Study type": "study_type",
    "Study design": "study_design",
    "Phase": "phase",
    "Date registration": "Date_registration",
    "Date registration3": "Date_registration3",
    "Date enrollement": "Date_enrollement",
    "Target size": "Target_size",
    "Recruitment Status": "Recruitment_status",
    "Primary sponsor": "Primary_sponsor",
    "Condition": "Conditions",
    "Intervention": "Interventions",
    "Inclusion agemin": "Agemin",
    "Inclusion agemax": "Agemax",
    "Inclusion gender": "Gender",
    "Inclusion Criteria": "Inclusion_Criteria",
    "Exclusion Criteria": "Exclusion_Criteria",
    "Primary outcome": "Primary_Outcome",
    "Bridging flag truefalse": "Bridging_flag_truefalse",
    "Bridged type": "Bridged_type",
    "other records": "other_records",
    "Retrospective flag": "Retrospective_flag",
    "results url link": "results_url_link",
    "results date posted": "results_date_posted",
    "results date completed": "results_date_completed",
    "results yes no": "results_yes_no",
    "Export date": "Export_date",
    "Source Register": "Source_Register",
}


def canonical_names(names: list[str] | tuple[str, ...], aliases: Mapping[str, str]) -> tuple[str, ...]:
    """A header in canonical names: each name through ``aliases``, surrounding whitespace (and a BOM) dropped."""
    return tuple(aliases.get(clean, clean) for clean in (name.strip().lstrip("\ufeff") for name in names))
