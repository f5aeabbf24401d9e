"""Micro scores and their bootstrap intervals."""

from __future__ import annotations

import pytest

from trialgraph.models.metrics import ItemCounts, score_items


def test_micro_scores_pool_the_counts_of_all_items() -> None:
    items = [ItemCounts(3, 1, 0), ItemCounts(1, 0, 3), ItemCounts(0, 1, 1)]
    scores = score_items(items, resamples=200, seed=1)
    assert (scores.items, scores.tp, scores.fp, scores.fn) == (3, 4, 2, 4)
    assert scores.precision == pytest.approx(4 / 6)
    assert scores.recall == pytest.approx(4 / 8)
    assert scores.f1 == pytest.approx(2 * (4 / 6) * (4 / 8) / (4 / 6 + 4 / 8))
    for value, (low, high) in ((scores.precision, scores.precision_ci), (scores.f1, scores.f1_ci)):
        assert 0.0 <= low <= value <= high <= 1.0
    assert score_items(items, resamples=200, seed=1) == scores  # a fixed seed reproduces the interval


def test_perfect_items_have_a_degenerate_interval_and_no_items_score_zero() -> None:
    perfect = score_items([ItemCounts(2, 0, 0)] * 5, resamples=50)
    assert (perfect.precision, perfect.recall, perfect.f1, perfect.f1_ci) == (1.0, 1.0, 1.0, (1.0, 1.0))
    empty = score_items([], resamples=50)
    assert (empty.items, empty.f1, empty.f1_ci) == (0, 0.0, (0.0, 0.0))
