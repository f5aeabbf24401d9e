"""StudyRecord → writer rows: the graph shape of a ClinicalTrials.gov record, computed from the record alone.

Every key is derived from the record id plus the fact's kind and position, so a re-run computes the
same keys and the writer's MERGE changes nothing. Shared nodes (organizations, conditions, keywords,
publications, MeSH terms, countries) are keyed by a normalised form of what the registry wrote.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields
from typing import Any

import orjson

from trialgraph.model.keys import bounded_key, normalise_key, publication_key, record_id
from trialgraph.model.people_rows import DISCLOSURE_FIELDS, PEOPLE_WRITE_ORDER, people_rows
from trialgraph.model.results import ANALYSIS_FIELDS, AnalyzedCount, EventReporting
from trialgraph.model.staged import RowSet
from trialgraph.model.study import Design, Measure, ResultGroup, Results, StudyDetails, StudyRecord
from trialgraph.model.validate import study_version

__all__ = [
    "DESIGN_FIELDS",
    "EVENT_TOTALS",
    "WRITE_ORDER",
    "content_hash",
    "precedence",
    "study_rows",
]

SOURCE = "ctgov"

WRITE_ORDER: tuple[str, ...] = (
    "merge_records",
    "merge_sponsors",
    "merge_conditions",
    "merge_keywords",
    "merge_interventions",
    "merge_arms",
    "merge_outcomes",
    "merge_eligibility",
    "merge_sites",
    "merge_references",
    "merge_condition_mesh",
    "merge_intervention_mesh",
    "merge_result_groups",
    "merge_flow_counts",
    "merge_baseline_measures",
    "merge_outcome_measures",
    "merge_adverse_events",
    "merge_outcome_analyses",
    "merge_outcome_counts",
    "merge_baseline_counts",
    "merge_drop_withdrawals",
    "merge_event_reporting",
    "merge_id_claims",
    *PEOPLE_WRITE_ORDER,
)


# Bump when the graph shape of a record changes, so reloads rewrite records written by older code.
# 14: AACT extras (site zip, eligibility std_ages, patient_registry, last_update_submitted_qc_date);
# 13: v2 free text without CommonMark escapes; 12: RECORD_OF evidence is a list.
ROWS_VERSION = "ctgov-rows-14"


def _list_or_none(values: tuple[str, ...]) -> list[str] | None:
    """Empty lists are stored as no property, so every write path (MERGE or bulk import) gives the same node."""
    return list(values) or None


def content_hash(record: StudyRecord, *, contact_details: bool = False) -> str:
    """Hash of everything the record states, and of whether contact details are written: equal hashes mean an
    unchanged study version written the same way (turning ``store_contact_details`` on rewrites records)."""
    # orjson serialises (slotted) dataclasses natively, in field order: deterministic and ~10x faster than asdict.
    policy = b"+contact-details" if contact_details else b""
    return hashlib.sha256(ROWS_VERSION.encode() + policy + orjson.dumps(record)).hexdigest()


_FORMAT_RANK = {"ctgov-xml": "0", "ctgov-v2": "1"}


def precedence(record: StudyRecord) -> str:
    """Newer version date wins (see ``study_version``); on the same date the API v2 record (richer: DERIVED refs,
    MeSH ids) wins."""
    return f"{study_version(record) or '0000-00-00'}|{_FORMAT_RANK.get(record.source_format, '0')}"


def _record_props(rec: StudyRecord, rid: str, digest: str, origin: str, load_run: str, source: str) -> dict[str, Any]:
    elig = rec.eligibility
    core = {
        "source": source,
        "source_format": rec.source_format,
        "raw_id": rec.registry_id,
        "nct_id": rec.registry_id if rec.registry == "ClinicalTrials.gov" else None,
        "registry": rec.registry,
        "trial_key": rec.canonical_id or rec.registry_id,
        "registration_date": rec.registration_date,
        "countries": _list_or_none(rec.countries),
        "version": rec.last_update_date,
        "precedence": precedence(rec),
        "content_hash": digest,
        "source_file": origin,
        "load_run": load_run,
        "brief_title": rec.brief_title,
        "official_title": rec.official_title,
        "acronym": rec.acronym,
        "org_study_id": rec.org_study_id,
        "secondary_ids": _list_or_none(rec.secondary_ids),
        "nct_aliases": _list_or_none(rec.nct_aliases),
        "overall_status": rec.overall_status,
        "why_stopped": rec.why_stopped,
        "study_type": rec.study_type,
        "phases": _list_or_none(rec.phases),
        "phase": rec.phase,
        "start_date": rec.start_date,
        "primary_completion_date": rec.primary_completion_date,
        "completion_date": rec.completion_date,
        "first_posted_date": rec.first_posted_date,
        "last_update_date": rec.last_update_date,
        "enrollment": rec.enrollment,
        "enrollment_type": rec.enrollment_type,
        "brief_summary": rec.brief_summary,
        "detailed_description": rec.detailed_description,
        "has_results": rec.has_results,
        "healthy_volunteers": elig.healthy_volunteers if elig else None,
    }
    if _SHADOWED.isdisjoint(core):
        return (
            core
            | _flat_props(rec.design, DESIGN_FIELDS)
            | _flat_props(rec.details, DETAIL_FIELDS)
            | _flat_props(rec.disclosure, DISCLOSURE_FIELDS)
        )
    raise ValueError(f"record fields would overwrite record properties: {sorted(_SHADOWED & core.keys())}")


DESIGN_FIELDS = tuple(f.name for f in fields(Design))
"""Design fields are properties of the ``RegistryRecord`` under their own names (one design per record)."""
DETAIL_FIELDS = tuple(f.name for f in fields(StudyDetails))
"""So are the study details (dates and their types, oversight, IPD sharing)."""
_SHADOWED = frozenset(DESIGN_FIELDS) | frozenset(DETAIL_FIELDS) | frozenset(DISCLOSURE_FIELDS)


def _flat_props(part: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """One part of the record as properties: every name present (the bulk CSV's columns are fixed), lists as lists."""
    if part is None:
        return dict.fromkeys(names)
    return {
        name: _list_or_none(value) if isinstance(value, tuple) else value
        for name in names
        for value in (getattr(part, name),)
    }


EVENT_TOTALS = tuple(f"{kind}_{count}" for kind in ("serious", "other", "deaths") for count in ("affected", "at_risk"))
"""Adverse-event group totals, stored on the ``ResultGroup`` node (never as adverse-event terms)."""


def _group_props(group_id: str, title: str | None, group: ResultGroup | None) -> dict[str, Any]:
    """Every group row has the same keys (the bulk CSV's columns are fixed by its first row); null is no property."""
    return {
        "group_id": group_id,
        "title": title,
        "description": group.description if group else None,
        **{name: getattr(group, name) if group else None for name in EVENT_TOTALS},
    }


class _Groups:
    """Result groups of one record, keyed by scope: CT.gov reuses ids like OG000 for different groups in
    different outcome measures, so outcome-measure groups are scoped to their measure; flow (FG), baseline (BG)
    and adverse-event (EG) groups are one list each per record."""

    def __init__(self, rid: str) -> None:
        self.rid = rid
        self.rows: dict[str, dict[str, Any]] = {}

    def declare(self, scope: str, group: ResultGroup) -> None:
        key = f"{self.rid}:{scope}group:{group.group_id}"
        self.rows[key] = {
            "record_id": self.rid,
            "key": key,
            "props": _group_props(group.group_id, group.title or None, group),
        }

    def key(self, scope: str, group_id: str) -> str:
        key = f"{self.rid}:{scope}group:{group_id}"
        if key not in self.rows:  # referenced but not declared: keep the value, name the group by its id
            self.rows[key] = {"record_id": self.rid, "key": key, "props": _group_props(group_id, group_id, None)}
        return key


def _measure_rows(
    rid: str,
    section: str,
    measures: tuple[Measure, ...],
    groups: _Groups,
    *,
    per_measure_groups: bool,
    extra: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Measures with their values; ``extra`` are properties every measure of the section gets (the results
    posting date on outcome measures), so each label keeps one set of property names."""
    rows = []
    for m_pos, measure in enumerate(measures):
        key = f"{rid}:{section}:{m_pos}"
        scope = f"{section}:{m_pos}:" if per_measure_groups else ""
        for group in measure.groups:
            groups.declare(scope, group)
        rows.append(
            {
                "record_id": rid,
                "key": key,
                "props": {
                    "position": m_pos,
                    "title": measure.title,
                    "kind": measure.kind,
                    "description": measure.description,
                    "time_frame": measure.time_frame,
                    "param_type": measure.param_type,
                    "units": measure.units,
                    "population": measure.population,
                    "type_units_analyzed": measure.type_units_analyzed,
                    "dispersion_type": measure.dispersion_type,
                    "reporting_status": measure.reporting_status,
                    **(extra or {}),
                },
                "values": [
                    {
                        "key": f"{key}:v{v_pos}",
                        "group_key": groups.key(scope, value.group_id),
                        "props": {
                            "position": v_pos,
                            "group_id": value.group_id,
                            "value": value.value,
                            "category": value.category,
                            "spread": value.spread,
                            "lower_limit": value.lower_limit,
                            "upper_limit": value.upper_limit,
                            "comment": value.comment,
                        },
                    }
                    for v_pos, value in enumerate(measure.values)
                ],
            }
        )
    return rows


def _count_rows(key: str, counts: tuple[AnalyzedCount, ...], groups: _Groups, scope: str) -> list[dict[str, Any]]:
    """Analysed counts (baseline or one outcome measure's), each pointing at its group."""
    return [
        {
            "record_id": groups.rid,
            "key": f"{key}:{pos}",
            "group_key": groups.key(scope, count.group_id),
            "props": {"position": pos, "group_id": count.group_id, "units": count.units, "count": count.count},
        }
        for pos, count in enumerate(counts)
    ]


def _analysis_rows(rid: str, measures: tuple[Measure, ...], groups: _Groups) -> list[dict[str, Any]]:
    """Outcome analyses: numbers as numbers, the groups compared as keys of the measure's own groups."""
    return [
        {
            "record_id": rid,
            "key": f"{rid}:outcome_measure:{m_pos}:analysis:{a_pos}",
            "measure_key": f"{rid}:outcome_measure:{m_pos}",
            "group_keys": [groups.key(f"outcome_measure:{m_pos}:", gid) for gid in dict.fromkeys(analysis.group_ids)],
            "props": {
                "position": a_pos,
                **{
                    name: _list_or_none(value) if isinstance(value, tuple) else value
                    for name in ANALYSIS_FIELDS
                    for value in (getattr(analysis, name),)
                },
            },
        }
        for m_pos, measure in enumerate(measures)
        for a_pos, analysis in enumerate(measure.analyses)
    ]


EVENT_REPORTING_FIELDS = tuple(f.name for f in fields(EventReporting))
"""Adverse-event reporting (time frame, description, frequency threshold): one ``EventReporting`` node."""


def _event_reporting_rows(rid: str, reporting: EventReporting | None) -> list[dict[str, Any]]:
    if reporting is None:
        return []
    props = {name: getattr(reporting, name) for name in EVENT_REPORTING_FIELDS}
    return [{"record_id": rid, "key": f"{rid}:event_reporting", "props": props}]


def _result_rows(rid: str, results: Results, rows: RowSet, posted: str | None) -> None:
    groups = _Groups(rid)
    for group in (*results.flow_groups, *results.baseline_groups, *results.event_groups):
        groups.declare("", group)
    rows["merge_flow_counts"] = [
        {
            "record_id": rid,
            "key": f"{rid}:flow:{pos}",
            "group_key": groups.key("", fc.group_id),
            "props": {"position": pos, "period": fc.period, "milestone": fc.milestone, "count": fc.count},
        }
        for pos, fc in enumerate(results.flow)
    ]
    rows["merge_baseline_measures"] = _measure_rows(rid, "baseline", results.baseline, groups, per_measure_groups=False)
    rows["merge_outcome_measures"] = _measure_rows(
        rid,
        "outcome_measure",
        results.outcome_measures,
        groups,
        per_measure_groups=True,
        extra={"results_first_posted_date": posted},
    )
    rows["merge_outcome_analyses"] = _analysis_rows(rid, results.outcome_measures, groups)
    rows["merge_outcome_counts"] = [
        {**row, "measure_key": measure_key}
        for m_pos, measure in enumerate(results.outcome_measures)
        for measure_key in (f"{rid}:outcome_measure:{m_pos}",)
        for row in _count_rows(f"{measure_key}:count", measure.denoms, groups, f"outcome_measure:{m_pos}:")
    ]
    rows["merge_baseline_counts"] = _count_rows(f"{rid}:baseline_count", results.baseline_denoms, groups, "")
    rows["merge_drop_withdrawals"] = [
        {
            "record_id": rid,
            "key": f"{rid}:drop_withdrawal:{pos}",
            "group_key": groups.key("", drop.group_id),
            "props": {"position": pos, "period": drop.period, "reason": drop.reason, "count": drop.count},
        }
        for pos, drop in enumerate(results.drop_withdrawals)
    ]
    rows["merge_event_reporting"] = _event_reporting_rows(rid, results.event_reporting)
    rows["merge_adverse_events"] = [
        {
            "record_id": rid,
            "key": f"{rid}:ae:{pos}",
            "group_key": groups.key("", ae.group_id),
            "props": {
                "position": pos,
                "kind": ae.kind,
                "term": ae.term,
                "organ_system": ae.organ_system,
                "group_id": ae.group_id,
                "affected": ae.affected,
                "at_risk": ae.at_risk,
                "assessment_type": ae.assessment_type,
                "source_vocabulary": ae.source_vocabulary,
            },
        }
        for pos, ae in enumerate(results.adverse_events)
    ]
    rows["merge_result_groups"] = list(groups.rows.values())


def study_rows(
    rec: StudyRecord, *, digest: str, origin: str, load_run: str, source: str = SOURCE, contact_details: bool = False
) -> RowSet:
    """All rows for one study record, keyed by the Cypher statement that writes them.

    ``contact_details``: write contacts' e-mail and phone (``Settings.store_contact_details``); off, they are not
    stored at all.
    """
    rid = record_id(rec.registry_id, source)
    rows: RowSet = {name: [] for name in WRITE_ORDER}
    rows["merge_records"] = [
        {
            "record_id": rid,
            "trial_id": rec.canonical_id or rec.registry_id,
            "source": source,
            "evidence": ["registry id"],  # a list, as identity resolution writes it when it regroups
            "props": _record_props(rec, rid, digest, origin, load_run, source),
            "trial_props": {
                "nct_id": rec.registry_id if rec.registry == "ClinicalTrials.gov" else None,
                "brief_title": rec.brief_title,
                "overall_status": rec.overall_status,
                "phase": rec.phase,
                "study_type": rec.study_type,
                "aliases": _list_or_none(rec.nct_aliases),
            },
        }
    ]
    rows["merge_id_claims"] = [
        {
            "record_id": rid,
            "trial_id": claim.trial_id,
            "registry": claim.registry,
            "evidence": claim.evidence,
            "relation": claim.relation,
        }
        for claim in dict.fromkeys(rec.id_claims)
        if claim.trial_id != (rec.canonical_id or rec.registry_id) or claim.relation == "member_state"
    ]
    rows["merge_sponsors"] = [
        {
            "record_id": rid,
            "org_key": normalise_key(s.name),
            "name": s.name,
            "agency_class": s.agency_class,
            "role": s.role,
            "position": pos,
        }
        for pos, s in enumerate(rec.sponsors)
        if normalise_key(s.name)
    ]
    for statement, texts in (("merge_conditions", rec.conditions), ("merge_keywords", rec.keywords)):
        rows[statement] = [
            {"record_id": rid, "key": normalise_key(text), "name": text, "position": pos}
            for pos, text in enumerate(texts)
            if normalise_key(text)
        ]
    intervention_keys: dict[str, list[str]] = {}
    for pos, iv in enumerate(rec.interventions):
        key = f"{rid}:intervention:{pos}"
        intervention_keys.setdefault(iv.name.casefold(), []).append(key)
        rows["merge_interventions"].append(
            {
                "record_id": rid,
                "key": key,
                "props": {
                    "position": pos,
                    "type": iv.type,
                    "name": iv.name,
                    "description": iv.description,
                    "other_names": _list_or_none(iv.other_names),
                },
            }
        )
    rows["merge_arms"] = [
        {
            "record_id": rid,
            "key": f"{rid}:arm:{pos}",
            "props": {"position": pos, "label": arm.label, "type": arm.type, "description": arm.description},
            "intervention_keys": list(
                dict.fromkeys(
                    key for name in arm.intervention_names for key in intervention_keys.get(name.casefold(), ())
                )
            ),
        }
        for pos, arm in enumerate(rec.arm_groups)
    ]
    rows["merge_outcomes"] = [
        {
            "record_id": rid,
            "key": f"{rid}:outcome:{pos}",
            "props": {
                "position": pos,
                "kind": o.kind,
                "measure": o.measure,
                "time_frame": o.time_frame,
                "description": o.description,
            },
        }
        for pos, o in enumerate(rec.outcomes)
    ]
    if (elig := rec.eligibility) is not None:
        key = f"{rid}:eligibility"
        criteria = [
            *(("PREAMBLE", text) for text in elig.preamble),
            *(("INCLUSION", text) for text in elig.inclusion),
            *(("EXCLUSION", text) for text in elig.exclusion),
        ]
        rows["merge_eligibility"] = [
            {
                "record_id": rid,
                "key": key,
                "props": {
                    "text": elig.text,
                    "min_age": elig.min_age,
                    "max_age": elig.max_age,
                    "sex": elig.sex,
                    "healthy_volunteers": elig.healthy_volunteers,
                    "study_population": elig.study_population,
                    "sampling_method": elig.sampling_method,
                    "gender_based": elig.gender_based,
                    "gender_description": elig.gender_description,
                    "std_ages": _list_or_none(elig.std_ages),
                },
                "criteria": [
                    {"key": f"{key}:{pos}", "props": {"position": pos, "kind": kind, "text": text}}
                    for pos, (kind, text) in enumerate(criteria)
                ],
            }
        ]
    rows["merge_sites"] = [
        {
            "record_id": rid,
            "key": f"{rid}:site:{pos}",
            "props": {
                "position": pos,
                "facility": site.facility,
                "city": site.city,
                "state": site.state,
                "zip": site.zip,
                "country": site.country,
                "status": site.status,
            },
            "country": site.country,
        }
        for pos, site in enumerate(rec.sites)
    ]
    rows["merge_references"] = [
        {
            "record_id": rid,
            "pub_key": publication_key(ref.pmid, citation=ref.citation),
            "pmid": ref.pmid,
            "citation": ref.citation,
            "type": ref.type,
            "position": pos,
        }
        for pos, ref in enumerate(rec.references)
        if ref.pmid or ref.citation
    ]
    for statement, terms in (
        ("merge_condition_mesh", rec.condition_mesh),
        ("merge_intervention_mesh", rec.intervention_mesh),
    ):
        rows[statement] = [
            {
                "record_id": rid,
                "name": bounded_key(t.term),  # the indexed key; an over-long term is kept whole in full_name
                "full_name": t.term if bounded_key(t.term) != t.term else None,
                "mesh_id": t.mesh_id,
                "ancestor": t.ancestor,
            }
            for t in terms
            if t.term
        ]
    if rec.results is not None:
        _result_rows(rid, rec.results, rows, rec.details.results_first_posted_date if rec.details else None)
    people_rows(rec, rid, rows, contact_details=contact_details)
    return rows
