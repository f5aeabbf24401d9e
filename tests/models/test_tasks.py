"""Task builders, splits, prompts, parsing, grading and baselines: pure code, no Neo4j (the graph-side build
and the end-to-end commands are in tests/kg/test_tasks_graph.py)."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from tests.data import shared
from trialgraph.errors import SourceError
from trialgraph.models.tasks.baselines import make_baseline
from trialgraph.models.tasks.builders import TaskInputs, build_task
from trialgraph.models.tasks.evidence import build_evidence_summary, read_evidence_inference
from trialgraph.models.tasks.facts import Arm, Endpoint, TrialFacts, latest_day_of
from trialgraph.models.tasks.labels import STOP_REASON_CLASSES, STOP_REASONS_FILE, read_stop_reasons
from trialgraph.models.tasks.prompting import parse_answer, prompt_messages, prompt_versions
from trialgraph.models.tasks.scoring import FORMAT_REWARD, grade, reward, summarize
from trialgraph.models.tasks.splits import split_by_date


def _trial(i: int, *, date: str | None = "2015-01-01", condition: str = "asthma", **extra: object) -> TrialFacts:
    base = dict(
        trial_id=f"NCT{i:08d}",
        nct_id=f"NCT{i:08d}",
        registration_date=date,
        title=f"Trial {i} of drug{i}",
        conditions=(condition,),
        interventions=(f"drug{i}",),
        phase="PHASE2",
        primary_endpoints=(Endpoint(f"endpoint number {i}", "12 weeks"),),
        arms=(Arm(f"drug{i} arm", "EXPERIMENTAL"), Arm("placebo", "PLACEBO_COMPARATOR")),
        inclusion=(f"criterion {i} a", f"criterion {i} b"),
        enrollment=10 * i,
        status="COMPLETED",
    )
    base.update(extra)
    return TrialFacts(**base)  # type: ignore[arg-type]


def _trials(n: int = 40) -> list[TrialFacts]:
    return [
        _trial(i, date=f"20{10 + i // 4:02d}-01-{1 + i % 4:02d}", condition="asthma" if i % 2 else "copd")
        for i in range(n)
    ]


# --- splits ----------------------------------------------------------------------------------------------------


def test_split_puts_later_trials_in_later_splits_and_keeps_twins_together() -> None:
    trials = _trials()
    twins = [("NCT00000001", "NCT00000039")]  # an early trial linked to the latest one
    split = split_by_date(trials, twins)
    grouped = {"NCT00000001", "NCT00000039"}
    dates = {side: [t.registration_date for t in trials if split.of(t.trial_id) == side and t.trial_id not in grouped]
             for side in ("train", "validation", "test")}  # fmt: skip
    assert all(dates.values())
    assert max(dates["train"]) < min(dates["validation"]) <= max(dates["validation"]) < min(dates["test"])
    assert min(dates["test"]) == split.cut_date and min(dates["validation"]) == split.validation_date
    assert split.of("NCT00000001") == split.of("NCT00000039") == "train"  # the group is dated by its earliest record
    assert 0.1 < len(dates["test"]) / len(trials) <= 0.3


def test_trials_registered_on_the_cut_date_all_go_to_the_later_split() -> None:
    trials = [_trial(i, date="2015-01-01") for i in range(6)] + [_trial(i, date="2016-06-01") for i in range(6, 10)]
    split = split_by_date(trials, test_share=0.3, validation_share=0.0)
    assert split.cut_date == "2016-06-01"
    assert [split.of(t.trial_id) for t in trials] == ["train"] * 6 + ["test"] * 4
    tied = [_trial(i, date="2015-01-01") for i in range(10)]  # one date: nothing can be later, all on one side
    assert {split_by_date(tied).of(t.trial_id) for t in tied} == {"test"}


@pytest.mark.parametrize(
    ("written", "day"),
    [("2020-03-05", "2020-03-05"), ("2020-02", "2020-02-29"), ("2021", "2021-12-31"), ("N/A", None),
     ("2020-13-01", None), ("05/03/2020", None), (None, None)],
)  # fmt: skip
def test_registration_dates_compare_as_days_a_partial_one_by_its_last_day(written: str | None, day: str | None) -> None:
    assert latest_day_of(written) == day
    facts = TrialFacts.from_row({"trial_id": "T", "registration_dates": ["2022-01-01", written]})
    assert facts.registration_date == ("2022-01-01" if day is None or day > "2022-01-01" else day)


def test_undated_trials_are_left_out_unless_a_twin_dates_them() -> None:
    trials = [*_trials(20), _trial(100, date=None), _trial(101, date=None)]
    split = split_by_date(trials, [("NCT00000101", "NCT00000003")])
    assert split.undated == ("NCT00000100",)
    assert split.of("NCT00000101") == split.of("NCT00000003")


# --- builders --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", ["endpoint_design", "arm_design", "eligibility_criteria_design"])
def test_multiple_choice_items_hold_the_trials_own_answer_among_similar_trials_options(task: str) -> None:
    trials = _trials()
    split = split_by_date(trials)
    result = build_task(task, TaskInputs(trials, split))
    assert len(result.items) == len(trials)
    by_id = {t.trial_id: t for t in trials}
    letters = Counter()
    for item in result.items:
        record = item.record
        trial = by_id[item.trial_id]
        own = record["options"][item.answer]
        i = int(trial.trial_id[3:])
        assert (
            own
            == {
                "endpoint_design": f"endpoint number {i} (time frame: 12 weeks)",
                "arm_design": f"EXPERIMENTAL: drug{i} arm; PLACEBO_COMPARATOR: placebo",
                "eligibility_criteria_design": f"criterion {i} a; criterion {i} b",
            }[task]
        )
        assert len(set(record["options"].values())) == 4
        distractors = record["metadata"]["distractor_trials"]
        assert item.trial_id not in distractors
        assert all(split.of(d) == item.split for d in distractors)  # each split lends its own options only
        # similar first: a trial's distractors share its condition when its split has three such trials
        same = [t for t in trials if split.of(t.trial_id) == item.split and t.conditions == trial.conditions]
        if len(same) > 3:
            assert all(by_id[d].conditions == trial.conditions for d in distractors)
        letters[item.answer] += 1
    assert len(letters) >= 3  # the answer letter is shuffled, not fixed


def test_trials_in_an_items_graph_context_never_lend_it_a_distractor() -> None:
    trials = _trials()
    split = split_by_date(trials)
    plain = build_task("endpoint_design", TaskInputs(trials, split))
    item = next(i for i in plain.items if i.split == "train")
    shown = item.record["metadata"]["distractor_trials"][:2]
    again = build_task("endpoint_design", TaskInputs(trials, split, context_trials={item.trial_id: shown}))
    rebuilt = next(i for i in again.items if i.id == item.id)
    assert not set(shown) & set(rebuilt.record["metadata"]["distractor_trials"])
    assert len(rebuilt.record["metadata"]["distractor_trials"]) == 3


def test_builds_are_deterministic_and_the_seed_changes_option_order() -> None:
    trials = _trials()
    split = split_by_date(trials)
    first = build_task("endpoint_design", TaskInputs(trials, split, {}, seed=0))
    again = build_task("endpoint_design", TaskInputs(trials, split, {}, seed=0))
    other = build_task("endpoint_design", TaskInputs(trials, split, {}, seed=1))
    assert [i.record for i in first.items] == [i.record for i in again.items]
    assert [i.answer for i in first.items] != [i.answer for i in other.items]


def test_an_item_without_enough_distinct_distractors_is_skipped_with_its_reason() -> None:
    trials = [_trial(i) for i in range(3)] + [_trial(9, primary_endpoints=())]
    result = build_task("endpoint_design", TaskInputs(trials, split_by_date(trials), {}, seed=0))
    assert result.items == []
    assert result.skipped == Counter({"too few distinct distractors": 3, "no primary endpoint": 1})


def test_completion_labels_come_from_status_and_the_stop_reason_table() -> None:
    trials = [
        _trial(1, status="COMPLETED"),
        _trial(2, status="TERMINATED", why_stopped="slow accrual"),
        _trial(3, status="TERMINATED"),
        _trial(4, status="RECRUITING"),
    ]
    result = build_task(
        "trial_completion", TaskInputs(trials, split_by_date(trials), {"NCT00000002": "Insufficient_Enrollment"})
    )
    answers = {i.trial_id: i.answer for i in result.items}
    assert answers == {
        "NCT00000001": "complete",
        "NCT00000002": "terminate:Insufficient_Enrollment",
        "NCT00000003": "terminate:",
    }
    record = next(i.record for i in result.items if i.trial_id == "NCT00000002")
    assert record["labels"]["terminate_reason_desc"] == "slow accrual"
    assert "why_stopped" not in json.dumps(record["inputs"]) and "slow accrual" not in json.dumps(record["inputs"])
    assert result.skipped == Counter({"status RECRUITING": 1})


def test_sample_size_items_carry_the_enrollment_and_never_show_it() -> None:
    trials = [_trial(7, enrollment=345), _trial(8, enrollment=None)]
    result = build_task("sample_size_estimation", TaskInputs(trials, split_by_date(trials), {}))
    (item,) = result.items
    assert item.answer == "345" and item.record["answer"] == 345
    assert "345" not in item.record["question"]
    assert result.skipped == Counter({"no enrollment": 1})


def test_phase_items_hold_the_registry_phase_as_one_option_and_mask_it_in_the_title() -> None:
    trials = [
        _trial(1, phase="PHASE1|PHASE2", title="A Phase I/II Study of drug1 in Asthma"),
        _trial(2, phase="PHASE3", official_title="Phase 3 trial of drug2"),
        _trial(3, phase="NA"),
        _trial(4, phase=None),
    ]
    result = build_task("trial_phase", TaskInputs(trials, split_by_date(trials), {}))
    assert result.skipped == Counter({"no phase (or not applicable)": 2})
    by_trial = {item.trial_id: item for item in result.items}
    for trial_id, phase in [("NCT00000001", "PHASE1/PHASE2"), ("NCT00000002", "PHASE3")]:
        record = by_trial[trial_id].record
        assert record["options"][record["answer"]] == phase
        assert len(set(record["options"].values())) == 4 and "NA" not in record["options"].values()
        question = record["question"].lower()
        assert "phase [masked]" in question and not re.search(r"phase\s*(i|1|3)\b", question)
        assert "phase2" not in question.replace(" ", "")  # the design line with the phase is not shown


# --- prompts, parsing, grading ---------------------------------------------------------------------------------

MCQ = {"question": "Which endpoint?", "options": {"A": "x", "B": "y", "C": "z", "D": "w"}}


def test_prompts_end_with_the_answer_prefill_and_carry_context_only_when_given() -> None:
    plain = prompt_messages("mcq", MCQ)
    with_context = prompt_messages("mcq", MCQ, "Trial NCT1: similar")
    assert plain[-1] == {"role": "assistant", "content": '{"answer_choice": "'}
    assert "Trial NCT1" not in plain[1]["content"] and "Trial NCT1: similar" in with_context[1]["content"]
    assert prompt_messages("mcq", MCQ, prefill=False)[-1]["role"] == "user"
    assert prompt_versions("mcq") == {"system": "system-1", "mcq": "mcq-2", "parser": "parser-2"}


@pytest.mark.parametrize(
    ("kind", "reply", "answer"),
    [
        ("mcq", '{"answer_choice": "B"}', "B"),
        ("mcq", 'Sure! {"answer_choice": "c"} because…', "C"),
        ("mcq", '{"answer_choice": "E"}', None),
        ("mcq", '{"answer_choice": "D. the option text"}', "D"),
        ("mcq", '{"answer_choice": "(b)"}', "B"),
        ("mcq", '{"answer_choice": "Because"}', None),
        ("mcq", "The answer is B", None),
        ("mcq", "", None),
        ("mcq", '{"choice": "B"}', None),
        ("sample_size", '{"sample_size_needed": 120}', "120"),
        ("sample_size", '{"sample_size_needed":"1,200"}', "1200"),
        ("sample_size", '{"sample_size_needed": -3}', None),
        ("completion", '{"outcome": "complete"}', "complete"),
        ("completion", '{"outcome": "terminate", "termination_reason": "negative"}', "terminate:Negative"),
        ("completion", '{"outcome": "terminate", "termination_reason": "aliens"}', "terminate:"),
        ("completion", '{"outcome": "unknown"}', None),
    ],
)
def test_answers_are_read_strictly(kind: str, reply: str, answer: str | None) -> None:
    assert parse_answer(kind, reply, MCQ).answer == answer


def test_sample_size_is_correct_within_twenty_percent() -> None:
    def ok(predicted: str, gold: str) -> bool:
        return grade(
            "sample_size", gold, parse_answer("sample_size", f'{{"sample_size_needed": {predicted}}}', {})
        ).correct

    assert ok("120", "100") and ok("80", "100") and not ok("121", "100") and not ok("79", "100")


def test_rewards_are_the_graders_plus_a_format_reward() -> None:
    assert reward("mcq", '{"answer_choice": "B"}', "B", MCQ) == pytest.approx(1 + FORMAT_REWARD)
    assert reward("mcq", '{"answer_choice": "A"}', "B", MCQ) == pytest.approx(FORMAT_REWARD)
    assert reward("mcq", "B", "B", MCQ) == 0.0
    typed = '{"outcome": "terminate", "termination_reason": "Negative"}'
    assert reward("completion", typed, "terminate:Negative", {}) == pytest.approx(1.5 + FORMAT_REWARD)


def test_completion_metrics_count_complete_as_positive_and_type_only_where_both_terminated() -> None:
    replies = [
        ("complete", '{"outcome": "complete"}'),
        ("terminate:Negative", '{"outcome": "terminate", "termination_reason": "Negative"}'),
        ("terminate:Negative", '{"outcome": "terminate", "termination_reason": "Covid19"}'),
        ("terminate:", '{"outcome": "complete"}'),
        ("complete", "garbage"),
    ]
    graded = [grade("completion", gold, parse_answer("completion", reply, {})) for gold, reply in replies]
    metrics = summarize("completion", graded)
    assert metrics["malformed"] == 1
    assert metrics["accuracy"]["mean"] == pytest.approx(3 / 5)
    prf = metrics["complete_prf"]
    assert (prf["tp"], prf["fp"], prf["fn"]) == (1, 1, 1)
    assert metrics["termination_type_accuracy"]["items"] == 2
    assert metrics["termination_type_accuracy"]["mean"] == pytest.approx(0.5)


# --- baselines -------------------------------------------------------------------------------------------------


def _row(trial_id: str, answer: str, record: dict, context: list[str] | None = None) -> dict:
    return {"trial_id": trial_id, "answer": answer, "record": json.dumps(record), "context_trials": context or []}


def test_majority_and_nearest_baselines_answer_from_training_rows_only() -> None:
    train = [
        _row("T1", "complete", {}),
        _row("T2", "complete", {}),
        _row("T3", "terminate:Negative", {}),
    ]
    test = [_row("X1", "terminate:Negative", {}, ["T9", "T3", "T1"]), _row("X2", "complete", {}, [])]
    majority = make_baseline("majority", "trial_completion", train).replies(test)
    nearest = make_baseline("nearest", "trial_completion", train).replies(test)
    assert [parse_answer("completion", r, {}).answer for r in majority] == ["complete", "complete"]
    # X1's nearest training trial present in train is T3 (T9 is not a training row); X2 has none: majority
    assert [parse_answer("completion", r, {}).answer for r in nearest] == ["terminate:Negative", "complete"]


def test_nearest_baseline_picks_the_option_most_like_its_neighbours_answer() -> None:
    neighbour = {"options": {"A": "overall survival at 5 years", "B": "pain"}, "question": "q"}
    item = {"options": {"A": "quality of life", "B": "overall survival", "C": "pain score", "D": "HbA1c"}}
    reply = make_baseline("nearest", "endpoint_design", [_row("T1", "A", neighbour)]).replies(
        [_row("X", "B", {**item, "question": "q"}, ["T1"])]
    )
    assert parse_answer("mcq", reply[0], item).answer == "B"


# --- labels ----------------------------------------------------------------------------------------------------


def test_the_stop_reason_classes_in_the_prompt_are_open_targets_classes() -> None:
    classes_file = shared("labels/stop-reasons/classes.csv")
    with classes_file.open() as handle:
        assert tuple(row["class"] for row in csv.DictReader(handle)) == STOP_REASON_CLASSES
    labels = read_stop_reasons(shared_path := classes_file.parent.parent.parent / STOP_REASONS_FILE)
    assert shared_path.is_file() and len(labels) > 28_000
    assert set(labels.values()) <= set(STOP_REASON_CLASSES)
    assert 0 < labels.rejected < 100  # the source's rows with shifted columns are counted, not used


# --- evidence summarisation (Evidence Inference 2.0) -----------------------------------------------------------


def test_evidence_items_take_the_majority_label_and_keep_the_benchmarks_article_split() -> None:
    folder = shared("benchmarks/review/evidence-inference")
    prompts, skipped = read_evidence_inference(folder)
    assert len(prompts) > 1500 and skipped["annotators tied"] > 0
    assert {p.split for p in prompts} == {"train", "validation", "test"}
    articles = {side: {p.pmcid for p in prompts if p.split == side} for side in ("train", "validation", "test")}
    assert not articles["train"] & articles["test"] and not articles["validation"] & (
        articles["train"] | articles["test"]
    )
    assert 0.05 < len(articles["validation"]) / (len(articles["train"]) + len(articles["validation"])) < 0.15
    # gold = majority of valid annotations, recomputed here from the raw file for one prompt with several
    with (folder / "annotations_v2_train_validation.csv").open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["Valid Label"] == "True"]
    by_prompt = Counter(r["PromptID"] for r in rows)
    prompt = next(p for p in prompts if by_prompt[p.prompt_id] >= 3)
    labels = Counter(
        r["Label"].replace("significantly increase", "significantly increased").replace("increasedd", "increased")
        for r in rows
        if r["PromptID"] == prompt.prompt_id
    )
    assert prompt.label == labels.most_common(1)[0][0]
    result = build_evidence_summary(prompts, seed=0)
    item = next(i for i in result.items if i.record["metadata"]["prompt_id"] == prompt.prompt_id)
    assert item.record["options"][item.answer] == prompt.label and item.split == prompt.split
    assert Counter(i.answer for i in result.items).keys() == {"A", "B", "C"}


def test_evidence_summary_without_the_benchmark_is_empty_with_the_reason() -> None:
    result = build_evidence_summary(None, seed=0)
    assert result.items == [] and "not available" in next(iter(result.skipped))


def test_an_evidence_file_of_another_shape_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "prompts_train_validation.csv").write_text("PromptID,PMCID\n1,2\n")
    (tmp_path / "annotations_v2_train_validation.csv").write_text("PromptID,Label\n1,x\n")
    with pytest.raises(SourceError, match="missing columns: Outcome, Intervention, Comparator, split"):
        read_evidence_inference(tmp_path)


def test_an_endpoint_that_fails_every_call_is_counted_not_a_crash(tmp_path: Path) -> None:
    """A refused connection (nothing listens on the port) is a failed call, graded as a malformed reply: the run
    finishes and says how many calls failed."""
    import socket

    from trialgraph.models.language_models import OpenAIChatModel
    from trialgraph.models.tasks.dataset import read_task, write_task
    from trialgraph.models.tasks.harness import evaluate

    trials = _trials()
    split = split_by_date(trials)
    result = build_task("trial_phase", TaskInputs(trials, split))
    meta = {"task": "trial_phase", "seed": 0, "cut_date": split.cut_date, "validation_date": split.validation_date,
            "context_trials": 3, "software_version": "test"}  # fmt: skip
    write_task(tmp_path / "trial_phase", result, {}, meta=meta)
    dataset = read_task(tmp_path / "trial_phase")
    with socket.socket() as probe:  # a port nothing listens on: bound, then released
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    model = OpenAIChatModel(f"http://127.0.0.1:{port}/v1", "none", max_attempts=1, retry_wait=0, timeout=5)
    with model:
        run = evaluate([dataset], model, split="test")
    outcome = run.tasks["trial_phase"]
    items = len(dataset.rows["test"])
    assert items > 0 and outcome["failed_calls"] == items
    assert outcome["metrics"]["items"] == items and outcome["metrics"]["malformed"] == items
    assert outcome["metrics"]["accuracy"]["mean"] == 0.0
