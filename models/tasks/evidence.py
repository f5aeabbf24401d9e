"""Evidence summarisation from Evidence Inference 2.0: what a reported comparison shows, as multiple choice.

Each prompt (intervention, comparator, outcome on one PMC article) becomes one item: the question quotes the
evidence span an annotator marked in the article, and the answer is the annotators' majority label
(significantly increased / significantly decreased / no significant difference; ties and invalid annotations
left out, counted). The benchmark's own article split is kept: its train split is ours, its validation split is
our test split (its test split is not in the shared data). Option order is a seeded shuffle per item.
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from trialgraph.errors import SourceError
from trialgraph.loaders.files import open_text
from trialgraph.models.tasks.items import BuildResult, TaskItem

__all__ = ["EVIDENCE_INFERENCE_DIR", "EvidencePrompt", "build_evidence_summary", "read_evidence_inference"]

EVIDENCE_INFERENCE_DIR = Path("benchmarks/review/evidence-inference")
LABELS = ("significantly increased", "significantly decreased", "no significant difference")
_NORMALIZED = {"significantly increase": "significantly increased"}
SPLITS = {"train": "train", "validation": "test"}
VALIDATION_SHARE = 0.1  # of the benchmark's training articles (by a hash of the PMCID), held out for tuning
MAX_EVIDENCE_CHARS = 1200


@dataclass(frozen=True, slots=True)
class EvidencePrompt:
    prompt_id: str
    pmcid: str
    intervention: str
    comparator: str
    outcome: str
    evidence: str
    label: str
    split: str  # train | test


PROMPT_COLUMNS = ("PromptID", "PMCID", "Outcome", "Intervention", "Comparator", "split")
ANNOTATION_COLUMNS = ("PromptID", "Valid Label", "Label", "Annotations")


def _require_columns(path: Path, found: Sequence[str] | None, needed: Sequence[str]) -> None:
    """A file of another shape is one line naming what is missing, not a KeyError deep in the loop."""
    missing = [name for name in needed if name not in (found or ())]
    if missing:
        raise SourceError(f"{path.name}: not an Evidence Inference file (missing columns: {', '.join(missing)})")


def _our_split(theirs: str, pmcid: str) -> str:
    """Their validation split is our test split; a tenth of their training articles is our validation split."""
    if SPLITS[theirs] == "test":
        return "test"
    bucket = int(hashlib.sha256(f"evidence-validation:{pmcid}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "validation" if bucket < VALIDATION_SHARE else "train"


def read_evidence_inference(folder: Path) -> tuple[list[EvidencePrompt], Counter[str]]:
    """The prompts with a majority label and an evidence span, and the reasons others were left out."""
    prompts_file, annotations_file = (
        folder / "prompts_train_validation.csv",
        folder / "annotations_v2_train_validation.csv",
    )
    for path in (prompts_file, annotations_file):
        if not path.is_file():
            raise SourceError(f"Evidence Inference file not found: {path}")
    with open_text(prompts_file) as handle:
        reader = csv.DictReader(handle)
        _require_columns(prompts_file, reader.fieldnames, PROMPT_COLUMNS)
        prompts = {row["PromptID"]: row for row in reader}
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    spans: dict[tuple[str, str], str] = {}
    skipped: Counter[str] = Counter()
    with open_text(annotations_file) as handle:
        reader = csv.DictReader(handle)
        _require_columns(annotations_file, reader.fieldnames, ANNOTATION_COLUMNS)
        for row in reader:
            label = _NORMALIZED.get(row["Label"].strip(), row["Label"].strip())
            if row["Valid Label"] != "True" or label not in LABELS:
                skipped["annotation marked invalid"] += 1
                continue
            votes[row["PromptID"]][label] += 1
            span = " ".join(row["Annotations"].split())
            if span:
                spans.setdefault((row["PromptID"], label), span)
    found = []
    for prompt_id, counts in sorted(votes.items(), key=lambda item: (len(item[0]), item[0])):
        ranked = counts.most_common()
        prompt = prompts.get(prompt_id)
        if prompt is None:
            skipped["annotation of an unknown prompt"] += 1
        elif len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            skipped["annotators tied"] += 1
        elif (prompt_id, ranked[0][0]) not in spans:
            skipped["no evidence span"] += 1
        elif prompt["split"] not in SPLITS:
            skipped[f"split {prompt['split']}"] += 1
        else:
            found.append(
                EvidencePrompt(
                    prompt_id,
                    prompt["PMCID"],
                    prompt["Intervention"].strip(),
                    prompt["Comparator"].strip(),
                    prompt["Outcome"].strip(),
                    spans[(prompt_id, ranked[0][0])][:MAX_EVIDENCE_CHARS],
                    ranked[0][0],
                    _our_split(prompt["split"], prompt["PMCID"]),
                )
            )
    return found, skipped


def build_evidence_summary(
    prompts: Sequence[EvidencePrompt] | None, seed: int, skipped: Counter[str] | None = None
) -> BuildResult:
    """``skipped``: the reader's reasons for prompts it left out, carried into the card."""
    result = BuildResult(skipped=Counter(skipped or {}))
    if prompts is None:
        result.skipped["Evidence Inference not available (TRIALGRAPH_SHARED_DATA unset or files missing)"] += 1
        return result
    for p in prompts:
        order = list(LABELS)
        digest = hashlib.sha256(f"{seed}\x1fevidence_summary\x1f{p.prompt_id}".encode()).digest()
        random.Random(int.from_bytes(digest[:8], "big")).shuffle(order)
        options = {letter: text for letter, text in zip("ABC", order, strict=True)}
        letter = "ABC"[order.index(p.label)]
        question = (
            f"A trial compared {p.intervention} with {p.comparator}. Outcome: {p.outcome}.\n"
            f'The article reports: "{p.evidence}"\n\n'
            "What does this evidence show for the intervention, relative to the comparator, on this outcome?"
        )
        record = {
            "id": f"evidence_summary:{p.prompt_id}",
            "question": question,
            "options": options,
            "answer": letter,
            "metadata": {"pmcid": p.pmcid, "prompt_id": p.prompt_id, "source": "Evidence Inference 2.0"},
        }
        query = f"{p.intervention} {p.comparator} {p.outcome}"
        item = TaskItem(record["id"], "evidence_summary", f"PMC{p.pmcid}", p.split, record, letter, query, record["id"])
        result.items.append(item)
    return result
