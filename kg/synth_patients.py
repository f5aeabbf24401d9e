"""The graph side of synthetic patients: read trials' eligibility and the concept vocabulary, run a batch, write it.

Reads only, in read transactions; nothing synthetic is written to the graph. The checker's vocabulary is the MeSH
terms NLM indexed the graph's records with (plus the MeSH vocabulary's synonyms when it is loaded), built into a
small linker index in a temporary folder per batch, so a batch needs nothing beyond the graph it reads. Given an
output file, the batch is journalled beside it as it is made, and a rerun with the same settings resumes it.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import astuple
from pathlib import Path
from typing import Any

import neo4j

from trialgraph import cypher
from trialgraph.errors import ConfigError
from trialgraph.kg.graph import run_read
from trialgraph.models.synth.criteria import TrialInput
from trialgraph.models.synth.io import digest
from trialgraph.models.synth.patient_batch import SynthBatch, synthesize_patients, synthesize_patients_resumable
from trialgraph.models.synth.patients import KINDS, PatientKind
from trialgraph.models.synth.render import Renderer

__all__ = ["read_trial_inputs", "run_synth_patients", "sample_trial_ids"]


def sample_trial_ids(driver: neo4j.Driver, n: int, seed: int, *, database: str = "neo4j") -> list[str]:
    """A seeded sample of ``n`` trials that have criteria (the same trials for the same graph and seed)."""
    ids = [r["trial_id"] for r in run_read(driver, cypher.load("read/synth_trials_with_criteria"), database=database)]
    if n >= len(ids):
        return ids
    return sorted(random.Random(seed).sample(ids, n))


def read_trial_inputs(driver: neo4j.Driver, trial_ids: Sequence[str], *, database: str = "neo4j") -> list[TrialInput]:
    rows = run_read(
        driver, cypher.load("read/synth_trial_eligibility"), {"trial_ids": list(trial_ids)}, database=database
    )
    return [
        TrialInput(
            trial_id=row["trial_id"],
            record_id=row["record_id"],
            title=row["title"],
            min_age=row["min_age"],
            max_age=row["max_age"],
            sex=row["sex"],
            healthy_volunteers=row["healthy_volunteers"],
            criteria=tuple((c["kind"] or "", int(c["position"] or 0), c["text"]) for c in row["criteria"]),
            conditions=tuple((f"MESH:{c['mesh_id']}", c["name"]) for c in row["conditions"]),
        )
        for row in rows
    ]


def _vocabulary(driver: neo4j.Driver, database: str) -> list[Any]:
    from trialgraph.models.linking.tfidf import LinkerConcept, mesh_types

    concepts = []
    for row in run_read(driver, cypher.load("read/synth_vocabulary"), database=database):
        types = mesh_types(row["tree_numbers"], None) or tuple(sorted(row["roles"]))
        concepts.append(LinkerConcept(row["curie"], row["name"], tuple(row["synonyms"]), types))
    return concepts


def run_synth_patients(
    driver: neo4j.Driver,
    trial_ids: Sequence[str],
    renderer: Renderer,
    *,
    per_kind: int = 3,
    kinds: Sequence[PatientKind] = KINDS,
    seed: int = 0,
    database: str = "neo4j",
    out: Path | None = None,
    chunk: int = 8,
    on_item: Callable[[int], None] | None = None,
) -> SynthBatch:
    """Read the trials and the vocabulary, link with a per-batch index, and synthesise and check the notes.

    With ``out``, each checked note is journalled beside it as it is made (``chunk`` notes per render call) and a
    rerun resumes (:func:`~trialgraph.models.synth.patient_batch.synthesize_patients_resumable`); the vocabulary
    is part of the batch's fingerprint, since the check reads notes with it.

    Raises:
        ConfigError: none of ``trial_ids`` is in the graph, the graph has no MeSH terms to link with, or the journal
            beside ``out`` holds a batch made with other settings.
    """
    trials = read_trial_inputs(driver, trial_ids, database=database)
    if not trials:
        raise ConfigError(f"no trial found for {', '.join(trial_ids[:3])}: load it first (trialgraph load ctgov ...)")
    concepts = _vocabulary(driver, database)
    if not concepts:
        raise ConfigError("the graph has no MeSH terms on its records to link criteria with: load CT.gov records")
    from trialgraph.link import Linker
    from trialgraph.models.linking.tfidf import build_index

    with tempfile.TemporaryDirectory(prefix="trialgraph-synth-") as folder:
        build_index(concepts, Path(folder))
        linker = Linker(Path(folder))
        cache: dict[str, Any] = {}

        def find_mentions(text: str) -> Any:
            if text not in cache:
                cache[text] = linker(text)
            return cache[text]

        options: dict[str, Any] = {"per_kind": per_kind, "kinds": kinds, "seed": seed}
        if out is None:
            batch = synthesize_patients(trials, find_mentions, renderer, **options)
        else:
            vocabulary = {"vocabulary": f"{len(concepts)} concepts, {digest([astuple(c) for c in concepts])}"}
            batch = synthesize_patients_resumable(
                trials, find_mentions, renderer, out=out, chunk=chunk, context=vocabulary, on_item=on_item, **options
            )
    batch.report["trials_requested"] = len(trial_ids)
    batch.report["trials_not_found"] = len(trial_ids) - len(trials)
    batch.report["vocabulary_concepts"] = len(concepts)
    return batch
