"""Synthetic patients as a patient → trial matching set, scored like TrialGPT's TREC CT cohorts.

Each kept note of ``synth patients`` is one query (its text); its own trial is the only judged trial, graded as TREC
Clinical Trials grades (the qrels PROVENANCE: 0 not relevant, 1 excluded, 2 eligible): an eligible note 2, a
near-miss 1 (the patient has the condition and is excluded by one named criterion), a clearly ineligible note 0.
The figures are :func:`~trialgraph.models.retrieval.evaluate.evaluate_cohort`'s, so they read beside ``trialgraph
eval retrieval``'s; as there, a query counts only when a relevant (grade ≥ 1) trial is in the graph, so ineligible
notes are judged but never usable queries. What they show is read per kind instead (:func:`kind_cohorts`): each
kind's notes with their own trial as the one relevant trial, so "own trial found" for an ineligible note is a
retriever *failing* to set the trial aside.

Whether the set is a usable proxy is read from the retrievers' order: Kendall's tau-b between the retrievers'
means on the synthetic set and on a reference (the real TREC CT figures, from a file the caller gives).
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trialgraph.errors import SourceError
from trialgraph.models.retrieval.evaluate import Cohort, CohortFigures

__all__ = [
    "GRADES",
    "NotesCohort",
    "figures_rows",
    "kendall_tau",
    "kind_cohorts",
    "matching_report",
    "means_by_retriever",
    "notes_cohort",
    "order_comparison",
    "read_notes",
    "read_reference",
    "write_cohort",
]

# TREC CT's grades (0 not relevant, 1 excluded, 2 eligible) for the kinds ``synth patients`` writes.
GRADES: dict[str, int] = {"eligible": 2, "near_miss": 1, "ineligible": 0}


@dataclass(frozen=True, slots=True)
class NotesCohort:
    """The notes as a graded cohort, each query's kind, and the notes left out with their reason."""

    cohort: Cohort
    kind_of: dict[str, str]
    skipped: dict[str, int]

    def kinds(self) -> dict[str, int]:
        return dict(Counter(self.kind_of.values()))


def read_notes(path: Path) -> list[dict[str, Any]]:
    """A ``synth patients`` JSONL file; a missing or malformed file is a one-line ``SourceError``."""
    if not path.is_file():
        raise SourceError(f"{path}: not found (a notes JSONL file written by `trialgraph synth patients`)")
    notes = []
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise SourceError(f"{path}: line {number} is not a JSON object")
                notes.append(row)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise SourceError(f"{path}: not JSONL ({type(e).__name__}: {e})") from None
    return notes


def _skip_reason(note: Mapping[str, Any], seen: set[str]) -> str | None:
    if not isinstance(note.get("kind"), str) or note["kind"] not in GRADES:
        return "unknown kind"
    if not all(isinstance(note.get(k), str) and note[k].strip() for k in ("id", "trial_id", "note")):
        return "no id, trial or text"
    if note["id"] in seen:
        return "duplicate id"
    return None


def notes_cohort(notes: Iterable[Mapping[str, Any]], name: str = "synthetic") -> NotesCohort:
    """Queries (note id → text) and qrels (note id → {own trial: grade}); unusable notes counted by reason."""
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    kind_of: dict[str, str] = {}
    skipped: Counter[str] = Counter()
    for note in notes:
        if reason := _skip_reason(note, set(queries)):
            skipped[reason] += 1
            continue
        qid = note["id"]
        queries[qid] = note["note"]
        qrels[qid] = {note["trial_id"]: GRADES[note["kind"]]}
        kind_of[qid] = note["kind"]
    return NotesCohort(Cohort(name, queries, qrels), kind_of, dict(skipped))


def kind_cohorts(notes: NotesCohort) -> dict[str, Cohort]:
    """Per kind, its notes with their own trial as the one relevant trial (grade 1): how often each kind finds it."""
    out: dict[str, Cohort] = {}
    for kind in GRADES:
        qids = sorted(q for q, k in notes.kind_of.items() if k == kind)
        if qids:
            queries = {q: notes.cohort.queries[q] for q in qids}
            qrels = {q: dict.fromkeys(notes.cohort.qrels[q], 1) for q in qids}
            out[kind] = Cohort(f"{notes.cohort.name}:{kind}", queries, qrels)
    return out


def write_cohort(cohort: Cohort, folder: Path) -> None:
    """TrialGPT's layout (``queries.jsonl``, ``qrels.tsv``), so ``trialgraph eval retrieval --cohort`` reruns it."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "queries.jsonl").open("w", encoding="utf-8") as handle:
        for qid, text in cohort.queries.items():
            handle.write(json.dumps({"_id": qid, "text": text}, ensure_ascii=False) + "\n")
    with (folder / "qrels.tsv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["query-id", "corpus-id", "score"])
        for qid, grades in cohort.qrels.items():
            writer.writerows([qid, trial, grade] for trial, grade in grades.items())


def means_by_retriever(figures: Iterable[Mapping[str, Any]], metric: str, variant: str) -> dict[str, float]:
    """Per retriever, ``variant``'s ``metric`` over ``eval retrieval``-shaped rows, cohorts weighted by queries."""
    totals: dict[str, list[float]] = {}
    for row in figures:
        if "cohort" not in row or not row.get("queries"):
            continue  # trial-similarity rows, and cohorts with no usable query
        try:
            value = float(row[variant][metric]["mean"])
        except (KeyError, TypeError, ValueError):
            raise SourceError(f"no {variant} {metric} mean for {row.get('retriever')!r} on {row['cohort']!r}") from None
        acc = totals.setdefault(str(row["retriever"]), [0.0, 0.0])
        acc[0] += value * row["queries"]
        acc[1] += row["queries"]
    return {name: total / n for name, (total, n) in totals.items()}


def read_reference(
    path: Path, *, metric: str = "ndcg@10", variant: str = "all", cohorts: Sequence[str] = ()
) -> dict[str, float]:
    """Reference figures per retriever: ``trialgraph eval retrieval --json``'s output (the rows of ``cohorts``,
    default every cohort, combined by :func:`means_by_retriever`) or a plain ``{retriever: value}`` object."""
    if not path.is_file():
        raise SourceError(f"{path}: not found (reference figures: `trialgraph eval retrieval --json` output)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise SourceError(f"{path}: not JSON ({type(e).__name__}: {e})") from None
    if isinstance(data, dict) and all(isinstance(v, int | float) for v in data.values()):
        return {str(k): float(v) for k, v in data.items()}
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise SourceError(f"{path}: expected `eval retrieval --json` rows or a {{retriever: value}} object")
    rows = [row for row in data if not cohorts or row.get("cohort") in cohorts]
    found = means_by_retriever(rows, metric, variant)
    if not found:
        wanted = ", ".join(cohorts) or "any cohort"
        raise SourceError(f"{path}: no patient → trial figures for {wanted} with usable queries")
    return found


def kendall_tau(a: Mapping[str, float], b: Mapping[str, float]) -> float | None:
    """Kendall's tau-b over the names both score (ties allowed); None when fewer than two or one side is all ties."""
    names = sorted(set(a) & set(b))
    concordant = discordant = tied_a = tied_b = 0
    for i, x in enumerate(names):
        for y in names[i + 1 :]:
            da, db = a[x] - a[y], b[x] - b[y]
            if da == 0 and db == 0:
                continue
            if da == 0:
                tied_a += 1
            elif db == 0:
                tied_b += 1
            elif (da > 0) == (db > 0):
                concordant += 1
            else:
                discordant += 1
    denominator = math.sqrt((concordant + discordant + tied_a) * (concordant + discordant + tied_b))
    return (concordant - discordant) / denominator if denominator else None


def _order(scores: Mapping[str, float]) -> list[str]:
    return sorted(scores, key=lambda name: (-scores[name], name))


def order_comparison(synthetic: Mapping[str, float], reference: Mapping[str, float] | None) -> dict[str, Any]:
    """Both orders (best first), tau-b over the shared retrievers, and whether the orders agree exactly."""
    out: dict[str, Any] = {"synthetic": {n: round(synthetic[n], 4) for n in _order(synthetic)}}
    if reference is None:
        return out | {"reference": None, "kendall_tau": None, "same_order": None}
    shared = set(synthetic) & set(reference)
    tau = kendall_tau(synthetic, reference)
    return out | {
        "reference": {n: round(reference[n], 4) for n in _order(reference)},
        "compared": sorted(shared),
        "kendall_tau": None if tau is None else round(tau, 4),
        "same_order": tau == 1.0 if tau is not None else None,
    }


def figures_rows(figures: Iterable[CohortFigures]) -> list[dict[str, Any]]:
    """The figures as ``eval retrieval --json`` prints them, so the two outputs can be read the same way."""
    return [f.as_dict() for f in figures]


def matching_report(
    notes: NotesCohort,
    graded: Sequence[CohortFigures],
    by_kind: Mapping[str, Sequence[CohortFigures]],
    *,
    metric: str = "ndcg@10",
    variant: str = "all",
    reference: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Everything the evaluation found, as one JSON-ready object (the CLI prints it, the note quotes it)."""
    usable = graded[0].queries if graded else 0
    return {
        "cohort": notes.cohort.name,
        "grades": GRADES,
        "notes": len(notes.cohort.queries) + sum(notes.skipped.values()),
        "notes_by_kind": notes.kinds(),
        "notes_skipped": notes.skipped,
        "queries": usable,
        "queries_left_out": len(notes.cohort.queries) - usable,
        "figures": figures_rows(graded),
        "own_trial_by_kind": {kind: figures_rows(rows) for kind, rows in by_kind.items()},
        "order": {"metric": metric, "variant": variant}
        | order_comparison(means_by_retriever(figures_rows(graded), metric, variant), reference),
    }
