"""Paper → trial known-item search, the pure parts: cutting registry ids out, building queries, the figures."""

from __future__ import annotations

import pytest

from trialgraph.models.retrieval.known_item import (
    KNOWN_ITEM_DEPTH,
    KnownItemQuery,
    evaluate_known_items,
    paper_queries,
    twin_queries,
    without_trial_ids,
)


def test_every_registry_id_is_cut_out_and_the_rest_kept() -> None:
    text = (
        "Metformin in adolescents (ClinicalTrials.gov NCT01234567; ISRCTN: 12345678; EudraCT 2010-019469-26). "
        "Grant R01-1234567 and 120 mg doses stay."
    )
    cut = without_trial_ids(text)
    for trial_id in ("NCT01234567", "12345678", "2010-019469-26"):
        assert trial_id not in cut
    assert cut == (
        "Metformin in adolescents (ClinicalTrials.gov ; ; EudraCT ). Grant R01-1234567 and 120 mg doses stay."
    )
    assert without_trial_ids("no id here") == "no id here"


def test_paper_queries_use_title_and_abstract_else_the_citation() -> None:
    rows = [
        {"queries": "stated", "key": "pmid:1", "title": "A trial", "abstract": "Of NCT01234567 drugs.",
         "citation": None, "trials": ["NCT01234567"]},
        {"queries": "registry_reference", "key": "pmid:2", "title": None, "abstract": None,
         "citation": "Doe J. Results of NCT07654321. Lancet. 2001.", "trials": ["NCT07654321", "T2"]},
        {"queries": "registry_reference", "key": "pmid:3", "title": None, "abstract": None, "citation": None,
         "trials": ["T3"]},
    ]  # fmt: skip
    queries = paper_queries(rows)
    assert queries["stated"] == [KnownItemQuery("pmid:1", "A trial Of drugs.", frozenset({"NCT01234567"}))]
    assert [q.text for q in queries["registry_reference"]] == ["Doe J. Results of . Lancet. 2001.", ""]
    assert queries["registry_reference"][0].targets == frozenset({"NCT07654321", "T2"})


def test_known_item_figures_read_the_first_target_in_each_ranking() -> None:
    queries = [
        KnownItemQuery("a", "alpha", frozenset({"T1"}), frozenset({"r:own"})),  # found first, its record left out
        KnownItemQuery("b", "beta", frozenset({"T9", "T4"})),  # T9 is not in the graph; T4 at rank 4
        KnownItemQuery("c", "gamma", frozenset({"T5"})),  # beyond the depth read: not found
        KnownItemQuery("d", "", frozenset({"T1"})),  # no text left: not usable
        KnownItemQuery("e", "delta", frozenset({"T9"})),  # no target in the graph: not usable
        KnownItemQuery("f", "( ) of the", frozenset({"T1"})),  # no word to search for: not usable, no error
    ]
    rankings = {
        "alpha": ["T1", "T2"],
        "beta": ["T2", "T3", "T1", "T4"],
        "gamma": [f"X{i}" for i in range(KNOWN_ITEM_DEPTH)] + ["T5"],
    }
    asked: list[tuple[str, int, frozenset[str]]] = []

    def rank(text: str, depth: int, exclude: frozenset[str]) -> list[str]:
        asked.append((text, depth, exclude))
        return rankings[text]

    in_graph = {"T1", "T2", "T3", "T4", "T5"}
    (figures,) = evaluate_known_items("paper_to_trial", "stated", queries, {"bm25": rank}, in_graph)
    assert (figures.candidates, figures.usable) == (6, 3)
    none: frozenset[str] = frozenset()
    assert asked == [
        ("alpha", KNOWN_ITEM_DEPTH, frozenset({"r:own"})),  # the records to leave out reach the ranker
        ("beta", KNOWN_ITEM_DEPTH, none),
        ("gamma", KNOWN_ITEM_DEPTH, none),
    ]
    assert figures.figures["mrr"].mean == pytest.approx((1 + 1 / 4 + 0) / 3)
    assert figures.figures["r@1"].mean == pytest.approx(1 / 3)
    assert figures.figures["r@10"].mean == pytest.approx(2 / 3)
    assert figures.figures["mrr"].items == 3
    shown = figures.as_dict()
    assert (shown["task"], shown["queries"], shown["retriever"]) == ("paper_to_trial", "stated", "bm25")
    assert (shown["candidate_queries"], shown["usable_queries"]) == (6, 3)


def test_a_set_without_usable_queries_has_no_figures_not_zeros() -> None:
    queries = [KnownItemQuery("a", "alpha", frozenset({"T9"}))]
    rankers = {"bm25": lambda text, depth, exclude: ["T9"]}
    (figures,) = evaluate_known_items("paper_to_trial", "stated", queries, rankers, {"T1"})
    assert (figures.candidates, figures.usable, figures.figures) == (1, 0, {})
    assert "mrr" not in figures.as_dict()


def test_twin_queries_ask_with_the_records_rendering_ids_cut_out_and_leave_its_registration_out() -> None:
    row = {
        "record_id": "ictrp:EUCTR2018-004320-11-HU", "trial": "NCT03924869", "twins": ["ictrp:NCT03924869"],
        "excluded": ["ictrp:EUCTR2018-004320-11-HU", "ictrp:EUCTR2018-004320-11-GB"],
        "brief_title": "SBRT ± pembrolizumab in NSCLC (NCT03924869)", "official_title": "A phase 3 study",
        "phase": "PHASE3", "brief_summary": None, "conditions": ["NSCLC"], "interventions": ["Pembrolizumab"],
        "criteria": [{"kind": "INCLUSION", "text": "Not in EudraCT 2018-004320-11 before"}],
    }  # fmt: skip
    (query,) = twin_queries([row])["stated_twin"]
    assert query.query_id == "ictrp:EUCTR2018-004320-11-HU" and query.targets == frozenset({"NCT03924869"})
    assert query.exclude == frozenset({"ictrp:EUCTR2018-004320-11-HU", "ictrp:EUCTR2018-004320-11-GB"})
    assert "NCT03924869" not in query.text and "2018-004320-11" not in query.text
    for part in ("SBRT ± pembrolizumab in NSCLC", "NSCLC", "Pembrolizumab", "Not in EudraCT"):
        assert part in query.text
