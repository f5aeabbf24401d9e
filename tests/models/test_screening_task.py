"""The study-screening task, pure: reviews built from trials' NLM condition terms and registered allocation,
labels right by construction, the strict reply parser, its metrics and its baselines."""

from __future__ import annotations

import json
from typing import Any

from trialgraph.models.tasks.baselines import make_baseline
from trialgraph.models.tasks.builders import TaskInputs, build_task
from trialgraph.models.tasks.facts import TrialFacts
from trialgraph.models.tasks.prompting import canonical_reply, parse_answer, prompt_messages
from trialgraph.models.tasks.scoring import grade, summarize
from trialgraph.models.tasks.screening import EXCLUDED, INCLUDED, decisions_of
from trialgraph.models.tasks.splits import Split


def _trial(
    i: int, mesh: tuple[str, ...], ancestors: tuple[str, ...] = (), *, randomized: bool = True, stated: bool = True
) -> TrialFacts:
    return TrialFacts(
        trial_id=f"NCT{i:08d}",
        title=f"Trial {i}",
        study_type="INTERVENTIONAL",
        allocation=("RANDOMIZED" if randomized else "NA") if stated else None,
        conditions=(f"registry condition text {i}",),
        condition_mesh=mesh,
        condition_mesh_ancestors=ancestors,
        interventions=(f"drug{i}",),
    )


T2D, DM, ASTHMA = "Diabetes Mellitus, Type 2", "Diabetes Mellitus", "Asthma"
TRIALS = [
    _trial(1, (T2D,), (DM,)),
    _trial(2, (T2D,), (DM,)),
    _trial(3, ("Diabetes Mellitus, Type 1",), (DM,)),  # kin of type 2: a hard exclusion
    _trial(4, (T2D,), (DM,), randomized=False),  # type 2 but not randomised: excluded
    _trial(5, (ASTHMA,)),
    _trial(6, (ASTHMA,)),
    _trial(7, ("Hypertension",)),
    _trial(8, ("Obesity",)),
    _trial(9, (DM,)),
    _trial(10, (T2D,), (DM,), stated=False),  # allocation not stated: never a candidate, its label would be a guess
]
SPLIT = Split({t.trial_id: "test" for t in TRIALS}, "2020-01-01", (), "2019-01-01")
BY_ID = {t.trial_id: t for t in TRIALS}


def _items(seed: int = 0) -> dict[str, Any]:
    result = build_task("study_screening", TaskInputs(TRIALS, SPLIT, seed=seed))
    return {item.record["metadata"]["review"]: item for item in result.items}


def _included(trial: TrialFacts, heading: str) -> bool:
    return heading in {*trial.condition_mesh, *trial.condition_mesh_ancestors} and trial.allocation == "RANDOMIZED"


def test_labels_are_nlms_terms_and_the_registered_allocation() -> None:
    items = _items()
    assert set(items) == {T2D, DM, ASTHMA}  # headings with two randomised trials; hypertension, obesity: one
    for heading, item in items.items():
        labels = decisions_of(item.answer)
        assert sum(label == "include" for _, label in labels) == INCLUDED
        assert sum(label == "exclude" for _, label in labels) == EXCLUDED
        for trial_id, label in labels:
            assert (label == "include") == _included(BY_ID[trial_id], heading), (heading, trial_id)
    # the non-randomised type 2 trial and the type 1 trial (sharing the ancestor heading) are the hard exclusions
    t2d = dict(decisions_of(items[T2D].answer))
    assert t2d["NCT00000004"] == "exclude" and t2d["NCT00000003"] == "exclude"
    # a trial indexed with type 2 diabetes counts for a review of diabetes mellitus (its ancestor)
    assert {t for t, label in decisions_of(items[DM].answer) if label == "include"} <= {
        "NCT00000001",
        "NCT00000002",
        "NCT00000003",
        "NCT00000009",
    }


def test_candidates_show_the_registry_text_never_nlms_terms() -> None:
    for item in _items().values():
        shown = json.dumps(item.record["context"])
        for trial in TRIALS:
            for term in (*trial.condition_mesh, *trial.condition_mesh_ancestors):
                assert term not in shown
        assert [c["id"] for c in item.record["context"]] == [t for t, _ in decisions_of(item.answer)]
        assert "NCT00000010" not in shown


def test_builds_are_deterministic_and_the_seed_moves_the_order() -> None:
    assert [i.record for i in _items(0).values()] == [i.record for i in _items(0).values()]
    orders = {tuple(c["id"] for c in _items(s)[T2D].record["context"]) for s in range(5)}
    assert len(orders) > 1


def test_the_parser_reads_every_decision_or_calls_the_reply_malformed() -> None:
    item = _items()[T2D]
    record, gold = item.record, item.answer
    assert parse_answer("screening", canonical_reply("screening", gold), record).answer == gold
    ids = [c["id"] for c in record["context"]]
    some = {"results": [{"id": i, "decision": "exclude"} for i in ids[:-1]]}
    assert parse_answer("screening", json.dumps(some), record).malformed  # a candidate left undecided
    unknown = {"results": [*some["results"], {"id": "NCT99999999", "decision": "include"}]}
    assert parse_answer("screening", json.dumps(unknown), record).malformed
    twice = {"results": [*some["results"], {"id": ids[0], "decision": "include"}]}
    assert parse_answer("screening", json.dumps(twice), record).malformed
    maybe = {"results": [{"id": i, "decision": "maybe"} for i in ids]}
    assert parse_answer("screening", json.dumps(maybe), record).malformed
    upper = {"results": [{"id": i, "decision": d.upper()} for i, d in decisions_of(gold)]}
    assert parse_answer("screening", json.dumps(upper), record).answer == gold
    prompt = prompt_messages("screening", record)[1]["content"]
    assert all(i in prompt for i in ids) and "Randomised interventional trials" in prompt


def test_metrics_count_reviews_and_candidates() -> None:
    item = _items()[T2D]
    gold = item.answer
    decisions = decisions_of(gold)
    first_include = next(i for i, (_, label) in enumerate(decisions) if label == "include")
    flipped = [(t, "exclude" if n == first_include else label) for n, (t, label) in enumerate(decisions)]
    wrong = ";".join(f"{t}={label}" for t, label in flipped)
    graded = [
        grade("screening", gold, parse_answer("screening", canonical_reply("screening", gold), item.record)),
        grade("screening", gold, parse_answer("screening", canonical_reply("screening", wrong), item.record)),
        grade("screening", gold, parse_answer("screening", "no json", item.record)),
    ]
    metrics = summarize("screening", graded)
    assert abs(metrics["accuracy"]["mean"] - 1 / 3) < 1e-3 and metrics["malformed"] == 1
    assert abs(metrics["study_accuracy"]["mean"] - (1 + 5 / 6 + 0) / 3) < 1e-3
    prf = metrics["include_prf"]
    assert (prf["tp"], prf["fp"], prf["fn"]) == (3, 0, 3)


def test_baselines_decide_every_candidate() -> None:
    rows = [
        {"trial_id": i.trial_id, "record": json.dumps(i.record), "answer": i.answer, "context_trials": []}
        for i in _items().values()
    ]
    majority = make_baseline("majority", "study_screening", rows).replies(rows)
    for row, reply in zip(rows, majority, strict=True):
        parsed = parse_answer("screening", reply, json.loads(row["record"]))
        assert {label for _, label in decisions_of(parsed.answer)} == {"exclude"}  # 4 of 6 candidates are
    record = json.loads(rows[0]["record"])
    record["context"][0]["title"] = f"A trial in {record['metadata']['review']}"
    rows[0] = rows[0] | {"record": json.dumps(record)}
    overlap = make_baseline("overlap", "study_screening", rows).replies(rows[:1])[0]
    decided = dict(decisions_of(parse_answer("screening", overlap, record).answer))
    assert decided[record["context"][0]["id"]] == "include"
