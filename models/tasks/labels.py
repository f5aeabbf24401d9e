"""Termination-type labels: Open Targets' stop-reason class for each stopped trial's NCT id.

The classes are a BERT classifier's predictions over ClinicalTrials.gov's why_stopped texts (18 classes,
``labels/stop-reasons/`` in the shared data), not curated labels: the dataset card says so.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from trialgraph.errors import SourceError
from trialgraph.loaders.files import open_text

__all__ = ["STOP_REASONS_FILE", "STOP_REASON_CLASSES", "StopReasons", "read_stop_reasons"]

STOP_REASONS_FILE = Path("labels/stop-reasons/stopped_predictions_27.11.tsv.gz")
# Open Targets' 18 classes (labels/stop-reasons/classes.csv; a test checks this list against it): the answer
# vocabulary of the termination-type question, fixed in the prompt so that a model's answer can be graded.
STOP_REASON_CLASSES = (
    "Insufficient_Enrollment",
    "Business_Administrative",
    "Negative",
    "Logistics_Resources",
    "Study_Design",
    "Invalid_Reason",
    "Study_Staff_Moved",
    "Covid19",
    "Another_Study",
    "Safety_Sideeffects",
    "Regulatory",
    "No_Context",
    "Interim_Analysis",
    "Endpoint_Met",
    "Insufficient_Data",
    "Ethical_Reason",
    "Unclassified",
    "Success",
)


class StopReasons(dict[str, str]):
    """NCT id -> stop-reason class, with ``rejected``: rows whose class is not one of the 18 (the source file has
    rows whose columns are shifted, a date where the class should be), counted so that nothing is lost silently."""

    rejected: int = 0
    conflicting: int = 0
    source: str | None = None  # the file's name and sha256, recorded in each task's manifest


def read_stop_reasons(path: Path) -> StopReasons:
    """NCT id -> predicted stop-reason class (``Insufficient_Enrollment``…) for every row with a known class."""
    if not path.is_file():
        raise SourceError(f"stop-reason labels not found: {path}")
    labels = StopReasons()
    labels.source = f"{path.name} sha256:{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}"
    known = set(STOP_REASON_CLASSES)
    with open_text(path) as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            nct_id, label = (row.get("nct_id") or "").strip(), (row.get("prediction") or "").strip()
            if nct_id.startswith("NCT") and label in known:
                if nct_id in labels and labels[nct_id] != label:
                    labels.conflicting += 1  # two rows disagree: the later row wins, and is counted
                labels[nct_id] = label
            else:
                labels.rejected += 1
    return labels
