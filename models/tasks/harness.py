"""The evaluation harness: any answerer (a baseline or a language model) on built task datasets, with or
without graph context, graded by the task's parser and metrics, written as one JSON and one markdown table.

A run names everything a figure depends on: the model and its version, each dataset's rows hash, the prompt
versions, the context mode, the seed and how many items each metric rests on. ``--limit`` evaluates a seeded
sample of the test split (the same items for every model, so runs stay comparable).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trialgraph.errors import ConfigError
from trialgraph.models.tasks.baselines import BASELINES, make_baseline
from trialgraph.models.tasks.builders import TASKS
from trialgraph.models.tasks.dataset import TaskDataset
from trialgraph.models.tasks.prompting import (
    CONTEXT_MODES,
    Parsed,
    parse_answer,
    prompt_messages,
    prompt_versions,
)
from trialgraph.models.tasks.scoring import Graded, grade, summarize
from trialgraph.models.tasks.search import Bm25Index, ranking_of

__all__ = [
    "CONTEXT_MODES",
    "EvalRun",
    "evaluate",
    "markdown_table",
    "read_runs",
    "read_tasks",
    "report_table",
    "resolve_answerer",
    "sample_rows",
    "write_run",
]

MAX_NEW_TOKENS = {"mcq": 24, "sample_size": 24, "completion": 48, "screening": 160, "search": 48}
HEADLINE = {"search": "ndcg@10"}  # the figure a table shows per task kind (accuracy where not named)
EXAMPLES_KEPT = 3


@dataclass
class EvalRun:
    model: str
    model_version: str
    context: str
    split: str
    seed: int
    limit: int | None
    started: str
    seconds: float = 0.0
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "model_version": self.model_version,
            "context": self.context,
            "split": self.split,
            "seed": self.seed,
            "limit": self.limit,
            "started": self.started,
            "seconds": round(self.seconds, 1),
            "tasks": self.tasks,
        }


def sample_rows(rows: Sequence[dict[str, Any]], limit: int | None, seed: int) -> list[dict[str, Any]]:
    """All rows, or a seeded sample of ``limit`` of them kept in id order."""
    if limit is None or limit >= len(rows):
        return list(rows)
    chosen = random.Random(seed).sample(range(len(rows)), limit)
    return [rows[i] for i in sorted(chosen)]


def _replies(answerer: Any, dataset: TaskDataset, rows: list[dict[str, Any]], context: str) -> tuple[list[str], int]:
    """Reply texts for ``rows`` and how many calls failed (timeout, empty, HTTP error: graded as malformed)."""
    kind = TASKS[dataset.task].kind
    if isinstance(answerer, str):  # a baseline's name: fitted on this task's training split
        return make_baseline(answerer, dataset.task, dataset.rows["train"]).replies(rows), 0
    conversations = [
        prompt_messages(kind, json.loads(row["record"]), row["graph_context"] if context == "graph" else "")
        for row in rows
    ]
    generations = answerer.generate(conversations, max_new_tokens=MAX_NEW_TOKENS[kind])
    return [g.text if g.error is None else "" for g in generations], sum(g.error is not None for g in generations)


def _resolver(dataset: TaskDataset, split: str) -> Callable[[Parsed], Parsed]:
    """What a parsed answer means to the graders: itself, or for a search task the ranking its query finds in the
    split's corpus (built once per run: a side's corpus is hundreds to thousands of short documents)."""
    if TASKS[dataset.task].kind != "search":
        return lambda parsed: parsed
    documents = dataset.corpus.get(split)
    if not documents:
        raise ConfigError(f"{dataset.folder} has no {split} corpus to search: rebuild it with `trialgraph tasks build`")
    index = Bm25Index(documents)
    return lambda parsed: parsed if parsed.malformed else Parsed(ranking_of(index, parsed.answer or ""))


def evaluate(
    datasets: Sequence[TaskDataset],
    answerer: Any,
    *,
    context: str = "none",
    split: str = "test",
    limit: int | None = None,
    seed: int = 0,
) -> EvalRun:
    """``answerer``: a baseline name (``BASELINES``) or a ``LanguageModel``."""
    if context not in CONTEXT_MODES:
        raise ConfigError(f"context must be one of {', '.join(CONTEXT_MODES)}, got {context!r}")
    is_baseline = isinstance(answerer, str)
    if is_baseline and BASELINES[answerer].context != context:
        raise ConfigError(
            f"baseline {answerer!r} answers with context {BASELINES[answerer].context!r} only: "
            f"its figures under {context!r} would be the same run relabelled"
        )
    name = answerer if is_baseline else answerer.name
    version = BASELINES[answerer].version if is_baseline else answerer.version
    run = EvalRun(name, version, context, split, seed, limit, datetime.now(UTC).isoformat(timespec="seconds"))
    started = time.perf_counter()
    for dataset in datasets:
        kind = TASKS[dataset.task].kind
        rows = sample_rows(dataset.rows[split], limit, seed)
        replies, failed = _replies(answerer, dataset, rows, context)
        resolve = _resolver(dataset, split)
        graded: list[Graded] = []
        examples: list[dict[str, Any]] = []
        for row, reply in zip(rows, replies, strict=True):
            parsed = resolve(parse_answer(kind, reply, json.loads(row["record"])))
            graded.append(grade(kind, row["answer"], parsed))
            if (parsed.malformed or not graded[-1].correct) and len(examples) < EXAMPLES_KEPT:
                examples.append({"id": row["id"], "gold": row["answer"], "reply": reply[:300], "why": parsed.reason})
        run.tasks[dataset.task] = {
            "kind": kind,
            "rows_hash": dataset.manifest["rows_hash"],
            "prompt_versions": prompt_versions(kind),
            "failed_calls": failed,
            "metrics": summarize(kind, graded, seed=seed),
            "wrong_examples": examples,
        }
    run.seconds = time.perf_counter() - started
    return run


def headline(metrics: dict[str, Any], kind: str | None) -> str:
    """A task's headline figure with its interval, as the tables print it ("0.383 [0.27, 0.52]")."""
    name = HEADLINE.get(kind or "", "accuracy")
    figure = metrics[name]
    low, high = figure["ci"]
    label = "" if name == "accuracy" else f"{name} "
    return f"{label}{figure['mean']:.3f} [{low:.3f}, {high:.3f}]"


def markdown_table(run: dict[str, Any]) -> str:
    lines = [
        f"# {run['model']} ({run['model_version']}), context {run['context']}, {run['split']} split",
        "",
        "| task | items | accuracy (or the named figure) [95% CI] | malformed | failed calls | rows hash |",
        "|---|---|---|---|---|---|",
    ]
    for task, result in run["tasks"].items():
        m = result["metrics"]
        lines.append(
            f"| {task} | {m['items']} | {headline(m, result.get('kind'))} | {m['malformed']} | "
            f"{result['failed_calls']} | {result['rows_hash']} |"
        )
    return "\n".join(lines) + "\n"


def write_run(run: EvalRun, folder: Path) -> Path:
    """``<model>__<context>__<time>.json`` and ``.md`` in ``folder``; returns the JSON's path."""
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", run.model)[:60]
    stem = f"{safe}__{run.context}__{run.started.replace(':', '').replace('+0000', 'Z')}"
    data = run.as_dict()
    path = folder / f"{stem}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    (folder / f"{stem}.md").write_text(markdown_table(data))
    return path


def read_runs(folder: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The runs in ``folder`` and the files that are not runs (unreadable, or another program's JSON)."""
    runs, skipped = [], []
    for path in sorted(folder.glob("*.json")):
        try:
            run = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            skipped.append(path.name)
            continue
        if isinstance(run, dict) and isinstance(run.get("tasks"), dict) and "model" in run and "context" in run:
            runs.append(run)
        else:
            skipped.append(path.name)
    return runs, skipped


def report_table(runs: Sequence[dict[str, Any]]) -> str:
    """Every run in one markdown table per task: accuracy with its interval, item count, malformed replies."""
    tasks = sorted({task for run in runs for task in run["tasks"]})
    out = ["# Task evaluation report", ""]
    for task in tasks:
        out += [
            f"## {task}",
            "",
            "| model | context | items | accuracy (or the named figure) [95% CI] | malformed | rows hash |",
        ]
        out.append("|---|---|---|---|---|---|")
        for run in sorted(runs, key=lambda r: (r["model"], r["context"], r["started"])):
            result = run["tasks"].get(task)
            if result is None:
                continue
            m = result["metrics"]
            out.append(
                f"| {run['model']} | {run['context']} | {m['items']} | {headline(m, result.get('kind'))} | "
                f"{m['malformed']} | {result['rows_hash']} |"
            )
        out.append("")
    return "\n".join(out)


def read_tasks(folder: Path, tasks: Sequence[str] | None = None) -> list[TaskDataset]:
    """The built task folders under ``folder`` (all of them, or ``tasks``); a missing one is a one-line error."""
    from trialgraph.models.tasks.dataset import read_task

    if not folder.is_dir():
        raise ConfigError(f"no built tasks in {folder}: run `trialgraph tasks build`")
    names = list(tasks) if tasks else sorted(p.name for p in folder.iterdir() if (p / "manifest.json").is_file())
    if not names:
        raise ConfigError(f"no built tasks in {folder}: run `trialgraph tasks build`")
    unknown = [n for n in names if n not in TASKS]
    if unknown:
        raise ConfigError(f"unknown task {unknown[0]!r}; known: {', '.join(TASKS)}")
    return [read_task(folder / name) for name in names]


def resolve_answerer(spec: str, home: Path) -> Any:
    """A baseline name as is; anything else is a language-model spec (``smollm2-135m``, ``hf:DIR``, ``openai:…``)."""
    if spec in BASELINES:
        return spec
    from trialgraph.models.language_models import load_language_model

    return load_language_model(spec, home)
