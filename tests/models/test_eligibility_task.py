"""The eligibility tasks, pure: synthetic notes and TREC CT judgements → one item form (patient, the trial's criteria
whole → A eligible / B not), labels from the note's kind or the assessors' grade, every pair left out counted."""

from __future__ import annotations

from typing import Any

from trialgraph.models.retrieval.evaluate import Cohort
from trialgraph.models.tasks.builders import TASKS, TaskInputs, build_task
from trialgraph.models.tasks.diagnosis import DiagnosisInputs
from trialgraph.models.tasks.eligibility import (
    MAX_CRITERIA_CHARS,
    OPTIONS,
    SYNTHETIC_TASK,
    TREC_TASK,
    build_criterion_violated,
    build_patient_eligibility,
    build_trec_eligibility,
    criteria_block,
)
from trialgraph.models.tasks.facts import TrialFacts
from trialgraph.models.tasks.splits import Split

TRIALS = (
    TrialFacts(
        "T1",
        nct_id="NCT00000001",
        title="Metformin in adults with type 2 diabetes",
        conditions=("Diabetes Mellitus, Type 2",),
        min_age="18 Years",
        sex="ALL",
        inclusion=("Type 2 diabetes mellitus", "HbA1c between 7% and 10%"),
        exclusion=("Pregnancy", "eGFR below 30 mL/min"),
    ),
    TrialFacts("T2", nct_id="NCT00000002", title="Asthma in children", inclusion=("Asthma", "Age 6 to 12 years")),
    TrialFacts("T3", nct_id="NCT00000003", title="No criteria stated"),
    TrialFacts("T4", nct_id="NCT00000004", title="Undated trial", inclusion=("Adults",)),
    TrialFacts("T5", nct_id="NCT00000005", title="Very long criteria", inclusion=("x" * MAX_CRITERIA_CHARS,)),
)
SPLIT = Split({"T1": "test", "T2": "train", "T3": "train", "T5": "test"}, "2020-01-01", ("T4",), "2019-01-01")


def _note(trial: str, kind: str, index: int = 0, **changes: Any) -> dict[str, Any]:
    note = {
        "id": f"synth-{trial}-{kind}-{index}",
        "trial_id": trial,
        "kind": kind,
        "note": f"A {kind} patient note for {trial}.",
        "violated_criterion": {"text": "eGFR below 30 mL/min", "kind": "exclusion", "index": 1}
        if kind == "near_miss"
        else None,
        "provenance": {"generator": "template", "generator_version": "template-1"},
    }
    return note | changes


def _answers(result: Any) -> dict[str, str]:
    return {item.id: item.answer for item in result.items}


def test_a_notes_kind_is_its_answer_and_the_question_shows_the_trials_criteria_whole() -> None:
    notes = [_note("T1", "eligible"), _note("T1", "near_miss"), _note("T1", "ineligible")]
    result = build_patient_eligibility(notes, TRIALS, SPLIT)
    assert _answers(result) == {
        "patient_eligibility:synth-T1-eligible-0": "A",
        "patient_eligibility:synth-T1-near_miss-0": "B",
        "patient_eligibility:synth-T1-ineligible-0": "B",
    }
    item = result.items[0]
    record = item.record
    assert record["options"] == OPTIONS and record["answer"] == item.answer
    for line in (
        "A eligible patient note for T1.",
        *TRIALS[0].inclusion,
        *TRIALS[0].exclusion,
        "minimum age: 18 Years",
        "Conditions: Diabetes Mellitus, Type 2",  # an ineligible patient may lack what the trial studies
    ):
        assert line in record["question"]
    assert item.split == "test" and item.trial_id == "T1"
    assert record["metadata"]["synthetic"] is True and record["metadata"]["note_generator"] == "template"
    assert item.context_key == item.id  # no trial's graph context: the item shows its trial itself


def test_a_near_miss_carries_its_broken_criterion_and_is_left_out_when_that_criterion_is_not_shown() -> None:
    kept = build_patient_eligibility([_note("T1", "near_miss")], TRIALS, SPLIT)
    assert kept.items[0].record["metadata"]["violated_criterion"]["text"] == "eGFR below 30 mL/min"
    broken = [
        {"text": "Prior insulin use", "kind": "exclusion"},  # not the trial's
        None,
        {"text": "", "kind": "exclusion"},
        {"text": "maximum age 65 Years", "kind": "field"},  # the trial states no maximum age
        {"text": "maximum age 18 Years", "kind": "field"},  # 18 is its minimum, not its maximum
        {"text": "metformin", "kind": "exclusion"},  # in the title, not a criterion
        {"text": "Pregnancy or breastfeeding", "kind": "exclusion"},  # more than the criterion says
    ]
    notes = [_note("T1", "near_miss", i, violated_criterion=b) for i, b in enumerate(broken)]
    result = build_patient_eligibility(notes, TRIALS, SPLIT)
    assert not result.items
    assert result.skipped["near-miss whose broken criterion is not among the criteria shown"] == len(broken)
    # a registry field the patient breaks is read from the limits line
    too_young = _note("T1", "near_miss", 3, violated_criterion={"text": "minimum age 18 Years", "kind": "field"})
    assert len(build_patient_eligibility([too_young], TRIALS, SPLIT).items) == 1


def test_every_note_left_out_is_counted_with_its_reason() -> None:
    notes = [
        _note("T1", "eligible"),
        _note("T1", "eligible"),  # the same id again
        _note("T1", "maybe", 1),
        _note("T1", ["eligible"], 3),  # not a kind at all: counted, never a crash
        _note("T1", "eligible", 2, note="  "),
        _note("T9", "eligible"),
        _note("T3", "eligible"),
        _note("T4", "eligible"),
        _note("T5", "eligible"),
    ]
    result = build_patient_eligibility(notes, TRIALS, SPLIT)
    assert len(result.items) == 1
    assert dict(result.skipped) == {
        "duplicate note id": 1,
        "unknown kind": 2,
        "no id, trial or text": 1,
        "trial not in the graph": 1,
        "trial has no criteria in the graph": 1,
        "trial undated (no side in the date split)": 1,
        f"trial's criteria block longer than {MAX_CRITERIA_CHARS} characters (never cut)": 1,
    }
    assert sum(result.skipped.values()) + len(result.items) == len(notes)


def test_trec_grades_two_and_one_are_eligible_and_excluded_and_zero_is_no_judgement() -> None:
    cohort = Cohort(
        "trec_2021",
        {"q1": "A 45-year-old woman with type 2 diabetes, HbA1c 8.2%.", "q2": "A boy of 8 with asthma."},
        {
            "q1": {"NCT00000001": 2, "NCT00000002": 0, "NCT00000009": 1},
            "q2": {"NCT00000002": 1, "NCT00000001": 1, "NCT00000003": 2},
            "q3": {"NCT00000001": 2},  # judged, but no patient text
        },
    )
    result = build_trec_eligibility([cohort], TRIALS, SPLIT)
    assert _answers(result) == {
        "trec_eligibility:trec_2021:q1:NCT00000001": "A",
        "trec_eligibility:trec_2021:q2:NCT00000001": "B",
        "trec_eligibility:trec_2021:q2:NCT00000002": "B",
    }
    assert dict(result.skipped) == {
        "judged not relevant (grade 0: no eligibility judgement)": 1,
        "trial not in the graph": 1,
        "trial has no criteria in the graph": 1,
        "judged query has no patient text": 1,
    }
    sigir = Cohort("sigir", {"q1": "A woman of 45."}, {"q1": {"NCT00000001": 1, "NCT00000002": 2}})
    with_sigir = build_trec_eligibility([cohort, sigir], TRIALS, SPLIT)
    assert _answers(with_sigir) == _answers(result)  # SIGIR's grades are referral likelihood, not eligibility
    assert with_sigir.skipped["sigir: its grades are not eligibility judgements"] == 2
    by_id = {item.id: item for item in result.items}
    item = by_id["trec_eligibility:trec_2021:q2:NCT00000002"]
    assert item.split == "train" and "A boy of 8 with asthma." in item.record["question"]
    assert "Age 6 to 12 years" in item.record["question"]
    meta = item.record["metadata"]
    assert meta["grade"] == 1 and meta["synthetic"] is False and meta["query_id"] == "q2"
    assert meta["patient"] == by_id["trec_eligibility:trec_2021:q2:NCT00000001"].record["metadata"]["patient"]
    assert meta["patient"] != by_id["trec_eligibility:trec_2021:q1:NCT00000001"].record["metadata"]["patient"]


def test_both_tasks_are_registered_with_the_same_item_form_and_say_why_without_their_source() -> None:
    inputs = TaskInputs(TRIALS, SPLIT)
    for name, reason in (
        (SYNTHETIC_TASK, "no synthetic patient notes given (trialgraph synth patients, then --patients FILE)"),
        (TREC_TASK, "TREC CT cohorts not found (set TRIALGRAPH_SHARED_DATA)"),
    ):
        assert TASKS[name].kind == "mcq" and TASKS[name].graph_context
        empty = build_task(name, inputs)
        assert not empty.items and empty.skipped[reason] == 1
    cohort = Cohort("trec_2022", {"q": "A boy of 8 with asthma."}, {"q": {"NCT00000002": 2}})
    inputs = TaskInputs(TRIALS, SPLIT, patients=DiagnosisInputs([_note("T2", "eligible")]), cohorts=[cohort])
    synthetic, real = build_task(SYNTHETIC_TASK, inputs).items[0], build_task(TREC_TASK, inputs).items[0]
    assert synthetic.record["options"] == real.record["options"]
    assert synthetic.record["question"].split("\n\n")[1:] == real.record["question"].split("\n\n")[1:]


def test_criteria_block_is_none_without_criteria_and_lists_inclusion_before_exclusion() -> None:
    assert criteria_block(TRIALS[2]) is None
    as_text = TrialFacts("T6", eligibility_text="Inclusion Criteria:\n\n  * adults   with asthma\n")
    assert criteria_block(as_text) == (
        "Trial: T6\nEligibility criteria, as registered:\nInclusion Criteria:\n* adults with asthma"
    )
    block = criteria_block(TRIALS[0])
    assert block is not None
    assert block.index("Inclusion criteria:") < block.index("- Type 2 diabetes") < block.index("Exclusion criteria:")
    assert block.index("Exclusion criteria:") < block.index("- Pregnancy")


MET = [
    {"text": "Type 2 diabetes mellitus", "kind": "inclusion", "index": 0},
    {"text": "HbA1c between 7% and 10%", "kind": "inclusion", "index": 1},
    {"text": "Pregnancy", "kind": "exclusion", "index": 0},
    {"text": "minimum age 18 Years", "kind": "field", "index": None},
]


def test_a_near_miss_asks_which_criterion_rules_it_out_among_three_it_meets() -> None:
    notes = [_note("T1", "near_miss", i, criteria_met=MET) for i in range(6)]
    result = build_criterion_violated(notes, TRIALS, SPLIT)
    assert len(result.items) == 6
    letters = set()
    for item in result.items:
        options = item.record["options"]
        assert options[item.answer] == "Exclusion: eGFR below 30 mL/min" == options[item.record["answer"]]
        others = {text for letter, text in options.items() if letter != item.answer}
        assert len(others) == 3 and others <= {
            "Inclusion: Type 2 diabetes mellitus",
            "Inclusion: HbA1c between 7% and 10%",
            "Exclusion: Pregnancy",
            "Registry limit: minimum age 18 Years",
        }
        assert "A near_miss patient note for T1." in item.record["question"] and item.split == "test"
        letters.add(item.answer)
    assert len(letters) > 1  # the answer's letter is a seeded shuffle, not always the first
    again = build_criterion_violated(notes, TRIALS, SPLIT)
    assert [i.record for i in again.items] == [i.record for i in result.items]
    reseeded = build_criterion_violated(notes, TRIALS, SPLIT, seed=1).items
    assert [(i.record["options"], i.answer) for i in reseeded] != [
        (i.record["options"], i.answer) for i in result.items
    ]


def test_the_studied_condition_a_near_miss_never_breaks_is_never_an_option() -> None:
    studied = {"text": "condition studied: Diabetes Mellitus, Type 2", "kind": "condition", "index": None}
    notes = [_note("T1", "near_miss", i, criteria_met=[*MET[:2], studied]) for i in range(4)]
    result = build_criterion_violated(notes, TRIALS, SPLIT)
    assert not result.items  # three registered criteria met are needed; the studied condition does not count
    assert result.skipped["fewer than three other criteria the patient meets"] == 4
    result = build_criterion_violated([_note("T1", "near_miss", criteria_met=[*MET, studied])], TRIALS, SPLIT)
    assert all("condition studied" not in text for text in result.items[0].record["options"].values())


def test_criterion_items_left_out_are_counted_with_their_reason() -> None:
    broken_too = {"text": "eGFR below 30 mL/min", "kind": "exclusion", "index": 1}  # listed as met: never an option
    notes = [
        _note("T1", "eligible", criteria_met=MET),
        _note("T1", "near_miss", 1),  # written before criterion statuses were recorded
        _note("T1", "near_miss", 2, criteria_met=[MET[0], MET[1], broken_too]),
        _note("T1", "near_miss", 3, criteria_met=MET, violated_criterion=None),
        _note("T4", "near_miss", 4, criteria_met=MET),
    ]
    result = build_criterion_violated(notes, TRIALS, SPLIT)
    assert not result.items
    assert dict(result.skipped) == {
        "not a near-miss (breaks no criterion, or several)": 1,
        "note has no criterion-level statuses (written before they were recorded)": 1,
        "fewer than three other criteria the patient meets": 1,
        "no broken criterion named": 1,
        "trial not in the graph, or undated": 1,
    }
