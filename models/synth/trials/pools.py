"""Where a batch's labelled real trials come from: the graph (trials joined to outcome labels) or the label files.

A registry of pool builders keyed by name, so the CLI, the API and the experiment choose a pool the same way.
Outcome labels are read with the outcome readers (HINT's layout); only ``label`` and the trial's own fields are
used, never ``status`` or ``why_stop`` (they state the outcome).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from trialgraph.errors import ConfigError, UnknownNameError
from trialgraph.models.outcome.examples import OutcomeExample
from trialgraph.models.outcome.hint import read_hint
from trialgraph.models.synth.trials.exemplars import ExemplarPool, exemplar_from_outcome

__all__ = ["POOLS", "build_pool", "label_source_of", "pool_names", "read_labels"]


def read_labels(paths: Sequence[Path]) -> tuple[list[OutcomeExample], dict[str, Any]]:
    """All rows of the label files, and what was rejected per file (reason → count)."""
    if not paths:
        raise ConfigError("no outcome label file: give --labels PATH (HINT layout), e.g. phase_I_train.csv.gz")
    examples: list[OutcomeExample] = []
    rejected: dict[str, Any] = {}
    for path in paths:
        result = read_hint(path)
        examples += result.examples
        rejected[path.name] = dict(result.rejected)
    return examples, rejected


def label_source_of(paths: Sequence[Path]) -> str:
    return "outcome labels: " + ", ".join(p.name for p in paths)


def _file_pool(examples: Sequence[OutcomeExample], source: str, **_: Any) -> ExemplarPool:
    return ExemplarPool([exemplar_from_outcome(e, source) for e in examples], label_source=source)


def _graph_pool(
    examples: Sequence[OutcomeExample], source: str, *, driver: Any = None, database: str = "neo4j"
) -> ExemplarPool:
    from trialgraph.kg.synth import graph_exemplars

    if driver is None:
        raise ConfigError("the graph pool needs a running graph")
    labels = {e.nct_id: e.label for e in examples}
    return ExemplarPool(graph_exemplars(driver, labels, label_source=source, database=database), label_source=source)


POOLS: dict[str, Callable[..., ExemplarPool]] = {"graph": _graph_pool, "labels": _file_pool}


def pool_names() -> list[str]:
    return list(POOLS)


def build_pool(name: str, examples: Sequence[OutcomeExample], source: str, **options: Any) -> ExemplarPool:
    if name not in POOLS:
        raise UnknownNameError(f"unknown pool {name!r}; known: {', '.join(POOLS)}")
    return POOLS[name](examples, source, **options)
