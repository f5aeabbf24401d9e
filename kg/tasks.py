"""The graph side of the task builders: read every trial's facts and twins, and each trial's graph-RAG context.

Reads only, in read transactions. The context of a trial is the context builder's text for the training trials
the full-text retriever ranks nearest to it, with the trial's own twin group left out, so neither a test item
nor its answer can reach a prompt through retrieval (the leakage test checks this on the built datasets).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import neo4j

from trialgraph import cypher
from trialgraph.errors import UnknownNameError
from trialgraph.kg.graph import run_read
from trialgraph.kg.knowledge import read_knowledge
from trialgraph.kg.retrieval.context import build_context
from trialgraph.kg.retrieval.retrievers import FullTextRetriever
from trialgraph.models.retrieval.query_text import word_tokens
from trialgraph.models.tasks.builders import TASKS, BuildResult, TaskInputs, build_task, task_names, task_query
from trialgraph.models.tasks.dataset import TaskDataset, write_task
from trialgraph.models.tasks.diagnosis import TASK as DIAGNOSIS_TASK
from trialgraph.models.tasks.diagnosis import DiagnosisInputs
from trialgraph.models.tasks.evidence import EvidencePrompt
from trialgraph.models.tasks.facts import TrialFacts
from trialgraph.models.tasks.knowledge import KnowledgeInputs, vocabulary_summary
from trialgraph.models.tasks.results_evidence import TASK as RESULTS_TASK
from trialgraph.models.tasks.results_evidence import GroupShown, ResultComparison
from trialgraph.models.tasks.reviews import MAX_VOCABULARY_TERMS, vocabulary_block
from trialgraph.models.tasks.splits import Split, split_by_date

if TYPE_CHECKING:
    from trialgraph.models.retrieval.evaluate import Cohort

__all__ = [
    "CONTEXT_TRIALS",
    "TrialContext",
    "build_tasks",
    "read_condition_names",
    "read_result_comparisons",
    "read_review_vocabulary",
    "read_trial_conditions",
    "read_trial_facts",
    "read_twin_pairs",
    "trial_contexts",
]

CONTEXT_TRIALS = 3  # similar training trials per prompt: chosen before any evaluation, not tuned
CONTEXT_TOKENS = 900  # keeps a prompt with context inside a small model's window at CPU speed
CANDIDATES = 30  # full-text hits fetched to find CONTEXT_TRIALS training trials outside the item's own group


@dataclass(frozen=True, slots=True)
class TrialContext:
    trial_ids: tuple[str, ...]
    text: str


_COMPARISON_COLUMNS = (
    "trial_id", "key", "trial_title", "outcome_kind", "outcome_description", "time_frame", "param_type", "units",
    "categories", "p_value", "p_modifier", "non_inferiority_type", "tested_non_inferiority", "outcome_position",
    "analysis_position",
)  # fmt: skip


def read_result_comparisons(driver: neo4j.Driver, *, database: str = "neo4j") -> dict[str, list[ResultComparison]]:
    """Every statistical analysis of the CT.gov records' posted results, by trial (``results_evidence``)."""
    found: dict[str, list[ResultComparison]] = {}
    for row in run_read(driver, cypher.load("read/task_result_comparisons"), database=database):
        groups = tuple(GroupShown(g["title"], g["description"], g["value"]) for g in row["groups"])
        fields = {name: row[name] for name in _COMPARISON_COLUMNS}
        comparison = ResultComparison(
            **fields, conditions=tuple(row["conditions"]), outcome_title=row["outcome_title"] or "", groups=groups
        )
        found.setdefault(row["trial_id"], []).append(comparison)
    return found


def read_trial_facts(driver: neo4j.Driver, *, database: str = "neo4j") -> list[TrialFacts]:
    rows = run_read(driver, cypher.load("read/task_trial_facts"), database=database)
    return [TrialFacts.from_row(row) for row in rows]


def read_condition_names(driver: neo4j.Driver, *, database: str = "neo4j") -> dict[str, tuple[str, ...]]:
    """Every name the graph knows for the MeSH terms its records are indexed with (CURIE -> name and synonyms):
    what a diagnosis item withholds from its note."""
    rows = run_read(driver, cypher.load("read/synth_vocabulary"), database=database)
    return {row["curie"]: (row["name"], *row["synonyms"]) for row in rows}


def read_trial_conditions(
    driver: neo4j.Driver, trial_ids: Sequence[str], *, database: str = "neo4j"
) -> dict[str, frozenset[str]]:
    """Each trial's MeSH condition terms, ancestors included (NLM's browse terms): what a diagnosis item's
    distractors must avoid, since a parent or child of the answer would be right too."""
    query = cypher.load("read/task_trial_conditions")
    rows = run_read(driver, query, {"trial_ids": list(trial_ids)}, database=database)
    return {row["trial_id"]: frozenset(row["curies"]) for row in rows}


def _word_set(text: str) -> tuple[str, ...]:
    return tuple(sorted(set(word_tokens(text.casefold()))))


def read_review_vocabulary(driver: neo4j.Driver, headings: Sequence[str], *, database: str = "neo4j") -> dict[str, str]:
    """Each review heading's vocabulary block (MeSH entry terms and narrower headings), for the headings the loaded
    MeSH vocabulary names; a name shared by several descriptors gets every one's terms, once each, and a term whose
    words the heading or an earlier term already has (MeSH's permuted entry terms) is left out."""
    rows = run_read(
        driver,
        cypher.load("read/task_review_vocabulary"),
        {"names": sorted(set(headings)), "max_terms": MAX_VOCABULARY_TERMS},
        database=database,
    )
    synonyms: dict[str, list[str]] = {}
    narrower: dict[str, list[str]] = {}
    seen: dict[str, set[tuple[str, ...]]] = {}
    for row in rows:
        name = row["name"]
        words = seen.setdefault(name, {_word_set(name)})
        for target, values in ((synonyms, row["synonyms"]), (narrower, row["narrower"])):
            listed = target.setdefault(name, [])
            for value in values:  # "Abuse, Alcohol" beside "Alcohol Abuse" adds no word: kept once
                if _word_set(value) not in words:
                    words.add(_word_set(value))
                    listed.append(value)
    blocks = {
        name: vocabulary_block(name, synonyms[name][:MAX_VOCABULARY_TERMS], narrower[name][:MAX_VOCABULARY_TERMS])
        for name in synonyms
    }
    return {name: block for name, block in blocks.items() if block}


def read_twin_pairs(driver: neo4j.Driver, *, database: str = "neo4j") -> list[tuple[str, str]]:
    return [(row["a"], row["b"]) for row in run_read(driver, cypher.load("read/task_twin_pairs"), database=database)]


def trial_contexts(
    driver: neo4j.Driver,
    queries: Mapping[str, tuple[str, str]],
    split: Split,
    *,
    database: str = "neo4j",
    trials_per_context: int = CONTEXT_TRIALS,
    max_tokens: int = CONTEXT_TOKENS,
) -> dict[str, TrialContext]:
    """For each key -> (trial id, query text): the context of the nearest training trials, the trial's own twin
    group excluded, result publications left out (a paper's title can state the finding a task asks for)."""
    retriever = FullTextRetriever(driver, database=database)
    train = split.train_ids()
    contexts: dict[str, TrialContext] = {}
    for key, (trial_id, query) in sorted(queries.items()):
        group = split.group_of(trial_id)
        chosen: list[str] = []
        for hit in retriever.hits(query, top_k=CANDIDATES) if query.strip() else ():
            if hit.trial_id in train and split.group_of(hit.trial_id) != group and hit.trial_id not in chosen:
                chosen.append(hit.trial_id)
            if len(chosen) == trials_per_context:
                break
        built = build_context(driver, chosen, max_tokens=max_tokens, database=database, with_publications=False)
        contexts[key] = TrialContext(tuple(built.included), built.text)
    return contexts


def _with_review_vocabulary(
    driver: neo4j.Driver,
    results: Iterable[BuildResult],
    contexts: Mapping[str, TrialContext],
    *,
    database: str,
) -> dict[str, TrialContext]:
    """A review item's context (screening, search) opens with its heading's MeSH vocabulary block, where MeSH is
    loaded: the condition's other names and the narrower conditions the review covers."""
    reviews = {
        item.context_key: item.record["metadata"]["review"]
        for result in results
        for item in result.items
        if isinstance(item.record.get("metadata"), dict) and "review" in item.record["metadata"]
    }
    if not reviews:
        return {}
    blocks = read_review_vocabulary(driver, list(reviews.values()), database=database)
    updated = {}
    for key, heading in reviews.items():
        block, context = blocks.get(heading), contexts.get(key)
        if block:
            text = f"{block}\n\n{context.text}" if context and context.text else block
            updated[key] = TrialContext(context.trial_ids if context else (), text)
    return updated


def build_tasks(
    driver: neo4j.Driver,
    out: Path,
    *,
    tasks: Sequence[str] | None = None,
    stop_reasons: Mapping[str, str] | None = None,
    evidence: Sequence[EvidencePrompt] | None = None,
    evidence_skipped: Mapping[str, int] | None = None,
    seed: int = 0,
    database: str = "neo4j",
    software_version: str = "unknown",
    patients: Sequence[Mapping[str, Any]] | None = None,
    cohorts: Sequence[Cohort] | None = None,
) -> dict[str, TaskDataset]:
    """Read the graph once, split it, build each task and write it under ``out/<task>/``.

    A task the graph cannot give (no trial has the facts it needs) is still written, empty, with the reasons in
    its card: the other tasks are built all the same. The knowledge tasks read the loaded vocabularies: asked
    for by name they are always written; in a build of every task they are left out when the graph holds no
    concept of any knowledge vocabulary (a trials-only graph gets the trial tasks only). The diagnosis task reads
    ``patients`` (a ``synth patients`` notes file's rows): in a build of every task it is left out without them;
    so is the TREC CT eligibility task without ``cohorts`` (TrialGPT's patients and judgements).
    """
    names = list(tasks or task_names())
    unknown = [n for n in names if n not in TASKS]
    if unknown:
        raise UnknownNameError(f"unknown task {unknown[0]!r}; known: {', '.join(task_names())}")
    knowledge: KnowledgeInputs | None = None
    if any(TASKS[n].source == "ontologies" for n in names):
        knowledge = read_knowledge(driver, database=database)
        if not tasks and not knowledge.concepts:
            names = [n for n in names if TASKS[n].source != "ontologies"]
    if not tasks and patients is None:
        names = [n for n in names if TASKS[n].source != "patients"]
    if not tasks and cohorts is None:
        names = [n for n in names if TASKS[n].source != "cohorts"]
    diagnosis: DiagnosisInputs | None = None
    if patients is not None and any(TASKS[n].source == "patients" for n in names):
        trial_ids = sorted({n["trial_id"] for n in patients if isinstance(n.get("trial_id"), str)})
        asks_diagnosis = DIAGNOSIS_TASK in names  # the other note tasks need the notes alone
        diagnosis = DiagnosisInputs(
            patients,
            read_condition_names(driver, database=database) if asks_diagnosis else {},
            read_trial_conditions(driver, trial_ids, database=database) if asks_diagnosis else {},
        )
    comparisons = (
        read_result_comparisons(driver, database=database) if RESULTS_TASK in names else None
    )  # read only when asked: every analysis of every record
    facts = read_trial_facts(driver, database=database)
    split = split_by_date(facts, read_twin_pairs(driver, database=database))
    # contexts first: a multiple-choice item's distractors must not come from the trials its context shows
    graph_tasks = [n for n in names if TASKS[n].source == "trials"]
    dated = [f for f in facts if split.of(f.trial_id)] if graph_tasks else []
    contexts = trial_contexts(
        driver, {f.trial_id: (f.trial_id, task_query(f)) for f in dated}, split, database=database
    )
    inputs = TaskInputs(
        facts,
        split,
        stop_reasons or {},
        evidence,
        seed,
        evidence_skipped or {},
        {trial_id: context.trial_ids for trial_id, context in contexts.items()},
        knowledge,
        diagnosis,
        comparisons,
        cohorts,
    )
    results = {name: build_task(name, inputs) for name in names}
    per_item = {
        item.context_key: (item.trial_id, item.query)
        for result in results.values()
        for item in result.items
        if item.context_key not in contexts and item.query  # knowledge items have no trial: no context
    }
    contexts |= trial_contexts(driver, per_item, split, database=database)
    contexts |= _with_review_vocabulary(driver, results.values(), contexts, database=database)
    built = {}
    for name, result in results.items():
        meta = {
            "task": name,
            "seed": seed,
            "cut_date": split.cut_date,
            "validation_date": split.validation_date,
            "context_trials": CONTEXT_TRIALS,
            "software_version": software_version,
            "graph_trials": len(facts),
            "undated_trials": len(split.undated),
            "stop_reason_labels": len(stop_reasons or {}),
            "stop_reason_rows_rejected": getattr(stop_reasons, "rejected", 0),
            "stop_reason_file": getattr(stop_reasons, "source", None),
            "stop_reason_rows_conflicting": getattr(stop_reasons, "conflicting", 0),
        }
        if TASKS[name].source == "ontologies":
            meta["vocabularies"] = vocabulary_summary(result, knowledge.concepts if knowledge else ())
            meta["graph_context"] = "none: the items ask about concepts, not trials (--context graph adds nothing)"
        if TASKS[name].graph_context:
            meta["graph_context"] = TASKS[name].graph_context
        built[name] = write_task(out / name, result, contexts, meta=meta)
    return built
