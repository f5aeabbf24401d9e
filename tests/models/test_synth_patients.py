"""Synthetic patients, pure: real criteria texts (tests/fixtures/synth/, four CT.gov records) parsed into checkable
constraints, patients labelled by construction, and the check step rejecting notes that contradict their label."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from trialgraph.link import Linker
from trialgraph.model.criteria import split_criteria
from trialgraph.models.linking.tfidf import LinkerConcept, build_index
from trialgraph.models.synth.criteria import Criterion, ParsedTrial, TrialInput, parse_trial
from trialgraph.models.synth.patient_batch import synthesize_patients
from trialgraph.models.synth.patients import KINDS, SyntheticPatient, build_patient, criterion_status
from trialgraph.models.synth.render import TemplateRenderer, template_note
from trialgraph.models.synth.replies import reply_problem
from trialgraph.models.synth.verify import read_back, verify_note

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "synth" / "studies.jsonl"
CONCEPTS = [  # real MeSH descriptors named in the fixture trials' conditions and criteria
    LinkerConcept("MESH:D003920", "Diabetes Mellitus", ("Diabetes",), ("C",)),
    LinkerConcept("MESH:D003924", "Diabetes Mellitus, Type 2", ("Type 2 Diabetes", "T2DM"), ("C",)),
    LinkerConcept("MESH:D007172", "Erectile Dysfunction", ("Impotence",), ("C",)),
    LinkerConcept("MESH:D007328", "Insulin", (), ("D",)),
    LinkerConcept("MESH:D003704", "Dementia", (), ("C",)),
]


def _trials() -> dict[str, TrialInput]:
    trials = {}
    for line in FIXTURE.read_text().splitlines():
        study = json.loads(line)["protocolSection"]
        nct = study["identificationModule"]["nctId"]
        module = study["eligibilityModule"]
        split = split_criteria(module["eligibilityCriteria"])
        items = [("INCLUSION", t) for t in split.inclusion] + [("EXCLUSION", t) for t in split.exclusion]
        conditions = {"NCT05302050": (("MESH:D003920", "Diabetes Mellitus"),)}.get(nct, ())
        trials[nct] = TrialInput(
            nct,
            f"ctgov:{nct}",
            None,
            module.get("minimumAge"),
            module.get("maximumAge"),
            module.get("sex"),
            module.get("healthyVolunteers"),
            tuple((kind, i, text) for i, (kind, text) in enumerate(items)),
            conditions,
        )
    return trials


@pytest.fixture(scope="module")
def linker(tmp_path_factory: pytest.TempPathFactory) -> Linker:
    folder = tmp_path_factory.mktemp("synth-index")
    build_index(CONCEPTS, folder)
    return Linker(folder)


@pytest.fixture(scope="module")
def parsed(linker: Linker) -> dict[str, ParsedTrial]:
    return {nct: parse_trial(trial, linker) for nct, trial in _trials().items()}


def _atoms(p: ParsedTrial) -> dict[str, list[tuple[str, str | None, bool | None]]]:
    out: dict[str, list[tuple[str, str | None, bool | None]]] = {}
    for c in p.criteria:
        for a in c.atoms:
            out.setdefault(a.key, []).append((a.interval.describe() if a.interval else "", a.value, a.present))
    return out


def test_real_criteria_become_ranges_concepts_and_fields(parsed: dict[str, ParsedTrial]) -> None:
    diabetes = _atoms(parsed["NCT05302050"])
    # "HbA1c >=7.01%" (inclusion) and "HbA1c >=11%" (exclusion, so below 11 is allowed)
    assert sorted(diabetes["hba1c"]) == [("< 11", "%", None), ("≥ 7.01", "%", None)]
    assert diabetes["MESH:D007328"] == [("", "medication", False)]  # "Current use of insulin ..." (exclusion)
    assert diabetes["age"] == [("[18, 75]", None, None)]  # the record's 18 Years / 75 Years
    assert diabetes["MESH:D003920"][0] == ("", "condition", True)  # the studied condition
    men = _atoms(parsed["NCT02745808"])
    assert men["sex"] == [("", "male", None)] and ("[20, 65]", None, None) in men["age"]  # "Males, age 20-65 years"
    assert men["hba1c"] == [("[6.5, 10]", "%", None)]  # "HbA1c is between 6.5%-10%"
    assert "creatinine" not in men  # "creatinine >1.5*upper limit of normal": relative to a lab's ULN, not checkable
    pressure = [c for c in parsed["NCT03751735"].criteria if {a.key for a in c.atoms} == {"sbp", "dbp"}]
    assert len(pressure) == 1 and pressure[0].kind == "exclusion"  # one line, two atoms
    assert sorted(a.interval.describe() for a in pressure[0].atoms if a.interval) == ["≤ 100", "≤ 170"]
    assert ("[20, 30]", "kg/m2", None) in _atoms(parsed["NCT03751735"])["bmi"]  # "Body Mass Index between 20-30."
    ecog = _atoms(parsed["NCT06576635"])["ecog"]
    assert ecog == [("≤ 2", "", None), ("≤ 2", "", None)]  # "≤2" to include, ">2" to exclude
    for p in parsed.values():  # every line is structured or kept as free text, never both or neither
        structured = {(c.kind, c.index) for c in p.criteria if c.index is not None}
        free = {(k, i) for k, i, _ in p.free_text}
        assert not structured & free and len(structured | free) == len(p.trial.criteria)


def test_a_trial_without_parseable_criteria_is_a_counted_reason(linker: Linker) -> None:
    bare = TrialInput(
        "NCT0", "ctgov:NCT0", None, None, None, "ALL", True, (("INCLUSION", 0, "Willing to sign consent"),)
    )
    assert parse_trial(bare, linker).problem == "no parseable criteria"
    report = synthesize_patients([bare], linker, TemplateRenderer()).report
    assert report["trials_skipped"] == {"no parseable criteria": 1} and report["generated"] == 0


def _status(criteria: list[Criterion], patient: SyntheticPatient) -> dict[str, int]:
    statuses = [criterion_status(c, patient.facts) for c in criteria]
    return {s: statuses.count(s) for s in ("met", "violated", "partial", "unknown")}


@pytest.mark.parametrize("nct", ["NCT05302050", "NCT02745808", "NCT03751735", "NCT06576635"])
def test_labels_hold_by_construction_on_the_facts(parsed: dict[str, ParsedTrial], nct: str) -> None:
    criteria = parsed[nct].criteria
    built = {kind: [build_patient(f"p{i}", nct, kind, criteria, random.Random(i)) for i in range(8)] for kind in KINDS}
    for patient in built["eligible"]:
        assert isinstance(patient, SyntheticPatient)
        assert _status(criteria, patient)["met"] == len(criteria)
    if nct == "NCT06576635":  # age ≥ 18 twice and ECOG ≤ 2 twice: breaking any one line breaks its twin too
        assert set(built["near_miss"]) == {"no criterion can be broken alone"}
    for patient in built["near_miss"] if nct != "NCT06576635" else []:
        assert isinstance(patient, SyntheticPatient) and len(patient.violated) == 1
        assert criterion_status(patient.violated[0], patient.facts) == "violated"
        assert _status(criteria, patient) == {"met": len(criteria) - 1, "violated": 1, "partial": 0, "unknown": 0}
    for patient in built["ineligible"]:
        if isinstance(patient, str):
            continue
        assert all(criterion_status(c, patient.facts) == "violated" for c in patient.violated)
        assert len(patient.violated) >= 2 or patient.violated[0].primary
    assert len({b.facts.age for b in built["eligible"] if isinstance(b, SyntheticPatient)}) > 1  # seeded, varied


def _patient(parsed: dict[str, ParsedTrial], kind: str, measure: str) -> tuple[SyntheticPatient, list[Criterion]]:
    criteria = parsed["NCT05302050"].criteria
    for i in range(50):
        patient = build_patient("p", "NCT05302050", kind, criteria, random.Random(i))  # type: ignore[arg-type]
        if isinstance(patient, SyntheticPatient) and (
            kind == "eligible" or any(a.key == measure for a in patient.violated[0].atoms)
        ):
            return patient, criteria
    raise AssertionError(f"no {kind} patient breaking {measure}")


def test_the_check_passes_faithful_notes_and_rejects_contradicting_ones(
    parsed: dict[str, ParsedTrial], linker: Linker
) -> None:
    eligible, criteria = _patient(parsed, "eligible", "hba1c")
    note = template_note(eligible.facts)
    assert verify_note(eligible, note, criteria, linker) is None
    assert read_back(note, linker).present.keys() == eligible.facts.present.keys()
    value = f"{eligible.facts.measures['hba1c'][0]:.1f}"
    assert f"HbA1c {value} %" in note
    assert verify_note(eligible, note.replace(f"HbA1c {value}", "HbA1c 12.5"), criteria, linker) == (
        "eligible: a criterion is not met"
    )
    assert verify_note(eligible, note.replace(f"HbA1c {value} %", ""), criteria, linker) == (
        "eligible: a fact is not stated"
    )
    with_insulin = note + "\nMedications: insulin glargine nightly."
    assert verify_note(eligible, with_insulin, criteria, linker) == "eligible: a criterion is not met"
    assert verify_note(eligible, note + "\nNot taking insulin.", criteria, linker) is None  # denied, not taken

    near, _ = _patient(parsed, "near_miss", "hba1c")
    near_note = template_note(near.facts)
    assert verify_note(near, near_note, criteria, linker) is None
    stated = f"{near.facts.measures['hba1c'][0]:.1f}"
    assert verify_note(near, near_note.replace(f"HbA1c {stated}", "HbA1c 8.0"), criteria, linker) == (
        "violated criterion is met"
    )


def test_model_failures_are_reasons_not_crashes() -> None:
    assert reply_problem("I'm sorry, but I cannot write medical notes.", min_chars=30) == "refusal"
    assert reply_problem("The patient is well. " * 10, min_chars=30) == "loop (repeated text)"
    assert reply_problem("54 yo man.", min_chars=30) == "too short"
    note = "Demographics: 54-year-old man with type 2 diabetes on insulin; HbA1c 8.1 %."
    assert reply_problem(note, min_chars=30) is None


def test_a_template_batch_accounts_for_every_note(linker: Linker) -> None:
    batch = synthesize_patients(list(_trials().values()), linker, TemplateRenderer(), per_kind=2, seed=3)
    report = batch.report
    assert report["generated"] == report["passed"] + sum(report["dropped"].values()) > 0
    assert report["pass_rate"] == 1.0  # the template states every fact exactly
    assert {n["kind"] for n in batch.notes} == set(KINDS)
    near = next(n for n in batch.notes if n["kind"] == "near_miss")
    assert near["violated_criterion"]["text"] and near["provenance"]["seed"] == 3
    assert near["provenance"]["generator"] == "template" and near["synthetic"] is True
    again = synthesize_patients(list(_trials().values()), linker, TemplateRenderer(), per_kind=2, seed=3)
    assert [n["note"] for n in again.notes] == [n["note"] for n in batch.notes]  # seeded
    for note in batch.notes:  # criterion-level labels: an eligible note meets all, a near-miss all but one
        met = {(c["kind"], c["index"], c["text"]) for c in note["criteria_met"]}
        broken = {(c["kind"], c["index"], c["text"]) for c in note["violated_criteria"]}
        assert not met & broken
        if note["kind"] != "ineligible":
            assert len(met) + len(broken) == note["criteria_checked"], note
