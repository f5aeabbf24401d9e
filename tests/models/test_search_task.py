"""The study-search task, pure: reviews and gold sets built from trials' NLM condition terms and registered
allocation, the side's corpus, BM25, the strict query parser, the ranking metrics, the baselines, the harness
end to end on a written dataset, and training leaving the task out."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from trialgraph.errors import ConfigError
from trialgraph.models.tasks.baselines import make_baseline
from trialgraph.models.tasks.builders import TaskInputs, build_task
from trialgraph.models.tasks.dataset import read_task, write_task
from trialgraph.models.tasks.facts import TrialFacts
from trialgraph.models.tasks.harness import evaluate, markdown_table
from trialgraph.models.tasks.prompting import parse_answer, prompt_messages
from trialgraph.models.tasks.reviews import vocabulary_block, vocabulary_terms
from trialgraph.models.tasks.scoring import Graded, grade, reward, summarize
from trialgraph.models.tasks.search import Bm25Index, ids_of
from trialgraph.models.tasks.splits import Split

T2D, DM, ASTHMA = "Diabetes Mellitus, Type 2", "Diabetes Mellitus", "Asthma"


def _trial(
    i: int,
    mesh: tuple[str, ...],
    ancestors: tuple[str, ...] = (),
    *,
    text: str,
    randomized: bool = True,
    stated: bool = True,
) -> TrialFacts:
    return TrialFacts(
        trial_id=f"NCT{i:08d}",
        title=f"A study of {text}",
        study_type="INTERVENTIONAL",
        allocation=("RANDOMIZED" if randomized else "NA") if stated else None,
        conditions=(text,),
        condition_mesh=mesh,
        condition_mesh_ancestors=ancestors,
        interventions=(f"drug{i}",),
    )


TRIALS = [
    _trial(1, (T2D,), (DM,), text="type 2 diabetes"),
    _trial(2, (T2D,), (DM,), text="non insulin dependent diabetes"),
    _trial(3, ("Diabetes Mellitus, Type 1",), (DM,), text="type 1 diabetes"),
    _trial(4, (T2D,), (DM,), text="type 2 diabetes", randomized=False),  # not randomised: never relevant
    _trial(5, (ASTHMA,), text="asthma in children"),
    _trial(6, (ASTHMA,), text="severe asthma"),
    _trial(7, ("Hypertension",), text="high blood pressure"),
    _trial(8, (T2D,), (DM,), text="type 2 diabetes", stated=False),  # allocation not stated: not in the corpus
    _trial(9, (DM,), text="diabetes mellitus"),  # indexed with the ancestor itself: its review is asked
    # the training side
    _trial(11, (T2D,), (DM,), text="diabetes type 2"),
    _trial(12, (T2D,), (DM,), text="diabetes"),
    _trial(13, (ASTHMA,), text="asthma"),
    _trial(14, (ASTHMA,), text="wheezing"),
]
TEST_IDS = {f"NCT{i:08d}" for i in range(1, 10)}
SPLIT = Split(
    {t.trial_id: "test" if t.trial_id in TEST_IDS else "train" for t in TRIALS}, "2020-01-01", (), "2019-01-01"
)
BY_ID = {t.trial_id: t for t in TRIALS}


def _built(seed: int = 0) -> Any:
    return build_task("study_search", TaskInputs(TRIALS, SPLIT, seed=seed))


def _meets(trial: TrialFacts, heading: str) -> bool:
    return heading in {*trial.condition_mesh, *trial.condition_mesh_ancestors} and trial.allocation == "RANDOMIZED"


def test_the_gold_is_every_trial_of_the_side_meeting_the_review() -> None:
    result = _built()
    items = {(i.split, i.record["metadata"]["review"]): i for i in result.items}
    # test side: type 2 (1, 2), its ancestor diabetes mellitus (1, 2, 3, 9), asthma (5, 6); hypertension has one
    assert set(items) == {("test", T2D), ("test", DM), ("test", ASTHMA), ("train", T2D), ("train", ASTHMA)}
    corpus = {(doc["split"], doc["id"]) for doc in result.corpus}
    for (side, heading), item in items.items():
        expected = {t.trial_id for t in TRIALS if SPLIT.of(t.trial_id) == side and _meets(t, heading)}
        expected &= {trial_id for s, trial_id in corpus if s == side}
        assert set(ids_of(item.answer)) == expected == set(item.record["labels"]), (side, heading)
        assert item.trial_id in expected and item.record["metadata"]["corpus_size"] == sum(s == side for s, _ in corpus)
    assert set(ids_of(items[("test", DM)].answer)) == {"NCT00000001", "NCT00000002", "NCT00000003", "NCT00000009"}
    # the corpus: every labelled trial, each on its own side; the allocation-less interventional trial is not in it
    assert corpus == {(SPLIT.of(t.trial_id), t.trial_id) for t in TRIALS if t.trial_id != "NCT00000008"}
    assert result.skipped["fewer than 2 randomised trials of the heading"] >= 1  # hypertension


def test_documents_show_the_registry_text_never_nlms_terms() -> None:
    result = _built()
    for doc in result.corpus:
        assert BY_ID[doc["id"]].conditions[0] in doc["text"]
        for trial in TRIALS:
            for term in (*trial.condition_mesh, *trial.condition_mesh_ancestors):
                assert term not in doc["text"]


def test_builds_are_deterministic() -> None:
    first, again = _built(), _built()
    assert [i.record for i in first.items] == [i.record for i in again.items] and first.corpus == again.corpus


def _bm25(query: list[str], doc: list[str], docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> float:
    """Lucene's BM25, written out from its definition, for one document."""
    average = sum(map(len, docs)) / len(docs)
    score = 0.0
    for term in query:
        df = sum(term in d for d in docs)
        if not df:
            continue
        idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
        tf = doc.count(term)
        score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / average))
    return score


def test_bm25_ranks_as_its_definition_scores() -> None:
    texts = {
        "a": "asthma asthma inhaler",
        "b": "asthma in children with severe wheezing and cough",
        "c": "type 2 diabetes metformin",
        "d": "diabetes insulin",
        "e": "hypertension",
    }
    index = Bm25Index({"id": k, "text": v} for k, v in texts.items())
    docs = {k: v.split() for k, v in texts.items()}
    for query in ("asthma", "severe asthma", "diabetes insulin", "type 2 diabetes cough"):
        scores = {k: _bm25(query.split(), d, list(docs.values())) for k, d in docs.items()}
        expected = sorted((k for k, s in scores.items() if s > 0), key=lambda k: (-scores[k], k))
        assert index.rank(query) == expected, query
    assert index.rank("The AND of") == [] and index.rank("") == []  # stop words and operators only: nothing
    assert index.rank("asthma", k=1) == ["a"]


def test_the_parser_reads_a_query_or_calls_the_reply_malformed() -> None:
    record = _built().items[0].record
    assert parse_answer("search", '{"query": "  type 2   diabetes "}', record).answer == "type 2 diabetes"
    assert parse_answer("search", 'Sure. {"query": "asthma"} done', record).answer == "asthma"
    assert parse_answer("search", '{"query": "a;b"}', record).answer == "a b"  # ';' separates ids in answers
    for reply in ('{"query": ""}', '{"query": 3}', '{"terms": "asthma"}', "asthma", "", '{"query": "' + "x" * 4001):
        assert parse_answer("search", reply, record).malformed, reply
    prompt = prompt_messages("search", record)[1]["content"]
    assert "Selection criteria: Randomised interventional trials in people with" in prompt
    assert not any(trial_id in prompt for trial_id in BY_ID)


def test_ranking_metrics_follow_their_definitions() -> None:
    gold = "x;y"
    graded = [
        Graded(gold, "x;n1;y", grade("search", gold, _parsed("x;n1;y")).correct),
        Graded(gold, ";".join(f"n{i}" for i in range(12)) + ";x", False),  # found at rank 13: no hit on page one
        grade("search", gold, parse_answer("search", "no json", {})),
    ]
    assert graded[0].correct and not grade("search", gold, _parsed(graded[1].predicted)).correct
    metrics = summarize("search", graded)
    assert metrics["items"] == 3 and metrics["malformed"] == 1
    assert metrics["accuracy"]["mean"] == pytest.approx(1 / 3, abs=1e-4)
    assert metrics["precision@10"]["mean"] == pytest.approx((2 / 10) / 3, abs=1e-4)
    assert metrics["recall@10"]["mean"] == pytest.approx(1 / 3, abs=1e-4)
    assert metrics["recall@50"]["mean"] == pytest.approx((1 + 0.5) / 3, abs=1e-4)
    ndcg = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert metrics["ndcg@10"]["mean"] == pytest.approx(ndcg / 3, abs=1e-4)
    f1 = 2 * 0.2 * 1 / 1.2
    assert metrics["f1@10"]["mean"] == pytest.approx(f1 / 3, abs=1e-4)
    with pytest.raises(ConfigError):  # GRPO cannot reward a query without the corpus it runs over
        reward("search", '{"query": "x"}', gold, {})


def _parsed(answer: str) -> Any:
    from trialgraph.models.tasks.prompting import Parsed

    return Parsed(answer)


META = {"task": "study_search", "seed": 0, "cut_date": "2020-01-01", "context_trials": 0, "software_version": "t"}


def _written(tmp_path: Path) -> Path:
    result = _built()
    folder = tmp_path / "study_search"
    write_task(folder, result, {}, meta=META)
    return folder


def test_the_corpus_is_written_with_the_rows_and_in_their_hash(tmp_path: Path) -> None:
    folder = _written(tmp_path)
    dataset = read_task(folder)
    assert {doc["id"] for doc in dataset.corpus["test"]} == TEST_IDS - {"NCT00000008"}
    assert dataset.manifest["corpus"] == {"train": 4, "validation": 0, "test": 8}
    assert "config_name: corpus" in (folder / "README.md").read_text()
    result = _built()
    result.corpus[0] = {**result.corpus[0], "text": "changed"}
    other = write_task(tmp_path / "other", result, {}, meta=META)
    assert other.manifest["rows_hash"] != dataset.manifest["rows_hash"]


def test_baselines_search_and_the_harness_grades_the_ranking(tmp_path: Path) -> None:
    dataset = read_task(_written(tmp_path))
    rows = dataset.rows["test"]
    overlap = make_baseline("overlap", "study_search", dataset.rows["train"]).replies(rows)
    assert [json.loads(r)["query"] for r in overlap] == [
        json.loads(row["record"])["inputs"]["selection criteria"] for row in rows
    ]
    majority = {
        json.loads(r)["query"] for r in make_baseline("majority", "study_search", dataset.rows["train"]).replies(rows)
    }
    (words,) = majority  # the words every training question shares: the template, no condition
    assert "randomised" in words and "asthma" not in words and "diabetes" not in words
    run = evaluate([dataset], "overlap")
    metrics = run.tasks["study_search"]["metrics"]
    assert metrics["items"] == len(rows) == 3 and metrics["malformed"] == 0
    # recomputed by hand: BM25 over the test corpus with each question as the query
    index = Bm25Index(dataset.corpus["test"])
    hits = [
        bool(set(ids_of(r["answer"])) & set(index.rank(json.loads(r["record"])["inputs"]["selection criteria"])[:10]))
        for r in rows
    ]
    assert metrics["accuracy"]["mean"] == pytest.approx(sum(hits) / len(hits), abs=1e-4)
    assert "ndcg@10" in markdown_table(run.as_dict())


def test_a_search_folder_without_its_corpus_is_a_one_line_error(tmp_path: Path) -> None:
    folder = _written(tmp_path)
    (folder / "corpus.parquet").unlink()
    with pytest.raises(ConfigError, match="no test corpus"):
        evaluate([read_task(folder)], "overlap")


def test_sft_teaches_the_reference_query_and_grpo_rewards_the_rankings_ndcg(tmp_path: Path) -> None:
    from tests.models.test_training import build_task as write_fixture_task
    from trialgraph.models.training import answer_reward, answer_reward_for, format_reward, load_training_data

    folder = _written(tmp_path)
    data = load_training_data([folder, write_fixture_task(tmp_path, "sample_size_estimation")], context="none")
    search = [item for item in data.items if item.task == "study_search"]
    assert len(search) == 2 and {item.id for item in search} == {r["id"] for r in read_task(folder).rows["train"]}
    for item in search:  # the condition as the question names it: nothing the question does not state
        query = json.loads(item.target)["query"]
        assert query == json.loads(item.record)["metadata"]["review"].lower()
        assert query in item.prompt[1]["content"].lower()
    assert {doc["id"] for doc in data.corpora["study_search"]} == {
        "NCT00000011",
        "NCT00000012",
        "NCT00000013",
        "NCT00000014",
    }
    # the reward: the format part plus the nDCG@10 of the query's ranking over the train corpus
    item = next(i for i in search if "asthma" in i.target)
    replies = ['{"query": "asthma wheezing"}', '{"query": "diabetes"}', "no json"]
    n = len(replies)
    columns = {"kind": [item.kind] * n, "answer": [item.answer] * n, "record": [item.record] * n}
    rewarded = answer_reward_for(data.corpora)(replies, **columns, task=[item.task] * n)
    index = Bm25Index(data.corpora["study_search"])
    gold = dict.fromkeys(ids_of(item.answer), 1)
    from trialgraph.models.retrieval.ranking import ndcg_at

    assert rewarded[0] == pytest.approx(ndcg_at(index.rank("asthma wheezing"), gold, 10)) and rewarded[
        0
    ] == pytest.approx(1.0)
    assert rewarded[1] == 0.0 and rewarded[2] == 0.0  # finds no relevant trial; malformed
    assert format_reward(replies, kind=columns["kind"], record=columns["record"]) == [0.1, 0.1, 0.0]
    with pytest.raises(ConfigError):  # without the corpus there is nothing to run the query over
        answer_reward(replies, **columns)


def test_the_vocabulary_block_reads_back_and_the_nearest_baseline_searches_with_it() -> None:
    block = vocabulary_block(T2D, ["Type 2 Diabetes", "NIDDM"], ["Diabetes Mellitus, Lipoatrophic"])
    assert block.splitlines() == [
        f"MeSH vocabulary for the review's condition ({T2D}):",
        "Entry terms: Type 2 Diabetes; NIDDM",
        "Narrower headings: Diabetes Mellitus, Lipoatrophic",
    ]
    context = f"{block}\n\n## NCT00000011: a similar trial\nConditions: NIDDM in adults"
    assert vocabulary_terms(context) == ["Type 2 Diabetes", "NIDDM", "Diabetes Mellitus, Lipoatrophic"]
    assert vocabulary_terms("## NCT00000011: Entry terms: x") == [] and vocabulary_block(T2D, [], []) == ""
    record = _built().items[0].record
    rows = [
        {
            "trial_id": "NCT00000001",
            "record": json.dumps(record),
            "answer": "",
            "context_trials": [],
            "graph_context": context,
        }
    ]
    (reply,) = make_baseline("nearest", "study_search", []).replies(rows)
    query = json.loads(reply)["query"]
    assert query.startswith(record["inputs"]["selection criteria"]) and query.endswith(
        "NIDDM Diabetes Mellitus, Lipoatrophic"
    )
    rows[0]["graph_context"] = "## NCT00000011: a similar trial"  # no vocabulary: the question alone
    assert (
        json.loads(make_baseline("nearest", "study_search", []).replies(rows)[0])["query"]
        == record["inputs"]["selection criteria"]
    )
