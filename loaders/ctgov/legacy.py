"""Parser for ClinicalTrials.gov legacy ``<clinical_study>`` XML (the AllPublicXML format, 2016-2023).

Pure: bytes in, :class:`StudyRecord` out; no file I/O, no database. Every value is normalised to the
spelling the API v2 parser gives (ISO dates, v2 enum names), so both formats give equal records.
Anything that is not a parseable study raises :class:`ParseError` with a one-line reason; no other
exception escapes :func:`parse_study`.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from lxml import etree

from trialgraph.errors import ParseError
from trialgraph.loaders.ctgov import legacy_people
from trialgraph.loaders.ctgov.normalize import iso_date
from trialgraph.loaders.xmlstream import SAFE_PARSER_OPTIONS
from trialgraph.model.criteria import LEGACY_WRAP_WIDTH, split_criteria
from trialgraph.model.flagged import collecting_issues, report_issue, with_issues
from trialgraph.model.results import (
    AnalyzedCount,
    DropWithdrawal,
    EventReporting,
    OutcomeAnalysis,
    analysis_with_numbers,
)
from trialgraph.model.study import (
    NCT_ID,
    AdverseEvent,
    ArmGroup,
    Design,
    Eligibility,
    FlowCount,
    Intervention,
    Measure,
    MeasureValue,
    MeshTerm,
    Outcome,
    Reference,
    ResultGroup,
    Results,
    Site,
    Sponsor,
    StudyDetails,
    StudyRecord,
    age_groups,
)
from trialgraph.model.text import strip_text

__all__ = ["parse_study"]

# Safe against XXE / entity expansion: no entity resolution, no network, no DTD loading.
# lxml parsers are not thread-safe; use one process (or one module import) per worker thread.
_PARSER = etree.XMLParser(**SAFE_PARSER_OPTIONS)

_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_HTML_START = (b"<!doctype html", b"<html")

# Legacy spellings whose v2 name is not the generic upper/underscore form.
_STATUS = {
    "Unknown status": "UNKNOWN",
    "Active, not recruiting": "ACTIVE_NOT_RECRUITING",
    "Temporarily not available": "TEMPORARILY_NOT_AVAILABLE",
}
_STUDY_TYPE = {
    "Interventional": "INTERVENTIONAL",
    "Observational": "OBSERVATIONAL",
    "Observational [Patient Registry]": "OBSERVATIONAL",
    "Expanded Access": "EXPANDED_ACCESS",
}
_PHASE = {
    "Early Phase 1": "EARLY_PHASE1",
    "Phase 0": "EARLY_PHASE1",
    "Phase 1": "PHASE1",
    "Phase 2": "PHASE2",
    "Phase 3": "PHASE3",
    "Phase 4": "PHASE4",
}
_ENROLLMENT_TYPE = {"Anticipated": "ESTIMATED", "Estimated": "ESTIMATED", "Actual": "ACTUAL"}
_SEX = {"All": "ALL", "Both": "ALL", "Female": "FEMALE", "Male": "MALE"}
_HEALTHY = {"Accepts Healthy Volunteers": True, "Yes": True, "No": False}
_AGENCY_CLASS = {
    "Industry": "INDUSTRY",
    "NIH": "NIH",
    "U.S. Fed": "FED",
    "Other": "OTHER",
    "Other U.S. Federal agency": "OTHER_GOV",
    "Individual": "INDIV",
    "Network": "NETWORK",
    "Unknown": "UNKNOWN",
}
_RESULT_OUTCOME_TYPE = {
    "Primary": "PRIMARY",
    "Secondary": "SECONDARY",
    "Other Pre-specified": "OTHER_PRE_SPECIFIED",
    "Post-Hoc": "POST_HOC",
}
_PROTOCOL_OUTCOMES = (("primary_outcome", "PRIMARY"), ("secondary_outcome", "SECONDARY"), ("other_outcome", "OTHER"))

_enum_cache: dict[str, str] = {}
_date_cache: dict[str, str | None] = {}


def _date(text: str | None) -> str | None:
    """``iso_date`` with a bounded memo: the registry repeats the same few thousand dates."""
    if text is None:
        return None
    try:
        return _date_cache[text]
    except KeyError:
        value = iso_date(text)
        if len(_date_cache) < 65536:
            _date_cache[text] = value
        return value


def _enum(text: str | None, table: dict[str, str] | None = None) -> str | None:
    """A legacy label in v2 enum spelling: the explicit table first, else upper case with ``_``."""
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    if table is not None and text in table:
        return table[text]
    value = _enum_cache.get(text)
    if value is None:
        value = _NON_ALNUM.sub("_", text).strip("_").upper()
        if len(_enum_cache) < 4096:
            _enum_cache[text] = value
    return value or None


def _phases(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    text = text.strip()
    if not text:
        return ()
    if text in ("N/A", "NA"):
        return ("NA",)
    return tuple(_PHASE.get(part.strip()) or _enum(part) or part for part in text.split("/") if part.strip())


def _s(value: str | None) -> str | None:
    """Stripped text; empty becomes None."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def _block(text: str | None) -> str | None:
    """A ``textblock``: CR entities to LF, the XML's indentation removed, stripped."""
    if text is None:
        return None
    return strip_text(textwrap.dedent(text.replace("\r\n", "\n").replace("\r", "\n")))


def _int(value: str | None, field: str) -> int | None:
    """A count as written; one that is no whole number ("abc", "12.5") is left out and named as a field issue
    (never silently dropped). Sign and size are ``check_study``'s to judge."""
    if value is None:
        return None
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        if text and text.upper() not in ("NA", "N/A"):
            report_issue(f"{field} {text[:40]!r} is not a count; stored without it")
        return None


def _age(value: str | None) -> str | None:
    value = _s(value)
    if value is None or value.startswith("N/A"):
        return None
    return value


def _texts(elements: Iterable[etree._Element]) -> tuple[str, ...]:
    out = []
    for el in elements:
        t = el.text
        if t is not None:
            t = t.strip()
            if t:
                out.append(t)
    return tuple(out)


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else ""
    return line or "unknown parser error"


def _looks_like_html(data: bytes) -> bool:
    head = data[:2048].lstrip(b" \t\r\n\xef\xbb\xbf").lower()
    return head.startswith(_HTML_START)


def parse_study(data: bytes, *, expected_id: str | None = None) -> StudyRecord:
    """Parse one legacy ``<clinical_study>`` document into a :class:`StudyRecord`.

    ``expected_id`` is the NCT id the file name gives; a record whose ``nct_id`` differs and that
    does not list it as an ``nct_alias`` is rejected. Raises :class:`ParseError` for anything that is
    not a well-formed study, and for nothing else.
    """
    try:
        with collecting_issues() as issues:
            record = _parse(data, expected_id)
        return with_issues(record, issues)
    except ParseError:
        raise
    except Exception as exc:  # defensive: the contract is "StudyRecord or ParseError"
        raise ParseError(f"unexpected {type(exc).__name__}: {_first_line(str(exc))}", record_id=expected_id) from exc


def _parse(data: bytes, expected_id: str | None) -> StudyRecord:
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data or data.isspace():
        raise ParseError("empty file", record_id=expected_id)
    if _looks_like_html(data):
        raise ParseError("HTML page, not a study", record_id=expected_id)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"XML not well-formed: {_first_line(str(exc))}", record_id=expected_id) from exc
    if root is None:
        raise ParseError("XML not well-formed: no root element", record_id=expected_id)
    tag = root.tag
    if not isinstance(tag, str):
        raise ParseError("XML has no element root", record_id=expected_id)
    if tag.lower() == "html" or tag.endswith("}html"):
        raise ParseError("HTML page, not a study", record_id=expected_id)
    if tag != "clinical_study":
        raise ParseError(f"root element <{tag}> is not <clinical_study>", record_id=expected_id)

    # One pass over the root's children, grouped by tag (keeps document order within a tag).
    kids: dict[str, list[etree._Element]] = {}
    for child in root:
        ctag = child.tag
        if isinstance(ctag, str):
            lst = kids.get(ctag)
            if lst is None:
                kids[ctag] = [child]
            else:
                lst.append(child)

    def one(name: str) -> etree._Element | None:
        lst = kids.get(name)
        return lst[0] if lst else None

    def text(name: str) -> str | None:
        el = one(name)
        return None if el is None else _s(el.text)

    id_info = one("id_info")
    nct_id = _s(id_info.findtext("nct_id")) if id_info is not None else None
    if not nct_id:
        raise ParseError("no id_info/nct_id", record_id=expected_id, field="nct_id")
    if not NCT_ID.match(nct_id):
        raise ParseError(f"nct_id {nct_id[:40]!r} is not NCT + 8 digits", record_id=expected_id, field="nct_id")
    aliases = _texts(id_info.iterchildren("nct_alias"))
    if expected_id is not None and expected_id != nct_id and expected_id not in aliases:
        raise ParseError(f"file name says {expected_id} but record is {nct_id}", record_id=nct_id, field="nct_id")

    enrollment_el = one("enrollment")
    enrollment = enrollment_el.text if enrollment_el is not None else None
    enrollment_type = _ENROLLMENT_TYPE.get(enrollment_el.get("type", "")) if enrollment_el is not None else None

    sponsors: list[Sponsor] = []
    sponsors_el = one("sponsors")
    if sponsors_el is not None:
        for sp in sponsors_el:
            role = (
                {"lead_sponsor": "LEAD", "collaborator": "COLLABORATOR"}.get(sp.tag)
                if isinstance(sp.tag, str)
                else None
            )
            name = _s(sp.findtext("agency")) if role else None
            if role and name:
                sponsors.append(
                    Sponsor(name=name, role=role, agency_class=_enum(sp.findtext("agency_class"), _AGENCY_CLASS))
                )

    interventions: list[Intervention] = []
    arm_interventions: dict[str, list[str]] = {}
    for iv in kids.get("intervention", ()):
        name = _s(iv.findtext("intervention_name"))
        if not name:
            continue
        interventions.append(
            Intervention(
                type=_enum(iv.findtext("intervention_type")),
                name=name,
                description=strip_text(iv.findtext("description")),
                other_names=_texts(iv.iterchildren("other_name")),
            )
        )
        for label in _texts(iv.iterchildren("arm_group_label")):
            names = arm_interventions.setdefault(label, [])
            if name not in names:
                names.append(name)

    arm_groups: list[ArmGroup] = []
    for ag in kids.get("arm_group", ()):
        label = _s(ag.findtext("arm_group_label"))
        if not label:
            continue
        arm_groups.append(
            ArmGroup(
                label=label,
                type=_enum(ag.findtext("arm_group_type")),
                description=strip_text(ag.findtext("description")),
                intervention_names=tuple(arm_interventions.get(label, ())),
            )
        )

    outcomes: list[Outcome] = []
    for tag_name, kind in _PROTOCOL_OUTCOMES:
        for oc in kids.get(tag_name, ()):
            measure = _s(oc.findtext("measure"))
            if measure:
                outcomes.append(
                    Outcome(
                        kind=kind,
                        measure=measure,
                        time_frame=_s(oc.findtext("time_frame")),
                        description=strip_text(oc.findtext("description")),
                    )
                )

    eligibility = None
    el = one("eligibility")
    if el is not None:
        raw_criteria = el.findtext("criteria/textblock")
        criteria = _block(raw_criteria)
        split = split_criteria(raw_criteria, wrap_width=LEGACY_WRAP_WIDTH)  # wrapping is judged on the raw lines
        min_age, max_age = _age(el.findtext("minimum_age")), _age(el.findtext("maximum_age"))
        eligibility = Eligibility(
            text=criteria,
            preamble=split.preamble,
            inclusion=split.inclusion,
            exclusion=split.exclusion,
            min_age=min_age,
            max_age=max_age,
            sex=_enum(el.findtext("gender"), _SEX),
            healthy_volunteers=_HEALTHY.get((el.findtext("healthy_volunteers") or "").strip()),
            study_population=_block(el.findtext("study_pop/textblock")),
            sampling_method=_enum(el.findtext("sampling_method")),
            gender_based=_YES_NO.get((el.findtext("gender_based") or "").strip()),
            gender_description=strip_text(el.findtext("gender_description")),
            std_ages=age_groups(min_age, max_age),  # not in legacy XML: derived by CT.gov's rule, as v2 states them
        )

    try:
        sites = tuple(_site(loc) for loc in kids.get("location", ()))
    except ParseError as e:
        raise ParseError(e.reason, record_id=nct_id, field=e.field) from e

    references: list[Reference] = []
    for child in root:
        if child.tag == "reference":
            ref_type = "BACKGROUND"
        elif child.tag == "results_reference":
            ref_type = "RESULT"
        else:
            continue
        pmid = _s(child.findtext("PMID"))
        citation = strip_text(child.findtext("citation"))
        if pmid or citation:
            references.append(Reference(type=ref_type, pmid=pmid, citation=citation))

    results_el = one("clinical_results")
    try:
        people = legacy_people.people_fields(root)
    except ParseError as e:
        raise ParseError(e.reason, record_id=nct_id, field=e.field) from e

    return StudyRecord(
        registry_id=nct_id,
        source_format="ctgov-xml",
        brief_title=text("brief_title"),
        official_title=text("official_title"),
        acronym=text("acronym"),
        org_study_id=_s(id_info.findtext("org_study_id")),
        secondary_ids=_texts(id_info.iterchildren("secondary_id")),
        nct_aliases=aliases,
        overall_status=_enum(text("overall_status"), _STATUS),
        why_stopped=strip_text(text("why_stopped")),
        study_type=_enum(text("study_type"), _STUDY_TYPE),
        phases=_phases(text("phase")),
        start_date=_date(text("start_date")),
        primary_completion_date=_date(text("primary_completion_date")),
        completion_date=_date(text("completion_date")),
        first_posted_date=_date(text("study_first_posted") or text("firstreceived_date")),
        registration_date=_date(text("study_first_submitted") or text("firstreceived_date")),
        last_update_date=_date(text("last_update_posted") or text("lastchanged_date")),
        enrollment=_int(enrollment, "enrollment"),
        enrollment_type=enrollment_type,
        brief_summary=_block(root.findtext("brief_summary/textblock")),
        detailed_description=_block(root.findtext("detailed_description/textblock")),
        sponsors=tuple(sponsors),
        conditions=_texts(kids.get("condition", ())),
        keywords=_texts(kids.get("keyword", ())),
        interventions=tuple(interventions),
        arm_groups=tuple(arm_groups),
        outcomes=tuple(outcomes),
        eligibility=eligibility,
        sites=sites,
        references=tuple(references),
        condition_mesh=_mesh(one("condition_browse")),
        intervention_mesh=_mesh(one("intervention_browse")),
        has_results=results_el is not None,
        results=_results(results_el) if results_el is not None else None,
        design=_design(one, text),
        details=_details(root),
        **people,
    )


# Legacy labels whose v2 spelling is not simply the label upper-cased with "_".
_DESIGN_ENUMS = {
    "N/A": "NA",
    "Parallel Assignment": "PARALLEL",
    "Single Group Assignment": "SINGLE_GROUP",
    "Crossover Assignment": "CROSSOVER",
    "Factorial Assignment": "FACTORIAL",
    "Sequential Assignment": "SEQUENTIAL",
    "None (Open Label)": "NONE",
    "Educational/Counseling/Training": "EDUCATIONAL_COUNSELING_TRAINING",
}
# Legacy states a patient registry only by this study type (v2: OBSERVATIONAL with patientRegistry true); a plain
# "Observational" does not say "not a registry" (v2 leaves patientRegistry out of such records too), so it gives None.
_PATIENT_REGISTRY = "Observational [Patient Registry]"
_MASKING = re.compile(r"^\s*(?P<level>[^(]+?)\s*(?:\((?P<roles>[^)]*)\))?\s*$")


def _design(one: Callable[[str], etree._Element | None], text: Callable[[str], str | None]) -> Design | None:
    """``study_design_info`` plus the study-level design fields, in v2's spelling.

    Legacy writes masking as one label, "Double (Participant, Investigator)": the level before the
    parentheses, the masked roles inside them.
    """
    info, biospec = one("study_design_info"), one("biospec_descr")

    def field(name: str) -> str | None:
        return None if info is None else info.findtext(name)

    masking, roles = None, ()
    if (label := _s(field("masking"))) is not None:
        match = _MASKING.match(label)
        level = match["level"] if match else label
        if label in _DESIGN_ENUMS:  # "None (Open Label)": a level, not a role in parentheses
            masking = _DESIGN_ENUMS[label]
        else:
            masking = _enum(level, _DESIGN_ENUMS)
            roles = tuple(_enum(role) for role in (match["roles"] or "").split(",") if role.strip()) if match else ()
    arms = text("number_of_arms") or text("number_of_groups")
    result = Design(
        allocation=_enum(field("allocation"), _DESIGN_ENUMS),
        intervention_model=_enum(field("intervention_model"), _DESIGN_ENUMS),
        intervention_model_description=strip_text(field("intervention_model_description")),
        primary_purpose=_enum(field("primary_purpose"), _DESIGN_ENUMS),
        observational_model=_enum(field("observational_model"), _DESIGN_ENUMS),
        time_perspective=_enum(field("time_perspective"), _DESIGN_ENUMS),
        masking=masking,
        masked_roles=roles,
        masking_description=strip_text(field("masking_description")),
        number_of_arms=_int(arms, "number_of_arms"),
        target_duration=text("target_duration"),
        biospec_retention=_enum(text("biospec_retention"), _DESIGN_ENUMS),
        biospec_description=None if biospec is None else _block(biospec.findtext("textblock")),
        patient_registry=True if text("study_type") == _PATIENT_REGISTRY else None,
    )
    return None if result == Design() else result


_YES_NO = {"Yes": True, "No": False}
_DATE_TYPES = {"Actual": "ACTUAL", "Anticipated": "ESTIMATED", "Estimate": "ESTIMATED"}
_IPD_INFO = {
    "Study Protocol": "STUDY_PROTOCOL",
    "Statistical Analysis Plan (SAP)": "SAP",
    "Informed Consent Form (ICF)": "ICF",
    "Clinical Study Report (CSR)": "CSR",
    "Analytic Code": "ANALYTIC_CODE",
}


def _legacy_date_type(root: etree._Element, path: str) -> str | None:
    element = root.find(path)
    return None if element is None else _DATE_TYPES.get((element.get("type") or "").strip())


_DETAIL_READERS: dict[str, Callable[[etree._Element, str], Any]] = {
    "date": lambda root, path: _date(root.findtext(path)),
    "date_type": _legacy_date_type,
    "text": lambda root, path: strip_text(root.findtext(path)),
    "enum": lambda root, path: _enum(root.findtext(path)),
    "yes_no": lambda root, path: _YES_NO.get((root.findtext(path) or "").strip()),
    "ipd_info": lambda root, path: tuple(_enum(e.text, _IPD_INFO) for e in root.iterfind(path) if _s(e.text)),
}
_DETAILS: dict[str, tuple[str, str]] = {  # StudyDetails field → (path from <clinical_study>, reader)
    "status_verified_date": ("verification_date", "date"),
    "last_known_status": ("last_known_status", "enum"),
    "first_submitted_qc_date": ("study_first_submitted_qc", "date"),
    "first_posted_date_type": ("study_first_posted", "date_type"),
    "start_date_type": ("start_date", "date_type"),
    "primary_completion_date_type": ("primary_completion_date", "date_type"),
    "completion_date_type": ("completion_date", "date_type"),
    "results_first_submitted_date": ("results_first_submitted", "date"),
    "results_first_submitted_qc_date": ("results_first_submitted_qc", "date"),
    "results_first_posted_date": ("results_first_posted", "date"),
    "results_first_posted_date_type": ("results_first_posted", "date_type"),
    "disposition_first_submitted_date": ("disposition_first_submitted", "date"),
    "disposition_first_submitted_qc_date": ("disposition_first_submitted_qc", "date"),
    "disposition_first_posted_date": ("disposition_first_posted", "date"),
    "disposition_first_posted_date_type": ("disposition_first_posted", "date_type"),
    "last_update_submitted_date": ("last_update_submitted", "date"),
    "last_update_submitted_qc_date": ("last_update_submitted_qc", "date"),  # AACT's; v2 has no such date
    "last_update_posted_date_type": ("last_update_posted", "date_type"),
    "source_organization": ("source", "text"),
    "has_dmc": ("oversight_info/has_dmc", "yes_no"),
    "is_fda_regulated_drug": ("oversight_info/is_fda_regulated_drug", "yes_no"),
    "is_fda_regulated_device": ("oversight_info/is_fda_regulated_device", "yes_no"),
    "is_unapproved_device": ("oversight_info/is_unapproved_device", "yes_no"),
    "is_ppsd": ("oversight_info/is_ppsd", "yes_no"),
    "is_us_export": ("oversight_info/is_us_export", "yes_no"),
    "ipd_sharing": ("patient_data/sharing_ipd", "enum"),
    "ipd_description": ("patient_data/ipd_description", "text"),
    "ipd_info_types": ("patient_data/ipd_info_type", "ipd_info"),
    "ipd_time_frame": ("patient_data/ipd_time_frame", "text"),
    "ipd_access_criteria": ("patient_data/ipd_access_criteria", "text"),
    "ipd_url": ("patient_data/ipd_url", "text"),
}


def _details(root: etree._Element) -> StudyDetails | None:
    found = StudyDetails(**{name: _DETAIL_READERS[kind](root, path) for name, (path, kind) in _DETAILS.items()})
    return None if found == StudyDetails() else found


def _site(loc: etree._Element) -> Site:
    facility = loc.find("facility")
    name = city = state = zip_code = country = None
    if facility is not None:
        name = _s(facility.findtext("name"))
        address = facility.find("address")
        if address is not None:
            city = _s(address.findtext("city"))
            state = _s(address.findtext("state"))
            zip_code = _s(address.findtext("zip"))
            country = _s(address.findtext("country"))
    return Site(
        facility=name,
        city=city,
        state=state,
        zip=zip_code,
        country=country,
        status=_enum(loc.findtext("status")),
        contacts=legacy_people.site_contacts(loc),
    )


def _mesh(browse: etree._Element | None) -> tuple[MeshTerm, ...]:
    if browse is None:
        return ()
    return tuple(MeshTerm(term=t) for t in _texts(browse.iterchildren("mesh_term")))


# --- clinical_results -----------------------------------------------------------------------------


def _groups(parent: etree._Element | None) -> tuple[ResultGroup, ...]:
    if parent is None:
        return ()
    group_list = parent.find("group_list")
    if group_list is None:
        return ()
    return tuple(
        ResultGroup(
            group_id=(g.get("group_id") or "").strip(),
            title=_s(g.findtext("title")) or "",
            description=strip_text(g.findtext("description")),
        )
        for g in group_list.iterchildren("group")
    )


def _values(measure: etree._Element) -> tuple[MeasureValue, ...]:
    out: list[MeasureValue] = []
    class_list = measure.find("class_list")
    if class_list is None:
        return ()
    for cls in class_list.iterchildren("class"):
        class_title = _s(cls.findtext("title"))
        category_list = cls.find("category_list")
        if category_list is None:
            continue
        for cat in category_list.iterchildren("category"):
            cat_title = _s(cat.findtext("title"))
            category = f"{class_title} / {cat_title}" if class_title and cat_title else class_title or cat_title
            ml = cat.find("measurement_list")
            if ml is None:
                continue
            for m in ml.iterchildren("measurement"):
                out.append(
                    MeasureValue(
                        group_id=(m.get("group_id") or "").strip(),
                        value=_s(m.get("value")),
                        category=category,
                        spread=_s(m.get("spread")),
                        lower_limit=_s(m.get("lower_limit")),
                        upper_limit=_s(m.get("upper_limit")),
                        comment=strip_text(m.text),
                    )
                )
    return tuple(out)


def _analyzed(parent: etree._Element | None) -> tuple[AnalyzedCount, ...]:
    """``analyzed_list/analyzed``: per units, the analysed count of each group (v2 ``denoms``)."""
    if parent is None:
        return ()
    return tuple(
        AnalyzedCount(
            (c.get("group_id") or "").strip(),
            _int(c.get("value"), "analyzed_list/count@value"),
            _s(analyzed.findtext("units")),
        )
        for analyzed in parent.iterfind("analyzed_list/analyzed")
        for c in analyzed.iterfind("count_list/count")
    )


def _drop_withdrawals(pf: etree._Element | None) -> tuple[DropWithdrawal, ...]:
    """``period/drop_withdraw_reason_list/drop_withdraw_reason``: a reason with a count per group."""
    if pf is None:
        return ()
    return tuple(
        DropWithdrawal(
            period=_s(period.findtext("title")) or "",
            reason=_s(reason.findtext("title")) or "",
            group_id=(p.get("group_id") or "").strip(),
            count=_int(p.get("count"), "drop_withdraw_reason/participants@count"),
        )
        for period in pf.iterfind("period_list/period")
        for reason in period.iterfind("drop_withdraw_reason_list/drop_withdraw_reason")
        for p in reason.iterfind("participants_list/participants")
    )


def _flow(pf: etree._Element | None) -> tuple[FlowCount, ...]:
    if pf is None:
        return ()
    out: list[FlowCount] = []
    period_list = pf.find("period_list")
    if period_list is None:
        return ()
    for period in period_list.iterchildren("period"):
        period_title = _s(period.findtext("title")) or ""
        ml = period.find("milestone_list")
        if ml is None:
            continue
        for milestone in ml.iterchildren("milestone"):
            milestone_title = _s(milestone.findtext("title")) or ""
            pl = milestone.find("participants_list")
            if pl is None:
                continue
            for p in pl.iterchildren("participants"):
                out.append(
                    FlowCount(
                        period=period_title,
                        milestone=milestone_title,
                        group_id=(p.get("group_id") or "").strip(),
                        count=_int(p.get("count"), "milestone/participants@count"),
                    )
                )
    return tuple(out)


def _baseline(bl: etree._Element | None) -> tuple[Measure, ...]:
    if bl is None:
        return ()
    measure_list = bl.find("measure_list")
    if measure_list is None:
        return ()
    return tuple(
        Measure(
            title=_s(m.findtext("title")) or "",
            kind=None,
            description=strip_text(m.findtext("description")),
            param_type=_enum(m.findtext("param")),
            units=_s(m.findtext("units")),
            values=_values(m),
            population=strip_text(m.findtext("population")),
            dispersion_type=_s(m.findtext("dispersion")),
        )
        for m in measure_list.iterchildren("measure")
    )


def _outcome_measures(ol: etree._Element | None) -> tuple[Measure, ...]:
    if ol is None:
        return ()
    out: list[Measure] = []
    for oc in ol.iterchildren("outcome"):
        m = oc.find("measure")
        title = _s(oc.findtext("title")) or (_s(m.findtext("title")) if m is not None else None) or ""
        out.append(
            Measure(
                title=title,
                kind=_enum(oc.findtext("type"), _RESULT_OUTCOME_TYPE),
                description=strip_text(oc.findtext("description")),
                time_frame=_s(oc.findtext("time_frame")),
                param_type=_enum(m.findtext("param")) if m is not None else None,
                units=_s(m.findtext("units")) if m is not None else None,
                groups=_groups(oc),
                values=_values(m) if m is not None else (),
                population=strip_text(m.findtext("population")) if m is not None else None,
                type_units_analyzed=_s(m.findtext("units_analyzed")) if m is not None else None,
                dispersion_type=_s(m.findtext("dispersion")) if m is not None else None,
                denoms=_analyzed(m),
                analyses=tuple(_analysis(a) for a in oc.iterfind("analysis_list/analysis")),
            )
        )
    return tuple(out)


_ANALYSIS_ENUMS = {
    "1-Sided": "ONE_SIDED",
    "2-Sided": "TWO_SIDED",
    "Non-Inferiority or Equivalence (legacy)": "NON_INFERIORITY_OR_EQUIVALENCE_LEGACY",
    "Superiority or Other (legacy)": "SUPERIORITY_OR_OTHER_LEGACY",
    "Standard Error of the Mean": "STANDARD_ERROR_OF_MEAN",
}
_ANALYSIS_READERS: dict[str, Callable[[etree._Element, str], Any]] = {
    "text": lambda el, path: strip_text(el.findtext(path)),
    "enum": lambda el, path: _enum(el.findtext(path), _ANALYSIS_ENUMS),
    "group_ids": lambda el, path: _texts(el.iterfind(path)),
    "yes_no": lambda el, path: _YES_NO.get((el.findtext(path) or "").strip()),
}
_ANALYSIS: dict[str, tuple[str, str]] = {  # OutcomeAnalysis field → (path from <analysis>, reader)
    "group_ids": ("group_id_list/group_id", "group_ids"),
    "group_description": ("groups_desc", "text"),
    "tested_non_inferiority": ("non_inferiority", "yes_no"),  # the 2000s schema's "Yes"/"No"
    "non_inferiority_type": ("non_inferiority_type", "enum"),
    "non_inferiority_comment": ("non_inferiority_desc", "text"),
    "p_value_comment": ("p_value_desc", "text"),
    "method": ("method", "text"),
    "method_comment": ("method_desc", "text"),
    "param_type": ("param_type", "text"),
    "ci_sides": ("ci_n_sides", "enum"),
    "ci_upper_limit_comment": ("ci_upper_limit_na_comment", "text"),
    "estimate_comment": ("estimate_desc", "text"),
    "dispersion_type": ("dispersion_type", "enum"),
    "other_analysis_description": ("other_analysis_desc", "text"),
}
_ANALYSIS_NUMBERS = {  # OutcomeAnalysis number field → element
    "p_value": "p_value",
    "param_value": "param_value",
    "ci_percent": "ci_percent",
    "ci_lower_limit": "ci_lower_limit",
    "ci_upper_limit": "ci_upper_limit",
    "dispersion_value": "dispersion_value",
}


def _analysis(el: etree._Element) -> OutcomeAnalysis:
    """One ``analysis``; numbers through the same reader as v2's (a p-value "<0.001" is ``<`` and 0.001)."""
    found: dict[str, Any] = {name: _ANALYSIS_READERS[kind](el, path) for name, (path, kind) in _ANALYSIS.items()}
    return analysis_with_numbers(found, {name: el.findtext(path) for name, path in _ANALYSIS_NUMBERS.items()})


# Legacy XML lists each group's totals as events of a category titled "Total"; v2 keeps them on the groups.
_TOTAL_CATEGORY = "Total"
_TOTAL_EVENTS = {
    ("SERIOUS", "Total, serious adverse events"): ("serious_affected", "serious_at_risk"),
    ("OTHER", "Total, other adverse events"): ("other_affected", "other_at_risk"),
    ("SERIOUS", "Total, all-cause mortality"): ("deaths_affected", "deaths_at_risk"),
}


def _event_reporting(re_el: etree._Element | None) -> EventReporting | None:
    """``reported_events``' time frame and description, and ``other_events/frequency_threshold``."""
    if re_el is None:
        return None
    found = EventReporting(
        time_frame=strip_text(re_el.findtext("time_frame")),
        description=strip_text(re_el.findtext("desc")),
        frequency_threshold=_s(re_el.findtext("other_events/frequency_threshold")),
    )
    return None if found == EventReporting() else found


def _events(re_el: etree._Element | None) -> tuple[tuple[AdverseEvent, ...], dict[str, dict[str, int | None]]]:
    """The adverse events, and the per-group totals (group id → field → count) that legacy writes as events."""
    if re_el is None:
        return (), {}
    out: list[AdverseEvent] = []
    totals: dict[str, dict[str, int | None]] = {}
    for section, kind in (("serious_events", "SERIOUS"), ("other_events", "OTHER")):
        sec = re_el.find(section)
        if sec is None:
            continue
        cl = sec.find("category_list")
        if cl is None:
            continue
        default_vocab = _s(sec.findtext("default_vocab"))
        default_assessment = sec.findtext("default_assessment")
        for cat in cl.iterchildren("category"):
            organ = _s(cat.findtext("title"))
            el = cat.find("event_list")
            if el is None:
                continue
            for ev in el.iterchildren("event"):
                sub_title = ev.find("sub_title")
                term = _s(sub_title.text if sub_title is not None else None) or ""
                vocab = _s(sub_title.get("vocab")) if sub_title is not None else None
                assessment = _enum(ev.findtext("assessment") or default_assessment)
                total_fields = _TOTAL_EVENTS.get((kind, term)) if organ == _TOTAL_CATEGORY else None
                for c in ev.iterchildren("counts"):
                    group_id = (c.get("group_id") or "").strip()
                    affected = _int(c.get("subjects_affected"), "event/counts@subjects_affected")
                    at_risk = _int(c.get("subjects_at_risk"), "event/counts@subjects_at_risk")
                    if total_fields is not None:
                        totals.setdefault(group_id, {}).update(zip(total_fields, (affected, at_risk), strict=True))
                    else:  # an unknown line under "Total" stays an event rather than vanish
                        out.append(
                            AdverseEvent(
                                kind, term, organ, group_id, affected, at_risk, assessment, vocab or default_vocab
                            )
                        )
    return tuple(out), totals


def _results(cr: etree._Element) -> Results:
    pf = cr.find("participant_flow")
    bl = cr.find("baseline")
    rep = cr.find("reported_events")
    events, totals = _events(rep)
    return Results(
        flow_groups=_groups(pf),
        flow=_flow(pf),
        baseline_groups=_groups(bl),
        baseline=_baseline(bl),
        outcome_measures=_outcome_measures(cr.find("outcome_list")),
        event_groups=tuple(replace(g, **totals.get(g.group_id, {})) for g in _groups(rep)),
        adverse_events=events,
        drop_withdrawals=_drop_withdrawals(pf),
        baseline_denoms=_analyzed(bl),
        event_reporting=_event_reporting(rep),
    )
