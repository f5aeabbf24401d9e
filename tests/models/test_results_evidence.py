"""Evidence summarisation from posted results: the gold follows the stated analysis by the documented rule."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from trialgraph.models.tasks.results_evidence import (
    LABELS,
    GroupShown,
    ResultComparison,
    build_results_evidence,
    comparison_label,
    results_side,
)
from trialgraph.models.tasks.splits import Split


def _comparison(first: str | None = "12.5", second: str | None = "8.0", **changes: object) -> ResultComparison:
    base = ResultComparison(
        trial_id="NCT00000001",
        key="ctgov:NCT00000001:outcome_measure:0:analysis:0",
        trial_title="Drug X in adults with gout",
        conditions=("Gout",),
        outcome_kind="PRIMARY",
        outcome_title="Serum urate at week 12",
        outcome_description="Change from baseline",
        time_frame="12 weeks",
        param_type="MEAN",
        units="mg/dL",
        groups=(GroupShown("Drug X", "100 mg daily", first), GroupShown("Placebo", None, second)),
        categories=1,
        p_value=0.003,
        p_modifier=None,
        non_inferiority_type="SUPERIORITY",
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    ("changes", "label"),
    [
        ({}, "significantly increased"),
        ({"groups": (GroupShown("A", None, "-3.1"), GroupShown("B", None, "2"))}, "significantly decreased"),
        ({"p_value": 0.05}, "no significant difference"),  # 0.05 is not below 0.05
        ({"p_value": 0.049}, "significantly increased"),
        ({"p_value": 0.001, "p_modifier": "<"}, "significantly increased"),
        ({"p_value": 0.05, "p_modifier": "<"}, "significantly increased"),  # p < 0.05
        ({"p_value": 0.05, "p_modifier": ">"}, "no significant difference"),
        ({"p_value": 0.3, "p_modifier": "="}, "no significant difference"),
        ({"groups": (GroupShown("A", None, "1,200"), GroupShown("B", None, "999"))}, "significantly increased"),
        ({"non_inferiority_type": None}, "significantly increased"),  # legacy records often state none
        ({"non_inferiority_type": "SUPERIORITY_OR_OTHER"}, "significantly increased"),  # CT.gov's usual value
        ({"non_inferiority_type": "SUPERIORITY_OR_OTHER_LEGACY"}, "significantly increased"),
        ({"p_value": 0.049, "p_modifier": "<="}, "significantly increased"),
        ({"p_value": 0.05, "p_modifier": ">="}, "no significant difference"),
        ({"p_value": 0.05, "p_modifier": "="}, "no significant difference"),
    ],
)
def test_the_label_follows_the_p_value_and_the_posted_values(changes: dict[str, object], label: str) -> None:
    assert comparison_label(_comparison(**changes)) == (label, None)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"non_inferiority_type": "NON_INFERIORITY"}, "a non-inferiority or equivalence test"),
        ({"non_inferiority_type": "EQUIVALENCE"}, "a non-inferiority or equivalence test"),
        ({"non_inferiority_type": "NON_INFERIORITY_OR_EQUIVALENCE_LEGACY"}, "a non-inferiority or equivalence test"),
        ({"non_inferiority_type": None, "tested_non_inferiority": True}, "a non-inferiority or equivalence test"),
        ({"p_value": 0.05, "p_modifier": "<="}, "a p-value bound that does not decide significance at 0.05"),
        ({"p_value": 0.04, "p_modifier": ">"}, "a p-value bound that does not decide significance at 0.05"),
        ({"groups": (GroupShown("A", None, "NaN"), GroupShown("B", None, "2"))}, "a group's value is no number"),
        ({"groups": (GroupShown("A", None, "0,5"), GroupShown("B", None, "2"))}, "a group's value is no number"),
        ({"groups": (GroupShown("A", None, "inf"), GroupShown("B", None, "2"))}, "a group's value is no number"),
        ({"groups": (GroupShown("A", None, "1"),)}, "an analysis of other than two groups"),
        ({"categories": 3}, "a measure with several categories or classes"),
        ({"p_value": None}, "no p-value"),
        ({"groups": (GroupShown("A", None, "NA"), GroupShown("B", None, "2"))}, "a group's value is no number"),
        ({"p_value": 0.1, "p_modifier": "<"}, "a p-value bound that does not decide significance at 0.05"),
        ({"p_value": 0.01, "p_modifier": ">"}, "a p-value bound that does not decide significance at 0.05"),
        (
            {"groups": (GroupShown("A", None, "2"), GroupShown("B", None, "2.0"))},
            "equal values with a significant p-value",
        ),
    ],
)
def test_an_analysis_the_rule_cannot_label_is_a_counted_reason(changes: dict[str, object], reason: str) -> None:
    assert comparison_label(_comparison(**changes)) == (None, reason)


def test_items_show_the_comparison_never_its_result_and_keep_their_trial_s_split() -> None:
    kept = _comparison(p_value=0.0042)
    other = _comparison(key="ctgov:NCT00000002:outcome_measure:1:analysis:0", trial_id="NCT00000002")
    left_out = _comparison(key="ctgov:NCT00000001:outcome_measure:0:analysis:1", p_value=None)
    split = Split({"NCT00000001": "test", "NCT00000002": "train"}, "2020-01-01", (), groups={"NCT00000002": "N1"})
    result = build_results_evidence({"NCT00000001": [kept, left_out], "NCT00000002": [other]}, split, seed=0)
    expected = [("NCT00000001", results_side("NCT00000001")), ("NCT00000002", results_side("N1"))]  # by group
    assert [(i.trial_id, i.split) for i in result.items] == expected
    assert result.skipped == {"no p-value": 1}
    record = result.items[0].record
    assert sorted(record["options"].values()) == sorted(LABELS)
    assert record["options"][record["answer"]] == "significantly increased"
    question = record["question"]
    assert "Serum urate at week 12" in question and "First group: Drug X (100 mg daily)" in question
    assert "Second group: Placebo" in question and "mean, mg/dL" in question
    for secret in ("12.5", "8.0", "0.0042", "significant"):
        assert secret not in question.replace("significance", "")
    undated = build_results_evidence({"NCT00000003": [kept]}, split, seed=0)
    assert not undated.items and undated.skipped == {"trial without a registration date": 1}


def test_option_order_is_a_seeded_shuffle_per_analysis() -> None:
    comparisons = {
        f"NCT{n:08d}": [_comparison(trial_id=f"NCT{n:08d}", key=f"ctgov:NCT{n:08d}:outcome_measure:0:analysis:0")]
        for n in range(40)
    }
    split = Split(dict.fromkeys(comparisons, "train"), None, ())
    first = build_results_evidence(comparisons, split, seed=0)
    assert [i.record for i in first.items] == [
        i.record for i in build_results_evidence(comparisons, split, seed=0).items
    ]
    assert len({i.answer for i in first.items}) == 3  # the answer letter carries no signal
    assert [i.record["options"] for i in build_results_evidence(comparisons, split, seed=1).items] != [
        i.record["options"] for i in first.items
    ]


def test_the_split_is_a_hash_of_the_twin_group_in_the_trial_shares() -> None:
    sides = Counter(results_side(f"NCT{n:08d}") for n in range(20_000))
    assert abs(sides["test"] / 20_000 - 0.2) < 0.01 and abs(sides["validation"] / 20_000 - 0.1) < 0.01
    assert results_side("NCT00000001") == results_side("NCT00000001")  # no seed: every build agrees
