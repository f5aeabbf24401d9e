"""The pure parts of retrieval: the rendering, rank fusion, the Lucene query text and the ranking metrics."""

from __future__ import annotations

import math
import random

import pytest

from trialgraph.kg.retrieval.hits import Hit
from trialgraph.models.metrics import mean_over_items
from trialgraph.models.retrieval.evaluate import SimilarityList, evaluate_similarity
from trialgraph.models.retrieval.fusion import fuse_hits, reciprocal_rank_fusion
from trialgraph.models.retrieval.query_text import MAX_TERMS, QueryTextError, checked_query, lucene_query
from trialgraph.models.retrieval.ranking import ndcg_at, precision_at, recall_at, reciprocal_rank
from trialgraph.models.retrieval.rendering import RecordText, render, text_hash


def _record(**kw: object) -> RecordText:
    base = {
        "record_id": "ctgov:NCT1",
        "brief_title": "Metformin in   Adolescents",
        "conditions": ["Type 2 Diabetes", None],
        "interventions": ["Metformin", "Placebo"],
        "phase": "PHASE3",
        "brief_summary": "A " + "long " * 400 + "summary.",
        "criteria": [{"kind": "INCLUSION", "text": f"inc {i}"} for i in range(7)]
        + [{"kind": "EXCLUSION", "text": "x" * 300}, {"kind": "PREAMBLE", "text": "pre"}],
    }
    base.update(kw)
    return RecordText.from_row(base)


def test_rendering_order_cuts_and_omissions() -> None:
    text = render(_record())
    lines = text.split("\n")
    assert lines[0] == "Metformin in Adolescents"
    assert lines[1] == "Conditions: Type 2 Diabetes" and lines[2] == "Interventions: Metformin; Placebo"
    assert lines[3] == "Phase: PHASE3"
    assert len(lines[4]) == 1000 and lines[4].endswith("…")
    assert lines[5] == "Inclusion: " + "; ".join(f"inc {i}" for i in range(5))  # first 5 items only
    assert lines[6].startswith("Exclusion: x") and len(lines[6]) == len("Exclusion: ") + 200
    assert "pre" not in text  # preambles are not criteria
    bare = render(_record(brief_title=None, official_title="Official", conditions=[], phase=None, criteria=[]))
    assert bare.split("\n")[0] == "Official" and "Conditions" not in bare and "Phase" not in bare
    assert render(_record()) == text and text_hash(text) == text_hash(render(_record()))
    assert text_hash(text) != text_hash(bare)


def test_reciprocal_rank_fusion_sums_weighted_reciprocal_ranks() -> None:
    fused = reciprocal_rank_fusion({"a": ["x", "y", "z"], "b": ["y", "w", "y"]}, k=60)
    scores = {f.item: f.score for f in fused}
    assert scores["y"] == pytest.approx(1 / 62 + 1 / 61)  # a repeated item counts once, at its best rank
    assert scores["x"] == pytest.approx(1 / 61) and scores["w"] == pytest.approx(1 / 62)
    assert [f.item for f in fused] == ["y", "x", "w", "z"]
    assert fused[0].ranks == {"a": 2, "b": 1}
    weighted = reciprocal_rank_fusion({"a": ["x"], "b": ["y"]}, weights={"a": 2.0})
    assert [f.item for f in weighted] == ["x", "y"]
    tie = reciprocal_rank_fusion({"a": ["q"], "b": ["p"]})
    assert [f.item for f in tie] == ["p", "q"]  # equal scores: by id, so runs repeat exactly


def test_fuse_hits_keeps_each_components_score_rank_and_statement() -> None:
    def hit(trial: str, record: str, score: float, retriever: str) -> Hit:
        return Hit(trial, record, score, retriever, {retriever: score}, (f"{retriever}-cypher",), ({"q": retriever},))

    parts = {
        "fulltext": [hit("T1", "r1-text", 9.0, "fulltext"), hit("T2", "r2", 7.0, "fulltext")],
        "vector": [hit("T2", "r2-vector", 0.9, "cosine"), hit("T3", "r3", 0.8, "cosine")],
    }
    fused = fuse_hits(parts, lambda h: h.trial_id, name="hybrid", top_k=2)
    assert [h.trial_id for h in fused] == ["T2", "T1"]  # T2 is in both rankings
    both = fused[0]
    assert both.retriever == "hybrid" and both.record_id == "r2"  # the first ranking's record for the trial
    assert both.score == pytest.approx(1 / 62 + 1 / 61)
    assert both.components == {"fulltext": 7.0, "vector": 0.9, "fulltext_rank": 2.0, "vector_rank": 1.0}
    assert both.cypher == ("fulltext-cypher", "cosine-cypher")
    assert both.parameters == ({"q": "fulltext"}, {"q": "cosine"})
    assert fused[1].components == {"fulltext": 9.0, "fulltext_rank": 1.0} and fused[1].cypher == ("fulltext-cypher",)
    weighted = fuse_hits(parts, lambda h: h.trial_id, name="hybrid", top_k=3, weights={"vector": 3.0})
    assert [h.trial_id for h in weighted] == ["T2", "T3", "T1"]


def test_lucene_query_keeps_words_and_drops_syntax() -> None:
    assert lucene_query('HbA1c > 7% AND (on "metformin")') == "hba1c 7 metformin"  # "on": a stop word
    assert lucene_query("The effect of aspirin in the elderly") == "effect aspirin elderly"
    assert (
        lucene_query("Inhaled NO in AS patients with vitamin A AND NOT zinc") == "inhaled no as patients vitamin zinc"
    )
    assert lucene_query("title:asthma OR asthma~2 NOT [1 TO 5]") == "title asthma 2 1 5"
    assert len(lucene_query(" ".join(f"w{i}" for i in range(MAX_TERMS + 50))).split()) == MAX_TERMS
    with pytest.raises(QueryTextError, match="no words"):
        lucene_query("+-!?")
    with pytest.raises(QueryTextError, match="empty"):
        checked_query(" \n ")
    assert checked_query("  a \n b ") == "a b"


def test_ranking_metrics_match_their_definitions() -> None:
    grades = {"a": 2, "b": 1, "c": 0, "d": 2}
    ranked = ["c", "a", "x", "b"]
    dcg = 2 / math.log2(3) + 1 / math.log2(5)
    idcg = 2 / math.log2(2) + 2 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at(ranked, grades, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at(["d", "a", "b"], grades, 10) == pytest.approx(1.0)
    assert precision_at(ranked, grades, 10) == pytest.approx(0.2)
    assert recall_at(ranked, grades, 100) == pytest.approx(2 / 3)
    assert reciprocal_rank(ranked, grades) == pytest.approx(0.5)
    assert ndcg_at(ranked, {"c": 0}, 10) == 0.0 and recall_at(ranked, {}, 100) == 0.0


def test_mean_over_items_interval_brackets_the_mean_and_repeats() -> None:
    rng = random.Random(3)
    values = [rng.random() for _ in range(40)]
    mean = mean_over_items(values)
    assert mean.mean == pytest.approx(sum(values) / 40)
    assert mean.ci[0] < mean.mean < mean.ci[1]
    assert mean_over_items(values) == mean
    assert mean_over_items([0.5] * 5).ci == (0.5, 0.5)


def test_patient_facts_read_the_forms_clinicians_write() -> None:
    from trialgraph.models.retrieval.patient import PatientFacts, admits, age_in_years, patient_facts

    assert patient_facts("A 58-year-old African-American woman presents") == PatientFacts(58.0, "FEMALE")
    assert patient_facts("74M hx of CAD s/p CABG, 15 years ago") == PatientFacts(74.0, "MALE")
    assert patient_facts("60 yo F with cirrhosis; he said") == PatientFacts(60.0, "FEMALE")
    assert patient_facts("A 6-month-old boy") == PatientFacts(0.5, "MALE")
    assert patient_facts("Chest pain on exertion") == PatientFacts(None, None)
    assert age_in_years("18 Years") == 18 and age_in_years("6 Months") == 0.5 and age_in_years("N/A") is None
    adult_woman = PatientFacts(40.0, "FEMALE")
    assert admits(adult_woman, "18 Years", "65 Years", "ALL") is None
    assert admits(adult_woman, "18 Years", "30 Years", None) == "age 40 above the maximum 30 Years"
    assert admits(adult_woman, None, None, "MALE") == "sex female, trial enrols male only"
    assert admits(PatientFacts(None, None), "18 Years", "30 Years", "MALE") is None


def test_similarity_without_a_usable_list_reports_no_figure() -> None:
    """Not a mean of nothing (0.000 [0.00, 0.00] reads as a measured zero): the counts, and no precision."""
    lists = [SimilarityList("1", "NCT00000001", {"NCT00000002": 1})]  # target not in the graph
    (figures,) = evaluate_similarity(lists, {"fulltext": lambda target, depth: []}, trials_in_graph=["NCT00000002"])
    assert figures.as_dict() == {"task": "trial_similarity", "retriever": "fulltext", "lists": 1, "usable_lists": 0}
    (usable,) = evaluate_similarity(
        lists, {"fulltext": lambda target, depth: ["NCT00000002"]}, trials_in_graph=["NCT00000001", "NCT00000002"]
    )
    assert usable.as_dict()["p@1"]["mean"] == 1.0 and usable.usable == 1
