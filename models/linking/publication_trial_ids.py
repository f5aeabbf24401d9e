"""How well the registry-id extractor works: precision, recall and F1 against two references.

(a) **MEDLINE DataBank.** NLM indexers copy trial registration numbers into ``DataBankList``; that is an
independent reference for the ids a citation is about. Evaluated records: one per PMID (the record of
highest :attr:`~trialgraph.model.publication.PublicationRecord.precedence`) that has an abstract and
at least one DataBank entry of a trial registry. Per record, *gold* = the set of canonical ids of its
registry DataBank accessions and *predicted* = the set of ids :func:`find_trial_ids` finds in its title
and abstract. Counts are summed over records (micro-average). Two caveats make the raw numbers hard to
read alone, so the result carries two more:

* a DataBank id need not be written in the abstract at all (it may be in the full text only), which
  no text extractor can find: ``recall_mentioned`` restricts gold to ids *written* in the title or
  abstract (canonical id or the accession as written, compared without case and whitespace);
* an abstract may name a trial NLM did not index (a companion trial): such a prediction counts as a
  false positive here although it can be right, so this precision is a lower bound.

(b) **Labelled snippets** (``registry_ids_labelled.csv``, shipped beside this module: ``text``,
``expected_ids`` as canonical ids joined by ``|``, ``category``): true ids of many registries in many
spellings, and look-alikes (7- or 9-digit NCT, DOIs, grant and phone numbers). Per row, gold =
expected ids, predicted = ids found; counts summed over rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from trialgraph.errors import SourceError
from trialgraph.loaders.pubmed.parse import iter_pubmed
from trialgraph.model.publication import PublicationRecord
from trialgraph.model.trial_ids import canonical_trial_id, find_trial_ids, registry_databanks

__all__ = [
    "DatabankEvaluation",
    "LabelledEvaluation",
    "Miss",
    "PublinksEvaluation",
    "Scores",
    "evaluate_databank",
    "evaluate_labelled",
    "evaluate_publinks",
    "labelled_set",
    "read_labelled",
    "scores",
]


@dataclass(frozen=True, slots=True)
class Scores:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(frozen=True, slots=True)
class Miss:
    """One evaluated item whose prediction differs from gold, for reading the errors, not just counting them."""

    item: str  # PMID, or "line N" of the labelled CSV
    missed: tuple[str, ...]  # gold ids not found (false negatives)
    spurious: tuple[str, ...]  # ids found that gold lacks (false positives)


@dataclass(frozen=True, slots=True)
class DatabankEvaluation:
    records: int  # evaluated records (distinct PMIDs with abstract and registry DataBank entry)
    scores: Scores
    gold_mentioned: int  # gold ids written in the title or abstract
    tp_mentioned: int  # of those, found by the extractor
    misses: tuple[Miss, ...] = ()

    @property
    def recall_mentioned(self) -> float:
        return self.tp_mentioned / self.gold_mentioned if self.gold_mentioned else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            **self.scores.as_dict(),
            "gold_mentioned": self.gold_mentioned,
            "tp_mentioned": self.tp_mentioned,
            "recall_mentioned": round(self.recall_mentioned, 4),
            "misses": [asdict(m) for m in self.misses],
        }


@dataclass(frozen=True, slots=True)
class LabelledEvaluation:
    rows: int
    scores: Scores
    misses: tuple[Miss, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, **self.scores.as_dict(), "misses": [asdict(m) for m in self.misses]}


@dataclass(frozen=True, slots=True)
class PublinksEvaluation:
    databank: DatabankEvaluation
    labelled: LabelledEvaluation
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {"databank": self.databank.as_dict(), "labelled": self.labelled.as_dict(), "notes": list(self.notes)}


def scores(pairs: Iterable[tuple[set[str], set[str]]]) -> Scores:
    """Micro-averaged counts over (gold, predicted) set pairs."""
    tp = fp = fn = 0
    for gold, predicted in pairs:
        tp += len(gold & predicted)
        fp += len(predicted - gold)
        fn += len(gold - predicted)
    return Scores(tp, fp, fn)


def _squash(text: str) -> str:
    return "".join(text.split()).casefold()


def evaluate_databank(records: Iterable[PublicationRecord]) -> DatabankEvaluation:
    """Extractor vs. registry DataBank accessions; see the module docstring for the exact definition."""
    latest: dict[str, PublicationRecord] = {}
    for record in records:
        kept = latest.get(record.pmid)
        if kept is None or record.precedence > kept.precedence:
            latest[record.pmid] = record
    registries = registry_databanks()
    pairs: list[tuple[set[str], set[str]]] = []
    misses: list[Miss] = []
    gold_mentioned = tp_mentioned = 0
    for pmid, record in sorted(latest.items()):
        accessions = [b for b in record.databanks if b.databank.casefold() in registries]
        if not record.abstract or not accessions:
            continue
        gold: dict[str, str] = {}  # canonical id -> accession as written
        for bank in accessions:
            match = canonical_trial_id(bank.accession, bank.databank)
            gold[match.trial_id if match else "".join(bank.accession.split())] = bank.accession
        text = " ".join(filter(None, (record.title, *(s.text for s in record.abstract))))
        predicted = {m.trial_id for m in find_trial_ids(record.title)}
        for section in record.abstract:
            predicted.update(m.trial_id for m in find_trial_ids(section.text))
        pairs.append((set(gold), predicted))
        squashed = _squash(text)
        for trial_id, written in gold.items():
            if _squash(trial_id) in squashed or _squash(written) in squashed:
                gold_mentioned += 1
                tp_mentioned += trial_id in predicted
        if set(gold) != predicted:
            misses.append(Miss(pmid, tuple(sorted(set(gold) - predicted)), tuple(sorted(predicted - set(gold)))))
    return DatabankEvaluation(len(pairs), scores(pairs), gold_mentioned, tp_mentioned, tuple(misses))


def read_labelled(path: Path) -> list[tuple[int, str, set[str]]]:
    """(line, text, expected ids) per row of the labelled CSV. Raises SourceError if it cannot be used."""
    try:
        with Path(path).open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if not {"text", "expected_ids"} <= set(reader.fieldnames or ()):
                raise SourceError(f"{path}: a labelled set needs the columns text and expected_ids")
            return [
                (
                    reader.line_num,
                    row["text"] or "",
                    {i.strip() for i in (row["expected_ids"] or "").split("|") if i.strip()},
                )
                for row in reader
            ]
    except OSError as exc:
        raise SourceError(f"cannot read labelled set {path}: {exc}") from exc


def evaluate_labelled(rows: Iterable[tuple[int, str, set[str]]]) -> LabelledEvaluation:
    pairs: list[tuple[set[str], set[str]]] = []
    misses: list[Miss] = []
    for line, text, gold in rows:
        predicted = {m.trial_id for m in find_trial_ids(text)}
        pairs.append((gold, predicted))
        if gold != predicted:
            misses.append(Miss(f"line {line}", tuple(sorted(gold - predicted)), tuple(sorted(predicted - gold))))
    return LabelledEvaluation(len(pairs), scores(pairs), tuple(misses))


def labelled_set() -> Path:
    """The labelled id snippets shipped with the package (text, expected ids; look-alikes included)."""
    return Path(str(resources.files("trialgraph.models.linking").joinpath("registry_ids_labelled.csv")))


def evaluate_publinks(pubmed_paths: Iterable[Path], labelled_csv: Path) -> PublinksEvaluation:
    """Both evaluations, ready for ``trialgraph eval publinks`` (``as_dict()`` for ``--json``)."""
    records = (item for item in iter_pubmed(pubmed_paths) if isinstance(item, PublicationRecord))
    return PublinksEvaluation(
        databank=evaluate_databank(records),
        labelled=evaluate_labelled(read_labelled(labelled_csv)),
        notes=(
            "databank: gold = registry DataBank accessions, predicted = ids in title+abstract; "
            "records = distinct PMIDs with an abstract and a registry DataBank entry",
            "databank: precision is a lower bound (abstracts may name trials NLM did not index); "
            "recall_mentioned counts only gold ids written in title or abstract",
            "labelled: gold = expected_ids per snippet; counts summed over snippets",
        ),
    )
