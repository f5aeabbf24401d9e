"""Study design (AACT's ``designs``): both formats give v2's enum spelling, read here by plain dict/XML access.

Legacy writes labels ("Parallel Assignment", "Double (Participant, Investigator)"); the expected values below
are derived from them with the rules written out in this test, independently of the parser's tables.
"""

from __future__ import annotations

import re

import pytest
from lxml import etree

from tests.data import legacy_studies, v2_studies
from tests.loaders.test_ctgov_overlap import OVERLAP, legacy_raw, v2_raw
from trialgraph.loaders.ctgov import v2
from trialgraph.loaders.ctgov.legacy import parse_study as parse_legacy
from trialgraph.model.study import Design
from trialgraph.model.text import undo_markdown_escapes

V2_FIELDS = {
    "allocation": ("designInfo", "allocation"),
    "intervention_model": ("designInfo", "interventionModel"),
    "intervention_model_description": ("designInfo", "interventionModelDescription"),
    "primary_purpose": ("designInfo", "primaryPurpose"),
    "observational_model": ("designInfo", "observationalModel"),
    "time_perspective": ("designInfo", "timePerspective"),
}


def _legacy_enum(label: str | None) -> str | None:
    if label is None:
        return None
    label = label.strip()
    special = {"N/A": "NA", "None (Open Label)": "NONE"}
    if label in special:
        return special[label]
    return re.sub(r"[^A-Za-z0-9]+", "_", label.removesuffix(" Assignment")).strip("_").upper()


def test_v2_design_fields_are_the_records_values() -> None:
    seen = {name: 0 for name in (*V2_FIELDS, "masking", "masked_roles", "biospec_retention", "target_duration")}
    for raw in v2_studies():
        design = raw["protocolSection"].get("designModule", {})
        record = v2.parse_study(raw).design or Design()
        for name, (part, key) in V2_FIELDS.items():
            expected = design.get(part, {}).get(key)
            if isinstance(expected, str) and "description" in name:
                expected = undo_markdown_escapes(expected).strip()  # v2 serves descriptions as Markdown
            assert getattr(record, name) == expected, (name, raw["protocolSection"]["identificationModule"])
            seen[name] += expected is not None
        masking = design.get("designInfo", {}).get("maskingInfo", {})
        assert record.masking == masking.get("masking")
        assert record.masked_roles == tuple(masking.get("whoMasked", ()))
        assert record.biospec_retention == design.get("bioSpec", {}).get("retention")
        assert record.target_duration == design.get("targetDuration")
        arms = raw["protocolSection"].get("armsInterventionsModule", {}).get("armGroups", [])
        assert record.number_of_arms == (len(arms) or None)
        seen["masking"] += record.masking is not None
        seen["masked_roles"] += bool(record.masked_roles)
        seen["biospec_retention"] += record.biospec_retention is not None
        seen["target_duration"] += record.target_duration is not None
    assert all(count >= 5 for count in seen.values()), seen


def test_legacy_design_fields_in_v2_spelling() -> None:
    seen = {"allocation": 0, "masked_roles": 0, "observational_model": 0, "biospec_retention": 0, "arms": 0}
    for member, data in legacy_studies():
        root = etree.fromstring(data)
        record = parse_legacy(data).design or Design()
        info = root.find("study_design_info")

        def label(name: str, info: etree._Element | None = info) -> str | None:
            return None if info is None else info.findtext(name)

        for name in (
            "allocation",
            "intervention_model",
            "primary_purpose",
            "observational_model",
            "time_perspective",
        ):
            assert getattr(record, name) == _legacy_enum(label(name)), (member, name)
        masking = label("masking")
        if masking is not None and "(" in masking and not masking.startswith("None"):
            level, roles = masking.split("(", 1)
            assert record.masking == _legacy_enum(level)
            assert record.masked_roles == tuple(_legacy_enum(r) for r in roles.rstrip(") ").split(","))
            seen["masked_roles"] += 1
        else:
            assert record.masking == _legacy_enum(masking) and record.masked_roles == ()
        assert record.biospec_retention == _legacy_enum(root.findtext("biospec_retention"))
        arms = root.findtext("number_of_arms") or root.findtext("number_of_groups")
        assert record.number_of_arms == (int(arms) if arms else None)
        seen["allocation"] += record.allocation is not None
        seen["observational_model"] += record.observational_model is not None
        seen["biospec_retention"] += record.biospec_retention is not None
        seen["arms"] += record.number_of_arms is not None
    assert all(count >= 5 for count in seen.values()), seen


@pytest.mark.parametrize("nct_id", sorted(OVERLAP))
def test_both_formats_give_the_same_design(nct_id: str) -> None:
    new = v2.parse_study(v2_raw()[nct_id], expected_id=nct_id).design
    old = parse_legacy(legacy_raw()[nct_id], expected_id=nct_id).design
    assert new is not None and new == old
