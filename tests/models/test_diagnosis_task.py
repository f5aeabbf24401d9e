"""The diagnosis task, pure: synthetic notes (the template renderer's text from patient facts) → multiple choice
with the diagnoses withheld, distractors that cannot also be right, and every note left out counted."""

from __future__ import annotations

import re
from typing import Any

import pytest

from trialgraph.models.synth.patients import PatientFacts
from trialgraph.models.synth.render import template_note
from trialgraph.models.tasks.builders import TaskInputs, build_task
from trialgraph.models.tasks.diagnosis import WITHHELD, DiagnosisInputs, build_diagnosis, withhold
from trialgraph.models.tasks.splits import Split

# real MeSH descriptors; each trial's notes carry clues its own condition would (labs, medications)
CONDITIONS = {
    "T1": ("MESH:D003924", "Diabetes Mellitus, Type 2", {"hba1c": (8.1, "%")}, ("MESH:D008687", "Metformin")),
    "T2": ("MESH:D006333", "Heart Failure", {"lvef": (30.0, "%")}, ("MESH:D000068876", "Sacubitril")),
    "T3": ("MESH:D001249", "Asthma", {}, ("MESH:D000068759", "Budesonide")),
    "T4": ("MESH:D006973", "Hypertension", {"sbp": (150.0, "mmHg")}, ("MESH:D000809", "Amlodipine")),
    "T5": ("MESH:D001714", "Bipolar Disorder", {}, ("MESH:D008094", "Lithium")),
    "T6": ("MESH:D003920", "Diabetes Mellitus", {}, ("MESH:D007328", "Insulin")),
}
SYNONYMS = {"MESH:D003924": ("Type 2 Diabetes", "T2DM"), "MESH:D006333": ("Cardiac Failure",)}
SPLIT = Split({trial: "test" for trial in CONDITIONS}, "2020-01-01", (), "2019-01-01")


def _note(trial: str, kind: str = "eligible", *, index: int = 0, **changes: Any) -> dict[str, Any]:
    curie, name, measures, (drug_curie, drug) = CONDITIONS[trial]
    present = {curie: (name, "condition"), drug_curie: (drug, "medication")}
    present |= changes.pop("extra_present", {})
    facts = PatientFacts(age=60, sex="female", measures=changes.pop("measures", measures), present=present)
    facts = PatientFacts(**{**facts.__dict__, **changes.pop("facts", {})})
    note = {
        "id": f"synth-{trial}-{kind}-{index}-s0",
        "trial_id": trial,
        "kind": kind,
        "note": changes.pop("text", None) or template_note(facts),
        "facts": facts.as_dict(),
        "condition_studied": {"curie": curie, "name": name},
        "provenance": {"generator": "template", "generator_version": "template-1"},
    }
    return note | changes


def _notes() -> list[dict[str, Any]]:
    return [_note(t) for t in CONDITIONS]


def _build(notes: list[dict[str, Any]], conditions: dict[str, frozenset[str]] | None = None) -> Any:
    return build_diagnosis(DiagnosisInputs(notes, SYNONYMS, conditions or {}), SPLIT)


def test_the_note_asks_for_its_trials_condition_with_every_diagnosis_withheld() -> None:
    text = "History: Diabetes Mellitus, Type 2; T2DM since 2010; hypertension.\nMedications: Metformin."
    note = _note("T1", text=text, extra_present={"MESH:D006973": ("Hypertension", "condition")})
    result = _build([note, *_notes()[1:]])
    item = next(i for i in result.items if i.trial_id == "T1")
    record = item.record
    assert record["options"][record["answer"]] == "Diabetes Mellitus, Type 2"
    question = record["question"]
    for name in ("Diabetes", "T2DM", "Hypertension"):  # the answer, its synonym and the other present condition
        assert name.lower() not in question.lower()
    assert question.count(WITHHELD) == 3 and "Metformin" in question  # clues stay
    assert item.query == withhold(text, ["Diabetes Mellitus, Type 2", "T2DM", "Type 2 Diabetes", "Hypertension"])
    assert record["metadata"]["answer_curie"] == "MESH:D003924" and record["metadata"]["synthetic"] is True
    assert record["metadata"]["note_generator"] == "template" and item.split == "test"


def test_distractors_are_neither_stated_nor_kin_nor_sharing_a_clue() -> None:
    result = _build(_notes())
    items = {i.trial_id: i for i in result.items}
    t1 = items["T1"].record
    wrong = {v for k, v in t1["options"].items() if k != t1["answer"]}
    # T6 (Diabetes Mellitus) shares no clue with T1 but a word with its answer: never a distractor of T1
    assert "Diabetes Mellitus" not in wrong and len(wrong) == 3
    assert wrong <= {"Heart Failure", "Asthma", "Hypertension", "Bipolar Disorder"}
    # hypertension stated as denied in a heart-failure note: not a distractor of that note
    denied = _note("T2", facts={"denied": {"MESH:D006973": ("Hypertension", "condition")}})
    again = _build([denied, *(n for n in _notes() if n["trial_id"] != "T2")])
    t2 = next(i.record for i in again.items if i.trial_id == "T2")
    assert "Hypertension" not in t2["options"].values()
    # a condition whose notes share a lab with this one is never its distractor
    shared_lab = _note("T3", measures={"sbp": (140.0, "mmHg")})
    third = _build([*(n for n in _notes() if n["trial_id"] != "T3"), shared_lab])
    t4 = next(i.record for i in third.items if i.trial_id == "T4")
    assert "Asthma" not in t4["options"].values()


def test_a_parent_or_child_of_the_answer_in_nlms_terms_is_never_a_distractor() -> None:
    notes = [_note(t) for t in ("T2", "T3", "T4", "T5")]  # each item has exactly three candidates
    hypertension, heart_failure = CONDITIONS["T4"][0], CONDITIONS["T2"][0]
    plain = {i.trial_id: set(i.record["options"].values()) for i in _build(notes).items}
    assert "Hypertension" in plain["T2"] and "Heart Failure" in plain["T4"]
    # NLM indexed the heart-failure trial with hypertension too: the two are kin, neither is the other's distractor
    kin = _build(notes, {"T2": frozenset({heart_failure, hypertension})})
    options = {i.trial_id: set(i.record["options"].values()) for i in kin.items}
    assert set(options) == {"T3", "T5"} and kin.skipped["too few distractors"] == 2


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        (_note("T1", "ineligible"), "clearly ineligible (may lack the studied condition)"),
        (_note("T1", condition_studied=None), "no studied condition recorded"),
        (_note("T1", condition_studied={"curie": "MESH:D001249", "name": "Asthma"}), "studied condition not stated"),
        (
            _note("T1", measures={}, facts={"present": {"MESH:D003924": ("Diabetes Mellitus, Type 2", "condition")}}),
            "nothing to diagnose from",
        ),
        (
            _note(
                "T1",
                measures={},
                facts={
                    "present": {
                        "MESH:D003924": ("Diabetes Mellitus, Type 2", "condition"),
                        "MESH:D004364": ("Pharmaceutical Preparations", "medication"),
                    }
                },
            ),
            "nothing to diagnose from",
        ),
        (_note("T1", trial_id="T9"), "trial not in the graph, or undated"),
        (_note("T1", note=""), "no id, trial or text"),
    ],
)
def test_every_note_left_out_is_counted_with_its_reason(note: dict[str, Any], reason: str) -> None:
    result = _build([note])
    assert not result.items
    assert [k for k in result.skipped if k.startswith(reason)] and sum(result.skipped.values()) == 1


def test_one_item_per_trial_from_its_note_with_the_most_clues() -> None:
    fewer = _note("T1", index=1, measures={})
    more = _note("T1", "near_miss", index=2, measures={"hba1c": (8.1, "%"), "egfr": (70.0, "mL/min/1.73 m2")})
    result = _build([fewer, more, *_notes()[1:]])
    t1 = [i for i in result.items if i.trial_id == "T1"]
    assert [i.record["metadata"]["note_id"] for i in t1] == [more["id"]]
    assert result.skipped["another note of the same trial asked"] == 1


def test_too_few_distractors_and_no_notes_are_counted_not_errors() -> None:
    result = _build(_notes()[:2])
    assert not result.items and result.skipped["too few distractors"] == 2
    empty = build_diagnosis(None, SPLIT)
    assert not empty.items and any("no synthetic patient notes" in k for k in empty.skipped)


def test_the_registered_task_is_deterministic_and_the_seed_moves_the_answer() -> None:
    def build(seed: int) -> list[dict[str, Any]]:
        inputs = TaskInputs((), SPLIT, seed=seed, patients=DiagnosisInputs(_notes(), SYNONYMS))
        return [i.record for i in build_task("diagnosis_from_note", inputs).items]

    assert build(0) == build(0)
    letters = {seed: [r["answer"] for r in build(seed)] for seed in range(4)}
    assert len({tuple(v) for v in letters.values()}) > 1
    for record in build(0):  # the answer letter holds the studied condition whatever the order
        assert record["options"][record["answer"]] == next(
            c[1] for c in CONDITIONS.values() if c[0] == record["metadata"]["answer_curie"]
        )


def test_withhold_replaces_whole_words_only() -> None:
    assert (
        withhold("Asthma; asthmatic bronchitis; ASTHMA.", ["asthma"])
        == f"{WITHHELD}; asthmatic bronchitis; {WITHHELD}."
    )
    assert re.search(r"Type 2", withhold("Diabetes Mellitus, Type 2", ["Diabetes Mellitus"])) is not None
