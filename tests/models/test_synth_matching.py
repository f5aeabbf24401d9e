"""The pure side of the synthetic-patient matching evaluation: notes → graded cohort, per-kind sets, the reference
figures, Kendall's tau-b, and the report over real ``evaluate_cohort`` figures from a fixed ranking function."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from trialgraph.errors import SourceError
from trialgraph.models.retrieval.evaluate import evaluate_cohort, read_cohort
from trialgraph.models.synth.matching import (
    GRADES,
    kendall_tau,
    kind_cohorts,
    matching_report,
    means_by_retriever,
    notes_cohort,
    read_notes,
    read_reference,
    write_cohort,
)


def _note(pid: str, trial: str, kind: str, text: str | None = None) -> dict:
    return {"id": pid, "trial_id": trial, "kind": kind, "note": text or f"patient {pid} for {trial}"}


NOTES = [
    _note("p1", "T1", "eligible"),
    _note("p2", "T1", "near_miss"),
    _note("p3", "T1", "ineligible"),
    _note("p4", "T2", "eligible"),
    _note("p5", "T2", "near_miss"),
]


def test_grades_follow_trec_ct_and_bad_notes_are_counted() -> None:
    assert GRADES == {"eligible": 2, "near_miss": 1, "ineligible": 0}  # TREC CT: 2 eligible, 1 excluded, 0 not
    bad = [
        _note("p1", "T9", "eligible"),
        _note("p6", "T1", "maybe"),
        {"id": "p7", "trial_id": "T1", "kind": "eligible"},
    ]
    notes = notes_cohort([*NOTES, *bad], name="s")
    assert notes.cohort.qrels == {
        "p1": {"T1": 2},
        "p2": {"T1": 1},
        "p3": {"T1": 0},
        "p4": {"T2": 2},
        "p5": {"T2": 1},
    }
    assert notes.cohort.queries["p4"] == "patient p4 for T2"
    assert notes.skipped == {"duplicate id": 1, "unknown kind": 1, "no id, trial or text": 1}
    assert notes.kinds() == {"eligible": 2, "near_miss": 2, "ineligible": 1}


def test_kind_cohorts_make_the_own_trial_the_relevant_one() -> None:
    by_kind = kind_cohorts(notes_cohort(NOTES))
    assert set(by_kind) == {"eligible", "near_miss", "ineligible"}
    assert by_kind["ineligible"].qrels == {"p3": {"T1": 1}}
    assert by_kind["near_miss"].qrels == {"p2": {"T1": 1}, "p5": {"T2": 1}}


def test_cohort_round_trips_through_trialgpts_layout(tmp_path: Path) -> None:
    cohort = notes_cohort(NOTES, name="synthetic").cohort
    write_cohort(cohort, tmp_path / "synthetic")
    again = read_cohort(tmp_path / "synthetic")
    assert (again.name, again.queries, again.qrels) == (cohort.name, cohort.queries, cohort.qrels)


def test_kendall_tau_b_by_hand() -> None:
    a = {"bm25": 3.0, "vector": 2.0, "hybrid": 1.0}
    assert kendall_tau(a, {"bm25": 3.0, "vector": 1.0, "hybrid": 2.0}) == pytest.approx(1 / 3)  # 2 agree, 1 not
    assert kendall_tau(a, {"bm25": 0.1, "vector": 0.2, "hybrid": 0.3}) == pytest.approx(-1.0)
    assert kendall_tau(a, {"bm25": 9.0, "vector": 5.0, "hybrid": 4.0, "extra": 100.0}) == pytest.approx(1.0)
    # ties: (bm25, vector) tied in the first only; C = 2, D = 0, tied_a = 1 → 2 / sqrt(3 · 2)
    assert kendall_tau({"x": 1, "y": 1, "z": 0}, {"x": 2, "y": 1, "z": 0}) == pytest.approx(2 / math.sqrt(6))
    assert kendall_tau(a, {"bm25": 1.0}) is None
    assert kendall_tau({"x": 1, "y": 1}, {"x": 1, "y": 2}) is None


def _rows(path: Path, rows: list[dict]) -> Path:
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def _row(cohort: str, retriever: str, queries: int, ndcg: float) -> dict:
    mean = {"n": queries, "mean": ndcg, "ci": [0, 1]}
    return {"cohort": cohort, "retriever": retriever, "queries": queries, "all": {"ndcg@10": mean}, "judged": {}}


def test_reference_reads_eval_retrieval_json_weighted_by_queries(tmp_path: Path) -> None:
    rows = [
        _row("trec_2021", "fulltext", 30, 0.4),
        _row("trec_2022", "fulltext", 10, 0.8),
        _row("trec_2021", "vector", 30, 0.6),
        _row("trec_2022", "vector", 10, 0.2),
        _row("sigir", "vector", 0, 0.9),  # no usable query: left out
        {"task": "trial_similarity", "retriever": "similar", "p@1": {"mean": 1.0}},
    ]
    path = _rows(tmp_path / "real.json", rows)
    assert read_reference(path) == pytest.approx({"fulltext": 0.5, "vector": 0.5})
    assert read_reference(path, cohorts=["trec_2022"]) == pytest.approx({"fulltext": 0.8, "vector": 0.2})
    plain = tmp_path / "plain.json"
    plain.write_text('{"fulltext": 0.3, "hybrid": 0.35}', encoding="utf-8")
    assert read_reference(plain) == {"fulltext": 0.3, "hybrid": 0.35}


def test_bad_files_are_one_line_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "p1"}\n{not json\n', encoding="utf-8")
    with pytest.raises(SourceError, match="not JSONL"):
        read_notes(broken)
    with pytest.raises(SourceError, match="not found"):
        read_notes(tmp_path / "missing.jsonl")
    with pytest.raises(SourceError, match="no patient → trial figures for sigir"):
        read_reference(_rows(tmp_path / "r.json", [_row("trec_2021", "fulltext", 3, 0.5)]), cohorts=["sigir"])
    with pytest.raises(SourceError, match="no all p@10 mean"):
        read_reference(_rows(tmp_path / "r2.json", [_row("trec_2021", "fulltext", 3, 0.5)]), metric="p@10")
    (tmp_path / "odd.json").write_text('"text"', encoding="utf-8")
    with pytest.raises(SourceError, match="expected"):
        read_reference(tmp_path / "odd.json")


def test_report_scores_notes_like_trec_and_compares_the_order() -> None:
    notes = notes_cohort(NOTES)
    # two fixed rankings: "good" puts each note's own trial first, "poor" puts it third
    own = {qid: next(iter(g)) for qid, g in notes.cohort.qrels.items()}
    text_to_qid = {text: qid for qid, text in notes.cohort.queries.items()}

    def good(text: str, depth: int) -> list[str]:
        return [own[text_to_qid[text]], "X1", "X2"][:depth]

    def poor(text: str, depth: int) -> list[str]:
        return ["X1", "X2", own[text_to_qid[text]]][:depth]

    rankers = {"good": good, "poor": poor}
    in_graph = {"T1", "T2", "X1", "X2"}
    graded = evaluate_cohort(notes.cohort, rankers, in_graph)
    by_kind = {kind: evaluate_cohort(c, rankers, in_graph) for kind, c in kind_cohorts(notes).items()}
    report = matching_report(notes, graded, by_kind, reference={"good": 0.2, "poor": 0.3})
    assert report["queries"] == 4 and report["queries_left_out"] == 1  # the ineligible note has no relevant trial
    ndcg = means_by_retriever(report["figures"], "ndcg@10", "all")
    assert ndcg == pytest.approx({"good": 1.0, "poor": 0.5})  # own trial at rank 3: 1 / log2(4)
    assert report["own_trial_by_kind"]["ineligible"][0]["queries"] == 1
    assert report["order"]["synthetic"] == {"good": 1.0, "poor": 0.5}
    assert report["order"]["kendall_tau"] == -1.0 and report["order"]["same_order"] is False
    assert matching_report(notes, graded, by_kind)["order"]["kendall_tau"] is None
