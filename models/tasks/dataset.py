"""Write a built task as a Hugging Face dataset folder: one Parquet file per split and a dataset card.

Columns: ``id, task, trial_id, split, record`` (the TrialPanorama-format record as JSON text: its shapes differ
by task and nest lists of mixed dicts, which Parquet columns cannot hold uniformly), ``answer`` (canonical gold
as text), ``query`` (the retrieval text), ``context_trials`` and ``graph_context`` (the graph-RAG context, built
from training trials only). ``manifest.json`` carries the counts and a hash of the rows, which every evaluation
report quotes, so a figure always names the exact data it rests on.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trialgraph.models.tasks.builders import TASKS, BuildResult, TaskItem

__all__ = ["SPLITS", "TaskDataset", "item_rows", "read_task", "write_task"]

SPLITS = ("train", "validation", "test")
LICENCES = (
    "Registry records: ClinicalTrials.gov (public domain, NLM terms of use); WHO ICTRP and other registries as "
    "loaded (their own terms). Termination types: Open Targets stopReasons predictions (no licence stated)."
)


@dataclass(frozen=True, slots=True)
class TaskDataset:
    task: str
    folder: Path
    rows: dict[str, list[dict[str, Any]]]
    manifest: dict[str, Any]

    def records(self, split: str) -> list[dict[str, Any]]:
        return [json.loads(row["record"]) for row in self.rows[split]]


def item_rows(items: Sequence[TaskItem], contexts: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        context = contexts.get(item.context_key)
        rows.append(
            {
                "id": item.id,
                "task": item.task,
                "trial_id": item.trial_id,
                "split": item.split,
                "record": json.dumps(item.record, sort_keys=True, ensure_ascii=False),
                "answer": item.answer,
                "query": item.query,
                "context_trials": list(context.trial_ids) if context else [],
                "graph_context": context.text if context else "",
            }
        )
    return rows


def _hash(rows: Sequence[dict[str, Any]]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, sort_keys=True, ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()[:16]


GRAPH_SPLIT = """- One item per trial (its first record, CT.gov first). Splits are by trial: a trial's records and any
  trial linked to it by `SAME_TRIAL_AS` stay on one side, dated by the earliest registration (a partial date by
  its last possible day). Test trials were registered on or after {cut_date}, validation trials on or after
  {validation_date} and before that, training trials before it."""
CONSTRUCTION = {
    "mcq": GRAPH_SPLIT
    + """
- Multiple choice: the trial's own registered text against three from similar trials (shared condition headings
  and interventions, then same phase); among the 20 most similar, those sharing as many words with the question
  as the answer does, so that word overlap is no tell. Training items draw distractors from training trials only.
  Option order is a seeded shuffle.""",
    "sample_size": GRAPH_SPLIT + "\n- Gold: the registered enrollment (actual or anticipated, as the record states).",
    "completion": GRAPH_SPLIT
    + """
- Gold: COMPLETED -> complete, TERMINATED -> terminate (other statuses left out); the termination type is Open
  Targets' stop-reason class for the NCT id (a classifier's prediction over why_stopped, not a curated label).""",
    "evidence_summary": """- Evidence Inference 2.0 prompts (intervention, comparator, outcome on a PMC
  article) with the annotators' majority label and its evidence span; the benchmark's article split: its train
  split is train, its validation split is test (its test split is not in the shared data). Three options in a
  seeded order.""",
}
LICENCE_OF = {"evidence_summary": "Evidence Inference: MIT (Lehman, DeYoung, Barzilay, Wallace 2019)."}


def _card(task: str, manifest: dict[str, Any]) -> str:
    spec = TASKS[task]
    construction = CONSTRUCTION.get(task, CONSTRUCTION[spec.kind]).format(
        cut_date=manifest["cut_date"] or "(no dated trial)", validation_date=manifest.get("validation_date") or "-"
    )
    licences = LICENCE_OF.get(task, LICENCES)
    counts = "\n".join(f"| {s} | {manifest['counts'][s]} |" for s in SPLITS)
    labels = "\n".join(f"- {s}: " + ", ".join(f"{k} {v}" for k, v in manifest["labels"][s].items()) for s in SPLITS)
    skipped = "\n".join(f"- {reason}: {n}" for reason, n in manifest["skipped"].items()) or "- none"
    return f"""---
configs:
- config_name: default
  data_files:
  - split: train
    path: train.parquet
  - split: validation
    path: validation.parquet
  - split: test
    path: test.parquet
---
# {task}

Built by `trialgraph tasks build` (TrialGraph {manifest["software_version"]}) from the graph: {spec.description}.
Rows hash `{manifest["rows_hash"]}`; seed {manifest["seed"]}.

| split | items |
|---|---|
{counts}

Gold labels per split (answer letter, outcome, or enrollment quartiles):
{labels}

Construction:
{construction}
- `graph_context`: the graph-RAG context of the {manifest["context_trials"]} training trials the full-text
  retriever ranks nearest (the item's own twin group excluded).
- Left out:
{skipped}

Licences: {licences}
"""


def _label_summary(task: str, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    if TASKS[task].kind == "sample_size":
        values = sorted(int(r["answer"]) for r in rows)
        if not values:
            return {}
        return {f"q{q}": values[min(len(values) - 1, len(values) * q // 4)] for q in (1, 2, 3)}
    return dict(sorted(Counter(r["answer"] for r in rows).items()))


def write_task(folder: Path, result: BuildResult, contexts: Mapping[str, Any], *, meta: dict[str, Any]) -> TaskDataset:
    """Write ``result`` under ``folder`` (replacing an earlier build): Parquet per split, card, manifest."""
    from datasets import Dataset, Features, Sequence, Value  # the [tasks] extra; only a build imports it

    text = Value("string")
    features = Features(
        {name: text for name in ("id", "task", "trial_id", "split", "record", "answer", "query")}
        | {"context_trials": Sequence(text), "graph_context": text}
    )

    task = meta["task"]
    folder.mkdir(parents=True, exist_ok=True)
    rows = item_rows(result.items, contexts)
    by_split = {s: [r for r in rows if r["split"] == s] for s in SPLITS}
    for split, split_rows in by_split.items():
        path = folder / f"{split}.parquet"
        if split_rows:
            Dataset.from_list(split_rows, features=features).to_parquet(str(path))
        else:  # datasets refuses to write an empty table; an empty split keeps its columns all the same
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist([], schema=features.arrow_schema), path)
    manifest = {
        **meta,
        "counts": {s: len(by_split[s]) for s in SPLITS},
        "labels": {s: _label_summary(task, by_split[s]) for s in SPLITS},
        "skipped": dict(sorted(result.skipped.items())),
        "rows_hash": _hash(rows),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    (folder / "README.md").write_text(_card(task, manifest))
    return TaskDataset(task, folder, by_split, manifest)


def read_task(folder: Path) -> TaskDataset:
    """A built task folder, read back (pyarrow, no network)."""
    import pyarrow.parquet as pq

    from trialgraph.errors import ConfigError

    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise ConfigError(f"no built task in {folder}: run `trialgraph tasks build`")
    manifest = json.loads(manifest_path.read_text())
    rows = {s: pq.read_table(folder / f"{s}.parquet").to_pylist() for s in SPLITS}
    return TaskDataset(manifest["task"], folder, rows, manifest)
