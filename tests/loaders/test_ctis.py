"""Tests for ``trialgraph.loaders.ctis``: both CTIS JSON generations, checked against the raw JSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from tests.data import REPO_ROOT, shared
from trialgraph.errors import SourceError
from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.ctis.loader import CtisLoader, iter_records
from trialgraph.loaders.ctis.parse import detect_shape
from trialgraph.model.staged import Quarantined, Staged
from trialgraph.model.study import StudyRecord

TRIALS = "registries/ctis/ctis_trials.jsonl"
CROSSREF = "links/registry_record_crossref_pairs.csv"
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "ctis"
RELATION = {"cross_registration": "same_trial", "euctr_to_ctis_transition": "transition"}


def _raw() -> dict[str, dict[str, Any]]:
    lines = shared(TRIALS).read_text(encoding="utf-8").splitlines()
    return {d["ctNumber"]: d for d in (json.loads(line) for line in lines if line.strip())}


def _spaced(text: str) -> str:
    """Registry text as clean_registry_text keeps it: runs of spaces collapsed."""
    return " ".join(text.split())


def _records(paths: list[Path]) -> dict[str, StudyRecord]:
    return {r.registry_id: r for r, _ in iter_records(paths) if isinstance(r, StudyRecord)}


def test_four_trials_in_two_generations() -> None:
    raw = _raw()
    assert len(raw) == 4
    shapes = {ct: detect_shape(d).name for ct, d in raw.items()}  # type: ignore[union-attr]
    assert shapes == {
        "2022-500244-37-00": "ctis-2023",
        "2023-508143-51-01": "ctis-2023",
        "2023-505613-24-00": "ctis-2024",
        "2024-510663-34-00": "ctis-2024",
    }
    records = _records([shared(TRIALS)])
    assert sorted(records) == sorted(raw)
    assert all(r.registry == "CTIS" and r.source_format == "ctis-json" for r in records.values())
    assert all(r.canonical_id == r.registry_id for r in records.values())


def test_old_shape_fields_match_the_raw_json() -> None:
    src = _raw()["2022-500244-37-00"]
    rec = _records([shared(TRIALS)])["2022-500244-37-00"]
    ids = src["authorizedPartI"]["trialDetails"]["clinicalTrialIdentifiers"]
    assert rec.official_title == _spaced(ids["fullTitle"]) and rec.brief_title == _spaced(ids["publicTitle"])
    assert src["ctStatus"] == "Authorised, not started" and rec.overall_status == "NOT_YET_RECRUITING"
    assert src["trialPhase"] == "Therapeutic exploratory (Phase II)" and rec.phases == ("PHASE2",)
    assert rec.countries == ("Germany",)
    assert rec.conditions == ("COVID-19",)
    assert [s.name for s in rec.sponsors] == [src["primarySponsor"]["organisation"]["name"]] == ["Kinarus AG"]
    assert rec.registration_date == src["submissionDate"] == "2022-04-19"
    assert rec.last_update_date == "2022-08-03"
    assert rec.enrollment == int(src["totalNumberEnrolled"])
    primary = src["authorizedPartI"]["trialDetails"]["trialInformation"]["endPoint"]["primaryEndPoints"]
    assert [o.measure for o in rec.outcomes if o.kind == "PRIMARY"] == [_spaced(p["endPoint"]) for p in primary]
    elig = rec.eligibility
    assert elig is not None and (elig.min_age, elig.max_age, elig.sex) == ("18 Years", None, "ALL")  # 65+, 18-64
    assert not rec.has_results


def test_new_shape_fields_match_the_raw_json() -> None:
    src = _raw()["2023-505613-24-00"]
    rec = _records([shared(TRIALS)])["2023-505613-24-00"]
    part = src["authorizedApplication"]["authorizedPartI"]
    assert rec.official_title == _spaced(part["trialDetails"]["clinicalTrialIdentifiers"]["fullTitle"])
    assert src["ctStatus"] == 4 and rec.overall_status == "RECRUITING"  # code 4: "Ongoing, recruiting"
    assert rec.phases == ("PHASE2",)
    assert rec.countries == ("Poland", "Belgium", "Greece")
    assert rec.conditions == ("Fungal infection",)
    assert rec.sponsors[0].name == "Merck Sharp & Dohme LLC" and rec.sponsors[0].agency_class == "INDUSTRY"
    assert src["startDateEU"] == "28/04/2021" and rec.start_date == "2021-04-28"  # dd/mm/yyyy
    assert src["lastUpdated"] == "19/08/2025" and rec.last_update_date == "2025-08-19"
    assert rec.outcomes[0].measure == "Average concentration (Cavg) of single-dose IV POS (Panel A)"
    assert rec.eligibility is not None and rec.eligibility.max_age == "17 Years"  # "0-17 years"
    assert rec.interventions[0].name.startswith("Noxafil")


def test_every_stated_cross_registration_and_transition_is_claimed() -> None:
    records = _records([shared(TRIALS)])
    with shared(CROSSREF).open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["source_file"] == "registries/ctis/ctis_trials.jsonl"]
    assert len(rows) == 5
    for row in rows:
        claims = records[row["record_id"]].id_claims
        hits = [
            c
            for c in claims
            if c.trial_id == row["trial_id_b"]
            and c.relation == RELATION[row["relation"]]
            and c.evidence.endswith(row["evidence_field"])
        ]
        assert hits, row
    transitions = {
        r.registry_id: [c.trial_id for c in r.id_claims if c.relation == "transition"] for r in records.values()
    }
    assert transitions == {
        "2022-500244-37-00": [],
        "2023-505613-24-00": ["2019-003842-34"],
        "2023-508143-51-01": ["2021-004994-30"],
        "2024-510663-34-00": ["2019-001588-63"],
    }
    assert all(c.registry == "EudraCT" for r in records.values() for c in r.id_claims if c.relation == "transition")


def test_bad_lines_are_quarantined_and_the_rest_loads() -> None:
    path = FIXTURES / "bad_trials.jsonl"
    items = list(iter_records([path]))
    records = {r.registry_id: r for r, _ in items if isinstance(r, StudyRecord)}
    assert sorted(records) == ["2023-500001-11-00", "2024-500002-22-00", "2024-500004-44-00"]
    old, new = records["2023-500001-11-00"], records["2024-500002-22-00"]
    assert (old.overall_status, old.phases, old.official_title) == ("COMPLETED", ("PHASE3",), "An old-shape trial")
    assert [(c.trial_id, c.relation) for c in old.id_claims] == [("2018-000001-11", "transition")]
    assert (new.overall_status, new.last_update_date) == ("COMPLETED", "2025-06-01")  # code 8: "Ended"
    rejected = {origin: q for q, origin in items if isinstance(q, Quarantined)}
    assert rejected[f"{path}:3"].reason.startswith("invalid JSON")
    # an impossible last-update date is left out and named; the record loads, unversioned by it
    dated = records["2024-500004-44-00"]
    assert (dated.last_update_date, dated.overall_status) == (None, "COMPLETED")
    assert getattr(dated, "issues", None) == ("lastUpdated '31/02/2024' is not a calendar date; stored without it",)
    assert f"{path}:4" not in rejected
    assert "no CTIS number" in rejected[f"{path}:5"].reason


def test_loader_is_registered_and_stages_a_folder() -> None:
    loader = SOURCES.create("ctis")
    assert isinstance(loader, CtisLoader) and loader.name == loader.source == "ctis"
    items = list(loader.read([shared("registries/ctis")], load_run="test"))
    assert len(items) == 4 and all(isinstance(i, Staged) for i in items)
    assert {i.record_id for i in items if isinstance(i, Staged)} >= {"ctis:2023-505613-24-00"}


def test_missing_path_raises_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        list(CtisLoader().read([tmp_path / "absent.jsonl"], load_run="test"))


def test_a_negative_or_non_numeric_enrolled_count_is_a_field_issue_and_the_record_loads(tmp_path: Path) -> None:
    """``totalNumberEnrolled`` -5 (a JSON number) and "abc": both real records load without the count and
    carry one line each; the untouched records keep theirs."""
    raw = _raw()
    bad = {"2022-500244-37-00": -5, "2023-505613-24-00": "abc"}  # one record of each API generation
    path = tmp_path / "ctis.jsonl"
    lines = [
        json.dumps({**d, "totalNumberEnrolled": bad.get(ct, d.get("totalNumberEnrolled"))}) for ct, d in raw.items()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    staged = {s.record_id: s for s in CtisLoader().read([path], load_run="test")}
    assert all(isinstance(s, Staged) for s in staged.values()) and len(staged) == len(raw)
    issues = {ct: staged[f"ctis:{ct}"].issues for ct in raw}
    assert issues == {
        "2022-500244-37-00": ("totalNumberEnrolled '-5' is negative; stored without it",),
        "2023-505613-24-00": ("totalNumberEnrolled 'abc' is not a number; stored without it",),
        "2023-508143-51-01": (),
        "2024-510663-34-00": (),
    }
    records = _records([path])
    assert records["2022-500244-37-00"].enrollment is None and records["2023-505613-24-00"].enrollment is None
    good = [ct for ct in raw if ct not in bad]
    assert [records[ct].enrollment for ct in good] == [int(raw[ct]["totalNumberEnrolled"]) for ct in good]
